"""Value guards: a cell that cannot be what its field says is dropped and counted, never a crash.

Readers hand their values to parsers further down (``ural.normalize_url`` in the URL and
profile-URL signals, integer casts of counts, id joins). One corrupted byte in a URL made
``ural`` raise "Port could not be cast to integer value" in a signal; a count of '1e30' cannot
be an integer. Here every such field is checked at read time, vectorised: cells that fail are
set to NA and counted per field and reason (``CellLog.dropped``, recorded in the manifest as
``cells_dropped``), or, with ``--strict``, the first one is an InputError naming the file, the
row, the column and the value. Times are guarded by ``timeparse`` (unparseable and impossible
dates), ids by length (an id of 10 kB is a broken row, not an id).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from astroturf.errors import InputError

MAX_ID_CHARS = 256
MAX_COUNT = 1e12  # more followers or posts than any platform has accounts: a corrupted cell
# a URL cell needs a closer look when it has a port/userinfo/IPv6/escape character in it, or
# anything outside printable ASCII (RE2 syntax, run once over the column)
_URL_SUSPICIOUS = r"[\[\]@\\%]|:[^/]|:$|[^\x{0021}-\x{007E} ]"
PROBLEMS = {"bad_url": "not a usable URL", "not_a_count": "not a count (a whole number >= 0)",
            "too_long": f"longer than {MAX_ID_CHARS} characters, not an id",
            "bad_time": "not a time (or outside 1980..2100)"}
STRICT_HINT = ("fix or clear that cell, or run without --strict to drop such cells "
               "(they are counted in manifest.json under cells_dropped)")


@dataclass
class CellLog:
    """Cells dropped per field and reason; ``strict`` makes the first one an error."""

    source: str
    strict: bool = False
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)

    def drop(self, key: str, reason: str, bad: pd.Series, raw: pd.Series, *, column: str,
             where: str = "data row", row_names: pd.Series | None = None) -> None:
        """Count the True cells of ``bad`` (same index as ``raw``) under ``key``/``reason``.

        Strict errors name the row as '<where> <position + 1>', or '<where> <row_names[pos]>'.
        """
        n = int(bad.sum())
        if not n:
            return
        if self.strict:
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            row = pos + 1 if row_names is None else repr(str(row_names.iloc[pos]))
            value = str(raw.iloc[pos])
            raise InputError(f"{where} {row}, column {column!r}: {PROBLEMS[reason]}: "
                             f"{value[:80]!r}", source=self.source, hint=STRICT_HINT)
        per = self.dropped.setdefault(key, {})
        per[reason] = per.get(reason, 0) + n

    def merge(self, other: dict[str, dict[str, int]]) -> None:
        for key, reasons in other.items():
            for reason, n in reasons.items():
                per = self.dropped.setdefault(key, {})
                per[reason] = per.get(reason, 0) + n


def url_ok(url: str) -> bool:
    """True when every URL parser used downstream accepts ``url`` (as given and NFKC-folded)."""
    from ural import normalize_url

    for form in (url, unicodedata.normalize("NFKC", url).casefold()):
        try:
            parts = urlsplit(form)
            _ = parts.port, parts.hostname
            normalize_url(form)
        except Exception:  # urllib/ural raise ValueError, TypeError, IndexError ...
            return False
    return True


def _suspicious(values: pd.Series, pattern: str) -> pd.Series:
    from astroturf.io.textrepair import _mask

    return _mask(values, pattern)


def guard_urls(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(values without unusable URL tokens, mask of cells that lost one).

    ``values``: space-separated URL tokens per cell (``split.tokenize_list`` output) or one
    URL per cell. Only cells the vectorised pre-filter flags are split, and each distinct
    flagged token is checked once.
    """
    flagged = _suspicious(values, _URL_SUSPICIOUS)
    lost = pd.Series(False, index=values.index)
    if not flagged.any():
        return values, lost
    cells = values[flagged].astype("str")
    tokens = cells.str.split(" ").explode()
    verdict = {t: url_ok(t) for t in pd.unique(tokens.dropna().to_numpy(dtype=object))}
    keep = tokens.map(verdict).fillna(False).astype(bool)
    kept = tokens[keep].groupby(level=0).agg(" ".join)
    cleaned = kept.reindex(cells.index)
    lost[flagged] = (~keep).groupby(level=0).any().reindex(cells.index).to_numpy()
    out = values.astype("str").copy()
    out[flagged] = cleaned.astype("str")
    return out.mask(out.str.len() == 0), lost


