"""Corruptions of valid exports, for the fuzzed reader suite (test_fuzz_readers.py).

Two kinds, both driven by a ``random.Random`` so that hypothesis can shrink and replay them:

- file corruptions (``FILE_MUTATORS``): bytes -> bytes on a whole valid export: truncation, byte
  flips, NULs, other encodings and delimiters, broken quoting, huge fields, an HTML error page
  saved under the export's name, spreadsheet-mangled ids, duplicated headers, impossible dates,
  lost/duplicated lines, compression of (or inside) the result;
- row corruptions (``corrupt_rows``): one valid file whose data rows are each corrupted in one
  cell (or in their raw bytes), so that one read checks many row cases at once.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import zstandard

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "formats"
SAMPLE = ROOT / "data" / "samples" / "sample.csv"

HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>"
             b"<h1>Bad Gateway</h1><p>The proxy server received an invalid response, please "
             b"try again, later.</p><hr><address>nginx</address></body></html>\n")
ENCODINGS = ("utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "shift_jis", "utf-8-sig",
             "cp437", "koi8-r")
BAD_YEARS = ("2923", "0202", "9999", "0000", "1969", "2262", "2263", "1677", "0001", "3000")
NOISE = ("\U0001f525", "\u202e", "\u200b", "\ufeff", "\uffff", "\x00", "\x1b[31m", "\x7f",
         "\\ud800", "\\u0000", "&quot;", "&amp;amp;", "I\u00e2\u20ac\u2122ve", "sar\u00c3 ",
         "\r", "\n", '"', "'", ",", ";", "\t", "|", "\\", "{", "}", "[", "]", "=cmd|' /C calc'!A0")
URL_BREAKS = (":om", ":99999", ":-1", "[", "]", "%", "@", ":8%0", "\\", ":", "[::1", " ",
              "\u0130", "\uff1a\uff4f\uff4d")


def seed_files() -> dict[str, bytes]:
    """Every valid export the suite corrupts: each format's fixtures and a slice of the
    bundled sample (its first 80 posts: the whole sample would make every case slow)."""
    seeds = {str(p.relative_to(FIXTURES)): p.read_bytes()
             for p in sorted(FIXTURES.rglob("*")) if p.is_file() and p.name != "actor.json"}
    head = b"\n".join(SAMPLE.read_bytes().split(b"\n")[:81]) + b"\n"
    seeds["sample/sample.csv"] = head
    frame = pd.read_csv(io.BytesIO(head), dtype=str, keep_default_na=False)
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    seeds["sample/sample.parquet"] = buf.getvalue()
    return seeds


def _positions(data: bytes, rnd: random.Random, k: int) -> list[int]:
    return sorted(rnd.randrange(len(data) + 1) for _ in range(k)) if data else [0] * k


def _insert(data: bytes, rnd: random.Random, piece: bytes, k: int = 1) -> bytes:
    out, last = [], 0
    for pos in _positions(data, rnd, k):
        out += [data[last:pos], piece]
        last = pos
    return b"".join([*out, data[last:]])


def truncate(data: bytes, rnd: random.Random) -> bytes:
    return data[:rnd.randrange(len(data) + 1)] if data else data


def flip_bytes(data: bytes, rnd: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        if buf:
            i = rnd.randrange(len(buf))
            buf[i] = buf[i] ^ (1 << rnd.randrange(8)) if rnd.random() < 0.7 else rnd.randrange(256)
    return bytes(buf)


def nul_bytes(data: bytes, rnd: random.Random) -> bytes:
    return _insert(data, rnd, b"\x00" * rnd.randint(1, 4), rnd.randint(1, 5))


def other_encoding(data: bytes, rnd: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace")
    return text.encode(rnd.choice(ENCODINGS), errors="replace")


def other_delimiter(data: bytes, rnd: random.Random) -> bytes:
    return data.replace(b",", rnd.choice([b";", b"\t", b"|", b" ", b",,", b""]))


def broken_quoting(data: bytes, rnd: random.Random) -> bytes:
    return _insert(data, rnd, rnd.choice([b'"', b'""', b"'", b'\\"', b'"\n"']), rnd.randint(1, 4))


def huge_field(data: bytes, rnd: random.Random, *, max_size: int = 300_000) -> bytes:
    size = rnd.choice([5_000, 70_000, max_size])
    piece = rnd.choice([b"x", b"word ", "\u00e9".encode(), b"\\n"]) * (size // 2)
    return _insert(data, rnd, piece)


def html_page(data: bytes, rnd: random.Random) -> bytes:
    return HTML_PAGE if rnd.random() < 0.7 else HTML_PAGE + data


def mangle_ids(data: bytes, rnd: random.Random) -> bytes:
    def sci(m: re.Match[bytes]) -> bytes:
        digits = m.group()
        return f"{digits[:1].decode()}.{digits[1:6].decode()}E+{len(digits) - 1}".encode()

    return re.sub(rb"(?<![0-9.])[0-9]{7,}(?![0-9])", sci, data,
                  count=rnd.choice([1, 3, 0]))


def duplicate_header(data: bytes, rnd: random.Random) -> bytes:
    lines = data.split(b"\n")
    if rnd.random() < 0.5 and len(lines) > 2:  # the header line again among the rows
        lines.insert(rnd.randrange(1, len(lines)), lines[0])
        return b"\n".join(lines)
    cells = lines[0].split(b",")
    if len(cells) > 1:
        i, j = rnd.sample(range(len(cells)), 2)
        cells[i] = cells[j]
    lines[0] = b",".join(cells)
    return b"\n".join(lines)


def impossible_dates(data: bytes, rnd: random.Random) -> bytes:
    year = rnd.choice(BAD_YEARS).encode()
    out = re.sub(rb"(?<![0-9])(?:19|20)[0-9]{2}(?=-[0-9]{2})", year, data,
                 count=rnd.choice([1, 2, 0]))
    if rnd.random() < 0.3:
        out = re.sub(rb"-(0[1-9]|1[0-2])-", b"-13-", out, count=1)
    if rnd.random() < 0.3:
        out = re.sub(rb"T[0-9]{2}:", b"T25:", out, count=1)
    return out


def line_ops(data: bytes, rnd: random.Random) -> bytes:
    lines = data.split(b"\n")
    op = rnd.choice(["drop", "dup", "shuffle", "crlf", "cr", "blank"])
    if op == "drop" and len(lines) > 1:
        del lines[rnd.randrange(len(lines))]
    elif op == "dup" and lines:
        lines.insert(rnd.randrange(len(lines)), rnd.choice(lines))
    elif op == "shuffle":
        rnd.shuffle(lines)
    elif op == "crlf":
        return data.replace(b"\n", b"\r\n")
    elif op == "cr":
        return data.replace(b"\n", b"\r")
    else:
        lines.insert(rnd.randrange(len(lines) + 1), b" \t ")
    return b"\n".join(lines)


def unicode_noise(data: bytes, rnd: random.Random) -> bytes:
    return _insert(data, rnd, rnd.choice(NOISE).encode("utf-8", "surrogatepass"),
                   rnd.randint(1, 4))


def url_noise(data: bytes, rnd: random.Random) -> bytes:
    def hit(m: re.Match[bytes]) -> bytes:
        return m.group() + rnd.choice(URL_BREAKS).encode()

    return re.sub(rb"https?://[A-Za-z0-9.\-]+", hit, data, count=rnd.choice([1, 3, 0]))


def number_noise(data: bytes, rnd: random.Random) -> bytes:
    junk = rnd.choice([b"1e30", b"-5", b"12a", b"NaN", b"inf", b"1,234,567", b"0x1F", b"9" * 40])
    return re.sub(rb"(?<=[,: ])[0-9]{1,6}(?=[,}\n])", junk, data, count=rnd.choice([1, 2, 0]))


def compress(data: bytes, rnd: random.Random) -> bytes:
    packed = gzip.compress(data) if rnd.random() < 0.5 else zstandard.ZstdCompressor().compress(
        data)
    return packed[:rnd.randrange(len(packed) + 1)] if rnd.random() < 0.3 else packed


def emptyish(data: bytes, rnd: random.Random) -> bytes:
    return rnd.choice([b"", b"\n", b"\xef\xbb\xbf", b" \n\n ", b"\x00\x00", data.split(b"\n")[0]])


Mutator = Callable[[bytes, random.Random], bytes]
FILE_MUTATORS: dict[str, Mutator] = {
    f.__name__: f for f in (truncate, flip_bytes, nul_bytes, other_encoding, other_delimiter,
                            broken_quoting, huge_field, html_page, mangle_ids, duplicate_header,
                            impossible_dates, line_ops, unicode_noise, url_noise, number_noise,
                            compress, emptyish)}


def corrupt_file(data: bytes, names: list[str], rnd: random.Random) -> bytes:
    for name in names:
        data = FILE_MUTATORS[name](data, rnd)
    return data


# ---- row corruptions ---------------------------------------------------------------------

def corrupt_value(value: str, rnd: random.Random, *, max_huge: int = 50_000) -> str:
    """One cell made bad in one of many ways (or left alone)."""
    kind = rnd.randrange(14)
    if kind == 0:
        return ""
    if kind == 1:
        chars = list(value or "x")
        chars[rnd.randrange(len(chars))] = chr(rnd.choice([0, 7, 27, 127, 0xA0, 0x2028,
                                                           rnd.randrange(32, 0x2FFF)]))
        return "".join(chars)
    if kind == 2:
        return re.sub(r"(?:19|20)[0-9]{2}", rnd.choice(BAD_YEARS), value, count=1) or "2923-01-01"
    if kind == 3:
        return value + rnd.choice(URL_BREAKS)
    if kind == 4:
        return rnd.choice(["1.23457E+18", "1e30", "-1", "12a", "NaN", "1,5", "9" * 30])
    if kind == 5:
        return value + rnd.choice(NOISE)
    if kind == 6:
        return value * rnd.randint(2, max(2, max_huge // max(1, len(value))))
    if kind == 7:
        return rnd.choice(["https://x.example:om/p", "http://[::1", "https://a.com:99999",
                           "www.", "://", "https://\u0130.com", "mailto:", "https://%zz"])
    if kind == 8:
        return rnd.choice(["yesterday", "10:00", "0", "-1", "1e20", "31/02/2020 25:61",
                           "Tue Dec 41 23:26:15 +0000 2012", "2020-13-01", "99999999999999999"])
    if kind == 9:
        return value.encode("utf-8", "replace").decode("latin-1")
    if kind == 10:
        return "&quot;" + value + "&amp;amp;"
    if kind == 11:
        return '"' + value
    if kind == 12:
        return rnd.choice(["true", "false", "R", "Q", "retweet", "reply", "None", "null", "[]"])
    return value


CLEAN_PER_BAD = 3  # so that a file is mostly sound (< 5 % bad times: read, not refused)


def _clean_share(rows: list, n_bad: int) -> list:
    """The seed's rows repeated to CLEAN_PER_BAD x ``n_bad`` (repeats are duplicate posts)."""
    want = CLEAN_PER_BAD * n_bad
    return (rows * (want // max(1, len(rows)) + 1))[:max(want, len(rows))]


def _csv_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return rows[0], [r for r in rows[1:] if r]


def corrupt_csv_rows(data: bytes, rnd: random.Random, n_rows: int) -> tuple[bytes, int]:
    """(file, number of corrupted rows): ``n_rows`` data rows, each with one bad cell, among
    3 x as many clean rows (the seed's, repeated)."""
    header, rows = _csv_rows(data)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(_clean_share(rows, n_rows))
    for _ in range(n_rows):
        row = list(rnd.choice(rows))
        i = rnd.randrange(len(row))
        row[i] = corrupt_value(row[i], rnd)
        writer.writerow(row)
    return out.getvalue().encode("utf-8", "surrogatepass"), n_rows


def _leaves(obj: object, path: tuple = ()) -> list[tuple]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _leaves(v, (*path, k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _leaves(v, (*path, i))]
    return [path]


def _set(obj: object, path: tuple, value: object) -> None:
    for key in path[:-1]:
        obj = obj[key]  # type: ignore[index]
    obj[path[-1]] = value  # type: ignore[index]


def corrupt_json_lines(data: bytes, rnd: random.Random, n_rows: int) -> tuple[bytes, int]:
    """JSON lines: ``n_rows`` extra lines, each a seed line with one leaf value made bad (as
    a string, a number or null), or its raw bytes flipped."""
    lines = [ln for ln in data.split(b"\n") if ln.strip()]
    out = _clean_share(lines, n_rows)
    for _ in range(n_rows):
        raw = rnd.choice(lines)
        if rnd.random() < 0.15:
            out.append(flip_bytes(raw, rnd))
            continue
        obj = json.loads(raw)
        leaves = [p for p in _leaves(obj) if p]
        if leaves:
            path = rnd.choice(leaves)
            old = obj
            for key in path:
                old = old[key]
            new: object = corrupt_value(str(old), rnd)
            if rnd.random() < 0.2:
                new = rnd.choice([None, 1e300, -1, 2**70, True, [], {}, 1.5])
            _set(obj, path, new)
        out.append(json.dumps(obj, ensure_ascii=rnd.random() < 0.5).encode("utf-8",
                                                                            "surrogatepass"))
    return b"\n".join(out) + b"\n", n_rows


ROW_SEEDS = {"generic/posts.csv": corrupt_csv_rows, "sample/sample.csv": corrupt_csv_rows,
             "ioarchive.csv": corrupt_csv_rows, "twarc_csv.csv": corrupt_csv_rows,
             "crowdtangle.csv": corrupt_csv_rows, "generic/posts.jsonl": corrupt_json_lines,
             "twarc2/flat.jsonl": corrupt_json_lines, "twarc2/pages.jsonl": corrupt_json_lines,
             "reddit/RC_sample.ndjson": corrupt_json_lines,
             "reddit/RS_sample.ndjson": corrupt_json_lines,
             "bluesky/feed.jsonl": corrupt_json_lines}
