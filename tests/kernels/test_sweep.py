"""The co-action kernel against brute force: pairs in the window, per-pair aggregation, hot keys,
and the small integer helpers everything else is built on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astroturf.kernels.pairgroups import compact, group_pairs, pairs_of_groups
from astroturf.kernels.sweep import (
    NAT,
    dense_rank,
    hot_key_pairs,
    key_account_counts,
    lexsort_ints,
    pair_codes,
    run_ids,
    run_starts,
    stable_codes,
    sweep_hot,
    sweep_ordinary,
    sweep_pairs,
    time_ns,
    unique_sorted,
)

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (key, account, time in seconds) actions; small ranges make collisions and ties common
actions = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(0, 120)),
                   min_size=0, max_size=40)


def sorted_actions(rows: list[tuple[int, int, int]]) -> tuple[np.ndarray, ...]:
    """(key, time ns, account) sorted by (key, time, input position), as the channels sort."""
    arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
    key, acc, t = arr[:, 0], arr[:, 1], arr[:, 2] * 10**9
    order = np.lexsort((np.arange(len(arr)), t, key))
    return key[order], t[order], acc[order]


def brute_pairs(key, t, acc, window_ns, hot=None, max_fanout=50) -> set[tuple[int, int]]:
    out = set()
    for i in range(len(key)):
        for j in range(i + 1, len(key)):
            if key[i] != key[j] or t[j] - t[i] > window_ns or acc[i] == acc[j]:
                continue
            if hot is not None and hot[i] and j - i > max_fanout:
                continue
            out.add((i, j))
    return out


@FAST
@given(actions, st.sampled_from([0, 10, 30, 60]))
def test_sweep_pairs_equals_brute_force(rows, window):
    key, t, acc = sorted_actions(rows)
    i, j = sweep_pairs(key, t, acc, window_ns=window * 10**9)
    got = list(zip(i.tolist(), j.tolist(), strict=True))
    assert len(got) == len(set(got))  # each pair once
    assert set(got) == brute_pairs(key, t, acc, window * 10**9)


@FAST
@given(actions, st.integers(1, 4))
def test_hot_keys_pair_only_with_their_next_actions(rows, fanout):
    key, t, acc = sorted_actions(rows)
    hot = key == 0  # key 0 is hot
    i, j = sweep_pairs(key, t, acc, window_ns=60 * 10**9, hot=hot, max_fanout=fanout)
    got = set(zip(i.tolist(), j.tolist(), strict=True))
    assert got == brute_pairs(key, t, acc, 60 * 10**9, hot=hot, max_fanout=fanout)


@FAST
@given(actions, st.integers(1, 4))
def test_hot_keys_count_only_for_pairs_linked_on_an_ordinary_key(rows, fanout):
    """Hot-key pairs (fan-out bounded) are kept only for account pairs that co-act on an
    ordinary key too; ordinary-key pairs are all kept."""
    key, t, acc = sorted_actions(rows)
    hot = key == 0  # key 0 is hot
    w = 60 * 10**9
    ci, cj = sweep_ordinary(key, t, acc, window_ns=w, hot=hot)
    hi, hj = sweep_hot(key, t, acc, window_ns=w, hot=hot, allowed=pair_codes(acc, ci, cj, 6),
                       n_acc=6, max_fanout=fanout)
    i, j = np.r_[ci, hi], np.r_[cj, hj]
    got = list(zip(i.tolist(), j.tolist(), strict=True))
    assert len(got) == len(set(got))
    every = brute_pairs(key, t, acc, w, hot=hot, max_fanout=fanout)
    cold = {(x, y) for x, y in every if not hot[x]}
    linked = {(min(acc[x], acc[y]), max(acc[x], acc[y])) for x, y in cold}
    want = cold | {(x, y) for x, y in every if hot[x]
                   and (min(acc[x], acc[y]), max(acc[x], acc[y])) in linked}
    assert set(got) == want


def brute_aggregate(key, t, acc, i, j, discount):
    """Per account pair (a < b): events = sum over keys of min(distinct a-actions with a
    partner, distinct b-actions with a partner); weight = the same with the key's discount."""
    per: dict[tuple[int, int], dict[int, tuple[set, set, list]]] = {}
    for x, y in zip(i.tolist(), j.tolist(), strict=True):
        if acc[x] > acc[y]:
            x, y = y, x
        sa, sb, ts = per.setdefault((acc[x], acc[y]), {}).setdefault(key[x], (set(), set(), []))
        sa.add(x)
        sb.add(y)
        ts += [t[x], t[y]]
    out = {}
    for pair, groups in per.items():
        ev = {k: min(len(sa), len(sb)) for k, (sa, sb, _) in groups.items()}
        times = [s for _, _, ts in groups.values() for s in ts]
        out[pair] = (sum(ev.values()), sum(e * discount[k] for k, e in ev.items()),
                     min(times), max(times), sorted(ev.items()))
    return out


