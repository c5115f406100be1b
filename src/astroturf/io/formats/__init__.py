"""Format modules. Importing this package registers every format with the registry."""
import astroturf.io.formats.bluesky
import astroturf.io.formats.crowdtangle
import astroturf.io.formats.generic_formats
import astroturf.io.formats.ioarchive
import astroturf.io.formats.mastodon
import astroturf.io.formats.reddit
import astroturf.io.formats.telegram
import astroturf.io.formats.twarc2
import astroturf.io.formats.twarc_csv  # noqa: F401
