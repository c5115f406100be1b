"""Shared-key pairing against brute force, and the rarity tail it is judged by."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astroturf.kernels.keys import (
    auto_max_p,
    count_per_pair,
    distinct_stubs,
    key_pairs,
    pairs_within_groups,
    rarity_tail,
    shared_key_pairs,
)

FAST = settings(max_examples=60, deadline=None)
stubs = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 4)), max_size=30)


@FAST
@given(st.lists(st.integers(0, 6), min_size=0, max_size=30))
def test_pairs_within_groups_matches_brute_force(values):
    group = np.sort(np.array(values, dtype=np.int64))
    i, j = pairs_within_groups(group)
    got = sorted(zip(i.tolist(), j.tolist(), strict=True))
    want = [(a, b) for a in range(len(group)) for b in range(a + 1, len(group))
            if group[a] == group[b]]
    assert got == want


def test_rarity_tail_counts_smaller_keys():
    tail = rarity_tail(np.array([1, 2, 2, 10]), 100)
    assert tail[0] == 0 and tail[1] == tail[2] == pytest.approx(4 / 9900)
    assert tail[3] == pytest.approx((4 + 90) / 9900)


@FAST
@given(st.lists(st.integers(1, 30), min_size=1, max_size=20), st.integers(31, 200))
def test_rarity_tail_is_the_pair_mass_of_keys_at_most_as_large(sizes, n):
    s = np.array(sizes)
    tail = rarity_tail(s, n)
    want = [min(1.0, sum(m * (m - 1) for m in sizes if m <= x) / (n * (n - 1))) for x in sizes]
    np.testing.assert_allclose(tail, want)
    order = np.argsort(s, kind="stable")
    assert (np.diff(tail[order]) >= 0).all()  # rarer keys are stronger evidence


@FAST
@given(stubs)
def test_distinct_stubs_sorted_with_multiplicity(rows):
    acc = np.array([a for a, _ in rows], dtype=np.int64)
    key = np.array([k for _, k in rows], dtype=np.int64)
    s_acc, s_key, mult = distinct_stubs(acc, key)
    counts: dict[tuple[int, int], int] = {}
    for a, k in rows:
        counts[(k, a)] = counts.get((k, a), 0) + 1
    assert list(zip(s_key.tolist(), s_acc.tolist(), strict=True)) == sorted(counts)
    assert mult.tolist() == [counts[c] for c in sorted(counts)]


@FAST
@given(stubs, st.integers(2, 5))
def test_key_pairs_equals_brute_force(rows, max_key_accounts):
    acc = np.array([a for a, _ in rows], dtype=np.int64)
    key = np.array([k for _, k in rows], dtype=np.int64)
    s_acc, s_key, _ = distinct_stubs(acc, key)
    a, b, k = key_pairs(s_acc, s_key, max_key_accounts=max_key_accounts)
    members: dict[int, set[int]] = {}
    for x, y in rows:
        members.setdefault(y, set()).add(x)
    want = sorted((p, q, kk) for kk, m in members.items() if 2 <= len(m) <= max_key_accounts
                  for p, q in combinations(sorted(m), 2))
    assert sorted(zip(a.tolist(), b.tolist(), k.tolist(), strict=True)) == want


@FAST
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
                max_size=30))
def test_count_per_pair_counts_each_unit_once(rows):
    rows = [(min(a, b), max(a, b), u) for a, b, u in rows if a != b]
    a = np.array([r[0] for r in rows], dtype=np.int64)
    b = np.array([r[1] for r in rows], dtype=np.int64)
    u = np.array([r[2] for r in rows], dtype=np.int64)
    pa, pb, cnt, row, unit = count_per_pair(a, b, u, 4)
    want: dict[tuple[int, int], set[int]] = {}
    for x, y, z in rows:
        want.setdefault((x, y), set()).add(z)
    assert list(zip(pa.tolist(), pb.tolist(), strict=True)) == sorted(want)
    assert cnt.tolist() == [len(want[p]) for p in sorted(want)]
    assert list(zip(row.tolist(), unit.tolist(), strict=True)) == [
        (r, z) for r, p in enumerate(sorted(want)) for z in sorted(want[p])]


def test_shared_key_pairs_keeps_rarest_key_and_counts_shared_keys():
    # accounts 0..3 share 'common' (4 members); 0 and 1 also share 'rare' (2 members)
    codes = np.array([0, 1, 2, 3, 0, 1, 0])
    keys = pd.Series(["common", "common", "common", "common", "rare", "rare", "rare"])
    out = shared_key_pairs(codes, keys, n_population=100, max_group=10)
    assert out[["a", "b"]].values.tolist() == [list(p) for p in combinations(range(4), 2)]
    best = out.set_index(["a", "b"])
    assert best.loc[(0, 1), "key"] == "rare" and best.loc[(0, 1), "n_keys"] == 2
    assert best.loc[(0, 1), "size"] == 2
    assert best.loc[(0, 1), "p_value"] == pytest.approx(2 / 9900)
    assert best.loc[(2, 3), "key"] == "common"
    assert best.loc[(2, 3), "p_value"] == pytest.approx((2 + 12) / 9900)


def test_shared_key_pairs_hot_keys_make_no_pairs_but_stay_in_the_tail():
    codes = np.arange(6)
    keys = pd.Series(["hot"] * 4 + ["pair"] * 2)
    out = shared_key_pairs(codes, keys, n_population=10, max_group=3)
    assert out[["a", "b", "key"]].values.tolist() == [[4, 5, "pair"]]
    assert out["p_value"].iloc[0] == pytest.approx(2 / 90)  # the hot key (size 4) is larger
    strict = shared_key_pairs(codes, keys, n_population=10, max_group=3, max_p_value=0.01)
    assert strict.empty and list(strict.columns) == list(out.columns)


def test_shared_key_pairs_ignores_missing_keys_codes_and_duplicates():
    codes = np.array([0, 0, 1, -1, 2])
    keys = pd.Series(["k", "k", "k", "k", None], dtype="str")
    out = shared_key_pairs(codes, keys, n_population=50, max_group=10)
    assert out[["a", "b", "size", "n_keys"]].values.tolist() == [[0, 1, 2, 1]]


def test_shared_key_pairs_strata_condition_the_tail():
    # the same key size is stronger evidence in a stratum where keys are rarer
    codes = np.arange(8)
    keys = pd.Series(["x", "x", "y", "y", "y", "y", "z", "z"])
    strata = pd.Series([0, 0, 1, 1, 1, 1, 0, 0])
    out = shared_key_pairs(codes, keys, n_population=8, max_group=10, strata=strata)
    p = out.groupby("key")["p_value"].agg(["min", "max"])
    assert (p["min"] == p["max"]).all()  # one p-value per key
    p = p["min"]
    assert p["x"] == pytest.approx((2 + 2) / (4 * 3))  # stratum 0: four accounts
    assert p["y"] == pytest.approx(1.0)


def test_auto_max_p():
    assert auto_max_p(100) == 0.01
    assert auto_max_p(100_001) == pytest.approx(20 / 100_000)
    assert auto_max_p(100, 0.5) == 0.5
