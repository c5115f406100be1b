"""Candidate clusters: seeded, order-independent community detection on fused account pairs.

Why: a campaign shows up as many accounts linked by pairs that are each only mildly surprising.
Communities propose the candidate groups; whether a group is more than chance is decided later
(stats.cluster_test and stats.calibration), so the filter here is deliberately lenient.

Which pairs enter the graph: q <= ``max_q`` or p_combined <= ``max_p`` (default 1/n_accounts:
a group whose weakest link is weaker than that can never beat the search correction of the
cluster test). Edge strength = -log10(p_combined), capped at ``cap``. Nodes are account codes
(sorted ids), so any input row order gives the same partition.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import sparse

from astroturf.kernels.sweep import lexsort_ints

log = logging.getLogger("astroturf.graph.communities")

STRENGTH_CAP = 50.0


def candidate_mask(pairs: pd.DataFrame, *, n_accounts: int, max_q: float = 0.5,
                   max_p: float | None = None) -> np.ndarray:
    """Pairs lenient enough to propose clusters (see the module docstring)."""
    if len(pairs) == 0:
        return np.zeros(0, bool)
    limit = max_p if max_p is not None else min(0.01, 1.0 / max(n_accounts, 1))
    p = pairs["p_combined"].to_numpy(float)
    return ((pairs["q_value"].to_numpy(float) <= max_q) | (p <= limit)) & (p < 1.0)


def detect_communities(pairs: pd.DataFrame, *, n_accounts: int, seed: int = 0,
                       resolution: float = 1.0, max_q: float = 0.5,
                       max_p: float | None = None) -> np.ndarray:
    """Community label per account code (-1: in no candidate pair).

    Input: fused pairs (stats.fusion.fuse_pairs: a, b, log10_p, p_combined, q_value). Leiden
    (scikit-network, seeded) keeps every community connected. Labels are renumbered
    canonically: size descending, then smallest account code.
    """
    labels = np.full(n_accounts, -1, np.int64)
    keep = candidate_mask(pairs, n_accounts=n_accounts, max_q=max_q, max_p=max_p)
    if not keep.any():
        return labels
    cand = pairs.loc[keep]
    a, b = cand["a"].to_numpy(np.int64), cand["b"].to_numpy(np.int64)
    nodes = np.unique(np.r_[a, b])
    ia, ib = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
    w = np.clip(-cand["log10_p"].to_numpy(float), 1e-9, STRENGTH_CAP)
    m = len(nodes)
    adj = sparse.coo_matrix((np.r_[w, w], (np.r_[ia, ib], np.r_[ib, ia])), shape=(m, m)).tocsr()
    adj.sum_duplicates()
    adj.sort_indices()
    lab = _leiden(adj, seed=seed, resolution=resolution)
    labels[nodes] = _canonical(lab, nodes)
    return labels


def _leiden(adj: sparse.csr_matrix, *, seed: int, resolution: float) -> np.ndarray:
    """Seeded Leiden labels (Louvain when Leiden is unavailable)."""
    if adj.shape[0] == 1:
        return np.zeros(1, np.int64)
    try:
        from sknetwork.clustering import Leiden as Algo
    except ImportError:  # older scikit-network
        from sknetwork.clustering import Louvain as Algo
    algo = Algo(resolution=resolution, modularity="newman", random_state=seed,
                shuffle_nodes=False, sort_clusters=True, return_probs=False,
                return_aggregate=False)
    return np.asarray(algo.fit_predict(adj), dtype=np.int64)


def _canonical(lab: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Labels renumbered 0..K-1 by (size desc, smallest node code)."""
    k = int(lab.max()) + 1
    size = np.bincount(lab, minlength=k)
    first = np.full(k, np.iinfo(np.int64).max)
    np.minimum.at(first, lab, nodes)
    order = lexsort_ints((first, -size))
    new = np.empty(k, np.int64)
    new[order] = np.arange(k)
    return new[lab]
