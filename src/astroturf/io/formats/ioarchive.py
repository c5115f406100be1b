"""X/Twitter information-operations archive CSV (the state-backed operations releases).

One row per tweet with the author's profile repeated; ``userid`` is often a hash for accounts
with few followers. ``tweet_time`` has minute resolution ('YYYY-MM-DD HH:MM', UTC), so
co-action windows under 60 s are meaningless on this data (``meta['resolution_s']`` says 60).
List cells ("['a', 'b']" or "[a, b]") are tokenised with string operations, never eval'ed.
"""

from __future__ import annotations

from astroturf.io import registry
from astroturf.io.formats._records import read_flat
from astroturf.schema import Dataset

NAME = "ioarchive"
MAPPING = {
    "posts.post_id": "tweetid", "posts.account_id": "userid", "posts.created_at": "tweet_time",
    "posts.text": "tweet_text", "posts.kind": "is_retweet",
    "posts.repost_target": "retweet_tweetid", "posts.repost_target_account": "retweet_userid",
    "posts.reply_target": "in_reply_to_tweetid",
    "posts.reply_target_account": "in_reply_to_userid",
    "posts.quote_target": "quoted_tweet_tweetid", "posts.urls": "urls",
    "posts.hashtags": "hashtags", "posts.mentions": "user_mentions",
    "posts.lang": "tweet_language", "posts.client": "tweet_client_name",
    "accounts.account_id": "userid", "accounts.handle": "user_screen_name",
    "accounts.display_name": "user_display_name", "accounts.bio": "user_profile_description",
    "accounts.created_at": "account_creation_date", "accounts.followers": "follower_count",
    "accounts.following": "following_count", "accounts.location": "user_reported_location",
    "accounts.url": "user_profile_url",
}
TELLS = ("tweetid", "userid", "tweet_time", "user_screen_name", "is_retweet",
         "account_creation_date", "tweet_client_name", "user_reported_location")


def sniff(sample: registry.Sample) -> float:
    """The archive's own column names; 0.9 when most are there."""
    if not sample.header:
        return 0.0
    header = {h.strip().lower() for h in sample.header}
    hits = sum(t in header for t in TELLS)
    if "tweetid" in header and "userid" in header and hits >= 4:
        return 0.9
    return 0.6 if hits >= 4 else 0.0


def read(path: str, *, mapping: dict[str, str] | None = None, strict: bool = False) -> Dataset:
    """Tweets and per-account profiles (latest value per field by tweet time)."""
    return read_flat(path, MAPPING, mapping, fmt=NAME, strict=strict)


SPEC = registry.register(registry.FormatSpec(
    name=NAME,
    description="X/Twitter information-operations archive CSV (tweetid, userid, tweet_time ...)",
    required=("post_id", "account_id", "created_at", "text", "kind"),
    optional=("target_post_id", "target_account_id", "urls", "hashtags", "mentions", "lang",
              "client", "accounts.handle", "accounts.display_name", "accounts.bio",
              "accounts.created_at", "accounts.followers", "accounts.following",
              "accounts.location", "accounts.url"),
    sniff=sniff,
    read=read,
    extensions=(".csv",),
))
