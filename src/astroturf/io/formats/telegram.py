"""Telegram Desktop export (``result.json``): one chat, or the all-chats export.

Message ids are only unique inside a chat, so post ids are '<chat id>:<message id>'. Channel
posts without ``from_id`` belong to the channel. Forwards are reposts; the export names only the
source ("forwarded_from", a display name) and not the original message, so the repost target is
a derived key 'fwd:<source>:<hash of text>' - the same forwarded message gets the same key in
every chat. Service messages (joins, pins, calls) are not posts: skipped and counted.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from astroturf.errors import InputError
from astroturf.io import registry
from astroturf.io.formats._json import check_not_empty, load_json_document
from astroturf.io.formats._records import (
    ReadLog,
    add_record,
    as_id,
    finish_dataset,
    frame,
    join_items,
    reject_mapping,
)
from astroturf.schema import Dataset

NAME = "telegram"
KEYS = ("chat", "chat_type", "id", "date_unixtime", "date", "from", "from_id", "text",
        "urls", "hashtags", "mentions", "reply_to", "forwarded_from")
CHANNEL_TYPES = ("public_channel", "private_channel")
MAPPING = {
    "posts.post_id": "<chat id>:<message id>", "posts.account_id": "from_id (else the channel)",
    "posts.created_at": "date_unixtime (else date, local time)", "posts.text": "text",
    "posts.kind": "reply_to_message_id -> reply, forwarded_from -> repost",
    "posts.target_post_id": "<chat id>:<reply_to_message_id> | fwd:<forwarded_from>:<text hash>",
    "posts.target_account_id": "forwarded_from_id | author of the replied message",
    "posts.urls": "text_entities link/text_link", "posts.hashtags": "text_entities hashtag",
    "posts.mentions": "text_entities mention", "accounts.display_name": "from",
}


def sniff(sample: registry.Sample) -> float:
    head = sample.text[:20000]
    if '"messages"' not in head:
        return 0.0
    tells = sum(t in head for t in ('"date_unixtime"', '"from_id"', '"text_entities"',
                                    '"public_channel"', '"private_supergroup"', '"chats"'))
    score = 0.5 + 0.15 * min(tells, 3)
    return min(0.95, score + (0.05 if sample.name == "result.json" else 0.0))


def _chats(doc: Any, rlog: ReadLog) -> list[dict[str, Any]]:
    if isinstance(doc, dict) and isinstance(doc.get("messages"), list):
        return [doc]
    chats = doc.get("chats") if isinstance(doc, dict) else None
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        return [c for c in chats["list"] if isinstance(c, dict)]
    _raise_missing(rlog)
    return []


def _raise_missing(rlog: ReadLog) -> None:
    raise InputError("no 'messages' (single chat) or 'chats.list' (all chats) in the file",
                     source=rlog.source,
                     hint="export the chat with Telegram Desktop as 'Machine-readable JSON'")


def _entities(msg: dict[str, Any]) -> list[dict[str, Any]]:
    ents = msg.get("text_entities")
    if isinstance(ents, list):
        return [e for e in ents if isinstance(e, dict)]
    text = msg.get("text")
    return [e for e in text if isinstance(e, dict)] if isinstance(text, list) else []


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", ""))
                       for p in value if isinstance(p, str | dict)) or None
    return value or None


def _add_message(cols: dict[str, list[Any]], chat: dict[str, Any], msg: dict[str, Any]) -> None:
    ents = _entities(msg)
    by_type: dict[str, list[str]] = {}
    for e in ents:
        value = e.get("href") if e.get("type") == "text_link" else e.get("text")
        by_type.setdefault(str(e.get("type")), []).append(value)
    forwarded = msg.get("forwarded_from_id") or msg.get("forwarded_from")
    values = (
        as_id(chat.get("id")), chat.get("type"), as_id(msg.get("id")), msg.get("date_unixtime"),
        msg.get("date"), msg.get("from"), msg.get("from_id"), _text(msg.get("text")),
        join_items(by_type.get("link", []) + by_type.get("text_link", [])),
        join_items(by_type.get("hashtag")),
        join_items(by_type.get("mention", []) + by_type.get("mention_name", [])),
        as_id(msg.get("reply_to_message_id")), as_id(forwarded),
    )
    for key, value in zip(KEYS, values, strict=True):
        cols[key].append(value)


def _collect(doc: Any, rlog: ReadLog) -> pd.DataFrame:
    cols: dict[str, list[Any]] = {k: [] for k in KEYS}
    for chat in _chats(doc, rlog):
        for n, msg in enumerate(chat.get("messages") or [], 1):
            rlog.rows_read += 1
            if not isinstance(msg, dict):
                rlog.bad_record(f"chat {chat.get('id')} message #{n}", "not a JSON object",
                                "re-export the chat")
            elif msg.get("type", "message") != "message":
                rlog.drop("service_message")
            else:
                add_record(rlog, f"chat {chat.get('id')} message #{n}", _add_message, cols,
                           chat, msg)
    return frame(cols)


def _to_posts(raw: pd.DataFrame, rlog: ReadLog) -> pd.DataFrame:
    channel = "channel" + raw["chat"]
    is_channel = raw["chat_type"].isin(CHANNEL_TYPES)
    account = raw["from_id"].where(raw["from_id"].notna() | ~is_channel, channel)
    has_epoch = raw["date_unixtime"].notna()
    if len(raw) and not has_epoch.all():
        rlog.warn("some messages have no 'date_unixtime': their local 'date' is taken as UTC "
                  "(export again with a recent Telegram Desktop for exact times)")
    created = raw["date_unixtime"] if len(raw) and has_epoch.all() else raw["date"]
    forwarded = raw["forwarded_from"].notna()
    digest = pd.util.hash_pandas_object(raw["text"].fillna(""), index=False).map("{:016x}".format)
    kind = pd.Series("post", index=raw.index).where(raw["reply_to"].isna(), "reply")
    kind = kind.where(~forwarded, "repost")
    target = (raw["chat"] + ":" + raw["reply_to"]).where(~forwarded,
                                                        "fwd:" + raw["forwarded_from"] + ":"
                                                        + digest.astype("str"))
    return pd.DataFrame({
        "post_id": raw["chat"] + ":" + raw["id"], "account_id": account, "created_at": created,
        "text": raw["text"], "kind": kind, "target_post_id": target,
        "target_account_id": raw["forwarded_from"].where(forwarded),
        "urls": raw["urls"], "hashtags": raw["hashtags"], "mentions": raw["mentions"],
    })


def read(path: str, *, mapping: dict[str, str] | None = None, strict: bool = False) -> Dataset:
    """Messages of every chat in the export; accounts are senders (display name only)."""
    reject_mapping(mapping, NAME)
    check_not_empty(path)
    rlog = ReadLog(source=path, fmt=NAME, strict=strict)
    raw = _collect(load_json_document(path, rlog), rlog)
    posts = _to_posts(raw, rlog)
    accounts = pd.DataFrame({"account_id": posts["account_id"], "display_name": raw["from"],
                             "seen": posts["created_at"]}).drop_duplicates()
    return finish_dataset(posts, accounts, rlog, fmt=NAME, mapping=MAPPING)


SPEC = registry.register(registry.FormatSpec(
    name=NAME,
    description="Telegram Desktop export result.json (one chat or all chats)",
    required=("post_id", "account_id", "created_at", "text", "kind"),
    optional=("target_post_id", "target_account_id", "urls", "hashtags", "mentions",
              "accounts.display_name"),
    sniff=sniff,
    read=read,
    extensions=(".json",),
))
