"""Twitter-family readers: IO archive CSV, twarc2 JSON lines, twarc-csv."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from astroturf.errors import InputError, UsageError
from astroturf.io.formats import ioarchive, twarc2, twarc_csv
from astroturf.io.formats._json import iter_json_lines
from astroturf.io.formats._records import ReadLog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats"


def _by_id(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("post_id")


def test_ioarchive_maps_kinds_targets_and_list_cells() -> None:
    data = ioarchive.read(str(FIXTURES / "ioarchive.csv"))
    posts = _by_id(data.posts)
    assert posts["kind"].tolist() == ["post", "post", "repost", "reply", "quote"]
    rt = posts.loc["1100000000000000003"]
    assert (rt["target_post_id"], rt["target_account_id"]) == ("1099999999999999999",
                                                                "555000111")
    assert posts.loc["1100000000000000004", "target_account_id"] == "555000111"
    assert posts.loc["1100000000000000005", "target_post_id"] == "1099999999999999999"
    # "[PrimeDay]" and "['PrimeDay']" are the same list cell written two ways
    assert posts.loc["1100000000000000001", "hashtags"] == "primeday"
    assert posts.loc["1100000000000000002", "hashtags"] == "primeday"
    assert posts.loc["1100000000000000004", "hashtags"] == "factcheck primeday"
    assert posts.loc["1100000000000000001", "urls"] == "https://www.example.com/fc-facts"
    assert posts.loc["1100000000000000001", "client"] == "Twitter for Android"


def test_ioarchive_minute_times_and_profiles() -> None:
    data = ioarchive.read(str(FIXTURES / "ioarchive.csv"))
    assert data.meta["resolution_s"] == 60.0 and data.meta["assumed_utc"]
    anna = data.accounts.set_index("handle").loc["anna_m_2018"]
    assert anna["created_at"] == pd.Timestamp("2018-08-01", tz="UTC")
    assert (anna["followers"], anna["following"]) == (12, 40)
    assert anna["bio"] == "I love my job at the fulfillment center!"
    assert data.posts["created_at"].iloc[0] == pd.Timestamp("2018-08-15 10:00", tz="UTC")


def test_ioarchive_mapping_override_wins() -> None:
    data = ioarchive.read(str(FIXTURES / "ioarchive.csv"),
                          mapping={"account_id": "user_screen_name"})
    assert sorted(data.accounts["account_id"]) == ["anna_m_2018", "bob_s_2018", "carljones"]
    assert data.meta["mapping"]["posts.account_id"] == "user_screen_name"


def test_ioarchive_missing_time_column_names_the_fix(tmp_path: Path) -> None:
    text = (FIXTURES / "ioarchive.csv").read_text().replace("tweet_time", "when", 1)
    path = tmp_path / "io.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        ioarchive.read(str(path))
    assert "tweet_time" in err.value.message and "--map" in err.value.hint


@pytest.mark.parametrize("name", ["pages.jsonl", "flat.jsonl"])
def test_twarc2_kinds_targets_entities(name: str) -> None:
    data = twarc2.read(str(FIXTURES / "twarc2" / name))
    posts = _by_id(data.posts)
    assert posts.loc["1500000000000000001", "urls"] == "https://yes5.example.org/why"
    assert posts.loc["1500000000000000001", "hashtags"] == "yeson5"
    rt = posts.loc["1500000000000000002"]
    assert (rt["kind"], rt["target_post_id"], rt["target_account_id"]) == (
        "repost", "1499999999999999999", "999")
    assert rt["mentions"] == "citydesk"  # lower-cased from "CityDesk"
    reply = posts.loc["1500000000000000003"]
    assert (reply["kind"], reply["target_account_id"]) == ("reply", "999")
    assert posts.loc["1500000000000000001", "client"] == "Twitter for iPhone"
    # accounts are the posters only (the retweeted @citydesk is not in the sample)
    assert "999" not in set(data.accounts["account_id"])
    one = data.accounts.set_index("account_id").loc["111"]
    assert (one["handle"], one["bio"]) == ("Voter_One", "Concerned citizen")


def test_twarc2_quote_author_from_includes() -> None:
    posts = _by_id(twarc2.read(str(FIXTURES / "twarc2" / "pages.jsonl")).posts)
    quote = posts.loc["1500000000000000004"]
    assert (quote["kind"], quote["target_account_id"]) == ("quote", "999")
    carla = twarc2.read(str(FIXTURES / "twarc2" / "pages.jsonl")).accounts
    assert bool(carla.set_index("account_id").loc["333", "verified"]) is True


def test_twarc2_overlapping_pages_keep_each_tweet_once(tmp_path: Path) -> None:
    text = (FIXTURES / "twarc2" / "pages.jsonl").read_text()
    path = tmp_path / "dup.jsonl"
    path.write_text(text + text)
    data = twarc2.read(str(path))
    assert data.posts["post_id"].is_unique and len(data.posts) == 4
    assert data.meta["rows_dropped"]["duplicate_post_id"] == 4


def test_twarc2_rejects_a_mapping() -> None:
    with pytest.raises(UsageError):
        twarc2.read(str(FIXTURES / "twarc2" / "flat.jsonl"), mapping={"account_id": "x"})


def test_json_lines_stream_in_batches_and_count_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    lines = [json.dumps({"n": i}) for i in range(7)]
    lines.insert(3, "{broken")
    path.write_text("\n".join(lines) + "\n\n")
    rlog = ReadLog(source=str(path))
    batches = list(iter_json_lines(str(path), rlog, batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [o["n"] for b in batches for o in b] == list(range(7))
    assert rlog.dropped == {"malformed_row": 1} and "line 4" in rlog.warnings[0]
    with pytest.raises(InputError, match="line 4"):
        list(iter_json_lines(str(path), ReadLog(source=str(path), strict=True)))


def test_twarc_csv_kinds_targets_entities() -> None:
    data = twarc_csv.read(str(FIXTURES / "twarc_csv.csv"))
    posts = _by_id(data.posts)
    assert posts["kind"].tolist() == ["post", "post", "repost", "reply", "quote"]
    assert posts.loc["1400000000000000001", "urls"] == "https://yes5.example.org/why"
    assert posts.loc["1400000000000000002", "hashtags"] == "yeson5"
    assert posts.loc["1400000000000000003", "target_account_id"] == "999"
    assert posts.loc["1400000000000000004", "mentions"] == "citydesk"
    acc = data.accounts.set_index("account_id")
    assert acc.loc["333", "posts_count"] == 5000 and bool(acc.loc["333", "verified"])
    assert acc.loc["111", "created_at"] == pd.Timestamp("2021-05-20T08:00:00Z")


def test_twarc_csv_entity_cells_with_json_escapes() -> None:
    cells = pd.Series(['[{"start": 0, "end": 5, "tag": "caf\\u00e9"}, {"tag": "Two"}]',
                       '[{"url": "https://t.co/a", "expanded_url": "https://x.org/a\\/b"}]',
                       '[{"url": "https://t.co/z"}]', None], dtype="str")
    tags = twarc_csv.entity_values(cells.iloc[:1], ("tag",))
    assert tags.tolist() == ["café Two"]
    urls = twarc_csv.entity_values(cells.iloc[1:], ("expanded_url", "url"))
    assert urls.iloc[0] == "https://x.org/a/b" and urls.iloc[1] == "https://t.co/z"
    assert pd.isna(urls.iloc[2])


def test_mapping_to_a_missing_column_is_an_input_error() -> None:
    path = str(FIXTURES / "ioarchive.csv")
    with pytest.raises(InputError) as err:
        ioarchive.read(path, mapping={"bio": "profile_text"})
    assert err.value.source == path and "profile_text" in err.value.message


def test_twarc2_page_longer_than_the_sniff_sample(tmp_path: Path) -> None:
    from astroturf.io import detect_format

    tweet = {"id": "1", "author_id": "111", "created_at": "2022-03-01T10:00:00.000Z",
             "text": "x" * 200, "conversation_id": "1"}
    page = {"data": [{**tweet, "id": str(i)} for i in range(500)],
            "includes": {"users": [{"id": "111", "username": "u"}]}, "__twarc": {}}
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(page) + "\n")
    assert len(path.read_bytes()) > 65536
    assert detect_format(str(path)) == "twarc2"
    assert len(twarc2.read(str(path)).posts) == 500
