"""Generic readers end to end: containers, compression, stdin, messy bytes, split, read_dataset."""

from __future__ import annotations

import gzip
import io
import json
import sys

import pandas as pd
import pytest
import zstandard

from astroturf.errors import InputError
from astroturf.io import detect_format, opening, read_dataset
from astroturf.io.generic import read_generic, read_table
from astroturf.io.split import split_flat, tokenize_list
from astroturf.schema import ACCOUNT_COLUMNS, POST_COLUMNS

ROWS = [
    {"post_id": "101", "account_id": "u1", "handle": "@Alice", "bio": "old bio",
     "account_created_at": "2019-01-01", "followers": "10", "created_at": "2020-05-01T13:45:00Z",
     "text": "hello world", "kind": "", "urls": "['http://a.com/x', 'http://b.com']",
     "hashtags": "#One,#TWO", "mentions": "[@Bob]"},
    {"post_id": "102", "account_id": "u1", "handle": "alice_new", "bio": "",
     "account_created_at": "2019-01-01", "followers": "12", "created_at": "2020-05-01T13:50:00Z",
     "text": "RT @bob: hi", "kind": "", "urls": "", "hashtags": "", "mentions": ""},
    {"post_id": "103", "account_id": "u2", "handle": "bob", "bio": "x",
     "account_created_at": "2019-02-01", "followers": "3", "created_at": "2020-05-01T13:46:30Z",
     "text": "a\nmultiline post", "kind": "reply", "urls": "http://c.com",
     "hashtags": "one", "mentions": "alice"},
]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(ROWS)


def _compress(data: bytes, compression: str | None) -> bytes:
    if compression == "gz":
        return gzip.compress(data)
    if compression == "zst":
        return zstandard.ZstdCompressor().compress(data)
    return data


def _bytes_for(container: str, tmp_path) -> bytes:
    df = _frame()
    if container == "csv":
        return df.to_csv(index=False).encode()
    if container == "tsv":
        tsv = df.assign(text=df["text"].str.replace("\n", " "))
        return tsv.to_csv(index=False, sep="\t").encode()
    if container == "jsonl":
        return "".join(json.dumps(r) + "\n" for r in ROWS).encode()
    if container == "json":
        return json.dumps(ROWS, indent=1).encode()
    df.to_parquet(tmp_path / "tmp.parquet")
    return (tmp_path / "tmp.parquet").read_bytes()


def _check_dataset(data):
    posts, accounts = data.posts, data.accounts
    assert list(posts.columns) == POST_COLUMNS and list(accounts.columns) == ACCOUNT_COLUMNS
    assert sorted(posts["post_id"]) == ["101", "102", "103"]
    by_id = posts.set_index("post_id")
    assert by_id.loc["101", "created_at"] == pd.Timestamp("2020-05-01 13:45:00", tz="UTC")
    assert by_id.loc["102", "kind"] == "repost" and by_id.loc["103", "kind"] == "reply"
    assert by_id.loc["101", "kind"] == "post"
    assert list(accounts["account_id"]) == ["u1", "u2"]


@pytest.mark.parametrize("compression", [None, "gz", "zst"])
@pytest.mark.parametrize("container", ["csv", "tsv", "jsonl", "json", "parquet"])
def test_every_container_and_compression(tmp_path, container, compression):
    suffix = {"tsv": ".tsv", "json": ".json", "jsonl": ".jsonl", "parquet": ".parquet"}.get(
        container, ".csv")
    path = tmp_path / ("export" + suffix + (f".{compression}" if compression else ""))
    path.write_bytes(_compress(_bytes_for(container, tmp_path), compression))
    expected = {"tsv": "csv"}.get(container, container)
    assert detect_format(str(path)) == expected
    data = read_dataset([str(path)])
    _check_dataset(data)
    assert data.meta["inputs"][0]["format"] == expected


class _Stdin:
    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)