@FAST
@given(actions, st.sampled_from([0, 30, 60]), st.lists(st.floats(0.1, 1.0), min_size=4,
                                                       max_size=4))
def test_pair_groups_and_their_sums_equal_brute_force(rows, window, disc):
    key, t, acc = sorted_actions(rows)
    discount = np.array(disc)
    i, j = sweep_pairs(key, t, acc, window_ns=window * 10**9)
    ref = brute_aggregate(key, t, acc, i, j, discount)
    if len(i) == 0:
        assert not ref
        return
    agg = pairs_of_groups(group_pairs(i, j, key=key, time=t, account=acc,
                                      discount=discount, n_acc=6), 6)
    pairs = list(zip(agg.a.tolist(), agg.b.tolist(), strict=True))
    assert pairs == sorted(ref)  # sorted by (a, b), a < b, each pair once
    assert agg.n_events.tolist() == [ref[p][0] for p in pairs]
    np.testing.assert_allclose(agg.weight, [ref[p][1] for p in pairs])
    assert agg.first.tolist() == [ref[p][2] for p in pairs]
    assert agg.last.tolist() == [ref[p][3] for p in pairs]
    groups = sorted(zip(agg.g_pair.tolist(), agg.g_key.tolist(), agg.g_events.tolist(),
                        strict=True))
    assert groups == [(r, k, e) for r, p in enumerate(pairs) for k, e in ref[p][4]]
    # the representative positions of each group are a co-action of that pair on that key
    for g in range(len(agg.g_key)):
        a, b = agg.a[agg.g_pair[g]], agg.b[agg.g_pair[g]]
        assert acc[agg.g_a[g]] == a and acc[agg.g_b[g]] == b
        assert key[agg.g_a[g]] == key[agg.g_b[g]] == agg.g_key[g]


@FAST
@given(st.lists(st.integers(-5, 5), max_size=30))
def test_dense_rank_unique_sorted_compact(values):
    x = np.array(values, dtype=np.int64)
    u = np.unique(x)
    assert unique_sorted(x).tolist() == u.tolist()
    assert dense_rank(x).tolist() == np.searchsorted(u, x).tolist()
    codes, uniq = compact(x)
    assert uniq.tolist() == u.tolist() and (uniq[codes] == x).all()


@FAST
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), max_size=30))
def test_run_starts_and_ids(rows):
    arr = np.array(sorted(rows), dtype=np.int64).reshape(-1, 2)
    starts = run_starts(arr[:, 0], arr[:, 1]) if len(arr) else run_starts(arr[:, 0])
    want = [k for k in range(len(arr)) if k == 0 or tuple(arr[k]) != tuple(arr[k - 1])]
    assert starts.tolist() == want
    ids = run_ids(starts, len(arr))
    assert ids.tolist() == [sum(1 for s in want if s <= k) - 1 for k in range(len(arr))]


def test_stable_codes_do_not_depend_on_row_order():
    vals = np.array(["b", "a", "c", "a", "zz", "b"], dtype=object)
    perm = np.random.default_rng(0).permutation(len(vals))
    codes = stable_codes(vals)
    assert (stable_codes(vals[perm]) == codes[perm]).all()
    assert len(np.unique(codes)) == 4
    assert (codes[[1, 3]] == codes[1]).all() and codes[0] == codes[5]


def test_time_ns_handles_datetimes_ints_and_nat():
    s = pd.Series(pd.to_datetime(["2024-01-01T00:00:01Z", None], utc=True))
    got = time_ns(s)
    assert got[0] == pd.Timestamp("2024-01-01T00:00:01Z").value and got[1] == NAT
    ints = np.array([5, 7], dtype=np.int64)
    assert time_ns(ints) is ints


def test_key_account_counts_counts_distinct_accounts():
    key = np.array([0, 0, 0, 1, 2, 2])
    acc = np.array([3, 3, 1, 1, 0, 2])
    n_key_acc, n_acc_actions = key_account_counts(key, acc, 4)
    assert n_key_acc.tolist() == [2, 1, 2]
    assert n_acc_actions.tolist() == [1, 2, 1, 2]


def test_hot_key_pairs_counts_window_pairs_of_each_hot_key():
    t = np.array([0, 10, 20, 100, 0, 1, 2], dtype=np.int64)  # two keys: [0, 4) and [4, 7)
    got = hot_key_pairs(t, np.array([0, 4]), np.array([4, 7]), window_ns=15)
    assert got == 2 + 3  # (0,10), (10,20); and all three of the second key


def test_utc_index_is_to_datetime_without_the_slow_path():
    from astroturf.kernels.sweep import NAT, utc_index

    ns = np.array([0, 1_700_000_000_123_456_789, NAT, -5], dtype=np.int64)
    got = utc_index(ns)
    want = pd.to_datetime(pd.Series([0, 1_700_000_000_123_456_789, None, -5], dtype="Int64"),
                          utc=True)
    assert str(got.dtype) == "datetime64[ns, UTC]"
    assert got.isna().tolist() == [False, False, True, False]
    assert got[[0, 1, 3]].equals(pd.DatetimeIndex(want.dropna()))


