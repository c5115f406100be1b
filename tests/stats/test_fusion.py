"""Fusion: families count their best channel once, Fisher across families with the subset
correction, shared posts merged, q over every possible pair."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chi2
from tests.stats.helpers import channel

from astroturf.stats.fusion import (
    benjamini_hochberg,
    collect,
    family_of,
    fuse,
    fuse_pairs,
    log10_bh,
)

N = 100


def test_same_family_counts_its_best_channel_once():
    # co_text and co_repost are both minute-scale synchrony: one family (sync)
    ev = collect([channel("co_text", [(0, 1, 1e-6)]), channel("co_repost", [(0, 1, 1e-4)])], N)
    lp = fuse(ev)
    # best p, Bonferroni x 2 signals in the family, then a single family of one: C(1, 1) = 1
    assert lp.loc[1] == pytest.approx(math.log10(2e-6), abs=1e-9)


def test_independent_families_combine_with_fisher_and_subset_correction():
    ev = collect([channel("co_repost", [(0, 1, 1e-4)]), channel("creation_burst", [(0, 1, 1e-3)]),
                  channel("rhythm", [(2, 3, 1e-3)])], N)
    lp = fuse(ev)
    stat = -2 * (math.log(1e-4) + math.log(1e-3))
    expect = (chi2.logsf(stat, 4) + math.log(math.comb(3, 2))) / math.log(10)
    assert lp.loc[1] == pytest.approx(expect, abs=1e-9)
    # one family alone pays for having been picked among the 3 that ran
    assert lp.loc[2 * N + 3] == pytest.approx(math.log10(3e-3), abs=1e-9)


def test_families_citing_the_same_posts_are_merged():
    same = collect([channel("co_text", [(0, 1, 1e-6)], posts=[(10, 20)]),
                    channel("template_reuse", [(0, 1, 1e-6)], posts=[(10, 21)])], N)
    apart = collect([channel("co_text", [(0, 1, 1e-6)], posts=[(10, 20)]),
                     channel("template_reuse", [(0, 1, 1e-6)], posts=[(11, 21)])], N)
    # one event seen twice: min p x 2 merged, one unit of the 2 families that ran (C(2,1))
    assert fuse(same).loc[1] == pytest.approx(math.log10(4e-6), abs=1e-9)
    assert fuse(apart).loc[1] < math.log10(1e-9)


def test_q_values_count_every_possible_pair():
    ev = collect([channel("co_repost", [(0, 1, 1e-8), (2, 3, 0.5)])], N)
    pairs = fuse_pairs(ev)
    m = N * (N - 1) / 2
    assert pairs.loc[pairs["pair"] == 1, "q_value"].item() == pytest.approx(1e-8 * m)
    assert set(pairs.columns) >= {"a", "b", "log10_p", "p_combined", "q_value", "channels"}


def test_bh_is_order_free_and_log_version_agrees():
    p = np.array([0.01, 0.04, 0.01, 0.5, 1e-5])
    q = benjamini_hochberg(p)
    perm = np.array([3, 1, 4, 0, 2])
    assert np.allclose(benjamini_hochberg(p[perm]), q[perm])
    assert q[0] == q[2]  # ties share a q
    assert np.allclose(10 ** log10_bh(np.log10(p)), q)


def test_family_names():
    assert family_of("lockstep") == family_of("co_text") == "sync"
    assert family_of("app_boilerplate") == family_of("client")
    assert family_of("no_such_signal") == "no_such_signal"


def test_empty():
    assert len(fuse_pairs(collect([], N))) == 0


def test_fisher_tail_stays_finite_and_ordered_at_the_floor():
    """Families at the 1e-300 floor: the fused p must stay finite and stronger than one family
    alone (scipy's logsf gives -inf there, which the calibration would read as weakest)."""
    from astroturf.stats.fusion import chi2_logsf_even

    x = np.array([0.0, 0.5, 3.0, 10.0, 50.0, 200.0, 1400.0])
    k = np.array([1, 2, 3, 1, 2, 3, 2])
    assert np.allclose(chi2_logsf_even(x, k), chi2.logsf(x, 2 * k))
    floor = -2.0 * np.log(1e-300)
    deep = chi2_logsf_even(np.array([floor, 2 * floor, 3 * floor]), np.array([1, 2, 3]))
    assert np.isfinite(deep).all() and (np.diff(deep) < 0).all()


def test_chi2_tail_of_one_family_is_the_closed_form_bit_for_bit():
    """Pairs backed by one family take the short path (-h): the same bits as the sum."""
    from scipy.special import gammaln

    from astroturf.stats.fusion import chi2_logsf_even

    rng = np.random.default_rng(5)
    x = np.r_[rng.exponential(20.0, 500), 0.0, 1e-300, 1400.0]
    k = np.r_[rng.integers(1, 5, 500), 1, 2, 1]

    h = x / 2.0  # the whole log-sum-exp, as computed before the short path
    i = np.arange(int(k.max()), dtype=float)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = i * np.log(h)[:, None] - gammaln(i + 1.0)
    terms[:, 0] = 0.0
    terms = np.where(i < k[:, None], terms, -np.inf)
    top = terms.max(axis=1)
    want = -h + top + np.log(np.exp(terms - top[:, None]).sum(axis=1))
    assert np.array_equal(chi2_logsf_even(x, k), want)
