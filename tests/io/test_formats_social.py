"""Readers of other platforms: CrowdTangle, Telegram, Mastodon, Bluesky, Reddit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import zstandard

from astroturf.io.formats import bluesky, crowdtangle, mastodon, reddit, telegram

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats"


def _by_id(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("post_id")


def test_crowdtangle_zone_abbreviations_become_offsets() -> None:
    raw = pd.Series(["2021-03-01 14:05:07 EST", "2021-07-04 09:15:00 EDT",
                     "2021-07-04 06:15:00 PDT", "2021-07-04 13:15:00 UTC", None], dtype="str")
    out = crowdtangle.zone_to_offset(raw)
    assert out.iloc[:4].tolist() == ["2021-03-01 14:05:07-05:00", "2021-07-04 09:15:00-04:00",
                                     "2021-07-04 06:15:00-07:00", "2021-07-04 13:15:00+00:00"]
    assert pd.isna(out.iloc[4])


def test_crowdtangle_posts_and_pages() -> None:
    data = crowdtangle.read(str(FIXTURES / "crowdtangle.csv"))
    posts = _by_id(data.posts)
    assert list(posts.index) == ["4000000000000001", "4000000000000002", "4000000000000003"]
    assert posts.loc["4000000000000001", "created_at"] == pd.Timestamp("2021-03-01T19:05:07Z")
    assert posts.loc["4000000000000003", "created_at"] == pd.Timestamp("2021-07-04T13:15:00Z")
    assert posts.loc["4000000000000001", "urls"] == "https://coalfacts.example.com/article"
    assert posts.loc["4000000000000002", "hashtags"] == "coaljobs"
    assert posts.loc["4000000000000002", "account_id"] == "100064000000002"
    page = data.accounts.set_index("account_id").loc["100064000000001"]
    assert (page["handle"], page["display_name"]) == ("patriotscleancoal",
                                                      "Patriots for Clean Coal")
    assert page["created_at"] == pd.Timestamp("2021-02-20T14:00:00Z")
    assert page["followers"] == 1500


def test_telegram_channel_export() -> None:
    data = telegram.read(str(FIXTURES / "telegram" / "result.json"))
    posts = _by_id(data.posts)
    assert list(posts.index) == ["1500000001:2", "1500000001:3", "1500000001:4"]
    assert set(posts["account_id"]) == {"channel1500000001"}  # channel posts, no from_id
    assert data.meta["rows_dropped"] == {"service_message": 1}
    first = posts.loc["1500000001:2"]
    assert first["text"].startswith("Coal keeps the lights on #CoalJobs read https://")
    assert (first["hashtags"], first["mentions"]) == ("coaljobs", "minersvoice")
    reply = posts.loc["1500000001:4"]
    assert (reply["kind"], reply["target_post_id"]) == ("reply", "1500000001:2")
    assert reply["target_account_id"] == "channel1500000001"
    assert reply["urls"] == "https://coalfacts.example.com/b"  # text_link href
    assert posts.loc["1500000001:3", "kind"] == "repost"


def test_telegram_same_forward_in_two_chats_has_one_target(tmp_path: Path) -> None:
    def chat(chat_id: int, user: str) -> dict:
        return {"name": f"c{chat_id}", "type": "private_group", "id": chat_id, "messages": [
            {"id": 5, "type": "message", "date": "2021-05-01T12:00:00",
             "date_unixtime": "1619870400", "from": user, "from_id": user,
             "forwarded_from": "Miners Voice", "text": "Energy independence now!"}]}
    doc = {"chats": {"list": [chat(1, "user1"), chat(2, "user2")]}}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(doc))
    posts = _by_id(telegram.read(str(path)).posts)
    assert list(posts.index) == ["1:5", "2:5"]  # message ids repeat across chats
    assert posts["target_post_id"].nunique() == 1
    assert posts["target_post_id"].iloc[0].startswith("fwd:Miners Voice:")


def test_telegram_all_chats_and_old_exports_without_epoch(tmp_path: Path) -> None:
    data = telegram.read(str(FIXTURES / "telegram" / "all_chats.json"))
    posts = _by_id(data.posts)
    assert {"1600000002:10", "700001:10"} <= set(posts.index)
    assert posts.loc["1600000002:11", "target_account_id"] == "user700001"
    assert data.accounts.set_index("account_id").loc["user700002", "display_name"] == "Ben"
    old = (FIXTURES / "telegram" / "result.json").read_text()
    old = "\n".join(line for line in old.split("\n") if "unixtime" not in line)
    path = tmp_path / "result.json"
    path.write_text(old)
    data = telegram.read(str(path))
    assert data.meta["assumed_utc"] and any("date_unixtime" in w for w in data.meta["warnings"])


def test_mastodon_outbox_with_actor(tmp_path: Path) -> None:
    data = mastodon.read(str(FIXTURES / "mastodon" / "outbox.json"))
    posts = data.posts.set_index("post_id")
    first = posts.iloc[0]
    assert first["text"] == ("Switch to #CleanCoal today & save! https://coalfacts.example.com/c "
                             "cc @Bob")
    assert first["urls"] == "https://coalfacts.example.com/c"  # hashtag/mention links left out
    assert (first["hashtags"], first["mentions"], first["lang"]) == (
        "cleancoal", "bob@other.example", "en")
    reply = posts.iloc[1]
    assert reply["text"] == "I agree with you <3\nsecond paragraph"
    assert reply["target_account_id"] == "https://other.example/users/Bob"
    boost = posts.iloc[2]
    assert (boost["kind"], boost["target_post_id"]) == (
        "repost", "https://other.example/users/Bob/statuses/77")
    alice = data.accounts.iloc[0]
    assert (alice["handle"], alice["bio"]) == ("alice",
                                               "Energy fan. Opinions my own & nobody else's.")
    alone = tmp_path / "outbox.json"  # without actor.json beside it: ids only
    shutil.copy(FIXTURES / "mastodon" / "outbox.json", alone)
    assert mastodon.read(str(alone)).accounts["handle"].isna().all()


def test_mastodon_html_to_text() -> None:
    html = pd.Series(["<p>a<br/>b</p><p>c &amp; d &#39;e&#39;</p>", "<p></p>", None],
                     dtype="str")
    out = mastodon.html_to_text(html)
    assert out.iloc[0] == "a\nb\nc & d 'e'"
    assert pd.isna(out.iloc[1]) and pd.isna(out.iloc[2])


def test_bluesky_search_response() -> None:
    data = bluesky.read(str(FIXTURES / "bluesky" / "search.json"))
    posts = _by_id(data.posts)
    first = posts.loc["at://did:plc:aaaa1111/app.bsky.feed.post/3kabc111"]
    assert (first["urls"], first["hashtags"], first["mentions"]) == (
        "https://coalfacts.example.com/a", "coaljobs", "minersvoice.bsky.social")
    reply = posts.loc["at://did:plc:bbbb2222/app.bsky.feed.post/3kabc222"]
    assert (reply["kind"], reply["target_account_id"]) == ("reply", "did:plc:aaaa1111")
    quote = posts.loc["at://did:plc:bbbb2222/app.bsky.feed.post/3kabc333"]
    assert (quote["kind"], quote["target_post_id"]) == (
        "quote", "at://did:plc:aaaa1111/app.bsky.feed.post/3kabc111")
    acc = data.accounts.set_index("account_id")
    assert acc.loc["did:plc:aaaa1111", "handle"] == "coalfan1.bsky.social"
    assert acc.loc["did:plc:aaaa1111", "created_at"] == pd.Timestamp("2024-02-01T00:00:00Z")


def test_bluesky_feed_reposts(tmp_path: Path) -> None:
    data = bluesky.read(str(FIXTURES / "bluesky" / "feed.jsonl"))
    reposts = data.posts[data.posts["kind"] == "repost"]
    assert len(reposts) == 1
    rp = reposts.iloc[0]
    assert (rp["account_id"], rp["target_account_id"]) == ("did:plc:cccc3333",
                                                           "did:plc:aaaa1111")
    assert rp["created_at"] == pd.Timestamp("2024-03-01T10:00:40Z")
    assert data.meta["rows_dropped"] == {"duplicate_post_id": 1}
    items = [json.loads(line) for line in
             (FIXTURES / "bluesky" / "feed.jsonl").read_text().splitlines()]
    doc = tmp_path / "feed.json"
    doc.write_text(json.dumps({"feed": items}, indent=2))
    pd.testing.assert_frame_equal(bluesky.read(str(doc)).posts, data.posts)


def test_reddit_comments_and_submissions(tmp_path: Path) -> None:
    data = reddit.read(str(FIXTURES / "reddit" / "RC_sample.ndjson"))
    posts = _by_id(data.posts)
    assert list(posts.index) == ["t1_k1aaaa1", "t1_k1aaaa2"]
    assert data.meta["rows_dropped"] == {"deleted_author": 1}
    second = posts.loc["t1_k1aaaa2"]
    assert (second["kind"], second["target_post_id"]) == ("reply", "t1_k1aaaa1")
    assert second["target_account_id"] == "CoalFan_2021"  # parent is in the file
    assert second["urls"] == "https://coalfacts.example.com/a"
    acc = data.accounts.set_index("account_id")
    assert acc.loc["CoalFan_2021", "created_at"] == pd.Timestamp("2021-01-01T00:00:00Z")
    subs = _by_id(reddit.read(str(FIXTURES / "reddit" / "RS_sample.ndjson")).posts)
    assert subs.loc["t3_lv0001", "urls"] == "https://coalfacts.example.com/a"
    assert pd.isna(subs.loc["t3_lv0002", "urls"])  # self post: its own URL is not a link
    assert subs.loc["t3_lv0002", "text"] == "Energy independence\n\nWe need coal & jobs"


def test_reddit_zst_dump_reads_like_plain(tmp_path: Path) -> None:
    raw = (FIXTURES / "reddit" / "RC_sample.ndjson").read_bytes()
    path = tmp_path / "RC_2021-03.zst"
    path.write_bytes(zstandard.ZstdCompressor(level=3).compress(raw))
    plain = reddit.read(str(FIXTURES / "reddit" / "RC_sample.ndjson"))
    pd.testing.assert_frame_equal(reddit.read(str(path)).posts, plain.posts)


@pytest.mark.parametrize("value", ["t2_x", None])
def test_reddit_mentions_and_missing_fullname(tmp_path: Path, value: str | None) -> None:
    row = {"id": "abc", "author": "Someone", "created_utc": 1614600000, "subreddit": "x",
           "body": "ask u/Other_User and /u/third-one", "parent_id": "t3_q",
           "author_fullname": value}
    path = tmp_path / "c.ndjson"
    path.write_text(json.dumps(row) + "\n")
    post = reddit.read(str(path)).posts.iloc[0]
    assert (post["post_id"], post["mentions"]) == ("t1_abc", "other_user third-one")
