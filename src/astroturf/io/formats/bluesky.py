"""Bluesky post views (app.bsky.feed.defs#postView) as JSON lines or a saved API response.

Accepted per line or per document: a postView {"uri", "author", "record", "indexedAt"}; a feed
item {"post": postView, "reason": {"$type": "...#reasonRepost", "by", "indexedAt"}} (a repost
by ``by`` of ``post``); or a whole response {"posts": [...]} (searchPosts) / {"feed": [...]}
(getAuthorFeed, getTimeline). Accounts are DIDs (stable across handle changes), posts AT URIs.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from astroturf.io import registry
from astroturf.io.formats._json import check_not_empty, iter_json_lines, load_json_document
from astroturf.io.formats._records import (
    ReadLog,
    add_record,
    as_id,
    dig,
    finish_dataset,
    frame,
    join_items,
    reject_mapping,
)
from astroturf.io.formats.bluesky_arrow import read_lines
from astroturf.io.opening import read_head
from astroturf.schema import Dataset

NAME = "bluesky"
POST_KEYS = ("post_id", "account_id", "created_at", "text", "kind", "target_post_id",
             "urls", "hashtags", "mentions", "lang")
USER_KEYS = ("account_id", "handle", "display_name", "bio", "created_at", "seen")
DID_RE = r"^at://([^/]+)/"
MAPPING = {
    "posts.post_id": "uri", "posts.account_id": "author.did",
    "posts.created_at": "record.createdAt (repost: reason.indexedAt)",
    "posts.text": "record.text", "posts.kind": "record.reply / record.embed / reasonRepost",
    "posts.target_post_id": "record.reply.parent.uri | embed record uri | reposted post uri",
    "posts.target_account_id": "DID in the target URI", "posts.urls": "link facets + embed",
    "posts.hashtags": "tag facets + record.tags", "posts.mentions": "mention facets",
    "posts.lang": "record.langs[0]", "accounts.handle": "author.handle",
    "accounts.display_name": "author.displayName", "accounts.bio": "author.description",
    "accounts.created_at": "author.createdAt",
}


def sniff(sample: registry.Sample) -> float:
    head = sample.text[:20000]
    if "at://did:" in head and "app.bsky.feed.post" in head:
        return 0.9 if '"record"' in head else 0.7
    return 0.0


def _facets(record: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Links, tags and mentions (the @handle as written, else the DID) from rich-text facets."""
    links, tags, mentions = [], [], []
    raw = str(record.get("text") or "").encode("utf-8")
    for facet in record.get("facets") or []:
        for feat in (facet.get("features") or []) if isinstance(facet, dict) else []:
            kind = str(feat.get("$type", ""))
            if kind.endswith("#link"):
                links.append(feat.get("uri"))
            elif kind.endswith("#tag"):
                tags.append(feat.get("tag"))
            elif kind.endswith("#mention"):
                idx = facet.get("index") or {}
                written = raw[idx.get("byteStart", 0):idx.get("byteEnd", 0)].decode(
                    "utf-8", errors="ignore")
                mentions.append(written if written.startswith("@") else feat.get("did"))
    tags.extend(t for t in record.get("tags") or [] if isinstance(t, str))
    return links, tags, mentions


def _embed_target(record: dict[str, Any]) -> tuple[str | None, str | None]:
    """(quoted post uri, external link) from the record's embed."""
    embed = record.get("embed") or {}
    kind = str(embed.get("$type", ""))
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        return dig(embed, "record", "record", "uri"), None
    if kind.startswith("app.bsky.embed.record"):
        return dig(embed, "record", "uri"), None
    if kind.startswith("app.bsky.embed.external"):
        return None, dig(embed, "external", "uri")
    return None, None


def _add_post(posts: dict[str, list[Any]], view: dict[str, Any]) -> None:
    record = view.get("record") if isinstance(view.get("record"), dict) else {}
    links, tags, mentions = _facets(record)
    quoted, external = _embed_target(record)
    parent = dig(record, "reply", "parent", "uri")
    kind, target = ("reply", parent) if parent else ("quote", quoted) if quoted else ("post", None)
    langs = record.get("langs") or [None]
    values = (as_id(view.get("uri")), as_id(dig(view, "author", "did")),
              record.get("createdAt") or view.get("indexedAt"), record.get("text"), kind,
              target, join_items([*links, external]), join_items(tags), join_items(mentions),
              langs[0])
    for key, value in zip(POST_KEYS, values, strict=True):
        posts[key].append(value)


