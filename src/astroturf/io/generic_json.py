"""Generic JSON readers: JSON lines (pyarrow.json, else streamed in batches) and JSON arrays.

Split from ``generic.py``. JSON lines that pyarrow can parse as they are (the common case) are
read by ``io.arrowjson`` at pyarrow's speed; everything else goes record by record through the
same ``CleanStream`` as CSV, so NUL bytes, a BOM and bytes that are not valid UTF-8 are handled
and counted the same way for every container, and a malformed line is skipped and counted.
Both paths give the same raw table (numbers in their JSON spelling, lists space-joined).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from typing import Any

import orjson
import pandas as pd

from astroturf.errors import InputError
from astroturf.io.generic import JSON_BATCH, CleanStream, _stringify
from astroturf.io.opening import open_input


def _json_records(path: str, kind: str, meta: dict[str, Any], *, strict: bool
                  ) -> Iterator[list[dict[str, Any]]]:
    """Batches of records; numbers stay strings (parse_int/parse_float=str) so ids are exact.

    Text goes through CleanStream like CSV (NUL bytes, BOM, non-UTF-8 bytes; counted in meta).
    """
    if kind == "json":
        yield from _json_document_records(path, meta, strict=strict)
        return
    stream = CleanStream(open_input(path))
    try:
        with io.TextIOWrapper(stream, encoding="utf-8") as fh:
            yield from _json_line_batches(path, fh, meta, strict=strict)
    finally:
        meta.update(stream.counts())


def _json_line_batches(path: str, fh: Any, meta: dict[str, Any], *, strict: bool
                       ) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for number, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_int=str, parse_float=str)
            if "\\ud" in line.lower():  # a lone surrogate escape no output could hold
                orjson.loads(line)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict):
            meta["malformed_rows"] += 1
            if strict:
                raise InputError(f"line {number} is not a JSON object: {line[:80]!r}",
                                 source=path, hint="fix the line, or read without --strict "
                                 "to skip malformed lines")
            continue
        batch.append(record)
        if len(batch) >= JSON_BATCH:
            yield batch
            batch = []
    yield batch


def _json_document_records(path: str, meta: dict[str, Any], *, strict: bool
                           ) -> Iterator[list[dict[str, Any]]]:
    """Batches of the objects of a JSON document; other array elements are malformed rows."""
    with CleanStream(open_input(path)) as stream:
        text = stream.readall().decode("utf-8")
    meta.update(stream.counts())
    try:
        doc = json.loads(text, parse_int=str, parse_float=str)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg}", source=path,
                         hint="check that the file is complete JSON (or JSON lines)") from None
    del text
    records = _records_of(doc)
    for start in range(0, len(records), JSON_BATCH):
        chunk = records[start:start + JSON_BATCH]
        batch = [r for r in chunk if isinstance(r, dict)]
        if len(batch) < len(chunk):
            meta["malformed_rows"] += len(chunk) - len(batch)
            if strict:
                index = start + next(i for i, r in enumerate(chunk) if not isinstance(r, dict))
                raise InputError(
                    f"array element {index} (counting from 0) is not a JSON object: "
                    f"{json.dumps(records[index], ensure_ascii=False)[:80]}", source=path,
                    hint="fix or remove the element, or read without --strict to skip "
                    "malformed elements")
        yield batch


def _records_of(doc: Any) -> list[Any]:
    """The records of a JSON document: the array itself, or the longest list of objects in it."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        lists = [v for v in doc.values()
                 if isinstance(v, list) and any(isinstance(r, dict) for r in v[:10])]
        if lists:
            return max(lists, key=len)
        return [doc]
    return []


_TABLES: dict[tuple[str, int, float], Any] = {}  # the last file's Arrow table (head, then all)


def _arrow_lines(path: str) -> Any:
    """The file's Arrow table when pyarrow.json can read it and every column is flat-able."""
    from astroturf.io.arrowjson import read_json_table
    from astroturf.io.opening import local_path

    real = local_path(path)
    stat = os.stat(real)
    key = (real, stat.st_size, stat.st_mtime)
    if key not in _TABLES:
        _TABLES.clear()
        table = read_json_table(real)
        _TABLES[key] = table if table is not None and _flat_able(table.schema) else None
    return _TABLES[key]


def _flat_able(schema: Any) -> bool:
    """Structs (flattened to a.b) and lists of scalars (space-joined) only: a list of objects
    is written as JSON text by the record path, which Arrow cannot reproduce."""
    import pyarrow as pa

    def ok(typ: Any) -> bool:
        if pa.types.is_struct(typ):
            return all(ok(f.type) for f in typ)
        if pa.types.is_list(typ) or pa.types.is_large_list(typ):
            value = typ.value_type
            return not (pa.types.is_struct(value) or pa.types.is_list(value)
                        or pa.types.is_large_list(value))
        return True

    return all(ok(f.type) for f in schema)


def _arrow_frame(table: Any, columns: list[str] | None, max_rows: int | None) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.compute as pc

    from astroturf.io.arrowjson import as_text, joined, to_frame

    if max_rows is not None:
        table = table.slice(0, max_rows)
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    out = {}
    for name in table.column_names:
        if columns is not None and name not in columns:
            continue
        array = table.column(name).combine_chunks()
        if pa.types.is_list(array.type) or pa.types.is_large_list(array.type):
            array = joined(array, len(array))
        elif pa.types.is_boolean(array.type):
            array = pc.if_else(array, "true", "false")
        out[name] = as_text(array, len(array))
    return to_frame(out) if out else pd.DataFrame(index=pd.RangeIndex(table.num_rows))


def read_json(path: str, kind: str, meta: dict[str, Any], *, strict: bool,
               columns: list[str] | None, max_rows: int | None) -> pd.DataFrame:
    if kind == "jsonl":
        table = _arrow_lines(path)
        if table is not None:
            if max_rows is None:
                _TABLES.clear()
            meta.update(nul_bytes=0, non_utf8_bytes=0)
            return _arrow_frame(table, columns, max_rows)
    frames, n = [], 0
    with contextlib.closing(_json_records(path, kind, meta, strict=strict)) as batches:
        for batch in batches:
            if not batch:
                continue
            nested = any(isinstance(v, dict) for r in batch[:200] for v in r.values())
            frame = (pd.json_normalize(batch, sep=".") if nested else
                     pd.DataFrame.from_records(batch))
            if columns is not None:
                frame = frame[[c for c in frame.columns if c in columns]]
            frames.append(_stringify(frame))
            n += len(frame)
            if max_rows is not None and n >= max_rows:
                break
    if not frames:
        return pd.DataFrame()
    df = pd.concat(frames, ignore_index=True)
    return df.astype("str")
