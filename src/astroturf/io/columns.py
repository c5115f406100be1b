"""Column auto-detection: which source column holds which canonical field.

Flat exports name the same thing many ways (``userid``, ``author_id``, ``user.id`` ...). A
synonym table per field is matched in three passes (exact lower-case name, then the name with
non-alphanumerics removed, then the last segment of a dotted/nested name such as
``author.public_metrics.followers_count``), and where a sample of values is given each candidate is
checked against it (a time column must parse as times, an id column must not be mostly empty).
``--map FIELD=COLUMN`` overrides always win. Columns are never read by position.
"""

from __future__ import annotations

import re

import pandas as pd

from astroturf.errors import InputError
from astroturf.schema import ACCOUNT_FIELDS, POST_FIELDS

# Canonical keys ('posts.<field>' / 'accounts.<field>') plus a few auxiliary post keys that the
# flat splitter turns into kind/target columns: repost/reply/quote targets.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "posts.account_id": ("account_id", "user_id", "userid", "author_id", "uid", "owner_id",
                         "from_id", "user.id", "author.id", "actor_id", "actor.id", "did",
                         "account.id", "user.id_str", "author_did", "sender_id"),
    "accounts.handle": ("handle", "screen_name", "user_screen_name", "username",
                        "user.screen_name", "author.username", "user.username", "acct",
                        "account.acct", "account.username", "author", "author.handle",
                        "user_handle", "account_handle"),
    "accounts.display_name": ("display_name", "user_display_name", "name", "user_name",
                              "author_name", "user.name", "author.name", "account.display_name",
                              "author.display_name", "full_name"),
    "accounts.bio": ("bio", "description", "user_profile_description", "user.description",
                     "author.description", "note", "account.note", "summary",
                     "profile_description", "user_description"),
    "accounts.created_at": ("account_created_at", "account_creation_date", "user_created_at",
                            "user.created_at", "author.created_at", "account.created_at",
                            "author_created_at", "account_created", "user_creation_date"),
    "posts.created_at": ("created_at", "tweet_time", "timestamp", "publish_date", "date",
                         "time", "datetime", "posted_at", "post_time", "created_utc",
                         "timestamp_share", "published", "published_at", "post_date",
                         "indexed_at", "createdat", "creation_date"),
    "posts.text": ("text", "tweet_text", "content", "tweet", "message", "body", "full_text",
                   "selftext", "post_text", "message_text", "record.text"),
    "posts.post_id": ("post_id", "id", "tweetid", "tweet_id", "status_id", "content_id",
                      "message_id", "uri", "id_str", "postid", "msg_id"),
    "posts.kind": ("kind", "post_type", "type", "is_retweet", "tweet_type", "post_kind"),
    "posts.target_post_id": ("target_post_id", "target_id"),
    "posts.target_account_id": ("target_account_id", "target_user_id"),
    "posts.repost_target": ("retweet_tweetid", "retweeted_status_id", "retweet_id",
                            "retweeted_id", "object_id", "repost_of", "reblog_of_id",
                            "retweeted_status.id", "reposted_id", "forwarded_from_id",
                            "referenced_tweets.retweeted.id"),
    "posts.repost_target_account": ("retweet_userid", "retweeted_user_id",
                                    "retweeted_status.user.id", "retweet_user_id"),
    "posts.reply_target": ("in_reply_to_tweetid", "in_reply_to_status_id", "in_reply_to_id",
                           "reply_to", "parent_id", "reply_to_msg_id",
                           "referenced_tweets.replied_to.id", "in_reply_to"),
    "posts.reply_target_account": ("in_reply_to_userid", "in_reply_to_user_id",
                                   "in_reply_to_account_id", "reply_to_user_id"),
    "posts.quote_target": ("quoted_tweet_tweetid", "quoted_status_id", "quote_id",
                           "quoted_id", "referenced_tweets.quoted.id"),
    "posts.urls": ("urls", "url", "expanded_urls", "links", "url_id", "link", "entities.urls",
                   "expanded_url"),
    "posts.hashtags": ("hashtags", "hashtag", "tags", "hashtag_id", "entities.hashtags"),
    "posts.mentions": ("mentions", "user_mentions", "entities.mentions",
                       "entities.user_mentions", "mentioned_users"),
    "posts.lang": ("lang", "language", "tweet_language", "post_language"),
    "posts.client": ("client", "source", "tweet_client_name", "app", "application",
                     "application.name", "via"),
    "accounts.followers": ("followers", "follower_count", "followers_count",
                           "user_followers_count", "numberoffollowers", "number_of_followers",
                           "user.followers_count", "author.public_metrics.followers_count",
                           "subscribers"),
    "accounts.following": ("following", "following_count", "friends_count",
                           "user_friends_count", "user_following_count", "numberoffollowings",
                           "numeroffollowings", "number_of_followings", "number_of_following",
                           "user.friends_count", "author.public_metrics.following_count"),
    "accounts.posts_count": ("posts_count", "statuses_count", "updates", "tweet_count",
                             "user_statuses_count", "numberoftweets", "number_of_tweets",
                             "user.statuses_count", "author.public_metrics.tweet_count"),
    "accounts.verified": ("verified", "user_verified", "is_verified", "user.verified",
                          "author.verified"),
    "accounts.location": ("location", "user_reported_location", "user_location",
                          "user.location", "author.location"),
    "accounts.url": ("profile_url", "user_profile_url", "user_url", "user.url", "author.url",
                     "account_url"),
}

