"""The binomial and Poisson tails equal scipy.stats' to the last bit (stats.tails)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, poisson

from astroturf.stats.tails import binom_sf, poisson_sf


def _same(a, b) -> bool:
    return type(a) is type(b) and np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def test_random_arguments_give_the_same_floats():
    rng = np.random.default_rng(7)
    k = rng.integers(-3, 80, 50_000)
    n = rng.integers(0, 100, 50_000)
    p = rng.random(50_000)
    p[::7], p[::11] = 0.0, 1.0
    mu = rng.exponential(4.0, 50_000)
    mu[::5] = 0.0
    assert _same(binom_sf(k, n, p), binom.sf(k, n, p))
    assert _same(poisson_sf(k, mu), poisson.sf(k, mu))
    assert _same(poisson_sf(k - 0.5, mu), poisson.sf(k - 0.5, mu))  # non-integer k


@pytest.mark.parametrize("args", [(3, 10, 0.2), (-1, 5, 0.5), (5, 5, 0.5), (np.nan, 5, 0.5),
                                  (2, -1, 0.5), (2, 5.5, 0.5), (2, 5, 1.5), (np.inf, 5, 0.3),
                                  (-np.inf, 5, 0.3), (np.array([[1], [2]]), np.array([3, 4, 5]),
                                                     0.3), (np.zeros(0), 4, 0.5)])
def test_binomial_edges_of_the_support_and_invalid_parameters(args):
    assert _same(binom_sf(*args), binom.sf(*args))


@pytest.mark.parametrize("args", [(0, 0.0), (-1, 2.0), (np.nan, 1.0), (3, -1.0), (np.inf, 2.0),
                                  (2.5, 3.0), (np.array([1, 2]), np.array([[1.0], [2.0]])),
                                  (np.array([0, 1]), 1e-300)])
def test_poisson_edges_of_the_support_and_invalid_parameters(args):
    assert _same(poisson_sf(*args), poisson.sf(*args))
