"""The evidence table: every co-action behind an edge, with both posts side by side.

Signals keep evidence compact on the edge (``'post_a>post_b'`` pairs joined by ``' '``); an
analyst needs the texts, times and links to check and cite a finding. This module expands that
column and joins the posts table once, vectorised (split, explode, merge), never per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from astroturf.kernels.sweep import lexsort_ints
from astroturf.schema import (
    EVIDENCE_OUT_COLUMNS,
    EVIDENCE_PAIR_SEP,
    EVIDENCE_SEP,
    STR_DTYPE,
    TIME_DTYPE,
    EvidenceItems,
)

_ID = r"[^\s>]+"
# Post-signal evidence: one or more 'post_a>post_b' items separated by single spaces.
_PAIRS = rf"{_ID}>{_ID}(?: {_ID}>{_ID})*"


def empty_evidence() -> pd.DataFrame:
    """A zero-row evidence table with EVIDENCE_OUT_COLUMNS and their dtypes."""
    dtypes = {"time_a": TIME_DTYPE, "time_b": TIME_DTYPE, "dt_seconds": "float64"}
    return pd.DataFrame({c: pd.Series([], dtype=dtypes.get(c, STR_DTYPE))
                         for c in EVIDENCE_OUT_COLUMNS})


def cluster_sort_key(cluster_id: pd.Series) -> pd.Series:
    """Numeric order for cluster ids ('1' < '2' < '10'); '' / NA / non-numeric sort last."""
    return pd.to_numeric(cluster_id, errors="coerce").fillna(np.inf)


def _edge_frame(edges: pd.DataFrame) -> pd.DataFrame:
    cols = ["signal", "account_a", "account_b", "evidence"]
    e = edges[cols].copy()
    cid = edges["cluster_id"] if "cluster_id" in edges.columns else pd.Series("", index=e.index)
    e["cluster_id"] = cid.astype(STR_DTYPE).fillna("")
    e["edge_no"] = np.arange(len(e))
    return e[e["evidence"].notna() & (e["evidence"].astype(STR_DTYPE).str.len() > 0)]


def _explode_pairs(e: pd.DataFrame, max_per_edge: int) -> pd.DataFrame:
    """One row per 'post_a>post_b' item (first ``max_per_edge`` per edge), split in pyarrow."""
    lists = pc.split_pattern(pa.array(e["evidence"].astype(STR_DTYPE)), EVIDENCE_SEP)
    lengths = pc.list_value_length(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    parent = np.repeat(np.arange(len(e)), lengths)
    rank = np.arange(len(parent)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    keep = rank < max_per_edge
    halves = pc.split_pattern(pc.list_flatten(lists).filter(pa.array(keep)), EVIDENCE_PAIR_SEP,
                              max_splits=1)
    out = e.drop(columns="evidence").iloc[parent[keep]].reset_index(drop=True)
    out["rank"] = rank[keep]
    out["post_a"] = pc.list_element(halves, 0).to_pandas().astype(STR_DTYPE)
    out["post_b"] = pc.list_element(halves, 1).to_pandas().astype(STR_DTYPE)
    return out


def _post_lookup(posts: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """posts restricted to ``ids``, one row per post_id (deterministic if ids repeat)."""
    cols = ["post_id", "account_id", "created_at", "text", "urls", "text_original"]
    wanted = pc.is_in(pa.array(posts["post_id"].astype(STR_DTYPE)),
                      value_set=pa.array(pd.unique(ids.astype(STR_DTYPE).dropna())))
    # rows first, then columns: copying six columns of every post to keep a few cost seconds
    rows = np.flatnonzero(wanted.to_numpy(zero_copy_only=False))
    p = posts.iloc[rows, [i for i, c in enumerate(posts.columns) if c in cols]]
    p = p.reindex(columns=cols)
    p = p.sort_values(["post_id", "account_id", "created_at"], kind="stable", na_position="last")
    return p.drop_duplicates("post_id", keep="first")


def _join_posts(pairs: pd.DataFrame, posts: pd.DataFrame) -> pd.DataFrame:
    lookup = _post_lookup(posts, pd.concat([pairs["post_a"], pairs["post_b"]]))
    out = pairs
    for side in ("a", "b"):
        ren = {"post_id": f"post_{side}", "account_id": f"owner_{side}",
               "created_at": f"time_{side}", "text": f"text_{side}", "urls": f"urls_{side}",
               "text_original": f"text_{side}_original"}
        out = out.merge(lookup.rename(columns=ren), on=f"post_{side}", how="left", sort=False)
    return _fix_sides(out)


def _fix_sides(out: pd.DataFrame) -> pd.DataFrame:
    """post_a belongs to account_a by contract: repair pairs a signal wrote the other way
    round; then dt_seconds."""
    swap = ((out["owner_a"] == out["account_b"]) & (out["owner_b"] == out["account_a"])
            & (out["account_a"] != out["account_b"])).fillna(False).to_numpy(dtype=bool)
    if swap.any():
        for a, b in [(f"{n}_a", f"{n}_b") for n in ("post", "time", "text", "urls")] + [
                ("text_a_original", "text_b_original")]:
            out.loc[swap, [a, b]] = out.loc[swap, [b, a]].to_numpy()
    out["dt_seconds"] = (out["time_b"] - out["time_a"]).dt.total_seconds().astype("float64")
    return out


def _item_rows(e: pd.DataFrame, items: EvidenceItems, max_per_edge: int) -> pd.DataFrame:
    """``_explode_pairs`` from positions: one row per item, by edge then rank, with the rows
    of both posts (``_row_a``, ``_row_b``) instead of their ids."""
    keep = items.rank < max_per_edge
    at = np.full(int(e["edge_no"].max()) + 1 if len(e) else 0, -1, np.int64)
    at[e["edge_no"].to_numpy()] = np.arange(len(e))
    where = at[items.edge[keep]] if len(at) else np.zeros(0, np.int64)
    order = lexsort_ints((items.rank[keep], where))
    out = e.drop(columns="evidence").iloc[where[order]].reset_index(drop=True)
    out["rank"] = items.rank[keep][order]
    out["_row_a"], out["_row_b"] = items.row_a[keep][order], items.row_b[keep][order]
    return out


_POST_FIELDS = {"post_id": "post", "account_id": "owner", "created_at": "time", "text": "text",
                "urls": "urls", "text_original": "text_{}_original"}


def _gather_posts(pairs: pd.DataFrame, posts: pd.DataFrame) -> pd.DataFrame:
    """``_join_posts`` from post rows: each side's columns taken from the posts table at its
    rows (no id lookup, no merge of the whole table)."""
    out = pairs.drop(columns=["_row_a", "_row_b"])
    for side in ("a", "b"):
        rows = pairs[f"_row_{side}"].to_numpy(dtype=np.float64)  # NaN: a profile row
        rows = np.where(np.isnan(rows), -1, rows).astype(np.int64)
        for col, name in _POST_FIELDS.items():
            target = name.format(side) if "{}" in name else f"{name}_{side}"
            out[target] = (pd.Series(posts[col].array.take(rows, allow_fill=True),
                                     index=out.index) if col in posts.columns
                           else pd.Series(np.nan, index=out.index))
    return _fix_sides(out)


def _profile_rows(e: pd.DataFrame) -> pd.DataFrame:
    return e.assign(rank=0, _profile_text=e["evidence"].astype(STR_DTYPE)).drop(
        columns="evidence")


def build_evidence(edges: pd.DataFrame, posts: pd.DataFrame, *, max_per_edge: int = 20,
                   items: EvidenceItems | None = None) -> pd.DataFrame:
    """One row per evidence item of each edge, with both posts' time, text and URLs.

    edges in: account_a, account_b, signal, evidence (+ optional cluster_id).
    posts in: post_id, account_id, created_at, text, urls.
    Out: EVIDENCE_OUT_COLUMNS. Post-signal edges (evidence of 'post_a>post_b' pairs) give up to
    ``max_per_edge`` rows each, dt_seconds = time_b - time_a. Profile-signal edges (free text)
    give one row with post/time columns empty and ``text_a`` = the evidence text. Edges without
    evidence give no row. Sorted by cluster (numeric, unclustered last), signal, pair, rank.
    The rows are ordered while they hold only keys and ids, so the texts are gathered once, in
    place (sorting the joined table moved every text a second time: seconds at 3M posts).
    ``items`` (the scan's ``reported_edges``): the post pairs as rows of ``posts``, gathered
    directly; without them the ids are parsed out of ``evidence`` and looked up.
    """
    if edges is None or len(edges) == 0:
        return empty_evidence()
    e = _edge_frame(edges)
    if items is not None:
        listed = np.zeros(len(edges), bool)
        listed[items.edge] = True
        is_pairs = pd.Series(listed[e["edge_no"].to_numpy()], index=e.index)
    else:
        is_pairs = e["evidence"].astype(STR_DTYPE).str.fullmatch(_PAIRS).fillna(False)
    parts = []
    if is_pairs.any():
        parts.append(_item_rows(e[is_pairs], items, max_per_edge) if items is not None
                     else _explode_pairs(e[is_pairs], max_per_edge))
    if (~is_pairs).any():
        parts.append(_profile_rows(e[~is_pairs]))
    if not parts:
        return empty_evidence()
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    out["_c"] = cluster_sort_key(out["cluster_id"])
    out = out.sort_values(["_c", "cluster_id", "signal", "account_a", "account_b", "rank"],
                          kind="stable").reset_index(drop=True)
    if is_pairs.any():  # a left merge keeps this order; profile rows (no post id) match nothing
        out = _gather_posts(out, posts) if items is not None else _join_posts(out, posts)
    if "_profile_text" in out.columns:
        prof = out["_profile_text"].notna()
        out["text_a"] = (out["_profile_text"] if "text_a" not in out.columns
                         else out["text_a"].astype(STR_DTYPE).mask(prof, out["_profile_text"]))
    out = out.reindex(columns=EVIDENCE_OUT_COLUMNS)
    template = empty_evidence()
    return out.astype({c: template[c].dtype for c in EVIDENCE_OUT_COLUMNS})
