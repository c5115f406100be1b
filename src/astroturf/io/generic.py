"""Generic readers: delimited text (CSV/TSV/;/|), JSON lines, JSON array documents, Parquet.

Every reader returns raw columns (strings; Parquet timestamps stay datetimes) so that ids are
never mangled into floats, then ``read_generic`` maps columns and splits the flat table. Text is
streamed through a cleaner that strips NUL bytes, drops a BOM and reads bytes that are not valid
UTF-8 as Latin-1 (counted and warned about), so a messy export still parses with pyarrow's
multithreaded CSV reader (quoted newlines allowed). Malformed rows are skipped and counted, or
raise InputError with ``strict=True``.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import re
from typing import Any, BinaryIO

import pandas as pd

from astroturf.errors import InputError
from astroturf.io.columns import detect_roles
from astroturf.io.opening import (
    first_line,
    open_input,
    plain_file,
    read_sample,
    sniff_delimiter,
    split_cells,
)
from astroturf.io.registry import Sample
from astroturf.io.split import split_flat
from astroturf.schema import Dataset

log = logging.getLogger("astroturf.io.generic")

CHUNK = 1 << 22
MAX_BLOCK = 1 << 28  # a single CSV field may be up to 256 MB (a block must hold it)
JSON_BATCH = 20000
_SURROGATES = re.compile("[\udc80-\udcff]")
NO_ROWS_HINT = "check that the file holds data rows under its header (and is not truncated)"


class CleanStream(io.RawIOBase):
    """UTF-8 byte stream: NUL bytes removed, BOM dropped, invalid bytes read as Latin-1."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self.pending = b""
        self.pos = 0
        self.eof = False
        self.first = True
        self.nul_bytes = 0
        self.bad_bytes = 0

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        while self.pos >= len(self.pending) and not self.eof:
            chunk = self.raw.read(CHUNK)
            self.eof = not chunk
            if b"\x00" in chunk:
                self.nul_bytes += chunk.count(b"\x00")
                chunk = chunk.replace(b"\x00", b"")
            text = self.decoder.decode(chunk, final=self.eof)
            if self.first and text:
                text, self.first = text.removeprefix("\ufeff"), False
            try:  # strict encoding fails exactly when invalid bytes were escaped
                self.pending = text.encode("utf-8")
            except UnicodeEncodeError:
                text, n = _SURROGATES.subn(lambda m: chr(ord(m.group()) - 0xDC00), text)
                self.bad_bytes += n
                self.pending = text.encode("utf-8")
            self.pos = 0

    def readinto(self, buffer: Any) -> int:
        self._fill()
        n = min(len(buffer), len(self.pending) - self.pos)
        buffer[:n] = memoryview(self.pending)[self.pos:self.pos + n]
        self.pos += n
        return n

    def readall(self) -> bytes:
        parts = []
        while True:
            self._fill()
            if self.pos >= len(self.pending):
                return b"".join(parts)
            parts.append(self.pending[self.pos:] if self.pos else self.pending)
            self.pos = len(self.pending)

    def counts(self) -> dict[str, int]:
        """meta entries for what was cleaned so far: 'nul_bytes', 'non_utf8_bytes'."""
        return {"nul_bytes": self.nul_bytes, "non_utf8_bytes": self.bad_bytes}

    def close(self) -> None:
        self.raw.close()
        super().close()


def container_of(sample: Sample) -> str:
    """'parquet', 'json' (array/document), 'jsonl', 'csv' or 'empty'."""
    if sample.is_parquet:
        return "parquet"
    stripped = sample.text.lstrip()
    if not stripped:
        return "empty"
    if stripped[0] == "[":
        return "json"
    if stripped[0] == "{":
        first = stripped.split("\n", 1)[0].strip()
        try:
            json.loads(first)
            return "jsonl"
        except json.JSONDecodeError:
            return "json"
    return "csv"


