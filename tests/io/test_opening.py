"""open_input / read_sample / base_name: containers, compression, stdin."""

from __future__ import annotations

import gzip
import io
import sys

import pandas as pd
import pytest
import zstandard

from astroturf.errors import InputError
from astroturf.io import opening
from astroturf.io.opening import base_name, open_input, read_sample

CSV = b"post_id,account_id,created_at,text\n1,a,2020-01-01T10:00:00Z,hi\n"


def _write(path, data: bytes, compression: str | None):
    if compression == "gz":
        data = gzip.compress(data)
    elif compression == "zst":
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("compression", [None, "gz", "zst"])
def test_open_input_decompresses(tmp_path, compression):
    name = "x.csv" + (f".{compression}" if compression else "")
    path = _write(tmp_path / name, CSV, compression)
    with open_input(path) as fh:
        assert fh.read() == CSV


def test_compression_detected_by_magic_not_suffix(tmp_path):
    path = _write(tmp_path / "looks_plain.csv", CSV, "gz")
    with open_input(path) as fh:
        assert fh.read() == CSV


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError) as exc:
        open_input(str(tmp_path / "nope.csv"))
    assert exc.value.source.endswith("nope.csv")
    assert exc.value.hint


def test_base_name():
    assert base_name("/a/b/export.csv.gz") == "export.csv"
    assert base_name("dump.jsonl.zst") == "dump.jsonl"
    assert base_name("plain.parquet") == "plain.parquet"
    assert base_name("-") == "stdin"


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_sample_header_delimiters(tmp_path, delimiter):
    text = delimiter.join(["id", "user id", "time"]) + "\n1" + delimiter + "a" + delimiter + "t\n"
    path = _write(tmp_path / "t.txt", text.encode(), None)
    sample = read_sample(path)
    assert sample.header == ["id", "user id", "time"]
    assert sample.first_object is None


def test_sample_strips_bom_and_handles_quoted_header(tmp_path):
    path = _write(tmp_path / "b.csv", b'\xef\xbb\xbf"a,b",c\n1,2\n', None)
    sample = read_sample(path)
    assert sample.header == ["a,b", "c"]
    assert not sample.text.startswith("\ufeff")


def test_sample_jsonl_and_truncated_array(tmp_path):
    path = _write(tmp_path / "x.jsonl", b'{"id": 1, "user": {"id": 2}}\n{"id": 3}\n', None)
    assert read_sample(path).first_object == {"id": 1, "user": {"id": 2}}
    big = b"[\n" + b",\n".join(b'{"id": %d, "text": "%s"}' % (i, b"x" * 50) for i in range(3000))
    path = _write(tmp_path / "arr.json", big + b"]", None)
    sample = read_sample(path, n_bytes=4096)  # truncated: the array does not fit
    assert sample.first_object == {"id": 0, "text": "x" * 50}
    assert sample.header is None


def test_sample_pretty_printed_object(tmp_path):
    path = _write(tmp_path / "doc.json", b'{\n  "name": "chan",\n  "messages": []\n}\n', None)
    assert read_sample(path).first_object == {"name": "chan", "messages": []}


def test_sample_parquet(tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"user_id": ["1"], "time": ["2020-01-01"]}).to_parquet(path)
    sample = read_sample(str(path))
    assert sample.is_parquet
    assert sample.parquet_columns == ["user_id", "time"]


class _Stdin:
    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)


def test_stdin_is_spooled_and_rereadable(monkeypatch):
    monkeypatch.setattr(opening, "_stdin_spool", None)
    monkeypatch.setattr(sys, "stdin", _Stdin(gzip.compress(CSV)))
    assert read_sample("-").header == ["post_id", "account_id", "created_at", "text"]
    with open_input("-") as fh:  # read again after sniffing
        assert fh.read() == CSV
