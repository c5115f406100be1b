"""Candidate clusters: seeded, order-independent community detection on fused account pairs.

Why: a campaign shows up as many accounts linked by pairs that are each only mildly surprising.
Communities propose the candidate groups; whether a group is more than chance is decided later
(graph/significance.py), so the filter here is deliberately lenient.

Which pairs enter the graph: q <= ``max_q`` or p_combined <= ``max_p`` (default 1/n_accounts:
a group whose weakest link is weaker than that can never beat the search correction of the
cluster test, see significance.py). Edge strength = -log10(p_combined), capped at ``cap``.
The graph is built from sorted account ids, so any input row order gives the same partition.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import sparse

from astroturf.graph.fusion import sorted_codes
from astroturf.schema import STR_DTYPE

log = logging.getLogger("astroturf.graph.communities")

STRENGTH_CAP = 50.0


def candidate_pairs(pairs: pd.DataFrame, *, n_accounts: int | None = None, max_q: float = 0.5,
                    max_p: float | None = None) -> pd.DataFrame:
    """The pairs lenient enough to propose clusters (see module docstring)."""
    if len(pairs) == 0:
        return pairs
    n = n_accounts or len(pd.unique(pd.concat([pairs["account_a"], pairs["account_b"]])))
    limit = max_p if max_p is not None else min(0.01, 1.0 / max(n, 1))
    keep = (pairs["q_value"] <= max_q) | (pairs["p_combined"] <= limit)
    return pairs.loc[keep & (pairs["p_combined"] < 1.0)]


def pair_strength(pairs: pd.DataFrame, *, cap: float = STRENGTH_CAP) -> np.ndarray:
    """-log10 p_combined, capped; uses the exact ``log10_p`` column when present."""
    if "log10_p" in pairs.columns:
        s = -pairs["log10_p"].to_numpy(dtype=np.float64)
    else:
        s = -np.log10(np.clip(pairs["p_combined"].to_numpy(dtype=np.float64), 1e-300, 1.0))
    return np.clip(s, 0.0, cap)


def detect_communities(pairs: pd.DataFrame, *, seed: int = 0, resolution: float = 1.0,
                       weight: str = "strength", n_accounts: int | None = None,
                       max_q: float = 0.5, max_p: float | None = None) -> pd.Series:
    """account_id -> community label (int), for accounts in at least one candidate pair.

    Input: fused pairs (graph.fusion.fuse_pairs: account_a, account_b, p_combined, q_value,
    optional log10_p, weight). ``weight`` = 'strength' (-log10 p, capped) or any numeric pair
    column. Leiden (scikit-network, seeded) keeps every community internally connected.
    Labels are renumbered canonically: size descending, then smallest account id.
    Output: Series of int64 indexed by account_id (sorted), name 'community'.
    """
    cand = candidate_pairs(pairs, n_accounts=n_accounts, max_q=max_q, max_p=max_p)
    if len(cand) == 0:
        return pd.Series([], dtype="int64", index=pd.Index([], dtype=STR_DTYPE),
                         name="community")
    codes, ids = sorted_codes(pd.concat([cand["account_a"], cand["account_b"]]))
    ia, ib = codes[: len(cand)], codes[len(cand):]
    if weight == "strength":
        w = pair_strength(cand)
    else:
        w = pd.to_numeric(cand[weight], errors="coerce").fillna(0.0).to_numpy(np.float64)
    w = np.maximum(w, 1e-9)
    order = np.lexsort((ib, ia))
    ia, ib, w = ia[order], ib[order], w[order]
    n = len(ids)
    adj = sparse.coo_matrix((np.r_[w, w], (np.r_[ia, ib], np.r_[ib, ia])), shape=(n, n)).tocsr()
    adj.sum_duplicates()
    adj.sort_indices()
    labels = _leiden(adj, seed=seed, resolution=resolution)
    return _canonical(pd.Series(labels, index=pd.Index(ids, dtype=STR_DTYPE)))


def _leiden(adj: sparse.csr_matrix, *, seed: int, resolution: float) -> np.ndarray:
    """Seeded Leiden labels (Louvain when Leiden is unavailable)."""
    try:
        from sknetwork.clustering import Leiden as Algo
    except ImportError:  # older scikit-network
        from sknetwork.clustering import Louvain as Algo
    algo = Algo(resolution=resolution, modularity="newman", random_state=seed,
                shuffle_nodes=False, sort_clusters=True, return_probs=False,
                return_aggregate=False)
    return np.asarray(algo.fit_predict(adj), dtype=np.int64)


def _canonical(labels: pd.Series) -> pd.Series:
    """Renumber labels 0..K-1 by (size desc, smallest member id); index sorted."""
    labels = labels.sort_index(kind="stable")
    frame = pd.DataFrame({"lab": labels.to_numpy(), "id": labels.index.to_numpy(dtype=object)})
    stats = frame.groupby("lab").agg(size=("id", "size"), first=("id", "min"))
    stats = stats.sort_values(["size", "first"], ascending=[False, True], kind="stable")
    new = pd.Series(np.arange(len(stats), dtype=np.int64), index=stats.index)
    out = pd.Series(new.reindex(frame["lab"]).to_numpy(np.int64), index=labels.index,
                    name="community")
    return out
