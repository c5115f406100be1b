"""Plumbing shared by the platform readers: streaming JSON, CSV loading, one way to finish.

Every platform reader turns its records into two frames that already use canonical column names
(``posts`` with raw time values, ``accounts`` with one row per sighting of an account) and hands
them to :func:`finish_dataset`, which parses times, drops and counts unusable rows, warns about
spreadsheet-mangled ids, de-duplicates, sorts and coerces. So every reader behaves the same on
bad input and gives the same output for the same rows in any order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from astroturf.errors import InputError, UsageError
from astroturf.io.cells import CellLog, guard_fields, guard_times
from astroturf.io.opening import base_name, read_sample
from astroturf.io.strings import arrow_strings, canonical_accounts, canonical_posts
from astroturf.io.timeparse import parse_times
from astroturf.schema import ACCOUNT_COLUMNS, POST_COLUMNS, Dataset

log = logging.getLogger("astroturf.io.formats")

MANGLED_ID = r"^[+-]?\d(?:[.,]\d+)?[eE]\+?\d+$"  # 1.23457E+18: an id that went through Excel
ID_FIELDS = ("post_id", "account_id", "target_post_id", "target_account_id")


@dataclass
class ReadLog:
    """What reading found out, per file: counts of dropped rows by reason, warnings."""

    source: str
    fmt: str = ""
    strict: bool = False
    rows_read: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    noted: set[str] = field(default_factory=set)
    overridden: set[str] = field(default_factory=set)  # keys set by --map
    cells: CellLog = field(init=False)

    def __post_init__(self) -> None:
        self.cells = CellLog(source=self.source, strict=self.strict)

    def drop(self, reason: str, n: int = 1) -> None:
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(n)

    def warn_once(self, key: str, message: str) -> None:
        if key not in self.noted:
            self.noted.add(key)
            self.warn(message)

    def warn(self, message: str) -> None:
        log.warning("%s: %s", self.source, message)
        self.warnings.append(message)

    def bad_record(self, where: str, problem: str, hint: str) -> None:
        """A malformed line/row: an error in strict mode, else skipped and counted."""
        if self.strict:
            raise InputError(f"{where}: {problem}", source=self.source, hint=hint)
        if "malformed_row" not in self.dropped:
            self.warn(f"{where}: {problem} (skipped; later ones are only counted)")
        self.drop("malformed_row")


# what a record of the wrong shape raises in a reader (a string where an object should be ...)
RECORD_ERRORS = (AttributeError, TypeError, KeyError, IndexError, ValueError)


def add_record(rlog: ReadLog, where: str, add: Callable[..., Any], *args: Any) -> None:
    """``add(*args)`` (a reader's per-record function); a record whose fields have the wrong
    shape is malformed: skipped and counted, or an InputError with --strict. The per-record
    functions compute every value before appending any, so a failed record leaves the columns
    aligned."""
    try:
        add(*args)
    except RECORD_ERRORS as exc:
        rlog.bad_record(where, f"fields of unexpected type ({type(exc).__name__}: "
                               f"{str(exc)[:60]})",
                        "fix or remove that record, or drop --strict to skip it")


def reject_mapping(mapping: dict[str, str] | None, fmt: str) -> None:
    """Platform JSON readers have fixed field paths; a --map would be silently ignored."""
    if mapping:
        raise UsageError(f"--map is not supported by format {fmt!r} (its fields are fixed)",
                         hint="drop --map, or flatten the file and use --format csv/jsonl")


def merge_mapping(fixed: dict[str, str], overrides: dict[str, str] | None,
                  source: str) -> dict[str, str]:
    """A format's fixed column mapping with --map overrides on top (empty value = unmap)."""
    from astroturf.io.columns import resolve_key

    out = dict(fixed)
    for key, column in (overrides or {}).items():
        full = resolve_key(key, source=source)
        if column:
            out[full] = column
            if full == "posts.account_id":
                out["accounts.account_id"] = column
        else:
            out.pop(full, None)
    return out


def dig(obj: Any, *keys: str) -> Any:
    """obj[k1][k2]... or None when any level is missing or not a dict."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def join_items(items: Any) -> str | None:
    """Space-joined non-empty strings from a list (None when there are none)."""
    if not items:
        return None
    out = " ".join(str(x).strip() for x in items if x is not None and str(x).strip())
    return out or None


def as_id(value: Any) -> str | None:
    """An id as a string; JSON integers stay exact, empty values become None."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def finish_dataset(posts: pd.DataFrame, accounts: pd.DataFrame, rlog: ReadLog, *, fmt: str,
                   mapping: dict[str, str]) -> Dataset:
    """Canonical Dataset from reader frames with canonical names and raw (unparsed) times.

    posts: any of POST_COLUMNS (created_at raw); accounts: any of ACCOUNT_COLUMNS plus an
    optional ``seen`` column (raw time the profile was observed: the latest sighting wins).
    """
    if len(posts) == 0:
        raise InputError("no posts in the file", source=rlog.source,
                         hint=f"check that this {rlog.fmt} export holds posts (not only its "
                              f"structure or header), or that --format is right")
    if "post_id" not in posts.columns or posts["post_id"].isna().any():
        posts = _synthesise_ids(posts, rlog.source)
    times = parse_times(posts["created_at"], source=rlog.source, column=mapping.get(
        "posts.created_at", "created_at"), strict=rlog.strict)
    raw_time = posts["created_at"]
    fields = {f"posts.{c}": c for c in (*ID_FIELDS, "urls") if c in posts.columns}
    posts = guard_fields(posts, fields, rlog.cells, where="post", row_names=posts["post_id"],
                         labels={k: mapping.get(k, k.split(".")[1]) for k in fields})
    posts = posts.assign(created_at=times.values)
    posts = _drop_unusable(posts, rlog, mapping, raw_time)
    posts = canonical_posts(_normalise_lists(posts))
    _warn_mangled(posts, rlog)
    posts = _fill_target_accounts(_dedupe_posts(posts, rlog))
    accounts = finish_accounts(accounts, posts, rlog)
    return _dataset(posts, accounts, rlog, fmt, mapping, times.resolution_s, times.assumed_utc)


