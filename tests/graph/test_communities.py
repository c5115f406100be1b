"""Communities on account codes: planted groups separated, canonical labels, order independence,
the lenient candidate filter."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from astroturf.graph.communities import candidate_mask, detect_communities


def pairs_of(groups: list[list[int]], p: float, extra: list[tuple[int, int, float]] = (),
             q: float = 1.0) -> pd.DataFrame:
    """Fused-pair rows (a < b codes, log10_p, p_combined, q_value) for cliques plus extras."""
    rows = [(a, b, p) for g in groups for a, b in itertools.combinations(sorted(g), 2)]
    rows += [(min(a, b), max(a, b), pp) for a, b, pp in extra]
    df = pd.DataFrame(rows, columns=["a", "b", "p_combined"]).astype({"a": np.int64,
                                                                       "b": np.int64})
    df["q_value"] = q
    df["log10_p"] = np.log10(df["p_combined"])
    return df


def test_two_cliques_with_a_bridge():
    g1 = list(range(10, 16))  # 6 accounts
    g2 = list(range(20, 28))  # 8 accounts
    labels = detect_communities(pairs_of([g1, g2], 1e-8, extra=[(10, 20, 1e-4)]),
                                n_accounts=1000)
    assert labels.shape == (1000,) and labels.dtype == np.int64
    assert set(np.flatnonzero(labels >= 0)) == set(g1 + g2)  # others: -1
    assert len(set(labels[g1])) == 1 and len(set(labels[g2])) == 1
    assert labels[20] == 0 and labels[10] == 1  # canonical: larger community first


def test_equal_sizes_are_numbered_by_smallest_code():
    labels = detect_communities(pairs_of([[50, 51, 52], [5, 6, 7]], 1e-9), n_accounts=100)
    assert labels[5] == 0 and labels[50] == 1


def test_order_independent_and_seeded():
    rng = np.random.default_rng(1)
    starts = np.cumsum([0, *rng.integers(3, 9, 6)])
    groups = [list(range(100 + s, 100 + e)) for s, e in itertools.pairwise(starts)]
    noise = [(int(i), int(j), 1e-5) for i, j in rng.integers(0, 40, (60, 2)) if i < j]
    pairs = pairs_of(groups, 1e-7, extra=noise).drop_duplicates(["a", "b"])
    first = detect_communities(pairs, seed=0, n_accounts=500)
    for s in range(3):
        shuffled = pairs.sample(frac=1, random_state=s).reset_index(drop=True)
        np.testing.assert_array_equal(detect_communities(shuffled, seed=0, n_accounts=500), first)
    for g in groups:
        assert len(set(first[g])) == 1 and first[g[0]] >= 0


def test_lenient_filter_drops_chance_pairs():
    assert (detect_communities(pairs_of([[1, 2]], 0.2), n_accounts=100) == -1).all()
    assert (detect_communities(pairs_of([], 0.1), n_accounts=100) == -1).all()
    # default max_p is 1/n_accounts: 0.005 passes among 100 accounts, not among 1000
    assert (detect_communities(pairs_of([[1, 2]], 0.005), n_accounts=100)[[1, 2]] == 0).all()
    assert (detect_communities(pairs_of([[1, 2]], 0.005), n_accounts=1000) == -1).all()
    # a low pair q lets a pair in whatever its p; p = 1 never enters
    assert candidate_mask(pairs_of([[1, 2]], 0.3, q=0.1), n_accounts=1000).all()
    assert not candidate_mask(pairs_of([[1, 2]], 1.0, q=0.1), n_accounts=1000).any()
