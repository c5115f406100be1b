"""twarc2 JSON lines: raw Twitter API v2 response pages, or tweets flattened by `twarc2 flatten`.

A page is {"data": [tweets], "includes": {"users": [...], "tweets": [...]}, "meta": ...}; a
flattened line is one tweet with its "author" (and referenced tweets' authors) embedded. Both
can be mixed in one file. The file is streamed line by line in batches: a multi-GB collection
never has to fit in memory as JSON objects.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from astroturf.io import registry
from astroturf.io.formats._json import check_not_empty, iter_json_lines
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
from astroturf.io.formats.twarc2_arrow import read_flat_tweets
from astroturf.schema import Dataset

NAME = "twarc2"
POST_KEYS = ("post_id", "account_id", "created_at", "text", "kind", "target_post_id",
             "target_account_id", "urls", "hashtags", "mentions", "lang", "client")
ACCOUNT_KEYS = ("account_id", "handle", "display_name", "bio", "created_at", "followers",
                "following", "posts_count", "verified", "location", "url", "seen")
KIND_OF_REF = {"retweeted": "repost", "replied_to": "reply", "quoted": "quote"}
MAPPING = {
    "posts.post_id": "id", "posts.account_id": "author_id", "posts.created_at": "created_at",
    "posts.text": "text", "posts.kind": "referenced_tweets[].type",
    "posts.target_post_id": "referenced_tweets[].id",
    "posts.target_account_id": "in_reply_to_user_id / referenced tweet author_id",
    "posts.urls": "entities.urls[].expanded_url", "posts.hashtags": "entities.hashtags[].tag",
    "posts.mentions": "entities.mentions[].username", "posts.lang": "lang",
    "posts.client": "source", "accounts.account_id": "includes.users[].id / author.id",
    "accounts.handle": "username", "accounts.display_name": "name",
    "accounts.bio": "description", "accounts.created_at": "created_at",
    "accounts.followers": "public_metrics.followers_count",
    "accounts.following": "public_metrics.following_count",
    "accounts.posts_count": "public_metrics.tweet_count", "accounts.verified": "verified",
    "accounts.location": "location", "accounts.url": "url",
}


def sniff(sample: registry.Sample) -> float:
    """Pages have data+includes; flattened tweets have author_id and an embedded author."""
    obj = sample.first_object
    if isinstance(obj, dict):
        data = obj.get("data")
        if isinstance(data, list | dict) and ("includes" in obj or "meta" in obj):
            first = data[0] if isinstance(data, list) and data else data
            return 0.9 if isinstance(first, dict) and "author_id" in first else 0.6
        if "author_id" in obj and "text" in obj and "id" in obj:
            return 0.9 if isinstance(obj.get("author"), dict) or "__twarc" in obj else 0.65
    head = sample.text[:20000]
    if head.lstrip().startswith('{"data": [{') and '"author_id"' in head:
        return 0.85  # a page line longer than the sample (500 tweets + includes)
    if '"__twarc"' in head and '"author_id"' in head:
        return 0.6
    return 0.0


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ref_author(ref: dict[str, Any], tweets: dict[str, Any]) -> str | None:
    author = ref.get("author_id") or dig(ref, "author", "id")
    if author is None:
        author = dig(tweets.get(str(ref.get("id"))), "author_id")
    return as_id(author)


def _target(tweet: dict[str, Any], tweets: dict[str, Any]) -> tuple[str, Any, Any]:
    """kind, target post, target account from referenced_tweets (retweet > reply > quote)."""
    refs = {str(r.get("type")): r for r in _list(tweet.get("referenced_tweets"))
            if isinstance(r, dict)}
    for ref_type in ("retweeted", "replied_to", "quoted"):
        if ref_type in refs:
            ref = refs[ref_type]
            account = _ref_author(ref, tweets)
            if ref_type == "replied_to":
                account = as_id(tweet.get("in_reply_to_user_id")) or account
            return KIND_OF_REF[ref_type], as_id(ref.get("id")), account
    return "post", None, None


def _add_tweet(cols: dict[str, list[Any]], tweet: dict[str, Any], tweets: dict[str, Any]) -> None:
    kind, target, target_account = _target(tweet, tweets)
    ent = tweet.get("entities") or {}
    values = (
        as_id(tweet.get("id")), as_id(tweet.get("author_id") or dig(tweet, "author", "id")),
        tweet.get("created_at"), tweet.get("text"), kind, target, target_account,
        join_items(u.get("expanded_url") or u.get("url") for u in ent.get("urls") or []),
        join_items(h.get("tag") for h in ent.get("hashtags") or []),
        join_items(m.get("username") for m in ent.get("mentions") or []),
        tweet.get("lang"), tweet.get("source"),
    )
    for key, value in zip(POST_KEYS, values, strict=True):
        cols[key].append(value)


def _add_user(cols: dict[str, list[Any]], user: dict[str, Any], seen: Any) -> None:
    metrics = user.get("public_metrics") or {}
    values = (
        as_id(user.get("id")), user.get("username"), user.get("name"), user.get("description"),
        user.get("created_at"), metrics.get("followers_count"), metrics.get("following_count"),
        metrics.get("tweet_count"), user.get("verified"), user.get("location"), user.get("url"),
        seen,
    )
    for key, value in zip(ACCOUNT_KEYS, values, strict=True):
        cols[key].append(value)


def _add_line(obj: Any, posts: dict[str, list[Any]], users: dict[str, list[Any]],
              rlog: ReadLog, n: int) -> None:
    if not isinstance(obj, dict):
        rlog.bad_record(f"record {n}", "not a JSON object", "each line must be a page or tweet")
        return
    seen = dig(obj, "__twarc", "retrieved_at")
    if "data" in obj:
        data = obj["data"] if isinstance(obj["data"], list) else [obj["data"]]
        includes = obj.get("includes") or {}
        tweets = {str(t.get("id")): t for t in includes.get("tweets") or [] if isinstance(t, dict)}
        for user in includes.get("users") or []:
            if isinstance(user, dict):
                _add_user(users, user, seen)
        tweet_list = [t for t in data if isinstance(t, dict)]
    else:
        tweets = {}
        tweet_list = [obj]
        if isinstance(obj.get("author"), dict):
            _add_user(users, obj["author"], seen or obj.get("created_at"))
    for tweet in tweet_list:
        _add_tweet(posts, tweet, tweets)
    rlog.rows_read += len(tweet_list)


def read(path: str, *, mapping: dict[str, str] | None = None, strict: bool = False) -> Dataset:
    """Tweets and their authors' profiles from twarc2 pages or flattened tweets."""
    reject_mapping(mapping, NAME)
    check_not_empty(path)
    rlog = ReadLog(source=path, fmt=NAME, strict=strict)
    fast = read_flat_tweets(path)  # flattened tweets pyarrow can parse: whole columns
    if fast is not None:
        posts_df, users_df = fast
        rlog.rows_read = len(posts_df)
    else:
        posts_df, users_df = _read_records(path, rlog)
    return finish_dataset(posts_df, users_df, rlog, fmt=NAME, mapping=MAPPING)


