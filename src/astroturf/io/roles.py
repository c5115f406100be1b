"""Column roles by meaning: a column name split into words and matched against role vocabularies.

Exports name one thing many ways (``retweet_of``, ``retweeted_status_id``, ``RTof``); a list of
exact synonyms always misses the next one. Here a name is split into words (snake, camel, dotted,
spaces, and run-together words such as ``userid`` broken against the vocabulary), each word is
put into a class (an account word, an id word, a time word ...) and a role matches when its
rule's classes are present and none of its excluded classes is. Words a rule does not explain
lower the score, so ``my_odd_retweet_flag`` is a weak match, not a sure one. The exact
synonyms of ``columns.SYNONYMS`` still score highest. Values are checked elsewhere
(``io.values``); this module only reads names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# word classes (singular forms; plurals are folded by ``name_tokens``)
ACCOUNT = frozenset({"user", "author", "account", "poster", "owner", "sender", "from", "actor",
                     "creator", "member", "publisher", "uploader", "submitter", "commenter",
                     "writer", "page", "channel"})
POST = frozenset({"post", "tweet", "status", "message", "msg", "toot", "submission", "comment",
                  "entry", "item", "content"})
ID = frozenset({"id", "uid", "did", "key", "identifier", "pk", "uri", "urn", "guid", "uuid",
                "tid", "sid", "ref"})
HANDLE = frozenset({"handle", "username", "screen", "login", "acct", "nick", "nickname", "alias",
                    "sn"})
NAME = frozenset({"name", "displayname", "fullname", "display", "full", "real"})
TIME = frozenset({"time", "date", "datetime", "timestamp", "ts", "created", "creation", "posted",
                  "published", "publish", "sent", "utc", "when", "epoch", "unix", "unixtime",
                  "day"})
ACCOUNT_TIME = frozenset({"created", "creation", "joined", "join", "registered", "registration",
                          "signup", "since"})
OTHER_TIME = frozenset({"harvested", "collected", "collection", "retrieved", "scraped",
                        "crawled", "downloaded", "fetched", "updated", "edited", "modified",
                        "deleted", "indexed", "archived", "last", "seen", "expires", "expiry",
                        "birthday", "birth", "end", "start"})
REPOST = frozenset({"retweet", "retweeted", "repost", "reposted", "rt", "reblog", "reblogged",
                    "share", "shared", "forward", "forwarded", "fwd", "boost", "boosted",
                    "crosspost", "reshare", "reshared"})
REPLY = frozenset({"reply", "replied", "replying", "parent"})
QUOTE = frozenset({"quote", "quoted"})
TARGET = frozenset({"target", "of", "original", "orig"})
TEXT = frozenset({"text", "body", "content", "message", "msg", "caption", "selftext",
                  "fulltext"})
TEXT_WEAK = frozenset({"tweet", "status", "post", "title", "full"})
URL = frozenset({"url", "link", "href", "expanded", "web"})
SITE = frozenset({"website", "homepage", "site"})
HASHTAG = frozenset({"hashtag", "tag"})
MENTION = frozenset({"mention", "mentioned"})
LANG = frozenset({"lang", "language", "locale"})
CLIENT = frozenset({"client", "source", "app", "application", "via", "device", "agent"})
KIND = frozenset({"kind", "type"})
IS = frozenset({"is", "was", "has"})
COUNT = frozenset({"count", "number", "num", "n", "total", "nb", "cnt"})
MEASURE = frozenset({"length", "len", "size", "chars", "characters", "words", "ratio", "score",
                     "rank", "percent", "pct"})
FOLLOWER = frozenset({"follower", "subscriber", "fan"})
FOLLOWING = frozenset({"following", "friend", "followee", "followings"})
POSTS_COUNTED = frozenset({"status", "tweet", "post", "update"})
ENGAGEMENT = frozenset({"like", "favorite", "favourite", "view", "impression", "reaction",
                        "interaction", "comment", "score"})
BIO = frozenset({"bio", "description", "about", "summary", "note", "biography", "desc", "intro"})
VERIFIED = frozenset({"verified", "blue", "checkmark"})
LOCATION = frozenset({"location", "place", "city", "country", "region", "geo"})
PROFILE = frozenset({"profile"})
# neutral words: never penalised, never required
GLUE = frozenset({"of", "at", "in", "to", "on", "the", "by", "a", "data", "public", "metrics",
                  "entities", "str", "raw", "value", "field", "col", "column", "reported",
                  "info", "object", "record", "with", "and", "for", "x", "v", "meta", "main",
                  "referenced"})
_GROUPS = (ACCOUNT, POST, ID, HANDLE, NAME, TIME, ACCOUNT_TIME, OTHER_TIME, REPOST, REPLY, QUOTE,
           TARGET, TEXT, TEXT_WEAK, URL, SITE, HASHTAG, MENTION, LANG, CLIENT, KIND, IS, COUNT,
           MEASURE, FOLLOWER, FOLLOWING, POSTS_COUNTED, ENGAGEMENT, BIO, VERIFIED, LOCATION,
           PROFILE, GLUE)
WORDS = frozenset().union(*_GROUPS) | {"in", "reply", "to", "screen", "name"}
_MAX_WORD = max(len(w) for w in WORDS)


@dataclass(frozen=True)
class Rule:
    """A role matches when every ``need`` class is present and no ``avoid`` class is.

    Words outside ``need``, ``also`` and GLUE are unexplained: each multiplies the score by
    UNEXPLAINED. ``exact`` rules accept no unexplained word at all.
    """

    key: str
    need: tuple[frozenset[str], ...]
    score: float
    also: tuple[frozenset[str], ...] = ()
    avoid: tuple[frozenset[str], ...] = ()
    exact: bool = False


UNEXPLAINED = 0.8
MIN_SCORE = 0.3
_LINKS = (REPOST, REPLY, QUOTE, TARGET, MENTION)
_STRINGS_AVOID = (ID, COUNT, MEASURE, TIME, URL)
RULES: tuple[Rule, ...] = (
    Rule("posts.account_id", (ACCOUNT, ID), 0.95, avoid=(*_LINKS, COUNT, MEASURE, URL, TIME,
                                                         HASHTAG)),
    Rule("posts.account_id", (frozenset({"uid", "did"}),), 0.85, exact=True),
    Rule("posts.account_id", (ACCOUNT,), 0.75, exact=True),
    Rule("accounts.handle", (HANDLE,), 0.9, also=(ACCOUNT, NAME),
         avoid=(*_LINKS, *_STRINGS_AVOID)),
    Rule("accounts.display_name", (frozenset({"display", "full", "real", "displayname",
                                              "fullname"}),), 0.9, also=(NAME, ACCOUNT),
         avoid=(*_LINKS, *_STRINGS_AVOID, HANDLE)),
    Rule("accounts.display_name", (NAME,), 0.7, also=(ACCOUNT, PROFILE),
         avoid=(*_LINKS, *_STRINGS_AVOID, HANDLE, CLIENT, POST, HASHTAG, LOCATION)),
    Rule("accounts.bio", (BIO,), 0.85, also=(ACCOUNT, PROFILE),
         avoid=(*_LINKS, *_STRINGS_AVOID, POST)),
    Rule("accounts.created_at", (ACCOUNT, ACCOUNT_TIME), 0.95, also=(TIME, PROFILE),
         avoid=(OTHER_TIME, POST, *_LINKS, COUNT, ID)),
    Rule("accounts.created_at", (frozenset({"joined", "registered", "registration", "signup"}),),
         0.85, also=(TIME, ACCOUNT_TIME), avoid=(OTHER_TIME, POST, *_LINKS, COUNT, ID)),
    Rule("posts.created_at", (TIME,), 0.9, also=(POST, ACCOUNT_TIME),
         avoid=(ACCOUNT, OTHER_TIME, REPLY, QUOTE, COUNT, MEASURE, ID, PROFILE)),
    Rule("posts.text", (TEXT,), 0.9, also=(POST, TEXT_WEAK),
         avoid=(*_LINKS, *_STRINGS_AVOID, LANG, KIND, HASHTAG, CLIENT, NAME, ACCOUNT, BIO)),
    Rule("posts.text", (TEXT_WEAK,), 0.65, also=(POST,),
         avoid=(*_LINKS, *_STRINGS_AVOID, LANG, KIND, HASHTAG, CLIENT, NAME, ACCOUNT, BIO),
         exact=True),
    Rule("posts.post_id", (ID,), 0.85, also=(POST,), exact=True),
    Rule("posts.repost_target", (REPOST, frozenset(ID | TARGET | POST)), 0.9,
         also=(ID, TARGET, POST), avoid=(ACCOUNT, COUNT, MEASURE, TIME, IS, KIND, URL, TEXT,
                                         HANDLE, NAME)),
    Rule("posts.repost_target", (REPOST,), 0.6, exact=True),
    Rule("posts.repost_target_account", (REPOST, ACCOUNT), 0.9, also=(ID, TARGET),
         avoid=(COUNT, MEASURE, TIME, NAME, HANDLE, URL)),
    Rule("posts.reply_target", (REPLY,), 0.9, also=(ID, TARGET, POST),
         avoid=(ACCOUNT, COUNT, MEASURE, TIME, TEXT, HANDLE, NAME, URL, REPOST, QUOTE)),
    Rule("posts.reply_target_account", (REPLY, ACCOUNT), 0.9, also=(ID, TARGET),
         avoid=(COUNT, MEASURE, TIME, NAME, HANDLE, URL)),
    Rule("posts.quote_target", (QUOTE,), 0.9, also=(ID, POST, TARGET),
         avoid=(ACCOUNT, COUNT, MEASURE, TIME, TEXT, HANDLE, NAME, URL, REPOST, REPLY)),
    Rule("posts.target_post_id", (frozenset({"target"}), ID), 0.85, also=(POST,),
         avoid=(ACCOUNT,)),
    Rule("posts.target_account_id", (frozenset({"target"}), ACCOUNT), 0.85, also=(ID,)),
    Rule("posts.urls", (URL,), 0.85, also=(POST, ID),
         avoid=(ACCOUNT, PROFILE, COUNT, MEASURE, SITE, TIME)),
    Rule("posts.hashtags", (HASHTAG,), 0.85, also=(ID, POST), avoid=(ACCOUNT, COUNT, MEASURE)),
    Rule("posts.mentions", (MENTION,), 0.85, also=(ACCOUNT, ID, HANDLE, NAME),
         avoid=(COUNT, MEASURE)),
    Rule("posts.lang", (LANG,), 0.85, also=(POST,), avoid=(ACCOUNT, PROFILE)),
    Rule("posts.client", (CLIENT,), 0.75, also=(NAME, POST),
         avoid=(ACCOUNT, URL, ID, COUNT, TIME)),
    Rule("posts.kind", (KIND,), 0.8, also=(POST,), avoid=(ACCOUNT, ID, COUNT, TIME)),
    Rule("posts.kind", (IS, frozenset(REPOST | REPLY | QUOTE)), 0.9, also=(POST,)),
    Rule("posts.kind", (REPOST,), 0.55, exact=True),
    Rule("accounts.followers", (FOLLOWER,), 0.9, also=(COUNT, ACCOUNT),
         avoid=(ID, URL, TIME, MEASURE)),
    Rule("accounts.following", (FOLLOWING,), 0.9, also=(COUNT, ACCOUNT),
         avoid=(ID, URL, TIME, MEASURE)),
    Rule("accounts.posts_count", (COUNT, POSTS_COUNTED), 0.85, also=(ACCOUNT,),
         avoid=(REPOST, REPLY, QUOTE, ENGAGEMENT, ID, TIME, MEASURE)),
    Rule("accounts.verified", (VERIFIED,), 0.9, also=(ACCOUNT, IS)),
    Rule("accounts.location", (LOCATION,), 0.8, also=(ACCOUNT, PROFILE),
         avoid=(ID, URL, TIME, COUNT, POST)),
    Rule("accounts.url", (URL, frozenset(ACCOUNT | PROFILE)), 0.9, also=(ACCOUNT, PROFILE),
         avoid=(COUNT, MEASURE, TIME, frozenset({"image", "avatar", "banner", "photo"}))),
    Rule("accounts.url", (SITE,), 0.8, also=(ACCOUNT, PROFILE, URL)),
)
# on a profile table (--accounts) a post-shaped name means the account's field
ACCOUNT_TABLE_KEYS = {"posts.account_id": "accounts.account_id",
                      "posts.created_at": "accounts.created_at",
                      "posts.post_id": "accounts.account_id", "posts.urls": "accounts.url"}


@lru_cache(maxsize=4096)
def name_tokens(name: str) -> tuple[str, ...]:
    """Words of a column name: 'tweet_created_at' -> (tweet, created, at); 'userID',
    'user.id', 'User Id' -> (user, id); 'numberoffollowers' -> (number, of, follower)."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name).strip())
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    out: list[str] = []
    for part in re.split(r"[^0-9a-z]+", s.lower()):
        if part:
            out += [_singular(w) for w in _split_run(part)]
    return tuple(out)


