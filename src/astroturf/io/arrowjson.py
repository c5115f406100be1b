"""JSON lines through pyarrow.json: parsed in C++, in parallel, into columns.

Parsing JSON lines record by record in Python caps a reader at ~50k rows/s; pyarrow.json
parses the same file into typed columns at millions of rows/s, and the readers then work on
whole columns. pyarrow is strict (a field that is a number on one line and a string on the
next, a malformed line, bytes that are not UTF-8 all fail the whole read), so every caller
keeps its record-by-record reader as the fallback: ``read_json_table`` returns None and the
slow path decides, with its own counts and messages. Strings that look like times are kept as
strings (pyarrow would parse them and lose the offset).
"""

from __future__ import annotations

import io
import logging
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from astroturf.io.opening import open_input

log = logging.getLogger("astroturf.io.arrowjson")

SAMPLE_BYTES = 1 << 20
BLOCK_BYTES = 1 << 24  # one line must fit in a block


def _untimed(typ: pa.DataType) -> pa.DataType:
    """``typ`` with every timestamp (inferred from an ISO string) made a string again."""
    if pa.types.is_timestamp(typ) or pa.types.is_date(typ) or pa.types.is_time(typ):
        return pa.string()
    if pa.types.is_struct(typ):
        return pa.struct([pa.field(f.name, _untimed(f.type)) for f in typ])
    if pa.types.is_list(typ):
        return pa.list_(_untimed(typ.value_type))
    return typ


def _has_time(typ: pa.DataType) -> bool:
    return _untimed(typ) != typ


def read_json_table(path: str) -> pa.Table | None:
    """The JSON-lines file as one Arrow table, or None when pyarrow cannot take it as it is."""
    import pyarrow.json as pj

    try:
        with open_input(path) as fh:
            sample = fh.read(SAMPLE_BYTES)
        cut = sample.rfind(b"\n")
        if sample[:3] == b"\xef\xbb\xbf" or b"\x00" in sample:
            return None
        head = sample if cut < 0 else sample[:cut + 1]
        inferred = pj.read_json(io.BytesIO(head)).schema
        schema = pa.schema([pa.field(f.name, _untimed(f.type)) for f in inferred])
        options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
        with open_input(path) as fh:
            table = pj.read_json(fh, read_options=pj.ReadOptions(block_size=BLOCK_BYTES),
                                 parse_options=options)
        table.validate(full=True)  # strings must be valid UTF-8 (pyarrow.json does not check)
    except (pa.ArrowException, OSError, EOFError, ValueError) as exc:
        log.debug("%s: pyarrow.json cannot read it (%s); reading record by record", path, exc)
        return None
    except Exception as exc:  # zstandard errors are not OSErrors
        log.debug("%s: pyarrow.json cannot read it (%s); reading record by record", path, exc)
        return None
    if table.num_rows == 0 or any(_has_time(f.type) for f in table.schema):
        return None
    return table


def column(table: pa.Table | pa.StructArray, path: str) -> pa.Array | None:
    """The array at dotted ``path`` ('author.public_metrics.followers_count'), or None."""
    current: Any = table
    for part in path.split("."):
        if isinstance(current, pa.Table):
            if part not in current.column_names:
                return None
            current = current.column(part).combine_chunks()
        else:
            if not pa.types.is_struct(current.type) or current.type.get_field_index(part) < 0:
                return None
            current = pc.struct_field(current, part)
    return current


def as_text(array: pa.Array | None, n: int) -> pa.Array:
    """Strings of ``array`` (numbers and booleans in their JSON spelling); nulls when absent."""
    if array is None:
        return pa.nulls(n, pa.large_string())
    typ = array.type
    if pa.types.is_null(typ):
        return pa.nulls(n, pa.large_string())
    if pa.types.is_floating(typ):  # Python's str() spelling, as the record-by-record path
        return pa.array([None if v is None else repr(v) for v in array.to_pylist()],
                        type=pa.large_string())
    return pc.cast(array, pa.large_string())


def blank_null(array: pa.Array) -> pa.Array:
    """Strings with '' as null (the record readers' ``a or b`` treats '' as absent)."""
    text = as_text(array, len(array))
    return pc.if_else(pc.equal(pc.binary_length(text), 0).fill_null(False),
                      pa.nulls(len(text), text.type), text)


def first_of(table: pa.Table | pa.StructArray, n: int, *paths: str) -> pa.Array:
    """Per row the first non-empty of the strings at ``paths`` (``a or b or ...``)."""
    out = None
    for path in paths:
        part = column(table, path)
        if part is not None:
            part = blank_null(part)
            out = part if out is None else pc.coalesce(out, part)
    return out if out is not None else pa.nulls(n, pa.large_string())


def joined(lists: pa.Array | None, n: int, field: str | tuple[str, ...] | None = None
           ) -> pa.Array:
    """Per row, the non-empty items of a list column (or of ``field`` of its struct items;
    several fields = the first present) joined by spaces; null when there is none."""
    if lists is None or not (pa.types.is_list(lists.type) or pa.types.is_large_list(lists.type)):
        return pa.nulls(n, pa.large_string())
    items = pc.list_flatten(lists)
    rows = pc.list_parent_indices(lists)
    if field is not None:
        fields = (field,) if isinstance(field, str) else field
        values = None
        for name in fields:
            part = column(items, name) if pa.types.is_struct(items.type) else None
            if part is not None:
                part = as_text(part, len(items))
                values = part if values is None else pc.coalesce(values, part)
        items = values if values is not None else pa.nulls(len(items), pa.large_string())
    text = pc.utf8_trim_whitespace(as_text(items, len(items)))
    keep = pc.and_(pc.is_valid(text), pc.greater(pc.binary_length(text), 0)).fill_null(False)
    kept_rows = rows.to_numpy(zero_copy_only=False)[keep.to_numpy(zero_copy_only=False)]
    counts = np.bincount(kept_rows, minlength=n)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    grouped = pa.ListArray.from_arrays(offsets, pc.filter(text, keep))
    out = pc.binary_join(grouped, pa.scalar(" ", pa.large_string()))
    return pc.if_else(pa.array(counts > 0), out, pa.nulls(n, out.type))


def to_frame(columns: dict[str, pa.Array]) -> pd.DataFrame:
    """A pandas frame of compact string columns (what ``_records.frame`` builds)."""
    from astroturf.io.strings import arrow_strings

    index = pd.RangeIndex(len(next(iter(columns.values())))) if columns else pd.RangeIndex(0)
    return pd.DataFrame({name: arrow_strings(as_text(array, len(array)), index)
                         for name, array in columns.items()}, index=index)
