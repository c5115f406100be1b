"""Report writers: turn a ``ScanResult`` into files an analyst can open, check and publish.

``write_report`` (report.writer) writes the tables, evidence, graph files, report.html and
manifest.json into one directory; the other modules each own one output or one part of the
HTML report.
"""

from astroturf.report.writer import (
    GRAPH_STEM,
    HTML_NAME,
    MANIFEST_NAME,
    complete_manifest,
    planned_paths,
    write_report,
)

__all__ = ["GRAPH_STEM", "HTML_NAME", "MANIFEST_NAME", "complete_manifest", "planned_paths",
           "write_report"]
