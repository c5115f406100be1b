"""The canonical schema: the only place where table columns, dtypes and meanings are declared.

Every reader produces these two input tables, every signal produces the edge table, and every
report consumes the output tables. Keeping them in one module means a column can be added in
one place and a rename is impossible to do by accident.

Conventions that hold everywhere:
- IDs are strings (never ints or floats: spreadsheets and JSON mangle big integers).
- Times are tz-aware UTC, nanosecond resolution (``TIME_DTYPE``); naive input means UTC.
- Multi-valued post fields (``urls``, ``hashtags``, ``mentions``) are ONE string of
  space-separated items (no list objects: they are slow and do not round-trip through CSV).
  Hashtags and mentions are stored lower-case without the leading ``#``/``@``.
- Missing text/ID values are NA (pandas ``str`` dtype NaN), never the empty string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

STR_DTYPE = "str"
TIME_DTYPE = "datetime64[ns, UTC]"
INT_DTYPE = "Int64"
BOOL_DTYPE = "boolean"

POST_KINDS = ("post", "repost", "reply", "quote")

# name -> (dtype, meaning)
POST_FIELDS: dict[str, tuple[str, str]] = {
    "post_id": (STR_DTYPE, "unique id of the post (synthesised from file/row when absent)"),
    "account_id": (STR_DTYPE, "id of the posting account (required)"),
    "created_at": (TIME_DTYPE, "when the post was published, UTC (required)"),
    "text": (STR_DTYPE, "post text as published (mojibake and HTML entities repaired)"),
    "kind": (STR_DTYPE, "post | repost | reply | quote"),
    "target_post_id": (STR_DTYPE, "id of the reposted / replied-to / quoted post"),
    "target_account_id": (STR_DTYPE, "account of the reposted / replied-to / quoted post"),
    "urls": (STR_DTYPE, "space-separated URLs (expanded where the export has them)"),
    "hashtags": (STR_DTYPE, "space-separated hashtags, lower-case, without '#'"),
    "mentions": (STR_DTYPE, "space-separated mentioned handles, lower-case, without '@'"),
    "lang": (STR_DTYPE, "language code"),
    "client": (STR_DTYPE, "posting client / app name"),
    "text_original": (STR_DTYPE, "text as it came, when read-time repair (mojibake, HTML "
                                 "entities) changed it; NA when the text needed no repair"),
}

ACCOUNT_FIELDS: dict[str, tuple[str, str]] = {
    "account_id": (STR_DTYPE, "account id (required)"),
    "handle": (STR_DTYPE, "screen name / username, without '@'"),
    "display_name": (STR_DTYPE, "display name"),
    "bio": (STR_DTYPE, "profile description"),
    "created_at": (TIME_DTYPE, "account creation time, UTC"),
    "followers": (INT_DTYPE, "follower count"),
    "following": (INT_DTYPE, "following / friends count"),
    "posts_count": (INT_DTYPE, "total posts reported by the platform"),
    "verified": (BOOL_DTYPE, "verified badge"),
    "location": (STR_DTYPE, "free-text profile location"),
    "url": (STR_DTYPE, "profile URL"),
}

POST_COLUMNS: list[str] = list(POST_FIELDS)
ACCOUNT_COLUMNS: list[str] = list(ACCOUNT_FIELDS)
REQUIRED_POST_FIELDS: tuple[str, ...] = ("account_id", "created_at")

# Edge table: what every signal returns. One row per (account pair, signal).
# account_a < account_b (string order) always; evidence is the signal's own proof, see below.
EDGE_FIELDS: dict[str, tuple[str, str]] = {
    "account_a": (STR_DTYPE, "first account id (account_a < account_b)"),
    "account_b": (STR_DTYPE, "second account id"),
    "signal": (STR_DTYPE, "signal name, e.g. co_text, co_repost, bio_similar"),
    "weight": ("float64", "strength of the edge (popularity-discounted for co-actions)"),
    "n_events": ("int64", "number of distinct co-actions / shared items behind the edge"),
    "first_seen": (TIME_DTYPE, "time of the first co-action (NaT for profile signals)"),
    "last_seen": (TIME_DTYPE, "time of the last co-action (NaT for profile signals)"),
    "expected": ("float64", "expected n_events (or score) under the signal's null model"),
    "p_value": ("float64", "P(edge at least this strong | null model); 1.0 when untested"),
    "evidence": (STR_DTYPE, "post-signals: 'post_a>post_b' pairs joined by ' '; profile: text"),
}
EDGE_COLUMNS: list[str] = list(EDGE_FIELDS)
EVIDENCE_SEP = " "  # between evidence items
EVIDENCE_PAIR_SEP = ">"  # between the two post ids of one co-action

# Output tables (public contract: later work adds columns, never renames).
ACCOUNT_OUT_COLUMNS = ["account_id", "handle", "score", "flagged", "cluster_id", "reasons"]
CLUSTER_OUT_COLUMNS = ["cluster_id", "size", "score", "flagged", "members", "reasons"]
# What a cluster pushes and whom it answers (scoring.content / scoring.replies), appended after
# the other cluster columns. Lists are "; "-joined, best first; handles without '@'.
CLUSTER_CONTENT_FIELDS: dict[str, tuple[str, str]] = {
    "top_phrases": (STR_DTYPE, "most distinctive 2-3 word phrases of the members' posts"),
    "top_hashtags": (STR_DTYPE, "most distinctive hashtags ('#tag')"),
    "top_domains": (STR_DTYPE, "most distinctive link domains"),
    "top_repost_targets": (STR_DTYPE, "handles whose posts they repost distinctively often"),
    "top_reply_targets": (STR_DTYPE, "handles they reply to most (by members replying)"),
    "n_replies": (INT_DTYPE, "replies posted by members"),
    "n_replied_posts": (INT_DTYPE, "distinct posts they replied to"),
    "n_replied_accounts": (INT_DTYPE, "distinct accounts they replied to"),
    "replied_negative_share": ("float64", "share of the answered posts negative in tone"),
    "replies_positive_share": ("float64", "share of the members' replies positive in tone"),
    "tone": (STR_DTYPE, "tone in words, or 'tone: not assessed (why)'"),
}
CLUSTER_CONTENT_COLUMNS = list(CLUSTER_CONTENT_FIELDS)
EDGE_OUT_COLUMNS = [
    "account_a", "account_b", "signal", "weight", "n_events", "first_seen", "last_seen",
    "evidence",
]
EVIDENCE_OUT_COLUMNS = [
    "cluster_id", "signal", "account_a", "account_b", "post_a", "post_b", "time_a", "time_b",
    "dt_seconds", "text_a", "text_b", "urls_a", "urls_b",
    # the text as it came when read-time repair changed it (NA otherwise): quote exactly
    "text_a_original", "text_b_original",
]


def _empty(fields: dict[str, tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=dt) for name, (dt, _) in fields.items()})


def empty_posts() -> pd.DataFrame:
    """A zero-row posts table with canonical columns and dtypes."""
    return _empty(POST_FIELDS)


def empty_accounts() -> pd.DataFrame:
    """A zero-row accounts table with canonical columns and dtypes."""
    return _empty(ACCOUNT_FIELDS)


def empty_edges() -> pd.DataFrame:
    """A zero-row edge table: what a signal returns when it finds nothing."""
    return _empty(EDGE_FIELDS)


def _all_missing(dtype: str, index: pd.Index) -> pd.Series:
    """An all-NA column of ``dtype`` without a Python object per row (seconds at 10M rows)."""
    if dtype == STR_DTYPE:
        return pd.Series(pd.array(pa.nulls(len(index), pa.large_string()), dtype=dtype),
                         index=index)
    return pd.Series(None, index=index, dtype=dtype)


def _coerce(df: pd.DataFrame, fields: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Return a new frame with exactly ``fields`` as columns, in order, with canonical dtypes.

    Missing columns become all-NA; extra columns are dropped. Times must already be parsed
    (readers own parsing because only they know the source format); naive times are UTC.
    """
    out: dict[str, Any] = {}
    missing: dict[str, pd.Series] = {}  # one all-NA column per dtype, shared (Arrow arrays
    # are immutable: at 10M rows each text column is 80 MB of offsets)
    for name, (dtype, _) in fields.items():
        if name not in df.columns:
            if dtype not in missing:
                missing[dtype] = _all_missing(dtype, df.index)
            out[name] = missing[dtype]
            continue
        col = df[name]
        if dtype == TIME_DTYPE:
            if not isinstance(col.dtype, pd.DatetimeTZDtype):
                col = pd.to_datetime(col, utc=True)
            out[name] = col.dt.tz_convert("UTC").astype(TIME_DTYPE)
        elif dtype == STR_DTYPE:
            s = col.astype(STR_DTYPE)
            out[name] = s.mask(s == "")  # a byte compare; str.len() decodes every string
        elif dtype == INT_DTYPE:
            out[name] = pd.to_numeric(col, errors="coerce").round().astype(INT_DTYPE)
        elif dtype == BOOL_DTYPE:
            out[name] = _to_bool(col)
        else:
            out[name] = col.astype(dtype)
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def _to_bool(col: pd.Series) -> pd.Series:
    if col.dtype == bool or str(col.dtype) == BOOL_DTYPE:
        return col.astype(BOOL_DTYPE)
    s = col.astype(STR_DTYPE).str.strip().str.lower()
    mapped = s.map({"true": True, "t": True, "1": True, "yes": True, "y": True,
                    "false": False, "f": False, "0": False, "no": False, "n": False})
    return mapped.astype(BOOL_DTYPE)