def read_flat(path: str, fixed: dict[str, str], overrides: dict[str, str] | None, *, fmt: str,
              strict: bool,
              prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
              inputs: tuple[str, ...] = (), labels: dict[str, str] | None = None) -> Dataset:
    """A platform CSV export through the generic table reader and flat splitter, with a fixed
    column mapping (user overrides already merged in), finished like every other reader.

    Only the mapped columns and the ``inputs`` of ``prepare`` are read (memory: a wide export
    has 70+ columns). ``prepare`` adds derived columns (vectorised) before splitting, e.g. list
    cells parsed; ``labels`` names the sources of a derived column (for meta['mapping']).
    """
    from astroturf.io.generic import read_table
    from astroturf.io.split import split_flat

    rlog = ReadLog(source=path, fmt=fmt, strict=strict)
    mapping = merge_mapping(fixed, overrides, path)
    rlog.overridden = {k for k in mapping if mapping.get(k) != fixed.get(k)}
    header = read_sample(path).header or []
    _check_columns(header, mapping, overrides, path, fmt, prepare)
    needed = sorted(({*mapping.values()} | set(inputs)) & set(header))
    table, tmeta = read_table(path, strict=strict, columns=needed)
    if prepare is not None:
        table = prepare(table)
    used = {k: v for k, v in mapping.items() if v in table.columns}
    data = split_flat(table, used, source=path, strict=strict)
    rlog.cells.merge(data.meta["cells_dropped"])
    rlog.rows_read = tmeta["rows_read"]
    rlog.dropped.update(data.meta["dropped"])
    rlog.drop("malformed_row", tmeta["malformed_rows"])
    rlog.warnings.extend(tmeta["warnings"] + data.meta["warnings"])
    if len(data.posts) == 0:
        raise InputError("no usable posts (every row lacks an account id or a time)",
                         source=path, hint="check the columns with `astroturf inspect`")
    posts = canonical_posts(_normalise_lists(data.posts))
    posts = _fill_target_accounts(_dedupe_posts(posts, rlog))
    accounts = data.accounts[member(data.accounts["account_id"], posts["account_id"])]
    described = {k: (labels or {}).get(v, v) for k, v in used.items()}
    return _dataset(posts, accounts.reset_index(drop=True), rlog, fmt, described,
                    data.meta["resolution_s"], data.meta["assumed_utc"])