def read_table(path: str, *, strict: bool = False, columns: list[str] | None = None,
               max_rows: int | None = None,
               container: str = "auto") -> tuple[pd.DataFrame, dict[str, Any]]:
    """Raw table of any generic container; all columns strings (Parquet times stay times).

    ``columns`` keeps only those columns (bounded memory); ``max_rows`` stops early (for
    column detection). Returns (frame, meta) with meta keys 'container', 'rows_read',
    'malformed_rows', 'nul_bytes', 'non_utf8_bytes', 'warnings'. Empty -> InputError 'no rows'.
    """
    sample = read_sample(path)
    kind = container_of(sample) if container == "auto" else container
    meta: dict[str, Any] = {"container": kind, "malformed_rows": 0, "nul_bytes": 0,
                            "non_utf8_bytes": 0, "warnings": []}
    if kind == "empty":
        raise InputError("no rows", source=path, hint="the file is empty; " + NO_ROWS_HINT)
    if kind == "parquet":
        from astroturf.io.parquet import read_parquet

        df = read_parquet(path, meta, columns=columns, max_rows=max_rows)
    elif kind in ("jsonl", "json"):
        from astroturf.io.generic_json import read_json

        df = read_json(path, kind, meta, strict=strict, columns=columns, max_rows=max_rows)
    else:
        df = _read_csv(path, sample, meta, strict=strict, columns=columns, max_rows=max_rows)
    if len(df) == 0:
        raise InputError("no rows", source=path, hint=NO_ROWS_HINT)
    meta["rows_read"] = len(df)
    if max_rows is None:  # a preview's counts are partial, and the full read says it all
        _note(meta, path)
    return df, meta


def _note(meta: dict[str, Any], path: str) -> None:
    notes = [("nul_bytes", "NUL bytes were removed"),
             ("non_utf8_bytes", "bytes were not valid UTF-8 and were read as Latin-1"),
             ("malformed_rows", "malformed rows were skipped"),
             ("non_utf8_values", "values were not valid UTF-8 (bad bytes shown as U+FFFD)")]
    for key, text in notes:
        if meta.get(key):
            msg = f"{path}: {meta[key]} {text}"
            log.warning(msg)
            meta["warnings"].append(msg)


def _header_names(path: str, sample: Sample) -> tuple[list[str], str]:
    line = first_line(sample.text).replace("\x00", "")
    delimiter = sniff_delimiter(line) or ","
    names = [c.strip() for c in split_cells(line, delimiter)]
    seen: dict[str, int] = {}
    unique = []
    for i, name in enumerate(names):
        name = name or f"column_{i + 1}"
        count = seen.get(name, 0)
        seen[name] = count + 1
        unique.append(name if count == 0 else f"{name}.{count}")
    return unique, delimiter


def _read_csv(path: str, sample: Sample, meta: dict[str, Any], *, strict: bool,
              columns: list[str] | None, max_rows: int | None) -> pd.DataFrame:
    names, delimiter = _header_names(path, sample)
    meta["delimiter"] = delimiter
    include = [c for c in names if c in columns] if columns is not None else []
    table = None
    plain = plain_file(path) if max_rows is None else None
    if plain is not None:  # clean UTF-8 on disk: pyarrow reads it directly, multithreaded
        table, n_bad = _read_csv_direct(plain, names, delimiter, include, strict=strict)
        meta.update(malformed_rows=n_bad, nul_bytes=0, non_utf8_bytes=0)
    if table is None:
        table = _read_csv_stream(path, names, delimiter, include, meta, strict=strict,
                                 max_rows=max_rows)
    table = table.combine_chunks()  # one chunk: every later op is several times faster
    return table.to_pandas().iloc[:max_rows] if max_rows else table.to_pandas()


def _csv_options(names: list[str], delimiter: str, include: list[str], on_invalid: Any,
                 block_size: int) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return {"read_options": pacsv.ReadOptions(column_names=names, skip_rows=1,
                                              block_size=block_size),
            "parse_options": pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                invalid_row_handler=on_invalid),
            "convert_options": pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), null_values=[""],
                strings_can_be_null=True, include_columns=include or None)}