def coerce_posts(df: pd.DataFrame) -> pd.DataFrame:
    """Canonical posts table from a frame that already uses canonical column names."""
    return _coerce(df, POST_FIELDS)


def coerce_accounts(df: pd.DataFrame) -> pd.DataFrame:
    """Canonical accounts table from a frame that already uses canonical column names."""
    return _coerce(df, ACCOUNT_FIELDS)


def coerce_edges(df: pd.DataFrame) -> pd.DataFrame:
    """Canonical edge table; fills ``expected``/``p_value`` defaults when a signal has none."""
    df = df.copy()
    if "p_value" not in df.columns:
        df["p_value"] = 1.0
    if "expected" not in df.columns:
        df["expected"] = np.nan
    return _coerce(df, EDGE_FIELDS)


@dataclass
class Dataset:
    """The canonical input: posts + accounts, and what reading them found out.

    ``meta`` is recorded in the manifest: per-input format, column mapping, rows read/dropped
    and why, detected time resolution (seconds), whether naive times were assumed UTC.
    """

    posts: pd.DataFrame
    accounts: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvidenceItems:
    """The post pairs behind reported edges, as positions (what ``edges.evidence`` spells out
    as 'post_a>post_b' items): ``edge`` the row of the edges table, ``rank`` the item's place
    within the edge, ``row_a`` / ``row_b`` the rows of the posts table. The evidence table is
    gathered from these directly instead of parsing the ids back out of the text."""

    edge: np.ndarray
    rank: np.ndarray
    row_a: np.ndarray
    row_b: np.ndarray


@dataclass
class ScanResult:
    """Everything a scan produces; report writers turn it into files, nothing else."""

    accounts: pd.DataFrame  # ACCOUNT_OUT_COLUMNS first, then feature columns
    clusters: pd.DataFrame  # CLUSTER_OUT_COLUMNS first, then extra columns
    edges: pd.DataFrame  # EDGE_COLUMNS (+ q_value, cluster_id)
    evidence: pd.DataFrame  # EVIDENCE_OUT_COLUMNS
    signals: dict[str, str]  # signal name -> "ran: ..." / "skipped: <why>"
    manifest: dict[str, Any] = field(default_factory=dict)
    templates: pd.DataFrame | None = None  # template groups (canonical text, members)
    timings: dict[str, float] | None = None  # stage seconds (never written: outputs stay
    # byte-identical run to run)
    # per-cluster chart aggregates, distinctive terms and reply targets (report.details)
    details: dict[str, Any] | None = None