def _check_columns(header: list[str], mapping: dict[str, str],
                   overrides: dict[str, str] | None, path: str, fmt: str,
                   prepare: Callable[[pd.DataFrame], pd.DataFrame] | None) -> None:
    """--map columns must exist; so must the account-id and time columns of the format."""
    found = f"columns found: {', '.join(header[:20]) or 'none'}"
    absent = sorted({c for c in (overrides or {}).values() if c and c not in header})
    if absent:
        raise InputError(f"--map names columns that are not in the file: {', '.join(absent)}",
                         source=path, details=found,
                         hint="check the spelling (column names are case-sensitive)")
    empty = pd.DataFrame({c: pd.Series([], dtype="str") for c in header})
    derived = set(prepare(empty).columns) if prepare is not None else set(header)
    missing = [mapping[k] for k in ("posts.account_id", "posts.created_at")
               if mapping.get(k) not in derived]
    if missing:
        raise InputError(f"no column {', '.join(map(repr, missing))} for a {fmt} export",
                         source=path, details=found,
                         hint="pick the column with --map account_id=COLUMN / created_at=COLUMN,"
                              " or another --format")


def _dataset(posts: pd.DataFrame, accounts: pd.DataFrame, rlog: ReadLog, fmt: str,
             mapping: dict[str, str], resolution: float, assumed: bool) -> Dataset:
    rows_read = rlog.rows_read + rlog.dropped.get("malformed_row", 0)
    roles = {k: {"column": v, "confidence": 1.0,
                 "how": "--map" if k in rlog.overridden else "format"}
             for k, v in sorted(mapping.items())}
    meta = {"format": fmt, "mapping": dict(mapping), "rows_read": rows_read,
            "rows_dropped": {k: v for k, v in sorted(rlog.dropped.items()) if v},
            "resolution_s": resolution, "assumed_utc": assumed, "warnings": list(rlog.warnings),
            "roles": roles, "role_notes": [], "unplaced_columns": [],
            "account_id_from_handle": False, "cells_dropped": rlog.cells.dropped}
    return Dataset(posts=posts, accounts=accounts, meta=meta)


def _synthesise_ids(posts: pd.DataFrame, source: str) -> pd.DataFrame:
    """'<file>:<row>' for posts without an id (row = 1-based position in the file)."""
    rows = pd.Series(range(1, len(posts) + 1), index=posts.index).astype("str")
    made = base_name(source) + ":" + rows
    if "post_id" not in posts.columns:
        return posts.assign(post_id=made)
    return posts.assign(post_id=posts["post_id"].astype("str").fillna(made))


def _drop_unusable(posts: pd.DataFrame, rlog: ReadLog, mapping: dict[str, str],
                   raw_time: pd.Series) -> pd.DataFrame:
    """Rows without account or time cannot be used: counted; when it is every row, an error."""
    acc = posts["account_id"].astype("str")
    no_account = acc.isna() | (acc.str.strip() == "")
    raw = raw_time.astype("str").str.strip()
    blank = raw.isna() | (raw == "")
    no_time = posts["created_at"].isna() & ~no_account
    for mask, key, label in ((no_account, "posts.account_id", "an account id"),
                             (posts["created_at"].isna(), "posts.created_at", "a time")):
        if mask.all():
            field = mapping.get(key, key.split(".")[1])
            raise InputError(f"no record has {label} (expected field {field!r})",
                             source=rlog.source,
                             hint=f"check that this is a {rlog.fmt} export with {field!r}, "
                                  f"or pick the format with --format")
    rlog.drop("missing_account_id", int(no_account.sum()))
    rlog.drop("missing_time", int((no_time & blank).sum()))
    rlog.drop("bad_time", int((no_time & ~blank).sum()))
    return posts[~(no_account | no_time)]


