"""Reading inputs. The logic lives in ``io.dataset`` (one entry point, ``read_dataset``), the
formats in ``io.formats``; this package only re-exports the public functions."""

from astroturf.io.dataset import detect_format, read_accounts, read_dataset

__all__ = ["detect_format", "read_accounts", "read_dataset"]
