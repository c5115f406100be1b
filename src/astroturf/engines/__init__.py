"""Execution engines: where the scan's stages run (this process, or a Dask cluster)."""