# any whitespace Python's \s knows except a single space (RE2 runs this test; Python's re then
# squeezes only the cells it flags)
_OTHER_SPACE = ("[\t\n\r\f\v\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
                "\u3000]|  ")


def _squeeze_spaces(s: pd.Series) -> pd.Series:
    odd = s.str.contains(_OTHER_SPACE, regex=True, na=False)
    if not odd.any():
        return s
    s = s.copy()
    s[odd] = s[odd].str.replace(r"\s+", " ", regex=True)
    return s


def _normalise_lists(posts: pd.DataFrame) -> pd.DataFrame:
    """Hashtags/mentions lower-case without '#'/'@'; whitespace squeezed in every list field."""
    out = {}
    for col in ("urls", "hashtags", "mentions"):
        if col in posts.columns:
            s = _squeeze_spaces(posts[col].astype("str"))
            if col == "hashtags":
                s = s.str.lower().str.replace("#", "", regex=False)
            elif col == "mentions":  # only a leading '@': 'bob@other.example' keeps its '@'
                s = (" " + s.str.lower()).str.replace(" @", " ", regex=False)
            out[col] = s.str.strip()
    return posts.assign(**out)


def _warn_mangled(table: pd.DataFrame, rlog: ReadLog) -> None:
    for col in ID_FIELDS:
        if col not in table.columns:
            continue
        hit = table[col].str.match(MANGLED_ID, na=False)
        if hit.any():
            example = table[col][hit].iloc[0]
            rlog.warn(f"{col}: {int(hit.sum())} ids look spreadsheet-mangled (e.g. {example!r}); "
                      f"they can no longer be matched - use the original export, not a file "
                      f"saved by a spreadsheet")


def _dedupe_posts(posts: pd.DataFrame, rlog: ReadLog) -> pd.DataFrame:
    """Stable order independent of input order; repeated post ids (overlapping pages) kept once
    (the copy with the most fields filled, ties broken by value - never by input position)."""
    from astroturf.io.combine import POST_ORDER
    from astroturf.io.split import in_order, sort_order
    from astroturf.io.strings import all_unique

    posts = posts[POST_COLUMNS]
    # combine_posts' order, so that it finds the table already in order
    if not in_order(posts, POST_ORDER):
        posts = posts.iloc[sort_order(posts, POST_ORDER)]
    if all_unique(posts["post_id"]):
        return posts.reset_index(drop=True)
    dup = posts["post_id"].duplicated(keep=False)
    if dup.any():
        copies = posts[dup].assign(_filled=-posts[dup].notna().sum(axis=1))
        copies = copies.sort_values(["post_id", "_filled", *POST_COLUMNS], kind="stable",
                                    na_position="last")
        best = copies[~copies["post_id"].duplicated()].drop(columns="_filled")
        rlog.drop("duplicate_post_id", len(copies) - len(best))
        posts = pd.concat([posts[~dup], best])
        posts = posts.iloc[sort_order(posts, POST_ORDER)]
    return posts.reset_index(drop=True)


def member(values: pd.Series, pool: pd.Series) -> np.ndarray:
    """values.isin(pool) through a hash index (Arrow-string ``isin`` is slow on big pools)."""
    return pd.Index(pool.dropna().unique()).get_indexer(values) >= 0


def _fill_target_accounts(posts: pd.DataFrame) -> pd.DataFrame:
    """A reply/repost whose target is in the same file gets the target's author."""
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = posts["target_account_id"].isna() & posts["target_post_id"].notna()
    if missing.any():  # one Arrow hash lookup (post ids are unique here)
        targets = pa.array(posts.loc[missing, "target_post_id"].array)
        where = pc.index_in(targets, value_set=pa.array(posts["post_id"].array))
        authors = pc.take(pa.array(posts["account_id"].array), where)
        posts.loc[missing, "target_account_id"] = arrow_strings(authors,
                                                                posts.index[missing])
    return posts


