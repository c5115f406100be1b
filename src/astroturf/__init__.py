"""astroturf: find coordinated fake-advocacy accounts in exported social-media data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("astroturf-scan")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+local"

__all__ = ["__version__"]