@pytest.mark.parametrize("container", ["csv", "jsonl"])
def test_stdin(monkeypatch, tmp_path, container):
    monkeypatch.setattr(opening, "_stdin_spool", None)
    monkeypatch.setattr(sys, "stdin", _Stdin(_compress(_bytes_for(container, tmp_path), "zst")))
    data = read_dataset(["-"])
    _check_dataset(data)
    assert data.meta["inputs"][0]["path"] == "-"


def _write(tmp_path, data: bytes, name="t.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_bom_crlf_nul_latin1_quoted_newlines(tmp_path):
    raw = b"\xef\xbb\xbf" + ("account_id,created_at,text\r\n"
                               "u1,2020-01-01 10:00:00,\"two\r\nlines\"\r\n"
                               "u\x002,2020-01-01 10:00:05,caf\xe9 ok\r\n").encode("latin-1")
    table, meta = read_table(_write(tmp_path, raw))
    assert list(table.columns) == ["account_id", "created_at", "text"]
    assert list(table["account_id"]) == ["u1", "u2"]
    assert table["text"].iloc[0] == "two\r\nlines"
    assert table["text"].iloc[1] == "café ok"
    assert meta["nul_bytes"] == 1 and meta["non_utf8_bytes"] == 1
    assert len(meta["warnings"]) == 2


def test_malformed_rows_skipped_or_strict(tmp_path):
    path = _write(tmp_path, b"account_id,created_at\nu1,2020-01-01\nu2,2020-01-02,extra\n"
                            b"u3,2020-01-03\n")
    data = read_generic(path)
    assert list(data.posts["account_id"]) == ["u1", "u3"]
    assert data.meta["rows_dropped"] == {"malformed_row": 1}
    with pytest.raises(InputError) as exc:
        read_generic(path, strict=True)
    assert "3 fields, expected 2" in exc.value.message


def test_malformed_json_lines(tmp_path):
    path = _write(tmp_path, b'{"user_id": "a", "time": "2020-01-01 10:00"}\n{broken\n'
                            b'{"user_id": "b", "time": "2020-01-01 10:01"}\n', "x.jsonl")
    assert list(read_generic(path).posts["account_id"]) == ["a", "b"]
    with pytest.raises(InputError, match="line 2"):
        read_generic(path, strict=True)


@pytest.mark.parametrize("container", ["jsonl", "json"])
def test_json_nul_and_latin1_counted_like_csv(tmp_path, container):
    rows = [{"user_id": "a", "time": "2020-01-01 10:00", "text": "caf\u00e9"},
            {"user_id": "b", "time": "2020-01-01 10:01", "text": "nul here"}]
    raw = _rows_bytes(rows, container).replace("caf\u00e9".encode(), b"caf\xe9")
    raw = raw.replace(b"nul here", b"nul\x00 here")
    table, meta = read_table(_write(tmp_path, raw, "x." + container))
    assert list(table["text"]) == ["caf\u00e9", "nul here"]
    assert meta["nul_bytes"] == 1 and meta["non_utf8_bytes"] == 1
    assert len(meta["warnings"]) == 2 and "UTF-8" in meta["warnings"][1]


def _rows_bytes(rows, container):
    if container == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    return json.dumps(rows, ensure_ascii=False).encode()


def test_json_array_non_objects_counted_or_strict(tmp_path):
    path = _write(tmp_path, b'[{"user_id": "a", "time": "2020-01-01 10:00"}, 7, "x", '
                            b'{"user_id": "b", "time": "2020-01-01 10:01"}]', "x.json")
    data = read_generic(path)
    assert list(data.posts["account_id"]) == ["a", "b"]
    assert data.meta["rows_dropped"] == {"malformed_row": 2}
    assert data.meta["rows_read"] == 4
    with pytest.raises(InputError, match="array element 1 ") as exc:
        read_generic(path, strict=True)
    assert exc.value.source == path


@pytest.mark.parametrize("content", [b"", b"\n\n", b"account_id,created_at,text\n"])
def test_empty_and_header_only(tmp_path, content):
    path = _write(tmp_path, content)
    with pytest.raises(InputError) as exc:
        read_dataset([path])
    assert exc.value.message in ("no rows", "cannot recognise the file format")
    assert exc.value.source == path and exc.value.hint


def test_header_only_message(tmp_path):
    path = _write(tmp_path, b"account_id,created_at,text\r\n")
    with pytest.raises(InputError) as exc:
        read_generic(path)
    assert exc.value.render().startswith(f"{path}: no rows")


def test_missing_account_id_through_read_dataset(tmp_path):
    path = _write(tmp_path, b"tweetid,usr_ident,tweet_time\n1,a,2020-01-01 10:00\n", "e.csv")
    with pytest.raises(InputError) as exc:
        read_dataset([path])
    assert exc.value.source == path
    assert exc.value.message == "no column for the account id."
    assert exc.value.hint == "Did you mean: --map account_id=usr_ident"
    data = read_dataset([path], mapping={"account_id": "usr_ident"})
    assert list(data.posts["account_id"]) == ["a"]
    assert data.meta["inputs"][0]["mapping"]["posts.account_id"] == "usr_ident"


def test_ids_stay_exact_and_float_suffix_fixed(tmp_path):
    big = "1012345678901234567"
    rows = [{"user_id": int(big), "id": 5, "time": 1588340700},
            {"user_id": None, "id": 6, "time": 1588340701}]
    path = _write(tmp_path, "".join(json.dumps(r) + "\n" for r in rows).encode(), "x.jsonl")
    data = read_generic(path)
    assert list(data.posts["account_id"]) == [big]
    assert data.meta["rows_dropped"] == {"missing_account_id": 1}
    df = pd.DataFrame({"account_id": ["123.0", "124"], "created_at": ["2020-01-01"] * 2})
    out = split_flat(df, {"posts.account_id": "account_id", "posts.created_at": "created_at"},
                     source="f.csv")
    assert list(out.posts["account_id"]) == ["123", "124"]


def test_mangled_ids_warn(tmp_path, caplog):
    df = pd.DataFrame({"account_id": ["1.01421E+18", "1.01421E+18", "77"],
                       "created_at": ["2020-01-01 10:00"] * 3})
    out = split_flat(df, {"posts.account_id": "account_id", "posts.created_at": "created_at"},
                     source="sheet.csv")
    assert len(out.meta["warnings"]) == 1
    assert "2 ids" in out.meta["warnings"][0] and "scientific notation" in out.meta["warnings"][0]
    assert "scientific notation" in caplog.text


def test_flat_split_one_account_row_with_latest_values():
    mapping = {"posts.account_id": "account_id", "accounts.account_id": "account_id",
               "posts.created_at": "created_at", "posts.post_id": "post_id",
               "accounts.handle": "handle", "accounts.bio": "bio",
               "accounts.followers": "followers", "accounts.created_at": "account_created_at"}
    shuffled = _frame().iloc[[1, 2, 0]]
    data = split_flat(shuffled, mapping, source="x.csv")
    acc = data.accounts.set_index("account_id")
    assert list(acc.index) == ["u1", "u2"]
    assert acc.loc["u1", "handle"] == "alice_new"  # latest post's value, '@' stripped
    assert acc.loc["u1", "followers"] == 12
    assert acc.loc["u1", "bio"] == "old bio"  # latest non-empty value
    assert acc.loc["u2", "created_at"] == pd.Timestamp("2019-02-01", tz="UTC")


def test_kind_derivation_from_columns_and_targets():
    df = pd.DataFrame({
        "userid": list("abcdefg"), "tweet_time": ["2020-01-01 10:00"] * 7,
        "post_type": ["R", "Q", "", "", "", "retweet", ""],
        "retweet_tweetid": [None, None, None, "9", None, None, None],
        "in_reply_to_tweetid": [None, None, "8", None, None, None, None],
        "text": ["x", "x", "x", "x", "RT @bob: yes", "x", "plain"]})
    mapping = {"posts.account_id": "userid", "posts.created_at": "tweet_time",
               "posts.kind": "post_type", "posts.repost_target": "retweet_tweetid",
               "posts.reply_target": "in_reply_to_tweetid", "posts.text": "text"}
    posts = split_flat(df, mapping, source="f").posts
    assert list(posts["kind"]) == ["repost", "quote", "reply", "repost", "repost", "repost",
                                   "post"]
    assert list(posts["target_post_id"].fillna("-")) == ["-", "-", "8", "9", "-", "-", "-"]
    flags = pd.DataFrame({"u": ["a", "b"], "t": ["2020-01-01"] * 2,
                          "is_retweet": ["True", "false"]})
    posts = split_flat(flags, {"posts.account_id": "u", "posts.created_at": "t",
                               "posts.kind": "is_retweet"}, source="f").posts
    assert list(posts["kind"]) == ["repost", "post"]


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    ("urls", "['http://a.com/x?q=1,2', 'https://b.com']", "http://a.com/x?q=1,2 https://b.com"),
    ("urls", "http://a.com,http://b.com", "http://a.com http://b.com"),
    ("urls", "http://a.com http://b.com", "http://a.com http://b.com"),
    ("urls", '["http://a.com/(x)"]', "http://a.com/(x)"),
    ("hashtags", "['#Vote', 'MAGA']", "vote maga"),
    ("hashtags", "#a,#B;c", "a b c"),
    ("hashtags", "[]", None),
    ("mentions", "[@Bob, alice.bsky.social]", "bob alice.bsky.social"),
    ("mentions", "@x@mastodon.social @Y", "x@mastodon.social y"),
    ("mentions", "", None),
])
def test_tokenize_list(kind, raw, expected):
    out = tokenize_list(pd.Series([raw, None]), kind=kind)
    assert (out.iloc[0] if pd.notna(out.iloc[0]) else None) == expected
    assert pd.isna(out.iloc[1])


