"""One behaviour suite run against EVERY registered reader (csvkit style).

Each format has a small fixture plus the few text edits that produce its variants (structure
only, account field removed, extra fields, a malformed record, a mangled id, a time with an
offset). Byte-level variants (gzip, zstd, BOM, CRLF, NUL, non-UTF-8) are shared. A format that
is registered without a case here makes ``test_every_format_has_a_case`` fail.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import zstandard

from astroturf.errors import InputError
from astroturf.io import detect_format, registry
from astroturf.schema import ACCOUNT_FIELDS, POST_FIELDS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
META_KEYS = {"format", "mapping", "rows_read", "rows_dropped", "resolution_s", "assumed_utc",
             "warnings"}
TOO_MANY_FIELDS = ",".join(["x"] * 120)


@dataclass(frozen=True)
class Case:
    """How to make each variant of one format's fixture (regex edits on its text)."""

    fmt: str
    fixture: str
    structure_only: str  # a file with the format's structure (header) but no posts
    missing: tuple[str, Any]  # (pattern, replacement) that removes the account id field
    extra: tuple[str, str]  # adds fields the reader must ignore
    malformed: tuple[str, str]  # inserts one malformed record
    tz: tuple[str, str, str, str] | None  # (pattern, repl, post_id, expected UTC instant)
    word: str  # a word inside a post text (NUL / non-UTF-8 bytes go there)
    mangle: tuple[str, str] | None = None  # an id as a spreadsheet would write it
    records: str | None = None  # JSON documents: key of the record list ('' = top level)
    container: str = "text"  # 'parquet': built from the CSV text


def _csv_extra() -> tuple[str, str]:
    return (r"(?m)(?<=.)$", ",zz_extra")


def _csv_malformed() -> tuple[str, str]:
    return (r"\A([^\n]*\n)", r"\g<1>" + TOO_MANY_FIELDS + "\n")


GENERIC_CSV = dict(
    fixture="generic/posts.csv", structure_only="post_id,account_id,created_at,text\n",
    # no account id and no handle (a handle column alone serves as the account id)
    missing=(r"\Apost_id,account_id,(.*),screen_name,", r"post_id,nobody,\1,somebody,"),
    extra=_csv_extra(),
    malformed=_csv_malformed(), word="weather", mangle=(r"(?m)^9004,", "9.004E+3,"),
    tz=("2023-01-02T11:30:00Z", "2023-01-02T13:30:00+02:00", "9003", "2023-01-02T11:30:00Z"))
JSONL_COMMON = dict(missing=(r'"(account_id|screen_name)": ',
                             lambda m: '"nobody": ' if "acc" in m.group() else '"somebody": '),
                    extra=(r'"text": ', '"zz_extra": {"a": [1, 2]}, "text": '),
                    word="weather", mangle=(r'"post_id": "9004"', '"post_id": "9.004E+3"'),
                    tz=("2023-01-02T11:30:00Z", "2023-01-02T13:30:00+02:00", "9003",
                        "2023-01-02T11:30:00Z"))
