"""Communities: planted groups separated, canonical labels, order independence."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from astroturf.graph.communities import detect_communities


def pairs_of(groups: list[list[str]], p: float, extra: list[tuple[str, str, float]] = ()
             ) -> pd.DataFrame:
    rows = [(a, b, p) for g in groups for a, b in itertools.combinations(sorted(g), 2)]
    rows += list(extra)
    df = pd.DataFrame(rows, columns=["account_a", "account_b", "p_combined"])
    df["q_value"] = 1.0
    df["log10_p"] = np.log10(df["p_combined"])
    return df


def test_two_cliques_with_a_bridge():
    g1 = [f"a{i}" for i in range(6)]
    g2 = [f"b{i}" for i in range(8)]
    pairs = pairs_of([g1, g2], 1e-8, extra=[("a0", "b0", 1e-4)])
    lab = detect_communities(pairs, n_accounts=1000)
    assert lab.index.tolist() == sorted(g1 + g2)
    assert lab[g2].nunique() == 1 and lab[g1].nunique() == 1
    assert lab["b0"] == 0 and lab["a0"] == 1  # canonical: larger community first


def test_order_independent_and_seeded():
    rng = np.random.default_rng(1)
    groups = [[f"g{k}_{i}" for i in range(rng.integers(3, 9))] for k in range(6)]
    noise = [(f"n{i}", f"n{j}", 1e-5) for i, j in rng.integers(0, 40, (60, 2)) if i < j]
    pairs = pairs_of(groups, 1e-7, extra=noise)
    a = detect_communities(pairs, seed=0, n_accounts=500)
    for s in range(3):
        shuffled = pairs.sample(frac=1, random_state=s)
        sw = shuffled["account_a"] < "g"  # also swap columns on some rows
        shuffled.loc[sw, ["account_a", "account_b"]] = shuffled.loc[
            sw, ["account_b", "account_a"]].to_numpy()
        pd.testing.assert_series_equal(a, detect_communities(shuffled, seed=0, n_accounts=500))


def test_lenient_filter_drops_chance_pairs():
    pairs = pairs_of([["x", "y"]], 0.2)
    assert len(detect_communities(pairs, n_accounts=100)) == 0
    assert len(detect_communities(pairs_of([], 0.1), n_accounts=100)) == 0
