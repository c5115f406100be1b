"""Upper tails of the binomial and Poisson distributions, as ``scipy.stats`` gives them.

Why not ``scipy.stats.binom.sf``: importing ``scipy.stats`` costs about 0.6 s, every scan and
every CLI call, for two functions. These call the same ``scipy.special`` kernels that
``scipy.stats`` calls, with the same handling of the support's edges and of invalid
parameters, so the values are the same floats (tests/stats/test_tails.py compares them on
random and edge-case arguments). A SciPy without those kernels falls back to ``scipy.stats``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

try:  # the kernel scipy.stats.binom.sf calls (SciPy >= 1.13)
    from scipy.special._ufuncs import _binom_sf as _BINOM_SF
except ImportError:  # pragma: no cover - older SciPy
    _BINOM_SF = None


def _tail(kernel: Callable[..., np.ndarray], k, upper, valid, *params):
    """sf at k: 1 below the support, 0 at or past its end (``upper``), ``kernel(floor(k),
    *params)`` inside it, NaN for invalid parameters or k; a scalar for scalar inputs."""
    k = np.asarray(k)
    params = tuple(np.asarray(p) for p in params)
    valid = np.asarray(valid)
    inside = valid & (k >= 0) & (k < upper) & np.isfinite(k)
    shape = np.broadcast_shapes(np.shape(inside), k.shape, *(np.shape(p) for p in params))
    out = np.zeros(shape, "d")
    bad = np.broadcast_to(~valid | np.isnan(k), shape)
    out[bad] = np.nan
    out[np.broadcast_to(((k < 0) | np.isneginf(k)) & valid, shape)] = 1.0
    inside = np.broadcast_to(inside, shape)
    if inside.any():
        args = [np.broadcast_to(x, shape)[inside] for x in (k, *params)]
        out[inside] = np.clip(kernel(np.floor(args[0]), *args[1:]), 0, 1)
    return out[()] if out.ndim == 0 else out


def binom_sf(k, n, p):
    """P(X > k) for X ~ Binomial(n, p) (``scipy.stats.binom.sf``)."""
    if _BINOM_SF is None:  # pragma: no cover - older SciPy
        from scipy.stats import binom

        return binom.sf(k, n, p)
    n_, p_ = np.asarray(n), np.asarray(p)
    with np.errstate(invalid="ignore"):
        valid = (n_ >= 0) & (n_ == np.round(n_)) & (p_ >= 0) & (p_ <= 1)
    return _tail(_BINOM_SF, k, n_, valid, n_, p_)


def poisson_sf(k, mu):
    """P(X > k) for X ~ Poisson(mu) (``scipy.stats.poisson.sf``)."""
    mu_ = np.asarray(mu)
    with np.errstate(invalid="ignore"):
        valid = mu_ >= 0
    return _tail(special.pdtrc, k, np.inf, valid, mu_)
