"""Opening inputs: stdin, gzip, zstandard or plain files, and the sample that sniffers look at.

Compression is recognised by magic bytes (so a gzipped file named ``.csv`` or piped on stdin
still works) and by suffix. Stdin is spooled once to a temporary file so that it can be sniffed
and then read again, like any other path.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import gzip
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
from typing import Any, BinaryIO

from astroturf.errors import InputError
from astroturf.io.registry import Sample

log = logging.getLogger("astroturf.io.opening")

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
PARQUET_MAGIC = b"PAR1"
DELIMITERS = (",", "\t", ";", "|")
ZSTD_MAX_WINDOW = 2**31  # Reddit/Pushshift dumps need a 2 GB window
_COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd")

_stdin_spool: str | None = None


def base_name(path: str) -> str:
    """File name without directories and without a .gz/.zst suffix ('stdin' for '-')."""
    if path == "-":
        return "stdin"
    name = os.path.basename(str(path).rstrip("/\\"))
    for suffix in _COMPRESSION_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def local_path(path: str) -> str:
    """A real, re-readable file path for ``path``: stdin ('-') is spooled to a temp file once."""
    if path != "-":
        return path
    global _stdin_spool
    if _stdin_spool is None or not os.path.exists(_stdin_spool):
        fd, spool = tempfile.mkstemp(prefix="astroturf-stdin-")
        source = getattr(sys.stdin, "buffer", sys.stdin)
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out, length=1 << 20)
        _stdin_spool = spool
        atexit.register(_remove_quietly, spool)
    return _stdin_spool


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


def _open_raw(path: str) -> BinaryIO:
    real = local_path(path)
    try:
        return open(real, "rb")  # the caller closes it
    except FileNotFoundError:
        raise InputError("file not found", source=path,
                         hint="check the path (use '-' to read from stdin)") from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", source=path,
                         hint="pass the export file itself") from None
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror or exc}", source=path,
                         hint="check that the file exists and is readable") from None


def compression_of(path: str) -> str | None:
    """'gzip', 'zstd' or None, from the magic bytes (falling back to the suffix)."""
    with _open_raw(path) as fh:
        magic = fh.read(4)
    if magic.startswith(GZIP_MAGIC):
        return "gzip"
    if magic.startswith(ZSTD_MAGIC):
        return "zstd"
    return None


def open_input(path: str) -> BinaryIO:
    """Binary stream of the decompressed content of ``path`` ('-' = stdin).

    .gz via gzip, .zst via zstandard (streaming, max_window_size=2**31), else the plain file.
    Missing or unreadable files raise InputError naming the path.
    """
    raw = _open_raw(path)
    magic = raw.read(4)
    raw.seek(0)
    if magic.startswith(GZIP_MAGIC):
        return Decompressed(gzip.GzipFile(fileobj=raw, mode="rb"), path)  # type: ignore[return-value]
    if magic.startswith(ZSTD_MAGIC):
        import zstandard

        dctx = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        reader = dctx.stream_reader(raw, closefd=True)
        buffered = io.BufferedReader(reader, buffer_size=1 << 20)  # type: ignore[arg-type]
        return Decompressed(buffered, path)  # type: ignore[return-value]
    return raw


class Decompressed(io.RawIOBase):
    """A decompressing stream whose failures (a truncated or damaged .gz/.zst) are one
    InputError naming the file, whichever reader is reading it."""

    def __init__(self, inner: Any, path: str) -> None:
        self.inner = inner
        self.path = path

    def _guard(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except InputError:
            raise
        except Exception as exc:  # EOFError, gzip.BadGzipFile, zstandard.ZstdError ...
            raise InputError(f"cannot decompress: {exc}", source=self.path,
                             hint="the .gz / .zst file is incomplete or damaged: download or "
                                  "compress it again") from None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._guard(self.inner.readinto, buffer)

    def read(self, size: int = -1) -> bytes:
        return self._guard(self.inner.read, size)

    def readline(self, size: int = -1) -> bytes:
        return self._guard(self.inner.readline, size)

    def close(self) -> None:
        self.inner.close()
        super().close()


def read_head(path: str, n_bytes: int = 65536) -> bytes:
    """The first ``n_bytes`` of the decompressed content (fewer if the file is shorter)."""
    try:
        with open_input(path) as fh:
            return fh.read(n_bytes)
    except InputError:
        raise
    except (OSError, EOFError, ValueError) as exc:
        raise InputError(f"cannot decompress: {exc}", source=path,
                         hint="check that the file is a complete .gz / .zst archive") from None
    except Exception as exc:  # zstandard.ZstdError is not an OSError
        raise InputError(f"cannot read: {exc}", source=path,
                         hint="check that the file is a complete .gz / .zst archive") from None


def read_sample(path: str, *, n_bytes: int = 65536) -> Sample:
    """What sniffers look at: decompressed head, header cells or first JSON value, parquet info.

    ``first_object`` is the first JSON value of a JSON-lines file or JSON document; for a JSON
    array document it is the array's FIRST ELEMENT (parsed even when the head is truncated).
    """
    name = base_name(path)
    head = read_head(path, n_bytes)
    if head.startswith(PARQUET_MAGIC):
        return Sample(name=name, text="", is_parquet=True,
                      parquet_columns=_parquet_columns(path))
    if looks_binary(head):
        if name.lower().endswith(".parquet"):
            raise InputError("not a Parquet file: it does not start with the bytes PAR1, and it "
                             "is binary, not text", source=path, hint="check that the file is a "
                             "complete Parquet file, or export the data as CSV or JSON lines")
        raise InputError("not a table: binary data, neither text nor Parquet, gzip or zstd",
                         source=path, hint="export the data as CSV, JSON lines or Parquet")
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if len(head) == n_bytes:  # a multi-byte character may be cut at the end
        text = text.rstrip("\ufffd")
    first = _first_json_value(text)
    header = None if first is not None or _looks_json(text) else sniff_header(text)
    return Sample(name=name, text=text, header=header, first_object=first)


# C0 control bytes that text never uses (tab, LF, CR, FF and ESC aside; NUL aside too, so a
# UTF-16 export, whose NULs are removed, still reads)
_BINARY_BYTES = bytes([*range(1, 9), *range(14, 27), *range(28, 32)])


def looks_binary(head: bytes) -> bool:
    """Is this head binary data rather than text? Text exports in any 8-bit encoding or UTF-8
    use the other C0 control bytes almost never (a stray one in a bad cell is cleaned on
    reading); random or compressed bytes have one in 12. One in 32 bytes of the head (and at
    least 8), a control byte in nearly every cell, is binary."""
    n_ctrl = len(head) - len(head.translate(None, _BINARY_BYTES))
    return n_ctrl >= max(8, len(head) // 32)


def _parquet_columns(path: str) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(parquet_source(path)).names)
    except Exception as exc:
        raise InputError(f"cannot read Parquet schema: {exc}", source=path,
                         hint="check that the file is a complete Parquet file") from None


def plain_file(path: str) -> str | None:
    """The local path of ``path`` when it is an uncompressed UTF-8 file with no BOM and no NUL
    byte (then readers may hand it to pyarrow as is), else None. A memchr and a UTF-8 pass over
    the mapped file: ~0.05 s per 100 MB."""
    import mmap

    if compression_of(path) is not None:
        return None
    real = local_path(path)
    with open(real, "rb") as fh:
        try:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):  # empty, or not mappable (a pipe)
            return None
        with mapped:
            if mapped[:3] == b"\xef\xbb\xbf" or mapped.find(b"\x00") != -1:
                return None
            if not _valid_utf8(mapped):
                return None
    return real


def _valid_utf8(data: Any) -> bool:
    """Is ``data`` (bytes-like, e.g. a mapped file) UTF-8? Arrow's SIMD validator over the
    bytes as one string value, without a copy (~30 ms per 100 MB)."""
    import numpy as np
    import pyarrow as pa

    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    value = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        value.view(pa.large_string()).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def parquet_source(path: str) -> Any:
    """Something pyarrow.parquet can seek in: the file, or the decompressed bytes in memory."""
    if compression_of(path) is None:
        return local_path(path)
    import pyarrow as pa

    with open_input(path) as fh:  # compressed Parquet is rare: the footer needs the whole file
        return pa.BufferReader(fh.read())


def _looks_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def sniff_delimiter(line: str) -> str | None:
    """The most frequent of , TAB ; | on a header line (outside quotes), or None."""
    unquoted = line
    if '"' in line:
        unquoted = "".join(line.split('"')[0::2])
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties resolved in DELIMITERS order
    return best if counts[best] > 0 else None


def first_line(text: str) -> str:
    """First line of text, without its line ending (LF, CRLF or a lone CR)."""
    return re.split(r"\r\n|\n|\r", text, maxsplit=1)[0]


def split_cells(line: str, delimiter: str) -> list[str]:
    """The cells of one delimited line (quotes honoured; a stray quote never raises)."""
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return line.split(delimiter)


def sniff_header(text: str) -> list[str] | None:
    """Header cells of delimited text (first line), or None when the text is not delimited."""
    line = first_line(text)
    if not line.strip():
        return None
    delimiter = sniff_delimiter(line)
    if delimiter is None:
        return None
    return [c.strip() for c in split_cells(line, delimiter)]


def _first_json_value(text: str) -> Any:
    stripped = text.lstrip()
    if not stripped or stripped[0] not in "{[":
        return None
    decoder = json.JSONDecoder()
    if stripped[0] == "[":
        inner = stripped[1:].lstrip()
        if not inner or inner[0] == "]":
            return None
        try:
            return decoder.raw_decode(inner)[0]
        except json.JSONDecodeError:
            return None
    line = first_line(stripped)
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        pass
    try:
        return decoder.raw_decode(stripped)[0]
    except json.JSONDecodeError:
        return None