def finish_accounts(accounts: pd.DataFrame, posts: pd.DataFrame, rlog: ReadLog) -> pd.DataFrame:
    """One row per posting account: the latest sighting of each field wins; posters without a
    profile get an id-only row. Accounts that never post (mentioned, reposted) are left out."""
    accounts = accounts.copy()
    if "seen" in accounts.columns:
        accounts["seen"] = _lenient_times(accounts["seen"], rlog, "profile seen at")
    names = accounts["account_id"] if "account_id" in accounts.columns else None
    if "created_at" in accounts.columns:
        accounts["created_at"] = guard_times(accounts["created_at"], "accounts.created_at",
                                             rlog.cells, column="account created_at",
                                             where="account", row_names=names)
    fields = {f"accounts.{c}": c for c in ("url", "followers", "following", "posts_count")
              if c in accounts.columns}
    accounts = guard_fields(accounts, fields, rlog.cells, where="account", row_names=names)
    seen = accounts.pop("seen") if "seen" in accounts.columns else None
    accounts = canonical_accounts(accounts)
    never = np.iinfo(np.int64).min  # NaT as int64: sorts first, like NA
    accounts["seen"] = (pd.DatetimeIndex(seen).asi8 if seen is not None else never)
    return latest_sightings(accounts, posts["account_id"])


def latest_sightings(accounts: pd.DataFrame, posters: pd.Series) -> pd.DataFrame:
    """One canonical row per poster, sorted by id: per field, the last non-null value in
    (seen, values) order; posters without a sighting get an id-only row.

    Sightings come one per post (millions of rows, a few distinct accounts), so the rows are
    ordered by integer keys (the poster's rank, ``seen`` as int64) before the value
    tie-breaks, and each field's winner is found by position: no frame-wide take and no
    groupby over all the sightings.
    """
    from astroturf.io.split import sort_order

    ids = pd.Series(posters.dropna().unique(), dtype="str").sort_values(
        kind="stable", ignore_index=True)  # code-point order, as groupby(sort=True) has it
    rank = pd.Index(ids).get_indexer(accounts["account_id"])
    if (rank < 0).any():  # posters only (mentioned, reposted accounts are left out)
        accounts, rank = accounts[rank >= 0], rank[rank >= 0]
    fields = ACCOUNT_COLUMNS[1:]
    order = sort_order(accounts.assign(_rank=rank), ["_rank", "seen", *fields])
    ranks = rank[order]
    every = pd.RangeIndex(len(ids))
    out = {"account_id": ids}
    for c in fields:
        present = accounts[c].notna().to_numpy()[order]
        pos, grp = order[present], ranks[present]
        last = np.r_[grp[1:] != grp[:-1], True] if len(grp) else np.zeros(0, dtype=bool)
        out[c] = accounts[c].take(pos[last]).set_axis(grp[last]).reindex(every)
    return canonical_accounts(pd.DataFrame(out, index=every))


def _lenient_times(values: pd.Series, rlog: ReadLog, what: str) -> pd.Series:
    """Optional times (account creation): unparseable ones become NaT with a warning."""
    try:
        return parse_times(values, source=rlog.source, column=what).values
    except InputError:
        rlog.warn(f"{what}: too many unparseable times; the column was ignored")
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")


def frame(rows: dict[str, list[Any]]) -> pd.DataFrame:
    """A frame of compact (Arrow) string columns from per-column lists of scalars.

    Batch builders collect Python values per column; strings are far smaller than objects
    when millions of rows accumulate. Numbers and booleans become their text (coerced later).
    """
    return pd.DataFrame({k: pd.Series(v, dtype="object").astype("str") for k, v in rows.items()})