def test_post_ids_synthesised_from_file_and_row(tmp_path):
    path = _write(tmp_path, b"user_id,time\na,2020-01-01 10:00\nb,2020-01-01 10:01\n",
                  "feed.csv")
    assert sorted(read_dataset([path]).posts["post_id"]) == ["feed.csv:1", "feed.csv:2"]


def test_deterministic_when_rows_are_shuffled(tmp_path):
    df = pd.concat([_frame()] * 3, ignore_index=True)
    df["post_id"] = [f"p{i}" for i in range(len(df))]
    df["created_at"] = pd.date_range("2020-01-01", periods=len(df), freq="7s").strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    df.loc[[0, 3], "created_at"] = df.loc[0, "created_at"]  # a tie on time
    a = _write(tmp_path, df.to_csv(index=False).encode(), "a.csv")
    b = _write(tmp_path, df.sample(frac=1, random_state=3).to_csv(index=False).encode(), "b.csv")
    one, two = read_dataset([a]), read_dataset([b])
    pd.testing.assert_frame_equal(one.posts, two.posts)
    pd.testing.assert_frame_equal(one.accounts, two.accounts)


def test_multiple_inputs_duplicates_collisions_and_accounts_file(tmp_path):
    a = _write(tmp_path, b"post_id,user_id,time,hashtags\n1,a,2020-01-01 10:00,x\n"
                         b"2,b,2020-01-01 10:01,\n", "a.csv")
    b = _write(tmp_path, b"post_id,user_id,time,hashtags\n1,a,2020-01-01 10:00,y\n"
                         b"2,c,2020-01-01 10:05,\n", "b.csv")
    acc = _write(tmp_path, b"id,screen_name,created_at,followers_count\n"
                           b"a,alice,2019-01-01T00:00:00Z,5\nz,zed,2018-01-01,1\n", "acc.csv")
    data = read_dataset([a, b], accounts=acc)
    posts = data.posts.set_index("post_id")
    assert sorted(posts.index) == ["1", "a.csv:2", "b.csv:2"]
    assert posts.loc["1", "hashtags"] == "x y"  # same post in both files: merged, not doubled
    assert data.meta["duplicate_posts"] == 1
    accounts = data.accounts.set_index("account_id")
    assert list(accounts.index) == ["a", "b", "c", "z"]
    assert accounts.loc["a", "handle"] == "alice" and accounts.loc["a", "followers"] == 5
    assert accounts.loc["a", "created_at"] == pd.Timestamp("2019-01-01", tz="UTC")
    assert pd.isna(accounts.loc["b", "handle"])
    assert [m["path"] for m in data.meta["inputs"]] == [a, b]
    assert data.meta["n_posts"] == 3 and data.meta["n_accounts"] == 4