def _add_user(users: dict[str, list[Any]], author: Any, seen: Any) -> None:
    if not isinstance(author, dict):
        return
    values = (as_id(author.get("did")), author.get("handle"), author.get("displayName"),
              author.get("description"), author.get("createdAt"), seen)
    for key, value in zip(USER_KEYS, values, strict=True):
        users[key].append(value)


def _add_item(item: Any, posts: dict[str, list[Any]], users: dict[str, list[Any]],
              rlog: ReadLog) -> None:
    """One postView, feed item or whole response document."""
    if isinstance(item, dict) and isinstance(item.get("posts") or item.get("feed"), list):
        for sub in item.get("posts") or item.get("feed"):
            _add_item(sub, posts, users, rlog)
        return
    view = item.get("post") if isinstance(item, dict) and "post" in item else item
    if not isinstance(view, dict) or "uri" not in view:
        rlog.rows_read += 1
        rlog.bad_record(f"record {rlog.rows_read}", "not a Bluesky post view",
                        "each item needs 'uri', 'author' and 'record'")
        return
    rlog.rows_read += 1
    _add_post(posts, view)
    _add_user(users, view.get("author"), view.get("indexedAt"))
    reason = item.get("reason") if isinstance(item.get("reason"), dict) else {}
    if str(reason.get("$type", "")).endswith("reasonRepost") and isinstance(reason.get("by"),
                                                                            dict):
        by = as_id(reason["by"].get("did"))
        values = (reason.get("uri") or f"repost:{by}:{view['uri']}", by,
                  reason.get("indexedAt"), None, "repost", as_id(view["uri"]), None, None,
                  None, None)
        for key, value in zip(POST_KEYS, values, strict=True):
            posts[key].append(value)
        _add_user(users, reason["by"], reason.get("indexedAt"))


def _items(path: str, rlog: ReadLog) -> Any:
    """JSON lines in batches, or one (pretty-printed) document as a single batch."""
    head = read_head(path, 1 << 16).lstrip(b"\xef\xbb\xbf \t\r\n")
    first = head.split(b"\n", 1)[0].strip()
    if first.startswith(b"{") and first.endswith(b"}"):
        yield from iter_json_lines(path, rlog, batch_size=5_000)
    else:
        doc = load_json_document(path, rlog)
        yield doc if isinstance(doc, list) else [doc]


def read(path: str, *, mapping: dict[str, str] | None = None, strict: bool = False) -> Dataset:
    """Posts (and reposts from feed items) with their authors' basic profiles."""
    reject_mapping(mapping, NAME)
    check_not_empty(path)
    rlog = ReadLog(source=path, fmt=NAME, strict=strict)
    fast = read_lines(path)  # lines of post views / feed items pyarrow parses: whole columns
    if fast is not None:
        posts_df, users_df, rlog.rows_read = fast
    else:
        posts_df, users_df = _read_records(path, rlog)
    posts_df["target_account_id"] = posts_df["target_post_id"].str.extract(DID_RE, expand=False)
    return finish_dataset(posts_df, users_df, rlog, fmt=NAME, mapping=MAPPING)


def _read_records(path: str, rlog: ReadLog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Record by record: documents, mixed lines, odd records (skipped and counted)."""
    post_parts, user_parts = [], []
    for batch in _items(path, rlog):
        posts = {k: [] for k in POST_KEYS}
        users = {k: [] for k in USER_KEYS}
        for item in batch:
            add_record(rlog, f"record {rlog.rows_read + 1}", _add_item, item, posts, users,
                       rlog)
        post_parts.append(frame(posts))
        user_parts.append(frame(users).drop_duplicates())
    if not post_parts:
        post_parts, user_parts = [frame({k: [] for k in POST_KEYS})], [frame(
            {k: [] for k in USER_KEYS})]
    return pd.concat(post_parts, ignore_index=True), pd.concat(user_parts, ignore_index=True)


SPEC = registry.register(registry.FormatSpec(
    name=NAME,
    description="Bluesky post views / feed items (searchPosts, getAuthorFeed) as JSON or JSONL",
    required=("post_id", "account_id", "created_at", "text", "kind"),
    optional=("target_post_id", "target_account_id", "urls", "hashtags", "mentions", "lang",
              "accounts.handle", "accounts.display_name", "accounts.bio", "accounts.created_at"),
    sniff=sniff,
    read=read,
    extensions=(".json", ".jsonl"),
))