def _read_records(path: str, rlog: ReadLog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Record by record: every shape (pages, mixed files, odd records skipped and counted)."""
    post_parts, user_parts = [], []
    n = 0
    for batch in iter_json_lines(path, rlog, batch_size=5_000):
        posts = {k: [] for k in POST_KEYS}
        users = {k: [] for k in ACCOUNT_KEYS}
        for obj in batch:
            n += 1
            add_record(rlog, f"record {n}", _add_line, obj, posts, users, rlog, n)
        post_parts.append(frame(posts))
        user_parts.append(frame(users).drop_duplicates())
    posts_df = pd.concat(post_parts, ignore_index=True) if post_parts else frame(
        {k: [] for k in POST_KEYS})
    users_df = pd.concat(user_parts, ignore_index=True) if user_parts else frame(
        {k: [] for k in ACCOUNT_KEYS})
    return posts_df, users_df


SPEC = registry.register(registry.FormatSpec(
    name=NAME,
    description="twarc2 JSON lines (Twitter API v2 pages, or `twarc2 flatten` output)",
    required=("post_id", "account_id", "created_at", "text"),
    optional=("kind", "target_post_id", "target_account_id", "urls", "hashtags", "mentions",
              "lang", "client", "accounts.handle", "accounts.display_name", "accounts.bio",
              "accounts.created_at", "accounts.followers", "accounts.following",
              "accounts.posts_count", "accounts.verified", "accounts.location", "accounts.url"),
    sniff=sniff,
    read=read,
    extensions=(".jsonl", ".json"),
))
