"""The vectorised scoring helpers compute exactly what the per-cluster versions computed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from astroturf.graph.fusion import family_of
from astroturf.schema import EDGE_COLUMNS, STR_DTYPE
from astroturf.scoring import _edge_ends, _edges_table
from astroturf.scoring.reasons import _segment_sums, burst_phrase, burst_phrases, fmt_p
from astroturf.signals.bursts import burst_group_pvalue


def _groups(seed: int) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2021-01-01", tz="UTC")
    pop = pd.Series(base + pd.to_timedelta(rng.integers(0, 86_400 * 700, 3_000), unit="s"))
    rows = []
    for c in range(120):
        size = int(rng.integers(1, 25))
        if c % 2:  # a batch: created within ~30 h
            start = pop.iloc[int(rng.integers(0, len(pop)))]
            times = start + pd.to_timedelta(rng.integers(0, 3_600 * 30, size), unit="s")
        else:
            times = pop.sample(size, random_state=c).to_numpy()
        times = pd.Series(pd.to_datetime(times, utc=True))
        if c % 7 == 0:
            times.iloc[0] = pd.NaT
        rows += [(c, t) for t in times]
    members = pd.DataFrame(rows, columns=["cluster", "created_at"])
    members["created_at"] = pd.to_datetime(members["created_at"], utc=True)
    return members, pd.concat([pop, members["created_at"].dropna()], ignore_index=True)


def test_burst_phrases_match_per_cluster_test_in_any_row_order():
    members, pop = _groups(3)
    fast = burst_phrases(members.sample(frac=1.0, random_state=1), pop, hours=24)
    slow = {}
    for c, g in members.groupby("cluster"):
        t = g["created_at"].dropna().sort_values().reset_index(drop=True)
        if len(t) < 2:
            continue
        p, text = burst_group_pvalue(t, pop.sort_values().reset_index(drop=True), hours=24)
        if p <= 0.05:
            lp = math.log10(max(p, 1e-300))
            slow[int(c)] = (lp, f"{text} (p={fmt_p(lp)})")
    assert len(slow) > 10
    assert fast == slow
    one = members[members["cluster"] == next(iter(slow))]["created_at"]
    assert burst_phrase(one, pop, hours=24) == slow[next(iter(slow))]


def test_segment_sums_are_bit_identical_to_numpy_sum():
    rng = np.random.default_rng(0)
    sizes = rng.integers(1, 300, 400)
    x = rng.random(int(sizes.sum())) * np.exp(rng.normal(0, 15, int(sizes.sum())))
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    expect = np.array([x[s:s + n].sum() for s, n in zip(starts, sizes, strict=True)])
    assert np.array_equal(_segment_sums(x, starts, sizes), expect)


def test_family_of_maps_known_unknown_and_missing_names():
    s = pd.Series(["co_text", "near_dup_sync", "mystery", None, "co_text"], index=[5, 4, 3, 2, 1],
                  dtype=STR_DTYPE)
    out = family_of(s)
    assert out.index.tolist() == [5, 4, 3, 2, 1]
    assert out.iloc[[0, 1, 2, 4]].tolist() == ["text", "text", "mystery", "text"]
    assert pd.isna(out.iloc[3])


def test_edges_table_orients_pairs_and_puts_unclustered_edges_last():
    edges = pd.DataFrame({
        "account_a": ["b", "c", "a"], "account_b": ["a", "d", "b"],
        "signal": ["co_url", "co_text", "co_text"], "weight": 1.0, "n_events": 1,
        "first_seen": pd.NaT, "last_seen": pd.NaT, "expected": 0.1, "p_value": 1e-9,
        "evidence": ["x>y", "z>w", "u>v"]})[EDGE_COLUMNS]
    pairs = pd.DataFrame({"account_a": ["a", "c"], "account_b": ["b", "d"],
                          "q_value": [1e-6, 1e-3]})
    member = pd.Series([1, 1], index=pd.Index(["a", "b"], dtype=STR_DTYPE))
    out = _edges_table(edges, _edge_ends(edges), pairs, member, fdr=0.05)
    assert out[["account_a", "account_b"]].values.tolist() == [["a", "b"], ["a", "b"],
                                                                ["c", "d"]]
    assert out["cluster_id"].tolist() == ["1", "1", ""]
    assert out["q_value"].tolist() == [1e-6, 1e-6, 1e-3]
    assert out["signal"].tolist() == ["co_text", "co_url", "co_text"]
