"""Generic JSON readers: JSON lines streamed in batches, and JSON array documents.

Split from ``generic.py``; both go through the same ``CleanStream`` as CSV, so NUL bytes, a BOM
and bytes that are not valid UTF-8 are handled and counted the same way for every container.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from typing import Any

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


def read_json(path: str, kind: str, meta: dict[str, Any], *, strict: bool,
               columns: list[str] | None, max_rows: int | None) -> pd.DataFrame:
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
