"""Empirical calibration: counts of what chance reaches, a conservative tail, q-values that
never beat the analytic ones, a pair map that only ever weakens evidence."""

from __future__ import annotations

import numpy as np

from astroturf.stats.calibration import (
    NullDistribution,
    PairCalibration,
    calibrated_log10_p,
    empirical_log10_q,
)
from astroturf.stats.randomise import make_copies, retime, rewire_stubs


def null_of(values, k=10):
    v = np.asarray(values, float)
    return NullDistribution(n_copies=k, stats=v[v > 0], per_copy_max=np.zeros(k))


def test_expected_counts_are_per_copy_and_monotone():
    rng = np.random.default_rng(0)
    null = null_of(rng.exponential(1.0, 200), k=10)
    s = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 30.0])
    n_s = null.expected(s)
    assert np.all(np.diff(n_s) <= 0)
    assert n_s[0] <= 20.0 and n_s[-1] > 0  # a tail, never zero beyond the data
    srt = np.sort(null.stats)
    assert null.expected(np.array([2.0]))[0] >= (len(srt) - np.searchsorted(srt, 2.0)) / 10


def test_tail_beyond_the_null_is_extrapolated_not_zero():
    null = null_of(np.linspace(0.1, 3.0, 60), k=6)
    far = null.expected(np.array([10.0, 20.0]))
    assert 0 < far[1] < far[0] < 1


def test_real_clusters_like_the_null_are_not_significant():
    rng = np.random.default_rng(1)
    null = null_of(rng.exponential(1.0, 300), k=10)
    real = rng.exponential(1.0, 30)
    assert (empirical_log10_q(real, null) > np.log10(0.05)).all()


def test_clusters_far_beyond_chance_are():
    rng = np.random.default_rng(2)
    null = null_of(rng.exponential(0.5, 300), k=10)
    real = np.r_[rng.exponential(0.5, 30), [40.0, 60.0]]
    q = empirical_log10_q(real, null)
    assert (q[-2:] < np.log10(1e-3)).all()
    assert (calibrated_log10_p(real, null) >= -real).all()  # never stronger than analytic


def test_no_null_clusters_falls_back_to_a_valid_p_tail():
    null = null_of([], k=5)
    assert null.expected(np.array([3.0]))[0] <= 10 ** -3


def test_pair_map_only_weakens_and_is_monotone():
    g = PairCalibration(n_copies=4, n_pairs=1e6)
    rng = np.random.default_rng(3)
    for _ in range(4):
        g.add(-rng.exponential(2.0, 5000))  # log10 p of one copy's pairs
    x = -np.array([0.5, 1, 2, 5, 10, 50])
    y = g(x)
    assert (y >= x).all() and np.all(np.diff(y) <= 1e-12)
    assert np.array_equal(PairCalibration()(x), x)  # no copies: the identity


def test_retime_keeps_each_post_in_its_hour():
    rng = np.random.default_rng(4)
    t = rng.integers(0, 10 * 86_400, 10_000) * 10**9
    h = 3_600 * 10**9
    t2 = retime(t, np.random.default_rng(5), bandwidth_ns=h)
    assert (np.abs(t2 - t) < h).all() and not np.array_equal(t, t2)


def test_rewire_keeps_degrees_and_copies_are_seeded():
    acc = np.repeat(np.arange(50), np.arange(50) % 7 + 1)
    out = rewire_stubs(acc, np.random.default_rng(6))
    assert np.array_equal(np.bincount(out, minlength=50), np.bincount(acc, minlength=50))
    a = make_copies(np.arange(100) * 10**9, n_accounts=5, n_copies=2, seed=3)
    b = make_copies(np.arange(100) * 10**9, n_accounts=5, n_copies=2, seed=3)
    assert all(np.array_equal(x.t, y.t) for x, y in zip(a, b, strict=True))
    assert np.array_equal(a[0].permutation("names"), b[0].permutation("names"))
