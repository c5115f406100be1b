"""Mastodon account archive: ``outbox.json`` (+ ``actor.json`` beside it for the profile).

The outbox is an ActivityStreams OrderedCollection: ``Create`` activities carry a status
(content is HTML), ``Announce`` activities are boosts whose object is the boosted status URI.
Account ids are actor URIs, post ids are status URIs, so boosts and replies point at the same
ids across archives of different users. HTML is turned into text with vectorised regexes.
"""

from __future__ import annotations

import html
import os
from typing import Any

import pandas as pd

from astroturf.errors import InputError
from astroturf.io import registry
from astroturf.io.formats._json import check_not_empty, load_json_document
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
from astroturf.io.strings import findall_joined
from astroturf.schema import Dataset

NAME = "mastodon"
KEYS = ("type", "post_id", "account_id", "created_at", "content", "in_reply_to", "announced",
        "hashtags", "mentions", "lang")
LINK_RE = r"<a\s(?![^>]*class=\"[^\"]*(?:mention|hashtag))[^>]*href=\"([^\"]+)\""
STATUS_RE = r"^(https?://.+?)/statuses/[^/]+/?$"  # Mastodon status URI -> its actor URI
MAPPING = {
    "posts.post_id": "object.id (Announce: activity id)", "posts.account_id": "actor",
    "posts.created_at": "object.published | published", "posts.text": "object.content (HTML)",
    "posts.kind": "Announce -> repost, inReplyTo -> reply",
    "posts.target_post_id": "object (Announce) | object.inReplyTo",
    "posts.urls": "links in content", "posts.hashtags": "object.tag[Hashtag].name",
    "posts.mentions": "object.tag[Mention].name", "posts.lang": "object.contentMap key",
    "accounts.handle": "actor.json preferredUsername", "accounts.display_name": "name",
    "accounts.bio": "summary (HTML)", "accounts.created_at": "published", "accounts.url": "url",
}


def sniff(sample: registry.Sample) -> float:
    head = sample.text[:20000]
    if '"orderedItems"' in head and "activitystreams" in head:
        return 0.9
    if sample.name == "outbox.json" and '"orderedItems"' in head:
        return 0.8
    return 0.0


def html_to_text(s: pd.Series) -> pd.Series:
    """Text of HTML fragments: paragraph/line breaks become newlines, tags go, entities decoded."""
    s = s.str.replace(r"<br\s*/?>|</p>\s*<p[^>]*>", "\n", regex=True)
    s = s.str.replace(r"<[^>]+>", "", regex=True).str.strip()
    has_entity = s.str.contains("&", regex=False, na=False)
    if has_entity.any():
        s = s.copy()
        s[has_entity] = s[has_entity].map(html.unescape)
    return s.mask(s == "")


def _add_activity(cols: dict[str, list[Any]], act: dict[str, Any]) -> None:
    obj = act.get("object")
    kind = act.get("type")
    if kind == "Announce":
        values = (kind, as_id(act.get("id")), as_id(act.get("actor")), act.get("published"),
                  None, None, as_id(obj.get("id") if isinstance(obj, dict) else obj),
                  None, None, None)
    else:
        obj = obj if isinstance(obj, dict) else {}
        tags = [t for t in obj.get("tag") or [] if isinstance(t, dict)]
        values = (
            kind, as_id(obj.get("id") or act.get("id")),
            as_id(act.get("actor") or obj.get("attributedTo")),
            obj.get("published") or act.get("published"), obj.get("content"),
            as_id(obj.get("inReplyTo")), None,
            join_items(t.get("name") for t in tags if t.get("type") == "Hashtag"),
            join_items(t.get("name") for t in tags if t.get("type") == "Mention"),
            next(iter(obj.get("contentMap") or {}), None),
        )
    for key, value in zip(KEYS, values, strict=True):
        cols[key].append(value)


def _collect(doc: Any, rlog: ReadLog) -> pd.DataFrame:
    items = doc.get("orderedItems") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise InputError("no 'orderedItems' list: not a Mastodon outbox", source=rlog.source,
                         hint="give the outbox.json from the unpacked Mastodon archive")
    cols: dict[str, list[Any]] = {k: [] for k in KEYS}
    for n, act in enumerate(items, 1):
        rlog.rows_read += 1
        if not isinstance(act, dict):
            rlog.bad_record(f"orderedItems #{n}", "not a JSON object", "re-export the archive")
        elif act.get("type") not in ("Create", "Announce"):
            rlog.drop("other_activity")
        else:
            add_record(rlog, f"orderedItems #{n}", _add_activity, cols, act)
    return frame(cols)


def _to_posts(raw: pd.DataFrame) -> pd.DataFrame:
    boost = raw["type"] == "Announce"
    target = raw["announced"].where(boost, raw["in_reply_to"])
    kind = pd.Series("post", index=raw.index).where(raw["in_reply_to"].isna(), "reply")
    return pd.DataFrame({
        "post_id": raw["post_id"], "account_id": raw["account_id"],
        "created_at": raw["created_at"], "text": html_to_text(raw["content"]),
        "kind": kind.where(~boost, "repost"), "target_post_id": target,
        "target_account_id": target.str.extract(STATUS_RE, expand=False),
        "urls": findall_joined(raw["content"], LINK_RE),
        "hashtags": raw["hashtags"], "mentions": raw["mentions"], "lang": raw["lang"],
    })


def _actor(path: str, rlog: ReadLog) -> pd.DataFrame:
    """The profile from actor.json next to the outbox (absent: accounts are ids only)."""
    actor_path = os.path.join(os.path.dirname(path), "actor.json")
    if path == "-" or not os.path.exists(actor_path):
        return pd.DataFrame({"account_id": pd.Series([], dtype="str")})
    doc = load_json_document(actor_path, ReadLog(source=actor_path, fmt=NAME))
    if not isinstance(doc, dict):
        rlog.warn("actor.json is not a JSON object; profile ignored")
        return pd.DataFrame({"account_id": pd.Series([], dtype="str")})
    row = frame({"account_id": [as_id(doc.get("id"))], "handle": [doc.get("preferredUsername")],
                 "display_name": [doc.get("name")], "bio": [doc.get("summary")],
                 "created_at": [doc.get("published")], "url": [dig(doc, "url")]})
    return row.assign(bio=html_to_text(row["bio"]))


def read(path: str, *, mapping: dict[str, str] | None = None, strict: bool = False) -> Dataset:
    """Statuses and boosts of one archive; the profile comes from actor.json when present."""
    reject_mapping(mapping, NAME)
    check_not_empty(path)
    rlog = ReadLog(source=path, fmt=NAME, strict=strict)
    posts = _to_posts(_collect(load_json_document(path, rlog), rlog))
    return finish_dataset(posts, _actor(path, rlog), rlog, fmt=NAME, mapping=MAPPING)


SPEC = registry.register(registry.FormatSpec(
    name=NAME,
    description="Mastodon archive outbox.json (+ actor.json beside it for the profile)",
    required=("post_id", "account_id", "created_at", "text", "kind"),
    optional=("target_post_id", "target_account_id", "urls", "hashtags", "mentions", "lang",
              "accounts.handle", "accounts.display_name", "accounts.bio", "accounts.created_at",
              "accounts.url"),
    sniff=sniff,
    read=read,
    extensions=(".json",),
))
