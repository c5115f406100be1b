"""twarc-csv output: Twitter API v2 tweets flattened to dotted columns, one row per tweet.

Entity cells (``entities.hashtags`` ...) hold JSON lists of objects. The values are pulled out
with a vectorised regex; only cells with JSON escapes (non-ASCII hashtags, escaped slashes) are
decoded with ``json.loads`` (JSON is data, never code).
"""

from __future__ import annotations

import json
import re

import pandas as pd

from astroturf.io import registry
from astroturf.io.formats._records import read_flat
from astroturf.io.strings import na_strings
from astroturf.schema import Dataset

NAME = "twarc_csv"
MAPPING = {
    "posts.post_id": "id", "posts.account_id": "author_id", "posts.created_at": "created_at",
    "posts.text": "text", "posts.repost_target": "referenced_tweets.retweeted.id",
    "posts.repost_target_account": "retweeted_user_id",
    "posts.reply_target": "referenced_tweets.replied_to.id",
    "posts.reply_target_account": "in_reply_to_user_id",
    "posts.quote_target": "referenced_tweets.quoted.id", "posts.urls": "_urls",
    "posts.hashtags": "_hashtags", "posts.mentions": "_mentions", "posts.lang": "lang",
    "posts.client": "source", "accounts.account_id": "author_id",
    "accounts.handle": "author.username", "accounts.display_name": "author.name",
    "accounts.bio": "author.description", "accounts.created_at": "author.created_at",
    "accounts.followers": "author.public_metrics.followers_count",
    "accounts.following": "author.public_metrics.following_count",
    "accounts.posts_count": "author.public_metrics.tweet_count",
    "accounts.verified": "author.verified", "accounts.location": "author.location",
    "accounts.url": "author.url",
}
ENTITY_FIELDS = {"_urls": ("entities.urls", ("expanded_url", "url")),
                 "_hashtags": ("entities.hashtags", ("tag",)),
                 "_mentions": ("entities.mentions", ("username",))}
LABELS = {name: f"{column} ({'/'.join(keys)})" for name, (column, keys) in ENTITY_FIELDS.items()}
TELLS = ("referenced_tweets.retweeted.id", "referenced_tweets.replied_to.id", "author.username",
         "entities.hashtags", "__twarc.retrieved_at", "author_id", "conversation_id")


def sniff(sample: registry.Sample) -> float:
    if not sample.header:
        return 0.0
    header = set(sample.header)
    hits = sum(t in header for t in TELLS)
    return 0.9 if hits >= 4 and "id" in header else 0.6 if hits >= 3 else 0.0


def entity_values(cells: pd.Series, keys: tuple[str, ...]) -> pd.Series:
    """Space-joined values of the first of ``keys`` found in each object of a JSON list cell."""
    cells = cells.astype("str")
    if not cells.notna().any():  # .str.findall(...).str.join fails on an all-NA column
        return na_strings(cells.index)
    key = keys[0]
    pattern = rf'"{re.escape(key)}":\s*"((?:[^"\\]|\\.)*)"'
    out = cells.str.findall(pattern).str.join(" ")
    for fallback in keys[1:]:
        alt = cells.str.findall(rf'"{re.escape(fallback)}":\s*"((?:[^"\\]|\\.)*)"').str[:1]
        out = out.mask(out.fillna("") == "", alt.str.join(" "))
    escaped = cells.str.contains("\\", regex=False, na=False)
    if escaped.any():
        out = out.copy()
        out[escaped] = cells[escaped].map(lambda c: _decode_cell(c, keys))
    return out.mask(out.fillna("") == "")


def _decode_cell(cell: str, keys: tuple[str, ...]) -> str | None:
    try:
        items = json.loads(cell)
    except ValueError:
        return None
    values = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            value = next((item[k] for k in keys if item.get(k)), None)
            if value:
                values.append(str(value).replace(" ", "%20"))
    return " ".join(values) or None


def _prepare(table: pd.DataFrame) -> pd.DataFrame:
    derived = {name: entity_values(table[column], keys)
               for name, (column, keys) in ENTITY_FIELDS.items() if column in table.columns}
    return table.assign(**derived)


def read(path: str, *, mapping: dict[str, str] | None = None, strict: bool = False) -> Dataset:
    """Tweets with authors' profiles; kind and targets from the referenced_tweets columns."""
    return read_flat(path, MAPPING, mapping, fmt=NAME, strict=strict,
                     prepare=_prepare, inputs=tuple(c for c, _ in ENTITY_FIELDS.values()),
                     labels=LABELS)


SPEC = registry.register(registry.FormatSpec(
    name=NAME,
    description="twarc-csv output (Twitter API v2 tweets with dotted column names)",
    required=("post_id", "account_id", "created_at", "text", "kind"),
    optional=("target_post_id", "target_account_id", "urls", "hashtags", "mentions", "lang",
              "client", "accounts.handle", "accounts.display_name", "accounts.bio",
              "accounts.created_at", "accounts.followers", "accounts.following",
              "accounts.posts_count", "accounts.verified", "accounts.location", "accounts.url"),
    sniff=sniff,
    read=read,
    extensions=(".csv",),
))
