"""Cluster tests: the search is paid for, one shared key is not multiplied over the pairs it
links, profile groups are tested across families, chance edges flag nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.stats.helpers import channel, clique

from astroturf.graph.communities import detect_communities
from astroturf.stats.cluster_test import cluster_tests, log10_scan_bound
from astroturf.stats.fusion import collect, fuse_pairs, log10_bh

N = 2000


def run(channels, n=N):
    ev = collect(channels, n)
    pairs = fuse_pairs(ev)
    labels = detect_communities(pairs, n_accounts=n, seed=0)
    return cluster_tests(ev, labels), labels


def test_bound_for_a_pair_is_pair_bonferroni():
    # 2 * C(n, 2) * p: the pair-level Bonferroni over all pairs
    assert log10_scan_bound(np.array([2]), np.array([-10.0]), n=100)[0] == pytest.approx(
        math.log10(2 * 4950 * 1e-10))


def test_one_shared_key_alone_is_not_a_campaign():
    # 30 light accounts sharing ONE copied text: every pair strong, all from the same key
    members = range(30)
    tests, _ = run([channel("template_reuse", clique(members, 1e-6), keys=[7] * 435,
                            null="poisson")])
    assert len(tests) == 1
    assert tests["log10_p"].item() == 0.0  # nothing left once the defining text is set aside
    assert tests["aside_cover"].item() == 30


def test_many_shared_keys_survive_setting_one_aside():
    members = list(range(30))
    rows = clique(members, 1e-9)
    keys = [i % 5 for i in range(len(rows))]  # five texts shared across the group
    ch = channel("template_reuse", rows, keys=keys, null="poisson", n_events=3)
    ch.ki_edge = np.repeat(np.arange(len(rows)), 3)  # each pair shares three of the texts
    ch.ki_key = np.concatenate([[k, (k + 1) % 5, (k + 2) % 5] for k in keys])
    ch.ki_events = np.ones(len(ch.ki_edge), np.int64)
    tests, _ = run([ch])
    assert log10_bh(tests["log10_p"].to_numpy())[0] < math.log10(0.05)


def test_profile_group_found_through_other_families():
    members = range(40, 54)
    chans = [channel("handle_pattern", clique(members, 2e-3), keys=[1] * 91),
             channel("bio_similar", clique(members, 2e-3), keys=[2] * 91),
             channel("creation_burst", clique(members, 2e-3))]
    tests, _ = run(chans)
    row = tests.iloc[0]
    assert row["size"] == 14 and row["log10_p"] < math.log10(1e-3)


def test_chance_edges_flag_nothing_over_seeds():
    flagged = 0
    for seed in range(5):
        rng = np.random.default_rng(seed)
        a, b = rng.integers(0, N, (2, 6000))
        rows = [(int(x), int(y), float(p)) for x, y, p in zip(a, b, rng.uniform(size=6000),
                                                              strict=True) if x != y]
        rows = list({(min(x, y), max(x, y)): (x, y, p) for x, y, p in rows}.values())
        tests, _ = run([channel("co_hashtag", rows, null="binomial")])
        if len(tests):
            flagged += int((log10_bh(tests["log10_p"].to_numpy()) <= math.log10(0.05)).any())
    assert flagged == 0


def test_size_filter_and_empty():
    tests, _ = run([])
    assert len(tests) == 0
    ev = collect([channel("co_repost", [(0, 1, 1e-30)])], N)
    labels = detect_communities(fuse_pairs(ev), n_accounts=N)
    assert len(cluster_tests(ev, labels, min_size=3)) == 0