_KEY_KINDS = st.sampled_from(["small", "wide", "huge", "uint64", "bool", "int8", "float",
                              "odd float"])
_ODD = np.array([0.0, -0.0, 1.5, np.nan, np.inf, -np.inf, -2.0, 1e-300])


def _key(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    return {"small": lambda: rng.integers(-3, 3, n), "wide": lambda: rng.integers(0, 2**40, n),
            "huge": lambda: rng.integers(-2**62, 2**62, n),
            "uint64": lambda: rng.integers(0, 2**64, n, dtype=np.uint64) | np.uint64(2**63),
            "bool": lambda: rng.integers(0, 2, n).astype(bool),
            "int8": lambda: rng.integers(0, 5, n).astype(np.int8),
            "float": lambda: rng.integers(0, 4, n) / 2.0,
            "odd float": lambda: rng.choice(_ODD, n)}[kind]()


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 60), st.lists(_KEY_KINDS, min_size=1, max_size=4), st.integers(0, 2**32))
def test_lexsort_ints_is_np_lexsort(n: int, kinds: list[str], seed: int):
    """Packed keys (with or without the row position), wide keys and floats (ranked: NaN,
    infinities and -0.0 included): the same permutation as np.lexsort, ties in input order."""
    rng = np.random.default_rng(seed)
    keys = [_key(k, n, rng) for k in kinds]
    np.testing.assert_array_equal(lexsort_ints(keys), np.lexsort(keys))


def test_lexsort_ints_takes_the_stable_argsort_when_positions_do_not_fit():
    rng = np.random.default_rng(1)
    keys = [rng.integers(0, 2**30, 5000), rng.integers(0, 2**30, 5000)]  # 60 bits + 13
    np.testing.assert_array_equal(lexsort_ints(keys), np.lexsort(keys))


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 400), st.integers(1, 60), st.integers(0, 2**32))
def test_stable_argsort_is_numpys_with_few_or_many_ties(n: int, distinct: int, seed: int):
    from astroturf.kernels.sweep import stable_argsort

    rng = np.random.default_rng(seed)
    values = rng.integers(0, distinct, n).astype(np.uint64) << np.uint64(40)
    values[: n // 2] += rng.integers(0, 2**20, n // 2).astype(np.uint64)  # some distinct
    np.testing.assert_array_equal(stable_argsort(values), np.argsort(values, kind="stable"))


def test_lexsort_ints_keeps_an_ordered_input_and_time_ranks_sort_like_times():
    from astroturf.kernels.sweep import time_rank

    rng = np.random.default_rng(2)
    acc = np.sort(rng.integers(0, 50, 3000))
    t = rng.integers(0, 2**52, 3000)  # 52-bit times: (t, acc) does not pack
    ordered = lexsort_ints((np.arange(3000), acc))
    np.testing.assert_array_equal(ordered, np.arange(3000))
    t[::7] = t[0]  # ties, broken by position
    rank = time_rank(t)
    assert sorted(rank.tolist()) == list(range(3000))
    key = rng.integers(0, 40, 3000)
    np.testing.assert_array_equal(lexsort_ints((rank, key)),
                                  np.lexsort((np.arange(3000), t, key)))


@pytest.mark.parametrize("kind", ["one pass", "two passes", "full uint64 range", "signed",
                                  "extremes", "uint64 top", "bool", "int8", "float"])
def test_stable_argsort_every_path_is_numpys(kind: str):
    """Packed position in one sort, two radix digits (any 64-bit range below 2**32 values),
    the float fallback, and the dtypes whose conversion to uint64 wraps: always the
    permutation of NumPy's stable argsort."""
    from astroturf.kernels.sweep import stable_argsort

    rng = np.random.default_rng(3)
    n = 20_000  # 15 position bits: one pass up to 49 value bits, two up to 98
    i64 = np.iinfo(np.int64)
    values = {
        "one pass": lambda: rng.integers(0, 2**40, n),
        "two passes": lambda: rng.integers(0, 2**62, n),
        "full uint64 range": lambda: rng.integers(0, 2**64, n, dtype=np.uint64),
        "signed": lambda: rng.integers(-2**50, 2**50, n),
        "extremes": lambda: rng.choice(np.array([i64.min, i64.max, 0, -1, 1]), n),
        "uint64 top": lambda: rng.integers(2**63, 2**63 + 2**55, n, dtype=np.uint64),
        "bool": lambda: rng.integers(0, 2, n).astype(bool),
        "int8": lambda: rng.integers(-128, 128, n).astype(np.int8),
        "float": lambda: rng.integers(0, 50, n) / 4.0,
    }[kind]()
    values[::3] = values[0]  # ties everywhere, broken by position
    np.testing.assert_array_equal(stable_argsort(values), np.argsort(values, kind="stable"))
