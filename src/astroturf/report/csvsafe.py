"""Spreadsheet formula-injection guard for CSV outputs (OWASP "CSV Injection").

Handles, bios and post texts are written by the accounts under investigation. A cell such as
``=HYPERLINK("http://evil","click")`` would run as a formula when an analyst opens the CSV in
Excel or LibreOffice. OWASP's advice: prefix any cell that starts with ``= + - @``, TAB or CR
with a single quote so the spreadsheet shows it as text. Numeric columns are left alone (a
negative number is a number, not a formula); only text cells are guarded.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Leading whitespace is skipped by some spreadsheets, so look past it. Full-width variants are
# normalised to ASCII by some locales' input handling, so guard them too.
_TRIGGER = r"^[ \x{a0}]*[=+\-@\t\r\x{ff1d}\x{ff0b}\x{ff0d}\x{ff20}]"  # RE2 syntax


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col.dtype)


def guard_series(col: pd.Series) -> pd.Series:
    """One text column with risky cells prefixed by ``'``; NA and non-strings untouched."""
    if col.dtype == object:
        is_str = col.map(type).eq(str).to_numpy()  # mixed object columns: only real strings
        text = col.where(is_str).astype("str")
    else:
        text = col.astype("str")
        is_str = text.notna().to_numpy()
    hits = pc.match_substring_regex(pa.array(text), _TRIGGER)  # RE2: vectorised, ~10x pandas
    risky = hits.fill_null(False).to_numpy(zero_copy_only=False) & is_str
    if not risky.any():
        return col
    out = col.astype(object).copy()
    out[risky] = "'" + text[risky]
    return out.astype(col.dtype) if col.dtype != object else out


def formula_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot be read as spreadsheet formulas.

    Columns in: any. Columns out: the same, same order and dtypes; text cells starting (after
    spaces) with ``= + - @``, TAB or CR get a leading ``'``. Numeric/bool/time columns unchanged.
    """
    out = df.copy()
    for name in out.columns:
        if _is_text(out[name]):
            out[name] = guard_series(out[name])
    return out


def unguard_series(col: pd.Series) -> pd.Series:
    """Undo ``guard_series`` on text read back from our CSV: drop the leading ``'`` of cells
    whose rest would trigger a formula. (A cell that really began with ``'`` followed by such a
    character cannot be told apart; Parquet outputs keep the exact text.)"""
    text = col.astype("str")
    hit = pc.match_substring_regex(pa.array(text), "^'" + _TRIGGER[1:])
    risky = hit.fill_null(False).to_numpy(zero_copy_only=False)
    if not risky.any():
        return col
    out = text.copy()
    out[risky] = text[risky].str.slice(1)
    return out


def unguard_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``unguard_series`` applied to every text column."""
    out = df.copy()
    for name in out.columns:
        if _is_text(out[name]):
            out[name] = unguard_series(out[name])
    return out
