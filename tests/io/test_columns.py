"""detect_mapping / suggest_column: synonyms, nesting, value checks, overrides, errors."""

from __future__ import annotations

import pandas as pd
import pytest

from astroturf.errors import InputError
from astroturf.io.columns import SYNONYMS, detect_mapping, resolve_key, suggest_column

SIMULATE_COLUMNS = ["post_id", "account_id", "handle", "display_name", "bio",
                    "account_created_at", "followers", "following", "created_at", "text", "kind",
                    "target_post_id", "target_account_id", "urls", "hashtags", "mentions", "lang",
                    "client", "location", "profile_url"]
IOARCHIVE_COLUMNS = ["tweetid", "userid", "user_display_name", "user_screen_name",
                     "user_reported_location", "user_profile_description", "user_profile_url",
                     "follower_count", "following_count", "account_creation_date",
                     "account_language", "tweet_language", "tweet_text", "tweet_time",
                     "tweet_client_name", "in_reply_to_userid", "in_reply_to_tweetid",
                     "quoted_tweet_tweetid", "is_retweet", "retweet_userid", "retweet_tweetid",
                     "hashtags", "urls", "user_mentions"]


def test_simulate_export_maps_every_column_with_zero_options():
    mapping = detect_mapping(SIMULATE_COLUMNS)
    assert mapping["posts.created_at"] == "created_at"
    assert mapping["accounts.created_at"] == "account_created_at"
    assert mapping["posts.account_id"] == mapping["accounts.account_id"] == "account_id"
    assert mapping["accounts.url"] == "profile_url" and mapping["posts.urls"] == "urls"
    assert set(mapping.values()) == set(SIMULATE_COLUMNS)


def test_ioarchive_columns():
    m = detect_mapping(IOARCHIVE_COLUMNS)
    assert m["posts.account_id"] == "userid"
    assert m["posts.created_at"] == "tweet_time"
    assert m["accounts.created_at"] == "account_creation_date"
    assert m["accounts.handle"] == "user_screen_name"
    assert m["accounts.bio"] == "user_profile_description"
    assert m["posts.repost_target"] == "retweet_tweetid"
    assert m["posts.reply_target_account"] == "in_reply_to_userid"
    assert m["posts.lang"] == "tweet_language" and m["posts.mentions"] == "user_mentions"


def test_nested_dotted_names():
    cols = ["id", "text", "created_at", "author.id", "author.username", "author.created_at",
            "author.public_metrics.followers_count", "author.description"]
    m = detect_mapping(cols)
    assert m["posts.post_id"] == "id" and m["posts.account_id"] == "author.id"
    assert m["posts.created_at"] == "created_at"
    assert m["accounts.created_at"] == "author.created_at"
    assert m["accounts.followers"] == "author.public_metrics.followers_count"
    assert m["accounts.bio"] == "author.description"


def test_nested_suffix_match_respects_owner():
    m = detect_mapping(["data.id", "user.id", "data.created_at", "user.statuses_count",
                        "user.favourites_count"])
    assert m["posts.account_id"] == "user.id"
    assert m["posts.created_at"] == "data.created_at"
    assert m["accounts.posts_count"] == "user.statuses_count"


def test_case_and_punctuation_insensitive():
    m = detect_mapping(["UserID", "Tweet Time", "Tweet-Text"])
    assert m == {"accounts.account_id": "UserID", "posts.account_id": "UserID",
                 "posts.created_at": "Tweet Time", "posts.text": "Tweet-Text"}


def test_profile_table_mode():
    cols = ["UserID", "CreatedAt", "CollectedAt", "NumerOfFollowings", "NumberOfFollowers",
            "NumberOfTweets"]
    m = detect_mapping(cols, tables=("accounts",))
    assert m == {"accounts.account_id": "UserID", "accounts.created_at": "CreatedAt",
                 "accounts.following": "NumerOfFollowings",
                 "accounts.followers": "NumberOfFollowers",
                 "accounts.posts_count": "NumberOfTweets"}


def test_value_check_skips_a_time_column_that_is_not_times():
    sample = pd.DataFrame({"user_id": ["a", "b"], "date": ["yesterday", "soon"],
                           "timestamp": ["2020-01-01 10:00:00", "2020-01-01 10:01:00"]})
    assert detect_mapping(list(sample), sample)["posts.created_at"] == "timestamp"


def test_value_check_skips_a_mostly_empty_id_column():
    sample = pd.DataFrame({"user_id": [None, None, None, "x"], "author_id": ["a", "b", "c", "d"],
                           "time": ["2020-01-01 10:00"] * 4})
    assert detect_mapping(list(sample), sample)["posts.account_id"] == "author_id"


def test_missing_account_id_error_names_file_columns_and_suggestion():
    with pytest.raises(InputError) as exc:
        detect_mapping(["tweetid", "usr_ident", "tweet_time"], source="export.csv")
    err = exc.value
    assert err.render().startswith("export.csv: no column for the account id.")
    assert err.details == "Columns found: tweetid, usr_ident, tweet_time"
    assert err.hint == "Did you mean: --map account_id=usr_ident"


def test_missing_time_error_suggests_only_columns_of_times():
    sample = pd.DataFrame({"user_id": ["a", "b"], "moment": ["2020-01-01 10:00"] * 2,
                           "mood": ["calm", "up"]})
    with pytest.raises(InputError) as exc:
        detect_mapping(list(sample), sample, source="x.csv")
    assert "no column for the post time." in exc.value.message
    assert exc.value.hint == "Did you mean: --map created_at=moment"


def test_overrides_win_and_accept_bare_and_qualified_fields():
    cols = ["userid", "other_user", "tweet_time", "about", "bio"]
    m = detect_mapping(cols, overrides={"account_id": "other_user", "accounts.bio": "about"})
    assert m["posts.account_id"] == m["accounts.account_id"] == "other_user"
    assert m["accounts.bio"] == "about"


def test_override_with_empty_column_disables_a_field():
    m = detect_mapping(["user_id", "time", "lang"], overrides={"lang": ""})
    assert "posts.lang" not in m


def test_bad_override_column_lists_close_matches():
    with pytest.raises(InputError) as exc:
        detect_mapping(["userid", "tweet_time"], overrides={"account_id": "user_id"},
                       source="e.csv")
    assert "no column 'user_id'" in exc.value.message
    assert "--map account_id=userid" in exc.value.hint


def test_bad_override_field():
    with pytest.raises(InputError) as exc:
        detect_mapping(["userid", "tweet_time"], overrides={"colour": "userid"})
    assert "unknown field 'colour'" in exc.value.message


def test_resolve_key_and_suggest():
    assert resolve_key("account_id") == "posts.account_id"
    assert resolve_key("bio") == "accounts.bio"
    assert resolve_key("accounts.created_at") == "accounts.created_at"
    assert suggest_column("account_id", ["tweet_text", "user_ident"]) == "user_ident"
    assert suggest_column("account_id", []) is None


def test_synonym_table_covers_brief_minimum():
    for key, names in {"posts.account_id": ["from_id", "did", "actor_id", "owner_id"],
                       "accounts.bio": ["note", "summary"],
                       "posts.created_at": ["created_utc", "timestamp_share", "publish_date"],
                       "posts.text": ["selftext", "full_text"],
                       "posts.post_id": ["uri", "content_id"],
                       "posts.repost_target": ["object_id", "repost_of"]}.items():
        assert set(names) <= set(SYNONYMS[key])
