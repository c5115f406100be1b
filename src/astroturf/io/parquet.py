"""Parquet input: column projection, structs flattened, lists joined, strings checked.

Split from ``generic``. Only the columns the mapping uses are read (a wide export stays cheap);
structs become dotted columns and lists space-joined strings, as for JSON; string columns are
checked for UTF-8 (Parquet writers do not guarantee it) and bad values repaired and counted.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from astroturf.errors import InputError
from astroturf.io.opening import parquet_source


def _batches(reader: Any, max_rows: int | None) -> list[Any]:
    out, n = [], 0
    for batch in reader:
        out.append(batch)
        n += batch.num_rows
        if max_rows is not None and n >= max_rows:
            break
    return out


def read_parquet(path: str, meta: dict[str, Any], *, columns: list[str] | None,
                  max_rows: int | None) -> pd.DataFrame:
    """Only the ``columns`` asked for are read (projection: a wide export stays cheap)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pfile = pq.ParquetFile(parquet_source(path))
        names = pfile.schema_arrow.names
        wanted = [c for c in names if columns is None or c in columns or
                  any(c2.startswith(c + ".") for c2 in columns)]
        if max_rows is None:  # row groups decoded on every core (batches come one by one)
            table = pfile.read(columns=wanted, use_threads=True).combine_chunks()
        else:  # a preview stops after max_rows
            batches = _batches(pfile.iter_batches(batch_size=65536, columns=wanted), max_rows)
            schema = pa.schema([pfile.schema_arrow.field(n) for n in wanted])
            table = pa.Table.from_batches(batches, schema=schema).combine_chunks()
        raw, n_bad = _valid_utf8_columns(_arrow_to_raw(table))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"cannot read Parquet: {exc}", source=path,
                         hint="check that the file is a complete Parquet file") from None
    meta["non_utf8_values"] = n_bad
    df = raw.to_pandas()  # one chunk per column already
    if columns is not None:
        df = df[[c for c in df.columns if c in columns]]
    return df.iloc[:max_rows] if max_rows else df


def _valid_utf8_columns(table: Any) -> tuple[Any, int]:
    """String columns checked for UTF-8 (Parquet readers do not check): a value that is not
    is decoded with U+FFFD replacements. Returns (table, number of values repaired)."""
    import pyarrow as pa

    arrays, n_bad = [], 0
    for col in table.columns:
        col = _one_array(col)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            try:
                col.validate(full=True)
            except pa.ArrowInvalid:
                raw = col.cast(pa.large_binary()).to_pylist()
                fixed = [None if v is None else v.decode("utf-8", errors="replace") for v in raw]
                n_bad += sum(1 for a, b in zip(raw, fixed, strict=True)
                             if a is not None and a.decode("utf-8", errors="ignore") != b)
                col = pa.array(fixed, type=pa.string())
            col = _empty_to_null(col)
        arrays.append(col)
    return pa.table(arrays, names=table.column_names), n_bad


def _one_array(col: Any) -> Any:
    """A table column as one Array: its only chunk as it is (``ChunkedArray.combine_chunks``
    copies even a single chunk, a copy of every column per call), else the chunks joined."""
    import pyarrow as pa

    if not isinstance(col, pa.ChunkedArray):
        return col
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _arrow_to_raw(table: Any) -> Any:
    """Structs flattened to dotted names; lists space-joined; scalars cast to string."""
    import pyarrow as pa
    import pyarrow.compute as pc

    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    arrays, names = [], []
    for name, col in zip(table.column_names, table.columns, strict=True):
        col = _one_array(col)  # a ChunkedArray has neither view() nor offsets
        typ = col.type
        if pa.types.is_dictionary(typ):
            col = pc.cast(col, typ.value_type)
            typ = typ.value_type
        if pa.types.is_timestamp(typ):
            arrays.append(col)
        elif pa.types.is_list(typ) or pa.types.is_large_list(typ):
            if pa.types.is_binary(typ.value_type) or pa.types.is_large_binary(typ.value_type):
                col = pc.cast(col, pa.list_(pa.binary()))
                col = pa.ListArray.from_arrays(col.offsets, col.values.view(pa.string()))
            col = pc.cast(col, pa.list_(pa.string()))
            arrays.append(pc.binary_join(col, " "))
        elif pa.types.is_binary(typ) or pa.types.is_large_binary(typ):  # checked afterwards
            arrays.append(col.view(pa.large_string() if pa.types.is_large_binary(typ)
                                   else pa.string()))
        else:
            arrays.append(pc.cast(col, pa.string()))
        names.append(name)
    return pa.table(arrays, names=names)


def _empty_to_null(col: Any) -> Any:
    """'' -> null, as the CSV reader does: every later step then skips those cells cheaply."""
    import pyarrow as pa
    import pyarrow.compute as pc

    empty = pc.equal(pc.binary_length(col), 0)
    if not pc.any(empty).as_py():
        return col
    return pc.if_else(empty, pa.scalar(None, col.type), col)