def test_minute_resolution_recorded(tmp_path):
    path = _write(tmp_path, b"author_id,publish_date\na,2016-01-01 00:01\nb,2016-01-01 00:07\n")
    meta = read_dataset([path]).meta["inputs"][0]
    assert meta["resolution_s"] == 60 and meta["assumed_utc"] is True


def test_parquet_native_types(tmp_path):
    df = pd.DataFrame({"account_id": pd.array([1012345678901234567, None], dtype="Int64"),
                       "created_at": pd.to_datetime(["2020-01-01 10:00:01", "2020-01-01 00:00:00"]),
                       "hashtags": [["A", "b"], []]})
    df.to_parquet(tmp_path / "n.parquet")
    data = read_generic(str(tmp_path / "n.parquet"))
    assert list(data.posts["account_id"]) == ["1012345678901234567"]
    assert data.posts["hashtags"].iloc[0] == "a b"
    assert data.meta["assumed_utc"] is True


def test_accounts_file_overrides_use_qualified_keys(tmp_path):
    posts = _write(tmp_path, b"author,time\na,2020-01-01 10:00\n", "p.csv")
    acc = _write(tmp_path, b"ident,about\na,hello\n", "acc.csv")
    data = read_dataset([posts], accounts=acc, mapping={
        "account_id": "author", "accounts.account_id": "ident", "accounts.bio": "about"})
    assert data.accounts.set_index("account_id").loc["a", "bio"] == "hello"


