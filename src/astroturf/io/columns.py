"""Column roles: which source column holds which canonical field, and how sure that is.

Flat exports name the same thing many ways (``userid``, ``author``, ``poster_id``,
``retweet_of``, ``tweet_created_at`` ...). Each column is scored for each role by name: an exact
synonym below (also with punctuation removed, or as the last part of a dotted name) scores
highest, otherwise the name's words are matched against the role vocabularies of ``io.roles``.
Each candidate is then checked against a sample of its values (``io.values``: ids look like ids,
times parse, URLs look like URLs, a 0/1 flag is not a post id) and gets a confidence; columns are
assigned best first. ``--map FIELD=COLUMN`` overrides always win. Weak and ambiguous matches,
and name matches refused by their values, are reported (``Roles.notes``), never silent. With no
account-id column a handle column serves as the account id (``Roles.account_id_from_handle``).
Columns are never read by position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

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
                        "account.acct", "account.username", "author.handle",
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
# prefixes of nested names that describe the author rather than the post
_ACCOUNT_PREFIXES = {"user", "author", "account", "actor", "owner", "from", "sender", "creator",
                     "profile"}
_ACCOUNT_ONLY_SYNONYMS = {"created_at": "accounts.created_at", "createdat": "accounts.created_at",
                          "id": "accounts.account_id"}
AMBIGUOUS_MARGIN = 0.1  # a runner-up this close to the chosen column makes the match ambiguous
WEAK_BELOW = 0.6  # confidence under which a match is reported as weak
NO_SAMPLE_FIT = 0.9  # value factor when there are no values to check (names only)


@dataclass(frozen=True)
class RoleMatch:
    """One placed role: the column, how sure (0..1) and how it was found."""

    column: str
    confidence: float
    how: str  # 'exact name' | 'name words' | '--map' | 'handle as id' | 'format'


@dataclass
class Roles:
    """What column detection decided and what it could not decide, for meta and `inspect`."""

    matches: dict[str, RoleMatch]
    notes: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    account_id_from_handle: bool = False

    @property
    def mapping(self) -> dict[str, str]:
        """Key -> column, what the flat splitter needs."""
        return {k: m.column for k, m in sorted(self.matches.items())}

    def to_meta(self) -> dict[str, Any]:
        """meta entries: 'roles' {key: {column, confidence, how}}, 'role_notes',
        'unplaced_columns', 'account_id_from_handle'."""
        return {"roles": {k: {"column": m.column, "confidence": m.confidence, "how": m.how}
                          for k, m in sorted(self.matches.items())},
                "role_notes": list(self.notes), "unplaced_columns": list(self.unplaced),
                "account_id_from_handle": self.account_id_from_handle}


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


def _synonyms(key: str, table: str) -> tuple[str, ...]:
    synonyms = SYNONYMS.get(key, ())
    if table == "accounts":
        synonyms = synonyms + tuple(s for s, k in _ACCOUNT_ONLY_SYNONYMS.items() if k == key)
        if key == "accounts.account_id":
            synonyms = SYNONYMS["posts.account_id"] + synonyms
    return synonyms


def exact_score(key: str, column: str, table: str) -> float:
    """1.0 for an exact synonym, 0.97 with punctuation ignored, 0.9 as a dotted suffix."""
    synonyms = _synonyms(key, table)
    lower = column.strip().lower()
    if lower in synonyms:
        return 1.0
    if normalise(column) in {normalise(s) for s in synonyms}:
        return 0.97
    parts = lower.split(".")
    if len(parts) < 2:
        return 0.0
    owner = "accounts" if key.startswith("accounts.") or key == "posts.account_id" else "posts"
    about_account = parts[0] in _ACCOUNT_PREFIXES
    for syn in synonyms:
        if "." not in syn and normalise(parts[-1]) == normalise(syn) and (
                about_account == (owner == "accounts")) and (syn != "id" or about_account):
            return 0.9
    return 0.0


def _resolve_overrides(overrides: dict[str, str] | None, columns: list[str],
                       source: str) -> dict[str, str]:
    """--map FIELD=COLUMN pairs as key -> existing column ('' disables a field)."""
    out: dict[str, str] = {}
    for field_name, column in (overrides or {}).items():
        key = resolve_key(field_name, source=source)
        column = (column or "").strip()
        if column and column not in columns:
            folded = [c for c in columns if c.lower() == column.lower()]
            if len(folded) != 1:
                raise InputError(f"--map {field_name}={column}: no column {column!r}",
                                 source=source or None,
                                 details=f"Columns found: {list_columns(columns)}",
                                 hint=_close_hint(field_name, column, columns))
            column = folded[0]
        out[key] = column
        if key == "posts.account_id":
            out.setdefault("accounts.account_id", column)
    return out


def _close_hint(field_name: str, column: str, columns: list[str]) -> str:
    from rapidfuzz import process

    close = [m[0] for m in process.extract(column, columns, limit=3, score_cutoff=50)]
    if close:
        return "Did you mean: " + ", ".join(f"--map {field_name}={c}" for c in close)
    return "use one of the columns found (names are case-sensitive)"


def list_columns(columns: list[str], limit: int = 40) -> str:
    shown = ", ".join(columns[:limit])
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


def key_order(tables: tuple[str, ...]) -> list[str]:
    """Role keys in priority order (ties in confidence go to the earlier key)."""
    keys = [k for k in SYNONYMS if k.split(".", 1)[0] in tables]
    if "accounts" in tables and "posts" not in tables:
        keys = ["accounts.account_id", *keys]
    first = [k for k in ("posts.account_id", "accounts.account_id", "accounts.created_at",
                         "posts.created_at", "posts.post_id") if k in keys]
    return first + [k for k in keys if k not in first]


def detect_roles(columns: list[str], sample: pd.DataFrame | None = None, *,
                 overrides: dict[str, str] | None = None, source: str = "",
                 tables: tuple[str, ...] = ("posts", "accounts")) -> Roles:
    """Every role's column with its confidence; see the module docstring for how.

    ``overrides`` ({'account_id': 'uid', 'accounts.bio': 'about'}) win; an override whose column
    does not exist raises InputError with close matches. With ``tables=('accounts',)`` (a
    profile table) 'created_at'/'id' are the account's. A missing account id or post time
    raises InputError whose hint names only columns whose name and values fit the role.
    """
    from astroturf.io.role_assign import assign_roles

    columns = [str(c) for c in columns]
    forced = _resolve_overrides(overrides, columns, source)
    return assign_roles(columns, sample, forced=forced, source=source, tables=tables)


def detect_mapping(columns: list[str], sample: pd.DataFrame | None = None, *,
                   overrides: dict[str, str] | None = None, source: str = "",
                   tables: tuple[str, ...] = ("posts", "accounts")) -> dict[str, str]:
    """Canonical key ('posts.<field>' / 'accounts.<field>') -> source column (``detect_roles``
    without the confidences). The account id column maps to both tables."""
    return detect_roles(columns, sample, overrides=overrides, source=source,
                        tables=tables).mapping


def suggest_column(field_name: str, columns: list[str]) -> str | None:
    """The column whose name is closest to any synonym of ``field_name`` (rapidfuzz), or None."""
    from rapidfuzz import fuzz, process

    if not columns:
        return None
    key = field_name if field_name in SYNONYMS or "." in field_name else resolve_key(field_name)
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