def _read_csv_direct(path: str, names: list[str], delimiter: str, include: list[str], *,
                     strict: bool) -> tuple[Any, int]:
    """(table, malformed rows) read by pyarrow from the file itself, or (None, 0) when that
    fails for any reason (invalid UTF-8, a field longer than a block ...): the streaming reader
    then decides, with its own counts and messages."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad: list[Any] = []

    def on_invalid(row: Any) -> str:
        bad.append(row)
        return "error" if strict else "skip"

    try:
        table = pacsv.read_csv(path, **_csv_options(names, delimiter, include, on_invalid,
                                                     CHUNK))
    except (pa.ArrowException, OSError, ValueError):
        return None, 0
    return table, len(bad)


def _read_csv_stream(path: str, names: list[str], delimiter: str, include: list[str],
                     meta: dict[str, Any], *, strict: bool, max_rows: int | None) -> Any:
    """Through CleanStream (NULs, BOM, bytes not UTF-8, compression); a field longer than a
    block is retried with larger blocks."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    block = CHUNK
    while True:
        bad: list[Any] = []

        def on_invalid(row: Any, bad: list[Any] = bad) -> str:
            bad.append(row)
            return "error" if strict else "skip"

        stream = CleanStream(open_input(path))
        try:
            reader = pacsv.open_csv(io.BufferedReader(stream, buffer_size=CHUNK),
                                    **_csv_options(names, delimiter, include, on_invalid, block))
            table = pa.Table.from_batches(_take(reader, max_rows), schema=reader.schema)
        except (pa.ArrowInvalid, pa.ArrowException, OSError, EOFError) as exc:
            if "straddl" in str(exc) and block < MAX_BLOCK:
                block *= 8
                continue
            raise _csv_error(path, bad, exc) from None
        finally:
            stream.close()
        meta.update(malformed_rows=len(bad), **stream.counts())
        return table


def _take(reader: Any, max_rows: int | None) -> list[Any]:
    batches, n = [], 0
    for batch in reader:
        batches.append(batch)
        n += batch.num_rows
        if max_rows is not None and n >= max_rows:
            break
    return batches


def _csv_error(path: str, bad: list[Any], exc: Exception) -> InputError:
    if bad:
        row = bad[0]
        where = f"row {row.number}" if row.number is not None else "a row"
        return InputError(
            f"{where} has {row.actual_columns} fields, expected {row.expected_columns}: "
            f"{row.text[:80]!r}", source=path,
            hint="fix or remove the row, or read without --strict to skip malformed rows")
    return InputError(f"cannot parse as delimited text: {exc}", source=path,
                      hint="check the delimiter and quoting, or pass --format")


def _stringify(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns (lists, dicts, bools from JSON) to strings; lists of scalars space-joined."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) != "string":
            col = col.map(_cell_to_str, na_action="ignore")
        out[name] = col.astype("str")
    return pd.DataFrame(out, index=frame.index)


def _cell_to_str(value: Any) -> Any:
    if isinstance(value, list):
        if all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
            return " ".join(str(v) for v in value) if value else None
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def read_generic(path: str, *, mapping: dict[str, str] | None = None, strict: bool = False,
                 container: str = "auto") -> Dataset:
    """Read any generic container into canonical posts + accounts.

    Columns are detected on the first rows (``mapping`` = --map overrides win), then only the
    mapped columns are read. ``meta``: format, container, mapping, rows_read, rows_dropped
    ({reason: n}), resolution_s, assumed_utc, warnings.
    """
    head, _ = read_table(path, strict=strict, max_rows=2000, container=container)
    roles = detect_roles(list(head.columns), head, overrides=mapping, source=path)
    found = roles.mapping
    for note in roles.notes:
        log.warning("%s: %s", path, note)
    table, tmeta = read_table(path, strict=strict, container=container,
                              columns=sorted(set(found.values())))
    data = split_flat(table, found, source=path, strict=strict)
    dropped = dict(data.meta["dropped"])
    if tmeta["malformed_rows"]:
        dropped["malformed_row"] = tmeta["malformed_rows"]
    meta = {"format": tmeta["container"], "container": tmeta["container"], "mapping": found,
            "rows_read": tmeta["rows_read"] + tmeta["malformed_rows"],
            "rows_dropped": dropped, "resolution_s": data.meta["resolution_s"],
            "assumed_utc": data.meta["assumed_utc"],
            "warnings": [*tmeta["warnings"], *(f"{path}: {n}" for n in roles.notes),
                         *data.meta["warnings"]], **roles.to_meta(),
            "cells_dropped": data.meta["cells_dropped"]}
    return Dataset(posts=data.posts, accounts=data.accounts, meta=meta)