@pytest.mark.slow
def test_real_ira_and_honeypot_exports():
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "shared" / "data"
    ira, honey = root / "ira_dev" / "posts.parquet", root / "honeypot2011_dev"
    if not ira.exists() or not (honey / "posts.parquet").exists():
        pytest.skip(f"real datasets not found under {root} (see shared/data/README.md)")
    data = read_dataset([str(ira)])
    meta = data.meta["inputs"][0]
    assert meta["mapping"]["posts.created_at"] == "publish_date"
    assert meta["resolution_s"] == 60 and meta["assumed_utc"]
    assert data.posts["created_at"].dt.year.eq(2016).all()
    assert data.accounts["account_id"].nunique() == data.posts["account_id"].nunique()
    labels = pd.read_csv(honey / "labels.csv", dtype=str)
    data = read_dataset([str(honey / "posts.parquet")],
                        accounts=str(honey / "content_polluters.csv"))
    polluters = data.accounts.dropna(subset=["created_at"])
    assert set(polluters["account_id"]) <= set(labels["account_id"])
    assert data.meta["n_posts"] == len(pd.read_parquet(honey / "posts.parquet"))


@pytest.mark.parametrize("seed", [0, 1])
def test_flat_split_latest_values_equal_a_groupby_of_the_sorted_rows(seed):
    """Per account and field the last non-empty value in (time, post id, row) order, as a
    sort of every row and a groupby-last give it: ties, blanks, missing ids and times."""
    import numpy as np

    from astroturf.io.split import _blank_to_na, accounts_from_flat, profile_table, sort_order

    rng = np.random.default_rng(seed)
    n = 3000
    df = pd.DataFrame({
        "account_id": pd.Series(np.where(rng.random(n) < 0.03, None, np.array(
            [f"u{i}" for i in rng.integers(0, 200, n)], dtype=object)), dtype="str"),
        "post_id": pd.Series([f"p{i}" for i in rng.integers(0, 400, n)], dtype="str"),
        "created_at": pd.Series(pd.to_datetime(rng.choice(
            ["2024-01-01", "2024-01-02", "2024-01-03", None], n), utc=True)),
        "handle": pd.Series(rng.choice(["x", "  ", "", None, "y"], n), dtype="str"),
        "bio": pd.Series(rng.choice(["hello", None, "", "w"], n), dtype="str"),
        "followers": pd.Series(rng.choice(["1", "2", None], n), dtype="str")})
    df.loc[: 9, "account_id"] = [f"solo{i}" for i in range(10)]  # one post each, no handle
    df.loc[: 9, "handle"] = " "
    mapping = {"accounts.handle": "handle", "accounts.bio": "bio",
               "accounts.followers": "followers"}
    got = accounts_from_flat(df, mapping, df, source="x.csv")
    frame = pd.DataFrame({"account_id": df["account_id"], "_t": df["created_at"],
                          "_p": df["post_id"]})
    for field in ("handle", "bio", "followers"):
        frame[field] = _blank_to_na(df[field])
    frame = frame.iloc[sort_order(frame, ["account_id", "_t", "_p"])]
    want = frame.drop(columns=["_t", "_p"]).groupby("account_id", sort=True).last()
    pd.testing.assert_frame_equal(got, profile_table(want.reset_index(), source="x.csv"))
    assert got["handle"].isna().any() and got["handle"].notna().any()


