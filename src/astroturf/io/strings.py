"""Arrow-backed string columns built without Python objects.

``pd.Series(np.nan, index, dtype="str")`` or ``pd.Series("post", ...)`` creates one Python
object per row and converts each (~70 ms per million rows); built from Arrow arrays the same
columns cost a third of that. Results are the canonical ``str`` dtype, equal to the slow form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

STR = pd.StringDtype("pyarrow", na_value=np.nan)  # what dtype="str" means with pyarrow


def _series(array: pa.Array, index: pd.Index) -> pd.Series:
    from pandas.core.arrays.string_arrow import ArrowStringArray

    return pd.Series(ArrowStringArray(pa.chunked_array([array]), dtype=STR), index=index)


def arrow_strings(array: pa.Array, index: pd.Index) -> pd.Series:
    """A string column from an Arrow string array (no copy of the characters)."""
    if not pa.types.is_large_string(array.type):
        array = pc.cast(array, pa.large_string())
    return _series(array, index)


def na_strings(index: pd.Index) -> pd.Series:
    """An all-NA string column."""
    return _series(pa.nulls(len(index), pa.large_string()), index)


def const_strings(value: str, index: pd.Index) -> pd.Series:
    """A string column holding ``value`` on every row."""
    return _series(pa.repeat(pa.scalar(value, pa.large_string()), len(index)), index)


def counter_strings(prefix: str, index: pd.Index, *, start: int = 1) -> pd.Series:
    """'<prefix><start>', '<prefix><start + 1>' ... one per row."""
    numbers = pc.cast(pa.array(np.arange(start, start + len(index), dtype=np.int64)),
                      pa.large_string())
    joined = pc.binary_join_element_wise(pa.scalar(prefix, pa.large_string()), numbers,
                                         pa.scalar("", pa.large_string()))
    return _series(joined, index)


def all_unique(values: pd.Series) -> bool:
    """No value occurs twice (NA counted as a value).

    Decimal ids (most platforms' post ids) are cast to int64 and checked by one sort, ~6x
    faster than hashing the strings: distinct integers imply distinct strings, and a false
    "not unique" (``'07'`` and ``'7'``) only sends the caller down its exact duplicate path.
    Anything else: one Arrow hash pass.
    """
    if len(values) < 2:
        return True
    arrow = pa.array(values.array) if hasattr(values.array, "__arrow_array__") else pa.array(
        values.astype("str").array)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    nulls = arrow.null_count
    if nulls > 1:
        return False
    head = arrow.slice(0, 1000)  # a failing cast costs a whole pass: look at the head first
    if (nulls == 0 and (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type))
            and pc.all(pc.utf8_is_digit(head)).as_py()):
        try:
            ints = np.sort(pc.cast(arrow, pa.int64()).to_numpy())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ints = None
        if ints is not None and not (ints[1:] == ints[:-1]).any():
            return True
    return len(pc.unique(arrow)) == len(values)  # a null is one value of pc.unique


def _missing_column(dtype: str, index: pd.Index) -> pd.Series:
    n = len(index)
    if dtype == "str":
        return na_strings(index)
    if dtype.startswith("datetime64"):
        return pd.Series(pd.DatetimeIndex(np.full(n, np.datetime64("NaT"), "datetime64[ns]"))
                         .tz_localize("UTC"), index=index)
    if dtype == "Int64":
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, bool)),
                         index=index)
    if dtype == "boolean":
        return pd.Series(pd.arrays.BooleanArray(np.zeros(n, bool), np.ones(n, bool)), index=index)
    return pd.Series(np.full(n, np.nan), index=index, dtype=dtype)


def complete(frame: pd.DataFrame, fields: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """``frame`` with every absent canonical field added as an all-NA column of its dtype,
    built from arrays (``schema``'s coercion builds them from a list of Nones: ~0.15 s per
    field per million rows). ``schema.coerce_*`` then only checks and orders."""
    missing = {name: _missing_column(dtype, frame.index) for name, (dtype, _) in fields.items()
               if name not in frame.columns}
    return frame.assign(**missing) if missing else frame


def canonical_posts(frame: pd.DataFrame) -> pd.DataFrame:
    """``schema.coerce_posts`` of ``frame``, fast when fields are absent."""
    from astroturf.schema import POST_FIELDS, coerce_posts

    return coerce_posts(complete(frame, POST_FIELDS))


def canonical_accounts(frame: pd.DataFrame) -> pd.DataFrame:
    """``schema.coerce_accounts`` of ``frame``, fast when fields are absent."""
    from astroturf.schema import ACCOUNT_FIELDS, coerce_accounts

    return coerce_accounts(complete(frame, ACCOUNT_FIELDS))


def findall_joined(values: pd.Series, pattern: str) -> pd.Series:
    """Per cell, every match of ``pattern`` (its group) space-joined; NA where the cell is NA.

    ``str.findall(...).str.join`` fails when no cell holds a string (an all-NA column); here an
    all-NA column gives an all-NA result.
    """
    text = values.astype("str")
    if not text.notna().any():
        return na_strings(values.index)
    found = text.str.findall(pattern)
    return found.map(lambda items: " ".join(items) if isinstance(items, list) else None,
                     na_action="ignore").astype("str")


def to_arrow_strings(series: pd.Series, rows: np.ndarray | None = None) -> pa.Array:
    """The values of a str column as one Arrow large_string array (zero-copy when possible),
    at ``rows`` when given: for Arrow's string kernels and set operations (pandas' own hash
    every value as a Python object)."""
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        arr = pa.array(series)
    else:
        arr = pa.array(series.astype("str").to_numpy(dtype=object), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    return arr if rows is None else arr.take(pa.array(rows))
