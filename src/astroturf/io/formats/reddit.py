"""Reddit NDJSON of submissions or comments (Pushshift dumps, Arctic Shift, API listings).

Post ids are Reddit "fullnames" (t3_ submissions, t1_ comments) so that a comment's
``parent_id`` points at the canonical id of what it answers. Authors are usernames (stable on
Reddit and present in every dump, unlike ``author_fullname``); '[deleted]' authors cannot be
attributed and are dropped and counted. Dumps are streamed in batches, so a 2 GB ``.zst``
never needs its decompressed size in memory.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from astroturf.io import registry
from astroturf.io.formats._json import check_not_empty, iter_json_lines
from astroturf.io.formats._records import (
    ReadLog,
    finish_dataset,
    frame,
    reject_mapping,
)
from astroturf.io.strings import const_strings
from astroturf.schema import Dataset

NAME = "reddit"
RAW_KEYS = ("id", "name", "author", "created_utc", "title", "selftext", "body", "parent_id",
            "url", "is_self", "domain", "crosspost_parent", "author_created_utc")
DELETED = ("[deleted]", "[removed]")
URL_RE = r"https?://[^\s<>\[\]()\"'`]+"
USER_RE = r"(?:^|[^\w/])/?u/([A-Za-z0-9_-]{3,20})"
MAPPING = {
    "posts.post_id": "name (t3_/t1_ + id)", "posts.account_id": "author",
    "posts.created_at": "created_utc", "posts.text": "title + selftext | body",
    "posts.kind": "comment -> reply, crosspost -> repost",
    "posts.target_post_id": "parent_id | crosspost_parent",
    "posts.urls": "url (link posts) + links in text", "posts.mentions": "u/name in text",
    "accounts.account_id": "author", "accounts.handle": "author",
    "accounts.created_at": "author_created_utc",
}


def sniff(sample: registry.Sample) -> float:
    obj = sample.first_object
    if isinstance(obj, dict) and "created_utc" in obj and "author" in obj:
        if "subreddit" in obj or "subreddit_id" in obj:
            return 0.9 if ("body" in obj or "title" in obj) else 0.7
        return 0.5
    return 0.0


def _batch_frame(batch: list[Any], rlog: ReadLog) -> pd.DataFrame:
    cols: dict[str, list[Any]] = {k: [] for k in RAW_KEYS}
    for n, obj in enumerate(batch):
        if not isinstance(obj, dict):
            rlog.bad_record(f"record {rlog.rows_read + n + 1}", "not a JSON object",
                            "each line must be one submission or comment")
            continue
        obj = obj.get("data", obj) if obj.get("kind") in ("t1", "t3") else obj  # API listing
        for key in RAW_KEYS:
            cols[key].append(obj.get(key))
    rlog.rows_read += len(batch)
    return _to_posts(frame(cols))


def _arrow_raw(path: str) -> pd.DataFrame | None:
    """The RAW_KEYS columns through pyarrow.json (None: read record by record). API listings
    ({"kind": "t1", "data": {...}}) and fields of unexpected shape take the record path."""
    import pyarrow as pa

    from astroturf.io.arrowjson import column, read_json_table, to_frame

    table = read_json_table(path)
    if table is None or "data" in table.column_names:
        return None
    cols = {}
    for key in RAW_KEYS:
        array = column(table, key)
        if array is None:
            array = pa.nulls(table.num_rows, pa.large_string())
        elif pa.types.is_nested(array.type):
            return None
        cols[key] = array
    return to_frame(cols)


def _clean_text(s: pd.Series) -> pd.Series:
    """Reddit stores text HTML-escaped; placeholders for removed text are not text."""
    s = s.mask(s.isin(DELETED) | (s.str.strip() == ""))
    escaped = s.str.contains("&", regex=False, na=False)
    if escaped.any():
        s = s.copy()
        s[escaped] = s[escaped].str.replace("&lt;", "<", regex=False).str.replace(
            "&gt;", ">", regex=False).str.replace("&amp;", "&", regex=False)
    return s


def _found(text: pd.Series, pattern: str, needle: str) -> pd.Series:
    """Matches of ``pattern`` space-joined ('' when none); the Python-level regex runs only on
    the texts that contain ``needle`` (every match does)."""
    out = const_strings("", text.index).where(text.notna())
    has = text.str.contains(needle, regex=False, na=False)
    if has.any():
        out[has] = text[has].str.findall(pattern).str.join(" ")
    return out


def _to_posts(raw: pd.DataFrame) -> pd.DataFrame:
    """Canonical-named columns from one batch of raw Reddit fields (all vectorised)."""
    is_comment = raw["body"].notna() | raw["parent_id"].notna()
    prefix = const_strings("t3_", raw.index).where(~is_comment, "t1_")
    ids = raw["id"].str.replace(r"^t[13]_", "", regex=True)
    post_id = raw["name"].where(raw["name"].str.match(r"^t[13]_", na=False), prefix + ids)
    title, selftext = _clean_text(raw["title"]), _clean_text(raw["selftext"])
    sub_text = title.str.cat(selftext, sep="\n\n", na_rep="").str.strip().mask(
        title.isna() & selftext.isna())
    text = _clean_text(raw["body"]).where(is_comment, sub_text)
    link = raw["url"].where(raw["is_self"].str.lower().ne("true")
                            & ~raw["domain"].str.startswith("self.", na=False))
    link = link.where(~is_comment)
    in_text = _found(text, URL_RE, "http")
    urls = link.str.cat(in_text, sep=" ", na_rep="").str.strip()
    crosspost = raw["crosspost_parent"].where(~is_comment)
    kind = const_strings("post", raw.index).where(~is_comment, "reply").where(
        crosspost.isna(), "repost")
    return pd.DataFrame({
        "post_id": post_id, "account_id": raw["author"], "created_at": raw["created_utc"],
        "text": text, "kind": kind,
        "target_post_id": raw["parent_id"].where(is_comment, crosspost),
        "urls": urls, "mentions": _found(text, USER_RE, "u/"),
        "author_created": raw["author_created_utc"],
    })


def read(path: str, *, mapping: dict[str, str] | None = None, strict: bool = False) -> Dataset:
    """Submissions and/or comments; accounts are the authors (creation time when dumped)."""
    reject_mapping(mapping, NAME)
    check_not_empty(path)
    rlog = ReadLog(source=path, fmt=NAME, strict=strict)
    raw = _arrow_raw(path)  # a dump pyarrow parses as it is: whole columns
    if raw is not None:
        rlog.rows_read = len(raw)
        posts = _to_posts(raw)
    else:
        parts = [_batch_frame(batch, rlog) for batch in iter_json_lines(path, rlog)]
        posts = pd.concat(parts, ignore_index=True) if parts else _to_posts(
            frame({k: [] for k in RAW_KEYS}))
    deleted = posts["account_id"].isin(DELETED)
    rlog.drop("deleted_author", int(deleted.sum()))
    posts = posts[~deleted]
    accounts = pd.DataFrame({"account_id": posts["account_id"], "handle": posts["account_id"],
                             "created_at": posts["author_created"],
                             "seen": posts["created_at"]}).drop_duplicates()
    return finish_dataset(posts.drop(columns="author_created"), accounts, rlog, fmt=NAME,
                          mapping=MAPPING)


SPEC = registry.register(registry.FormatSpec(
    name=NAME,
    description="Reddit NDJSON submissions/comments (Pushshift, Arctic Shift dumps; .zst ok)",
    required=("post_id", "account_id", "created_at", "text", "kind"),
    optional=("target_post_id", "urls", "mentions", "accounts.handle", "accounts.created_at"),
    sniff=sniff,
    read=read,
    extensions=(".ndjson", ".jsonl", ".zst"),
))