CASES = [
    Case("csv", **GENERIC_CSV),
    Case("parquet", **{**GENERIC_CSV, "container": "parquet"}),
    Case("jsonl", fixture="generic/posts.jsonl", structure_only="\n",
         malformed=(r"\A([^\n]*\n)", r'\g<1>{"post_id": "9\n'), **JSONL_COMMON),
    Case("json", fixture="generic/posts.json", structure_only="[]\n",
         malformed=(r"\A\[", '[\n  "not an object",'), records="", **JSONL_COMMON),
    Case("ioarchive", fixture="ioarchive.csv", structure_only=(
         (FIXTURES / "ioarchive.csv").read_text().split("\n")[0] + "\n"),
         missing=(r"\Atweetid,userid,", "tweetid,uid_gone,"), extra=_csv_extra(),
         malformed=_csv_malformed(), word="Quoting",
         mangle=(r"(?m)^1100000000000000005,", "1.1E+18,"),
         tz=(r"2018-08-15 12:00,", "2018-08-15 14:00+02:00,", "1100000000000000005",
             "2018-08-15T12:00:00Z")),
    Case("twarc_csv", fixture="twarc_csv.csv", structure_only=(
         (FIXTURES / "twarc_csv.csv").read_text().split("\n")[0] + "\n"),
         missing=(r",author_id,", ",author_gone,"), extra=_csv_extra(),
         malformed=_csv_malformed(), word="reading",
         mangle=(r"(?m)^1400000000000000005,", "1.4E+18,"),
         tz=("2021-06-01T12:00:00.000Z", "2021-06-01T14:00:00.000+02:00",
             "1400000000000000005", "2021-06-01T12:00:00Z")),
    Case("crowdtangle", fixture="crowdtangle.csv", structure_only=(
         (FIXTURES / "crowdtangle.csv").read_text().split("\n")[0] + "\n"),
         missing=(r"User Name,Facebook Id", "User Nom,Facebook Idx"), extra=_csv_extra(),
         malformed=_csv_malformed(), word="Fireworks",
         mangle=(r",100064000000003,", ",1.00064E+14,"),
         tz=("2021-07-04 09:15:00 EDT", "2021-07-04 06:15:00 PDT", "4000000000000003",
             "2021-07-04T13:15:00Z")),
    Case("twarc2", fixture="twarc2/pages.jsonl", structure_only='{"meta": {"result_count": 0}}\n',
         missing=(r'"author_id": "\d+", ', ""),
         extra=(r'"text": ', '"zz_extra": {"a": [1, 2]}, "text": '),
         malformed=(r"\A([^\n]*\n)", r'\g<1>{"data": [' + "\n"), word="future",
         mangle=(r'"id": "1500000000000000004"', '"id": "1.5E+18"'),
         tz=('"created_at": "2022-03-01T12:00:00.000Z"',
             '"created_at": "2022-03-01T13:00:00.000+01:00"', "1500000000000000004",
             "2022-03-01T12:00:00Z")),
    Case("twarc2", fixture="twarc2/flat.jsonl", structure_only="\n\n",
         missing=(r'"author_id": "\d+", |"author": \{"id"',
                  lambda m: "" if m.group().startswith('"author_id"') else '"author": {"xid"'),
         extra=(r'"text": ', '"zz_extra": {"a": [1, 2]}, "text": '),
         malformed=(r"\A([^\n]*\n)", r"\g<1>not json at all" + "\n"), word="future",
         mangle=(r'"id": "1500000000000000003"', '"id": "1.5E+18"'),
         tz=('"created_at": "2022-03-01T11:00:40.000Z"',
             '"created_at": "2022-03-01T06:00:40.000-05:00"', "1500000000000000003",
             "2022-03-01T11:00:40Z")),
    Case("telegram", fixture="telegram/result.json",
         structure_only='{"name": "X", "type": "public_channel", "id": 1, "messages": []}',
         missing=(r'"from_id": "[^"]*",\s*|"public_channel"',
                  lambda m: '"private_group"' if "public" in m.group() else ""),
         extra=(r'"text": ', '"zz_extra": {"a": 1}, "text": '),
         malformed=(r'"messages": \[', '"messages": [\n  "garbage",'), word="Energy",
         tz=('"date": "2021-05-01T12:01:00"', '"date": "2021-05-01T15:01:00"', "1500000001:4",
             "2021-05-01T12:01:00Z"), records="messages"),
    Case("mastodon", fixture="mastodon/outbox.json",
         structure_only='{"@context": "https://www.w3.org/ns/activitystreams", "id": '
                        '"outbox.json", "type": "OrderedCollection", "orderedItems": []}',
         missing=(r'"(?:actor|attributedTo)": "[^"]*",\s*', ""),
         extra=(r'"published": ', '"zz_extra": [1], "published": '),
         malformed=(r'"orderedItems": \[', '"orderedItems": [\n  42,'), word="agree",
         tz=("2022-11-05T10:05:00Z", "2022-11-05T11:05:00+01:00",
             "https://social.example/users/alice/statuses/109000000000000002",
             "2022-11-05T10:05:00Z"), records="orderedItems"),
    Case("bluesky", fixture="bluesky/search.json", structure_only='{"cursor": "0", "posts": []}',
         missing=(r'"did": ', '"xdid": '),
         extra=(r'"text": ', '"zz_extra": {"a": 1}, "text": '),
         malformed=(r'"posts": \[', '"posts": [\n    {"foo": 1},'), word="true",
         tz=('"createdAt": "2024-03-01T11:00:00.000Z"',
             '"createdAt": "2024-03-01T06:00:00.000-05:00"',
             "at://did:plc:bbbb2222/app.bsky.feed.post/3kabc333", "2024-03-01T11:00:00Z"),
         records="posts"),
    Case("bluesky", fixture="bluesky/feed.jsonl", structure_only="\n",
         missing=(r'"did": ', '"xdid": '),
         extra=(r'"text": ', '"zz_extra": {"a": 1}, "text": '),
         malformed=(r"\A([^\n]*\n)", r'\g<1>{"post": ' + "\n"), word="Morning",
         tz=('"createdAt": "2024-03-01T12:00:00\\+01:00"', '"createdAt": "2024-03-01T11:00:00Z"',
             "at://did:plc:cccc3333/app.bsky.feed.post/3kabc444", "2024-03-01T11:00:00Z")),
    Case("reddit", fixture="reddit/RC_sample.ndjson", structure_only="\n",
         missing=(r'"author": ', '"writer": '),
         extra=(r'"body": ', '"zz_extra": {"a": 1}, "body": '),
         malformed=(r"\A([^\n]*\n)", r'\g<1>{"id": ' + "\n"), word="lights",
         tz=('"created_utc": "1614600030"', '"created_utc": 1614600030.0', "t1_k1aaaa2",
             "2021-03-01T12:00:30Z")),
]
IDS = [f"{c.fmt}:{Path(c.fixture).name}" for c in CASES]
# Known gaps of readers owned elsewhere: strict xfails, so a fix makes them fail loudly
# (then delete the entry). Key: (test name, case id).
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def _known_gap(request: pytest.FixtureRequest, test: str, case: Case) -> None:
    reason = KNOWN_GAPS.get((test, f"{case.fmt}:{Path(case.fixture).name}"))
    if reason:
        request.node.add_marker(pytest.mark.xfail(reason=reason, strict=True))


