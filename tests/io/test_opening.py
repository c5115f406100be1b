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


def test_text_in_any_encoding_is_not_binary(tmp_path):
    """Latin-1 accents, UTF-8 emoji, tabs and a UTF-16 export (its NULs are removed on
    reading) are text; random bytes are not."""
    import numpy as np

    from astroturf.io.opening import looks_binary

    text = "post_id\taccount_id\ttext\r\n1\ta\tcaf\u00e9 \u00fcber \U0001f600\x0c\r\n" * 50
    for data in (text.encode("utf-8"), text.encode("latin-1", errors="replace"),
                 text.encode("utf-16")):
        assert not looks_binary(data)
    assert looks_binary(np.random.default_rng(1).integers(0, 256, 4096, np.uint8).tobytes())
    path = tmp_path / "x.csv"
    path.write_bytes(CSV.decode().encode("utf-16"))
    assert read_sample(str(path)).header is not None


def test_binary_head_is_input_error(tmp_path):
    import numpy as np

    path = tmp_path / "x.parquet"
    path.write_bytes(np.random.default_rng(2).integers(0, 256, 3000, np.uint8).tobytes())
    with pytest.raises(InputError) as exc:
        read_sample(str(path))
    assert "PAR1" in str(exc.value) and exc.value.hint