def test_parquet_binary_columns_are_read_and_bad_utf8_counted(tmp_path):
    """Binary columns (strings written without the UTF-8 annotation) are read as text; bad
    bytes are repaired and counted per value (this was an internal error before)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from astroturf.io.parquet import read_parquet

    bad = pa.array([b"ok", b"caf\xe9", b"", b"\xff\xfe"], type=pa.binary())
    tags = pa.array([[b"x"], [], [b"y", b"z"], None], type=pa.list_(pa.binary()))
    table = pa.table({"text": bad, "bio": bad, "n": pa.array([1, 2, 3, 4]), "tags": tags})
    path = tmp_path / "bad.parquet"
    pq.write_table(table, path)
    meta: dict = {}
    df = read_parquet(str(path), meta, columns=None, max_rows=None)
    assert meta["non_utf8_values"] == 4
    assert df["text"].tolist()[:2] == ["ok", "caf\ufffd"] and pd.isna(df["text"][2])
    assert df["n"].tolist() == ["1", "2", "3", "4"]
    assert df["tags"].tolist()[0] == "x" and df["tags"].tolist()[2] == "y z"


def test_each_input_warning_is_logged_once(tmp_path, caplog):
    """The column-role preview reads the file's head too: its partial counts are not logged,
    so each repair is reported once, by the full read."""
    import logging

    from astroturf.io import read_dataset

    path = tmp_path / "x.csv"
    path.write_bytes(b"account_id,post_id,created_at,text\n"
                     b"a1,1,2024-01-01T00:00:00Z,caf\xe9 ok\n"
                     b"a2,2,2024-01-01T00:01:00Z,hello\x00 there\n")
    with caplog.at_level(logging.WARNING, logger="astroturf.io.generic"):
        read_dataset([str(path)])
    notes = [r.getMessage() for r in caplog.records if r.name == "astroturf.io.generic"]
    assert sorted(notes) == sorted([f"{path}: 1 NUL bytes were removed",
                                    f"{path}: 1 bytes were not valid UTF-8 and were read as "
                                    "Latin-1"])


def test_parquet_columns_become_one_array_without_copying_a_single_chunk():
    """A table column of one chunk is used as it is (joining a single chunk copied every
    column, twice per read); several chunks are joined; none gives an empty array."""
    import pyarrow as pa

    from astroturf.io.parquet import _one_array

    one = pa.chunked_array([pa.array(["a", "b"])])
    assert _one_array(one).buffers()[2].address == one.chunk(0).buffers()[2].address
    assert _one_array(pa.chunked_array([pa.array(["a"]), pa.array(["b"])])).to_pylist() == [
        "a", "b"]
    assert len(_one_array(pa.chunked_array([], type=pa.string()))) == 0
    plain = pa.array([1])
    assert _one_array(plain) is plain