def _text(case: Case) -> str:
    return (FIXTURES / case.fixture).read_text(encoding="utf-8")


def _edit(text: str, edit: tuple[str, Any]) -> str:
    pattern, repl = edit
    out = re.sub(pattern, repl, text)
    assert out != text, f"edit {pattern!r} changed nothing: the fixture no longer matches"
    return out


def _write(case: Case, tmp_path: Path, content: str | bytes, suffix: str = "") -> str:
    """Write a variant under the fixture's own file name (names are sniffing hints)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / (Path(case.fixture).name + suffix)
    if case.container == "parquet" and isinstance(content, str):
        path = tmp_path / (Path(case.fixture).stem + ".parquet" + suffix)
        import io as _io

        frame = pd.read_csv(_io.StringIO(content), dtype=str, keep_default_na=False)
        frame.to_parquet(path, index=False)
        return str(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    return str(path)


def _read(case: Case, path: str, **kw):
    return registry.get_format(case.fmt).read(path, **kw)


_PLAIN: dict[int, Any] = {}


def _plain(case: Case, tmp_path: Path):
    """The fixture read as is (cached: the suite reads hundreds of variants against it)."""
    key = CASES.index(case)
    if key not in _PLAIN:
        _PLAIN[key] = _read(case, _write(case, tmp_path, _text(case)))
    return _PLAIN[key]


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.posts, b.posts)
    pd.testing.assert_frame_equal(a.accounts, b.accounts)


def _text_only(case: Case) -> None:
    if case.container != "text":
        pytest.skip(f"{case.fmt}: byte-level text variants do not apply to {case.container}")


@pytest.fixture(params=CASES, ids=IDS)
def case(request) -> Case:
    return request.param


def test_every_format_has_a_case() -> None:
    assert {spec.name for spec in registry.all_formats()} <= {c.fmt for c in CASES}


def test_output_is_canonical(case: Case, tmp_path: Path) -> None:
    data = _plain(case, tmp_path)
    assert len(data.posts) > 0
    assert list(data.posts.columns) == list(POST_FIELDS)
    assert list(data.accounts.columns) == list(ACCOUNT_FIELDS)
    for table, fields in ((data.posts, POST_FIELDS), (data.accounts, ACCOUNT_FIELDS)):
        for name, (dtype, _) in fields.items():
            assert table[name].dtype == pd.api.types.pandas_dtype(dtype), (name, dtype)
    assert set(data.meta) >= META_KEYS
    assert data.posts["post_id"].is_unique
    assert data.accounts["account_id"].is_unique
    assert set(data.posts["account_id"]) <= set(data.accounts["account_id"])
    assert data.posts["kind"].isin(["post", "repost", "reply", "quote"]).all()


def test_sniffing_picks_the_format(case: Case, tmp_path: Path) -> None:
    assert detect_format(_write(case, tmp_path, _text(case))) == case.fmt


def test_empty_file_is_an_input_error(case: Case, tmp_path: Path) -> None:
    path = _write(case, tmp_path, b"")
    with pytest.raises(InputError) as err:
        _read(case, path)
    assert err.value.source == path


def test_structure_only_is_an_input_error(case: Case, tmp_path: Path) -> None:
    path = _write(case, tmp_path, case.structure_only)
    with pytest.raises(InputError) as err:
        _read(case, path)
    assert err.value.source == path and err.value.hint


def test_missing_account_field_is_an_input_error(case: Case, tmp_path: Path) -> None:
    path = _write(case, tmp_path, _edit(_text(case), case.missing))
    with pytest.raises(InputError) as err:
        _read(case, path)
    assert err.value.source == path and err.value.hint


def test_extra_fields_are_ignored(case: Case, tmp_path: Path) -> None:
    plain = _plain(case, tmp_path / "a")
    extra = _read(case, _write(case, tmp_path, _edit(_text(case), case.extra)))
    _same(plain, extra)


@pytest.mark.parametrize("compress", ["gzip", "zstd"])
def test_compressed_input_reads_the_same(case: Case, tmp_path: Path, compress: str) -> None:
    _text_only(case)
    raw = _text(case).encode("utf-8")
    data, suffix = ((gzip.compress(raw), ".gz") if compress == "gzip" else
                    (zstandard.ZstdCompressor().compress(raw), ".zst"))
    _same(_plain(case, tmp_path / "a"), _read(case, _write(case, tmp_path, data, suffix)))


@pytest.mark.parametrize("variant", ["bom", "crlf", "nul"])
def test_byte_variants_read_the_same(case: Case, tmp_path: Path, variant: str,
                                     request: pytest.FixtureRequest) -> None:
    _text_only(case)
    _known_gap(request, variant, case)
    text = _text(case)
    if variant == "bom":
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
    elif variant == "crlf":
        data = text.replace("\n", "\r\n").encode("utf-8")
    else:
        word = case.word.encode("utf-8")
        data = text.encode("utf-8").replace(word, word[:2] + b"\x00" + word[2:], 1)
        assert b"\x00" in data
    _same(_plain(case, tmp_path / "a"), _read(case, _write(case, tmp_path, data)))


def test_non_utf8_bytes_are_read_and_reported(case: Case, tmp_path: Path,
                                              request: pytest.FixtureRequest) -> None:
    _text_only(case)
    _known_gap(request, "non_utf8", case)
    word = case.word.encode("utf-8")
    data = _text(case).encode("utf-8").replace(word, word + b"\xe9\xff", 1)
    plain = _plain(case, tmp_path / "a")
    odd = _read(case, _write(case, tmp_path, data))
    assert len(odd.posts) == len(plain.posts)
    assert any("UTF-8" in w for w in odd.meta["warnings"])


def test_malformed_record_is_skipped_and_counted(case: Case, tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    _text_only(case)
    _known_gap(request, "malformed", case)
    path = _write(case, tmp_path, _edit(_text(case), case.malformed))
    data = _read(case, path)
    plain = _plain(case, tmp_path / "a")
    _same(plain, data)
    assert data.meta["rows_dropped"].get("malformed_row", 0) >= 1
    with pytest.raises(InputError) as err:
        _read(case, path, strict=True)
    assert err.value.source == path


def test_spreadsheet_mangled_ids_warn(case: Case, tmp_path: Path) -> None:
    if case.mangle is None:
        pytest.skip(f"{case.fmt} ids are not numbers: a spreadsheet cannot mangle them")
    data = _read(case, _write(case, tmp_path, _edit(_text(case), case.mangle)))
    assert any("spreadsheet" in w.lower() for w in data.meta["warnings"])


def test_offset_times_become_the_right_utc_instant(case: Case, tmp_path: Path) -> None:
    pattern, repl, post_id, expected = case.tz
    data = _read(case, _write(case, tmp_path, _edit(_text(case), (pattern, repl))))
    got = data.posts.set_index("post_id").loc[post_id, "created_at"]
    assert got == pd.Timestamp(expected)


def _reversed(case: Case, text: str) -> str:
    if case.records is None:  # one record per line, maybe under a header line
        lines = text.rstrip("\n").split("\n")
        head, rows = (lines[:1], lines[1:]) if case.fixture.endswith(".csv") else ([], lines)
        return "\n".join(head + rows[::-1]) + "\n"
    doc = json.loads(text)
    if case.records:
        doc[case.records] = doc[case.records][::-1]
        return json.dumps(doc)
    return json.dumps(doc[::-1])


def test_output_is_deterministic_under_row_order(case: Case, tmp_path: Path) -> None:
    plain = _plain(case, tmp_path / "a")
    again = _read(case, _write(case, tmp_path / "b", _text(case)))
    _same(plain, again)
    shuffled = _read(case, _write(case, tmp_path, _reversed(case, _text(case))))

    def by_id(table: pd.DataFrame, key: str) -> pd.DataFrame:
        return table.sort_values(key, kind="stable").reset_index(drop=True)

    pd.testing.assert_frame_equal(by_id(plain.posts, "post_id"), by_id(shuffled.posts, "post_id"))
    pd.testing.assert_frame_equal(by_id(plain.accounts, "account_id"),
                                  by_id(shuffled.accounts, "account_id"))
