"""Cluster tests: planted groups flagged, viral-wave cliques of weak pairs and chance not."""

from __future__ import annotations

import itertools
from math import comb, log10

import numpy as np
import pandas as pd
import pytest

from astroturf.graph.communities import detect_communities
from astroturf.graph.fusion import fuse_pairs
from astroturf.graph.significance import CLUSTER_TEST_COLUMNS, cluster_tests, log10_scan_bound
from astroturf.schema import EDGE_COLUMNS


def edges_of(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    e = pd.DataFrame(rows, columns=["account_a", "account_b", "signal", "p_value"])
    e["weight"], e["n_events"], e["expected"], e["evidence"] = 1.0, 1, 0.1, "x>y"
    e["first_seen"] = pd.Timestamp("2024-01-01", tz="UTC")
    e["last_seen"] = e["first_seen"]
    return e[EDGE_COLUMNS]


def clique(members, signal: str, p: float) -> list[tuple[str, str, str, float]]:
    return [(a, b, signal, p) for a, b in itertools.combinations(sorted(members), 2)]


def run(edges: pd.DataFrame, n: int, **kw) -> pd.DataFrame:
    pairs = fuse_pairs(edges, n_accounts=n)
    membership = detect_communities(pairs, n_accounts=n, **kw)
    return cluster_tests(pairs, membership, n_accounts=n)


def test_bound_for_a_pair_is_pair_bonferroni():
    n, t = 1000, 1e-9
    assert log10_scan_bound(np.array([2]), np.array([log10(t)]), n=n)[0] == pytest.approx(
        log10(2 * comb(n, 2) * t))
    s = 5
    assert log10_scan_bound(np.array([s]), np.array([-6.0]), n=n)[0] == pytest.approx(
        log10(s * (s - 1) * comb(n, s) * s ** (s - 2)) - 6.0 * (s - 1))


def viral_and_planted(rng: np.random.Generator, n: int) -> tuple[list, list[str]]:
    ids = [f"u{i:05d}" for i in range(n)]
    planted = ids[:10]
    rows = clique(planted, "co_text", 1e-7) + clique(planted, "co_url", 1e-5)
    for _ in range(12):  # viral waves: everyone in a minute co-reposts once, p ~ 1e-3
        wave = rng.choice(ids[10:], 40, replace=False)
        rows += clique(wave, "co_repost", 1e-3)
    return rows, planted


def test_planted_flagged_viral_waves_not_even_when_forced_into_communities():
    n = 3000
    rows, planted = viral_and_planted(np.random.default_rng(0), n)
    edges = edges_of(rows)
    assert (edges["signal"] == "co_repost").sum() > 9000  # thousands of weak pairs
    for kw in ({}, {"max_p": 0.01}):  # default filter, and one letting the waves in
        pairs = fuse_pairs(edges, n_accounts=n)
        membership = detect_communities(pairs, n_accounts=n, **kw)
        tests = cluster_tests(pairs, membership, n_accounts=n)
        flagged = tests[tests["flagged"]]
        assert len(flagged) == 1
        members = membership[membership == flagged["community"].iloc[0]].index
        assert sorted(members) == planted
        assert flagged["core_size"].iloc[0] == 10
    assert list(tests.columns) == CLUSTER_TEST_COLUMNS
    assert len(tests) > 1  # the waves were tested, and rejected


def test_chance_edges_flag_nothing_over_seeds():
    n, hits = 400, 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        a, b = rng.integers(0, n, (2, 4000))
        keep = a < b
        sig = rng.choice(["co_repost", "co_url", "bio_similar", "creation_burst"], keep.sum())
        rows = [(f"u{x:04d}", f"u{y:04d}", s, p) for x, y, s, p in
                zip(a[keep], b[keep], sig, rng.uniform(size=keep.sum()), strict=True)]
        tests = run(edges_of(rows), n, max_p=0.01)
        hits += bool(tests["flagged"].any())
    assert hits <= 1


def test_size_filter_and_empty():
    edges = edges_of(clique(["a", "b"], "co_text", 1e-12))
    assert len(run(edges, 100)) == 1
    pairs = fuse_pairs(edges, n_accounts=100)
    m = detect_communities(pairs, n_accounts=100)
    assert len(cluster_tests(pairs, m, n_accounts=100, min_size=3)) == 0
    empty = cluster_tests(pairs.iloc[:0], m.iloc[:0], n_accounts=100)
    assert list(empty.columns) == CLUSTER_TEST_COLUMNS and len(empty) == 0