REQUIRED_KEYS = ("posts.account_id", "posts.created_at")
FIELD_LABELS = {"posts.account_id": "account id", "posts.created_at": "post time",
                "accounts.account_id": "account id"}
ID_KEYS = {"posts.account_id", "posts.post_id", "accounts.account_id"}
TIME_KEYS = {"posts.created_at", "accounts.created_at"}
NUMBER_KEYS = {"accounts.followers", "accounts.following", "accounts.posts_count"}
# prefixes of nested names that describe the author rather than the post
_ACCOUNT_PREFIXES = {"user", "author", "account", "actor", "owner", "from", "sender", "creator",
                     "profile"}
_ACCOUNT_ONLY_SYNONYMS = {"created_at": "accounts.created_at", "createdat": "accounts.created_at",
                          "id": "accounts.account_id"}


def normalise(name: str) -> str:
    """Lower-case with every non-alphanumeric character removed ('User.Screen_Name' -> ...)."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def all_keys() -> list[str]:
    """Every key --map accepts, canonical and auxiliary."""
    return sorted(set(SYNONYMS) | {f"posts.{f}" for f in POST_FIELDS}
                  | {f"accounts.{f}" for f in ACCOUNT_FIELDS})


def resolve_key(field: str, *, source: str = "") -> str:
    """'account_id' -> 'posts.account_id', 'bio' -> 'accounts.bio'; full keys pass through."""
    known = all_keys()
    key = field.strip()
    if "." not in key:
        key = f"posts.{key}" if f"posts.{key}" in known else f"accounts.{key}"
    if key not in known:
        short = sorted({k.split(".", 1)[1] for k in known})
        raise InputError(f"unknown field {field!r} in --map", source=source or None,
                         hint=f"known fields: {', '.join(short)}")
    return key


def _candidates(key: str, columns: list[str], table: str) -> list[str]:
    """Columns that may hold ``key``, best first (exact, normalised, dotted suffix)."""
    synonyms = SYNONYMS.get(key, ())
    if table == "accounts":
        synonyms = synonyms + tuple(s for s, k in _ACCOUNT_ONLY_SYNONYMS.items() if k == key)
        if key == "accounts.account_id":
            synonyms = SYNONYMS["posts.account_id"] + synonyms
    lower = {c: c.strip().lower() for c in columns}
    norm = {c: normalise(c) for c in columns}
    out: list[str] = []
    for syn in synonyms:
        out += [c for c in columns if lower[c] == syn and c not in out]
    for syn in synonyms:
        out += [c for c in columns if norm[c] == normalise(syn) and c not in out]
    owner = "accounts" if key.startswith("accounts.") or key == "posts.account_id" else "posts"
    for syn in synonyms:
        if "." in syn:
            continue
        for c in columns:
            parts = lower[c].split(".")
            if len(parts) < 2 or c in out or normalise(parts[-1]) != normalise(syn):
                continue
            about_account = parts[0] in _ACCOUNT_PREFIXES
            if about_account == (owner == "accounts") and (syn != "id" or about_account):
                out.append(c)
    return out


def _plausible(key: str, values: pd.Series | None) -> bool:
    """Do the sample values fit the field? (times parse, ids mostly present, counts numeric)."""
    if values is None or len(values) == 0:
        return True
    present = values.dropna()
    if present.dtype != object and str(present.dtype) == "str":
        present = present[present.str.strip() != ""]
    if key in ID_KEYS:
        return len(present) >= 0.5 * len(values)
    if len(present) == 0:
        return key not in TIME_KEYS
    if key in TIME_KEYS:
        from astroturf.io.timeparse import parse_fraction

        return parse_fraction(present.reset_index(drop=True)) > 0.9
    if key in NUMBER_KEYS:
        return bool(pd.to_numeric(present, errors="coerce").notna().mean() > 0.9)
    return True


def _resolve_overrides(overrides: dict[str, str] | None, columns: list[str],
                       source: str) -> dict[str, str]:
    """--map FIELD=COLUMN pairs as key -> existing column ('' disables a field)."""
    out: dict[str, str] = {}
    for field, column in (overrides or {}).items():
        key = resolve_key(field, source=source)
        column = (column or "").strip()
        if column and column not in columns:
            folded = [c for c in columns if c.lower() == column.lower()]
            if len(folded) != 1:
                raise InputError(f"--map {field}={column}: no column {column!r}",
                                 source=source or None,
                                 details=f"Columns found: {_list(columns)}",
                                 hint=_close_hint(field, column, columns))
            column = folded[0]
        out[key] = column
        if key == "posts.account_id":
            out.setdefault("accounts.account_id", column)
    return out


def _close_hint(field: str, column: str, columns: list[str]) -> str:
    from rapidfuzz import process

    close = [m[0] for m in process.extract(column, columns, limit=3, score_cutoff=50)]
    if close:
        return "Did you mean: " + ", ".join(f"--map {field}={c}" for c in close)
    return "use one of the columns found (names are case-sensitive)"


def _list(columns: list[str], limit: int = 40) -> str:
    shown = ", ".join(columns[:limit])
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


def _key_order(tables: tuple[str, ...]) -> list[str]:
    keys = [k for k in SYNONYMS if k.split(".", 1)[0] in tables]
    if "accounts" in tables and "posts" not in tables:
        keys = ["accounts.account_id", *keys]
    first = [k for k in ("posts.account_id", "accounts.account_id", "accounts.created_at",
                         "posts.created_at", "posts.post_id") if k in keys]
    return first + [k for k in keys if k not in first]


def detect_mapping(columns: list[str], sample: pd.DataFrame | None = None, *,
                   overrides: dict[str, str] | None = None, source: str = "",
                   tables: tuple[str, ...] = ("posts", "accounts")) -> dict[str, str]:
    """Canonical key ('posts.<field>' / 'accounts.<field>') -> source column.

    ``overrides`` ({'account_id': 'uid', 'accounts.bio': 'about'}) win; an override whose column
    does not exist raises InputError with close matches. The account id column maps to both
    tables. With ``tables=('accounts',)`` (a profile table) 'created_at'/'id' are the account's.
    Missing required fields raise InputError with a 'Did you mean: --map ...' hint.
    """
    columns = [str(c) for c in columns]
    mapping = {k: v for k, v in _resolve_overrides(overrides, columns, source).items() if v}
    disabled = {k for k, v in _resolve_overrides(overrides, columns, source).items() if not v}
    used = set(mapping.values())
    table_of = "accounts" if tables == ("accounts",) else "posts"
    for key in _key_order(tables):
        if key in mapping or key in disabled:
            continue
        if key == "accounts.account_id" and "posts.account_id" in mapping:
            mapping[key] = mapping["posts.account_id"]
            continue
        for column in _candidates(key, columns, table_of):
            if column in used:
                continue
            values = sample[column] if sample is not None and column in sample else None
            if _plausible(key, values):
                mapping[key] = column
                used.add(column)
                break
    if "posts.account_id" in mapping:
        mapping.setdefault("accounts.account_id", mapping["posts.account_id"])
    required = REQUIRED_KEYS if "posts" in tables else ("accounts.account_id",)
    for key in required:
        if key not in mapping:
            _missing(key, columns, used, source)
    return dict(sorted(mapping.items()))


def _missing(key: str, columns: list[str], used: set[str], source: str) -> None:
    field = key.split(".", 1)[1]
    label = FIELD_LABELS.get(key, field.replace("_", " "))
    free = [c for c in columns if c not in used] or columns
    best = suggest_column(key, free)
    hint = (f"Did you mean: --map {field}={best}" if best
            else f"add a column for the {label} or name it with --map {field}=COLUMN")
    raise InputError(f"no column for the {label}.", source=source or None,
                     details=f"Columns found: {_list(columns)}", hint=hint)


def suggest_column(field: str, columns: list[str]) -> str | None:
    """The column whose name is closest to any synonym of ``field`` (rapidfuzz), or None."""
    from rapidfuzz import fuzz, process

    if not columns:
        return None
    key = field if field in SYNONYMS or "." in field else resolve_key(field)
    synonyms = SYNONYMS.get(key) or SYNONYMS.get("posts.account_id", ())
    best: tuple[float, int, str] | None = None
    for rank, syn in enumerate(synonyms):
        match = process.extractOne(syn, columns, scorer=fuzz.WRatio, processor=normalise)
        if match is None:
            continue
        candidate = (match[1], -rank, match[0])
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is None or best[0] < 40:
        return None
    return best[2]