def guard_counts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(counts as float64 with NA for bad cells, mask of bad non-empty cells).

    Thousands separators are removed ('12,345'); a negative, fractional-looking huge, infinite
    or non-numeric count is bad.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        present = values.notna()
    else:
        # on the distinct cells (a count column repeated on each of a million post rows
        # holds a few thousand values)
        codes, distinct = pd.factorize(values)
        s = pd.Series(np.asarray(distinct, dtype=object), dtype="str").str.strip()
        s = s.str.replace(r"[, \t_]", "", regex=True)
        ok_u = s.notna() & (s != "") & ~s.str.lower().isin(["nan", "none", "null", "<na>"])
        num_u = pd.to_numeric(s.where(ok_u), errors="coerce").astype("float64").to_numpy()
        present = pd.Series(np.r_[ok_u.to_numpy(bool), False][codes], index=values.index)
        numbers = pd.Series(np.r_[num_u, np.nan][codes], index=values.index)
    ok = np.isfinite(numbers) & (numbers >= 0) & (numbers < MAX_COUNT)
    bad = present & ~ok
    return numbers.where(ok), bad


def guard_ids(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(ids with overlong ones NA, mask of the overlong ones)."""
    if not (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object):
        return values, pd.Series(False, index=values.index)
    too_long = (values.astype("str").str.len() > MAX_ID_CHARS).fillna(False).astype(bool)
    return values.mask(too_long), too_long


COUNT_FIELDS = ("followers", "following", "posts_count")


def guard_fields(frame: pd.DataFrame, fields: dict[str, str], log: CellLog, *,
                 where: str = "data row", labels: dict[str, str] | None = None,
                 row_names: pd.Series | None = None) -> pd.DataFrame:
    """``frame`` with bad cells of ``fields`` dropped and counted (changed columns replaced).

    ``fields``: canonical key ('posts.urls', 'accounts.followers', 'posts.post_id' ...) ->
    column of ``frame``; each column is guarded once (the first key naming it). URL fields
    must already be tokenised. Keys of other kinds pass. ``labels``: column names for
    messages (the source column a canonical one came from). Account creation times:
    ``guard_times``.
    """
    from astroturf.io.values import ID_ROLES

    changes: dict[str, pd.Series] = {}
    seen: set[str] = set()
    for key, column in fields.items():
        if column not in frame.columns or column in seen:
            continue
        seen.add(column)
        raw = frame[column]
        name = key.split(".", 1)[1]
        if key in ("posts.urls", "accounts.url"):
            new, bad, reason = *guard_urls(raw), "bad_url"
        elif key.startswith("accounts.") and name in COUNT_FIELDS:
            new, bad, reason = *guard_counts(raw), "not_a_count"
        elif key in ID_ROLES:
            new, bad, reason = *guard_ids(raw), "too_long"
        else:
            continue
        log.drop(key, reason, bad, raw, column=(labels or {}).get(key, column), where=where,
                 row_names=row_names)
        if bad.any() or new.dtype != raw.dtype:
            changes[column] = new
    return frame.assign(**changes) if changes else frame


def guard_times(values: pd.Series, key: str, log: CellLog, *, column: str,
                where: str = "data row", row_names: pd.Series | None = None) -> pd.Series:
    """Optional times (account creation) parsed; bad or impossible ones NaT and counted."""
    from astroturf.io.timeparse import parse_times

    parsed = parse_times(values, source=log.source, column=column, max_bad_fraction=1.0)
    text = values.astype("str").str.strip() if not isinstance(
        values.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(
        values.dtype) else None
    present = values.notna() if text is None else text.notna() & (text != "") & ~(
        text.str.lower().isin(["nan", "nat", "none", "null"]))
    bad = present & parsed.values.isna()
    log.drop(key, "bad_time", bad, values, column=column, where=where, row_names=row_names)
    return parsed.values
