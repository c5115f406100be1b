"""CrowdTangle historical-data CSV (Facebook pages/groups, Instagram accounts).

Times look like '2021-03-01 14:05:07 EST': the zone abbreviation is replaced by its UTC offset
(vectorised) before parsing, so EST and EDT rows land on the right instant. The account is the
page's Facebook Id (Instagram exports have none: the user name), the post id comes from the
post URL. Hashtags are taken from the message text (the export has no hashtag column).
"""

from __future__ import annotations

import pandas as pd

from astroturf.io import registry
from astroturf.io.formats._records import read_flat
from astroturf.io.strings import findall_joined
from astroturf.schema import Dataset

NAME = "crowdtangle"
ZONES = {"EST": "-05:00", "EDT": "-04:00", "CST": "-06:00", "CDT": "-05:00", "MST": "-07:00",
         "MDT": "-06:00", "PST": "-08:00", "PDT": "-07:00", "AKST": "-09:00", "AKDT": "-08:00",
         "HST": "-10:00", "UTC": "+00:00", "GMT": "+00:00", "BST": "+01:00", "CET": "+01:00",
         "CEST": "+02:00"}
POST_ID_RE = (r"(?:/posts/|/videos/|/photos/[^/]+/|/p/|/reel/|/permalink/|story_fbid=|fbid=)"
              r"([\w-]+)")
MAPPING = {
    "posts.post_id": "_post_id", "posts.account_id": "_account", "posts.created_at": "_created",
    "posts.text": "_text", "posts.urls": "_urls", "posts.hashtags": "_hashtags",
    "accounts.account_id": "_account", "accounts.handle": "User Name",
    "accounts.display_name": "_name", "accounts.bio": "Page Description",
    "accounts.created_at": "_page_created", "accounts.followers": "_followers",
    "accounts.location": "Page Admin Top Country",
}
SOURCES = {
    "_account": ("Facebook Id", "User Name", "Account"),
    "_created": ("Post Created",), "_text": ("Message", "Description"),
    "_urls": ("Final Link", "Link"), "_name": ("Page Name", "Account"),
    "_page_created": ("Page Created",), "_followers": ("Followers at Posting", "Likes at Posting"),
}
INPUTS = ("URL", *sorted({c for cols in SOURCES.values() for c in cols}))
LABELS = {**{name: " | ".join(cols) for name, cols in SOURCES.items()},
          "_post_id": "URL (id part)", "_hashtags": "#tags in Message"}
TELLS = ("Post Created", "Total Interactions", "Facebook Id", "Page Name", "User Name",
         "Followers at Posting", "Likes at Posting", "Overperforming Score")


def sniff(sample: registry.Sample) -> float:
    if not sample.header:
        return 0.0
    header = " | ".join(sample.header)
    hits = sum(t in header for t in TELLS)
    return 0.9 if hits >= 4 and "Post Created" in header else 0.6 if hits >= 3 else 0.0


def zone_to_offset(values: pd.Series) -> pd.Series:
    """'2021-03-01 14:05:07 EST' -> '2021-03-01 14:05:07-05:00' (unknown zones left as is)."""
    s = values.astype("str").str.strip()
    parts = s.str.extract(r"^(.*\S)\s+([A-Z]{2,5})$")  # one vectorised pass, any zone
    offset = parts[1].map(ZONES)
    return (parts[0] + offset).where(offset.notna(), s)


def _coalesce(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    out = pd.Series(pd.NA, index=table.index, dtype="str")
    for column in columns:
        if column in table.columns:
            value = table[column].astype("str").str.strip()
            if not isinstance(value, pd.Series):  # duplicated header: the first column
                value = value.iloc[:, 0]
            out = out.fillna(value.mask(value == ""))
    return out.astype("str")


def _prepare(table: pd.DataFrame) -> pd.DataFrame:
    derived = {name: _coalesce(table, cols) for name, cols in SOURCES.items()}
    for name in ("_created", "_page_created"):
        derived[name] = zone_to_offset(derived[name])
    url = _coalesce(table, ("URL",))
    derived["_post_id"] = url.str.extract(POST_ID_RE, expand=False).fillna(url)
    derived["_hashtags"] = findall_joined(derived["_text"], r"#(\w+)")
    return table.assign(**derived)


def read(path: str, *, mapping: dict[str, str] | None = None, strict: bool = False) -> Dataset:
    """Page/account posts with page profiles (followers at the time of the latest post)."""
    return read_flat(path, MAPPING, mapping, fmt=NAME, strict=strict,
                     prepare=_prepare, inputs=INPUTS, labels=LABELS)


SPEC = registry.register(registry.FormatSpec(
    name=NAME,
    description="CrowdTangle historical-data CSV (Facebook pages/groups, Instagram)",
    required=("post_id", "account_id", "created_at", "text"),
    optional=("urls", "hashtags", "accounts.handle", "accounts.display_name", "accounts.bio",
              "accounts.created_at", "accounts.followers", "accounts.location"),
    sniff=sniff,
    read=read,
    extensions=(".csv",),
))