def _singular(word: str) -> str:
    if word in WORDS:
        return word
    for cut, add in (("ies", "y"), ("ses", "s"), ("es", ""), ("s", "")):
        if word.endswith(cut) and word[: -len(cut)] + add in WORDS:
            return word[: -len(cut)] + add
    return word


def _split_run(part: str) -> list[str]:
    """'userid' -> ['user', 'id'] by the fewest vocabulary words covering it; else [part]."""
    if part in WORDS or len(part) > 40 or part.isdigit():
        return [part]
    n = len(part)
    best: list[list[str] | None] = [[]] + [None] * n
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_WORD - 3), end):
            prev = best[start]
            word = _singular(part[start:end])
            if prev is None or word not in WORDS:
                continue
            if best[end] is None or len(prev) + 1 < len(best[end]):  # type: ignore[arg-type]
                best[end] = [*prev, word]
    return best[n] or [part]


def _rule_score(rule: Rule, words: set[str]) -> float:
    if not all(words & group for group in rule.need):
        return 0.0
    if any(words & group for group in rule.avoid):
        return 0.0
    explained = set(GLUE).union(*rule.need, *rule.also)
    unexplained = len(words - explained)
    if rule.exact and unexplained:
        return 0.0
    return rule.score * UNEXPLAINED ** unexplained


def name_scores(column: str, *, profile_table: bool = False) -> dict[str, float]:
    """Role key -> how well ``column``'s words fit the role (best rule), scores >= MIN_SCORE.

    ``profile_table``: a separate accounts file, where 'created_at' or 'id' are the account's.
    """
    words = set(name_tokens(column)) - {""}
    scores: dict[str, float] = {}
    for rule in RULES:
        score = _rule_score(rule, words)
        key = rule.key
        if profile_table:
            key = ACCOUNT_TABLE_KEYS.get(key, key)
            if not key.startswith("accounts."):
                continue
        if score >= MIN_SCORE and score > scores.get(key, 0.0):
            scores[key] = round(score, 3)
    return scores
