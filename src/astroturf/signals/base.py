"""Shared plumbing for signals: stable account codes and the one way an edge table is finished.

Signals work on integer account codes for speed. Codes come from the *sorted* unique ids, so
code order equals string order and ``code_a < code_b`` gives ``account_a < account_b`` for free.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.schema import EDGE_COLUMNS, coerce_edges, empty_edges


def account_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for ``ids`` (NA -> -1) and the sorted unique ids they index into."""
    codes, uniques = pd.factorize(ids, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def finish_edges(edges: pd.DataFrame) -> pd.DataFrame:
    """Canonical dtypes, account_a < account_b enforced, deterministic row order.

    Every signal ends with this so that shuffled input gives byte-identical output.
    """
    if edges is None or len(edges) == 0:
        return empty_edges()
    edges = coerce_edges(edges)
    a = edges["account_a"].to_numpy(dtype=object)
    b = edges["account_b"].to_numpy(dtype=object)
    swap = a > b
    if swap.any():
        edges.loc[swap, ["account_a", "account_b"]] = edges.loc[
            swap, ["account_b", "account_a"]].to_numpy()
    edges = edges[edges["account_a"] != edges["account_b"]]
    edges = edges.sort_values(["signal", "account_a", "account_b"], kind="stable")
    return edges[EDGE_COLUMNS].reset_index(drop=True)


def join_evidence(group: np.ndarray, items: pd.Series, *, max_items: int) -> pd.Series:
    """Join up to ``max_items`` evidence strings per group (groups given as sorted int codes).

    ``group`` must be sorted ascending and ``items`` aligned with it (already in the order the
    items should appear). Returns a Series indexed by group code.
    """
    if len(group) == 0:
        return pd.Series([], dtype="str")
    starts = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    rank = np.arange(len(group)) - np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    keep = rank < max_items
    kept = pd.Series(items.to_numpy()[keep], index=group[keep])
    return kept.groupby(level=0, sort=True).agg(" ".join).astype("str")
