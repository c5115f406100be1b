"""Column roles by meaning: name words, value checks, confidence, notes, hints (issue 13.1)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from astroturf.cli import main
from astroturf.errors import InputError
from astroturf.io import read_dataset
from astroturf.io.columns import detect_roles
from astroturf.io.roles import name_scores, name_tokens

TIMES = ["2024-01-01T00:00:00Z", "2024-01-01T00:00:05Z", "2024-01-01T00:01:00Z"]


@pytest.mark.parametrize(("name", "words"), [
    ("tweet_created_at", ("tweet", "created", "at")), ("retweetOf", ("retweet", "of")),
    ("user.screen_name", ("user", "screen", "name")), ("UserID", ("user", "id")),
    ("userid", ("user", "id")), ("Time UTC", ("time", "utc")),
    ("numberoffollowers", ("number", "of", "follower")), ("in_reply_to_tweetid",
                                                         ("in", "reply", "to", "tweet", "id")),
])
def test_names_split_into_words(name, words):
    assert name_tokens(name) == words


@pytest.mark.parametrize(("name", "key"), [
    ("retweet_of", "posts.repost_target"), ("retweeted_status_id", "posts.repost_target"),
    ("reblog_of_id", "posts.repost_target"), ("poster_id", "posts.account_id"),
    ("author", "posts.account_id"), ("account", "posts.account_id"),
    ("owner_id", "posts.account_id"), ("tweet_created_at", "posts.created_at"),
    ("time_utc", "posts.created_at"), ("published", "posts.created_at"),
    ("reply_to_id", "posts.reply_target"), ("parent_id", "posts.reply_target"),
    ("message_body", "posts.text"), ("link", "posts.urls"), ("user_joined", None),
    ("author_created_at", "accounts.created_at"), ("followers_count", "accounts.followers"),
])
def test_names_match_roles_by_meaning(name, key):
    scores = name_scores(name)
    if key is None:
        assert "posts.created_at" not in scores
    else:
        assert max(scores, key=scores.get) == key


@pytest.mark.parametrize("name", ["retweet_count", "harvested_date", "LengthOfScreenName",
                                  "conversation_id", "account_language", "favourites_count"])
def test_names_that_belong_to_no_role(name):
    assert not {"posts.repost_target", "posts.created_at", "accounts.handle", "posts.post_id",
                "posts.lang", "accounts.posts_count"} & set(name_scores(name))


def _write(tmp_path, frame: pd.DataFrame, name: str = "export.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def test_issue_exports_map_without_map(tmp_path):
    """The issue's refused files: author/account/poster_id, tweet_created_at/time_utc,
    retweet_of (reposts were silently lost before)."""
    for account, when in (("author", "tweet_created_at"), ("account", "time_utc"),
                          ("poster_id", "time_utc")):
        frame = pd.DataFrame({account: ["u1", "u2", "u3"], when: TIMES,
                              "text": ["a b", "c d", "RT x"], "retweet_of": [None, "77", "77"],
                              "reply_to_id": [None, None, None]})
        data = read_dataset([_write(tmp_path, frame)])
        roles = data.meta["inputs"][0]["roles"]
        assert roles["posts.account_id"]["column"] == account
        assert roles["posts.created_at"]["column"] == when
        assert roles["posts.repost_target"]["column"] == "retweet_of"
        assert all(0 < r["confidence"] <= 1 and r["how"] for r in roles.values())
        reposts = data.posts[data.posts["kind"] == "repost"]
        assert list(reposts["target_post_id"]) == ["77", "77"]


def test_values_decide_between_rivals():
    sample = pd.DataFrame({"user_id": ["a", "b", "c"], "date": ["soon", "later", "never"],
                           "posted_at": TIMES, "retweet": ["0", "1", "0"]})
    roles = detect_roles(list(sample), sample)
    assert roles.mapping["posts.created_at"] == "posted_at"
    assert "posts.repost_target" not in roles.mapping  # a 0/1 flag is not a post id
    assert any("'date'" in n and "post time" in n for n in roles.notes)


def test_handle_serves_as_account_id_and_says_so(tmp_path):
    frame = pd.DataFrame({"screen_name": ["ann", "bob", "cy"], "created_at": TIMES,
                          "text": ["x", "y", "z"]})
    data = read_dataset([_write(tmp_path, frame)])
    meta = data.meta["inputs"][0]
    assert meta["account_id_from_handle"] is True
    assert meta["roles"]["posts.account_id"] == {"column": "screen_name",
                                                 "confidence": meta["roles"]["accounts.handle"][
                                                     "confidence"], "how": "handle as id"}
    assert any("serves as the account id" in n for n in meta["role_notes"])
    assert data.accounts.set_index("account_id").loc["ann", "handle"] == "ann"


def test_ambiguous_and_weak_matches_are_reported():
    sample = pd.DataFrame({"uid": ["1", "2"], "time": TIMES[:2], "date": TIMES[:2]})
    notes = detect_roles(list(sample), sample).notes
    assert any(n.startswith("ambiguous post time") and "--map created_at=date" in n
               for n in notes)
    flags = pd.DataFrame({"uid": ["1", "2"], "time": TIMES[:2], "retweet": ["0", "1"]})
    roles = detect_roles(list(flags), flags)
    assert roles.mapping["posts.kind"] == "retweet"
    assert any(n.startswith("weak match: kind <- 'retweet'") for n in roles.notes)


def test_hints_name_only_columns_whose_role_and_values_fit():
    """The issue's bad hint '--map account_id=reply_to_id' cannot happen."""
    sample = pd.DataFrame({"time": TIMES, "text": ["a", "b", "c"], "reply_to_id": ["1", "", ""],
                           "retweet_of": ["", "2", ""], "mood": ["a b c", "d e", "f g"]})
    with pytest.raises(InputError) as err:
        detect_roles(list(sample), sample, source="x.csv")
    assert "reply_to_id" not in err.value.hint and "retweet_of" not in err.value.hint
    assert "no column's name and values fit the account id" in err.value.hint
    sample["member_ref"] = ["m1", "m2", "m3"]
    with pytest.raises(InputError) as err:
        detect_roles(list(sample.drop(columns="member_ref").assign(zz=["m1", "m2", "m3"])),
                     sample.assign(zz=["m1", "m2", "m3"]), source="x.csv")
    assert err.value.hint == "Did you mean: --map account_id=zz"


def test_inspect_and_manifest_show_every_role(tmp_path, sample_path):
    runner = CliRunner()
    out = runner.invoke(main, ["inspect", str(sample_path), "--rows", "1"])
    assert out.exit_code == 0, out.output
    assert "posts.account_id             <- account_id  (1.00, exact name)" in out.stdout
    frame = pd.DataFrame({"poster_id": ["u1", "u2", "u3"], "time_utc": TIMES,
                          "message_body": ["a", "b", "c"]})
    path = _write(tmp_path, frame)
    scan = runner.invoke(main, ["scan", path, "-o", str(tmp_path / "o"), "-q", "--no-html",
                                "--graph", "none"])
    assert scan.exit_code == 0, scan.output
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    roles = manifest["dataset"]["inputs"][0]["roles"]
    assert roles["posts.account_id"]["column"] == "poster_id"
    assert roles["posts.text"] == {"column": "message_body", "confidence": 0.9,
                                   "how": "name words"}
