"""Empirical calibration: what the same search finds on randomised copies of the data itself.

The cluster statistic is s = -log10 of the analytic cluster bound (``stats.cluster_test``). The
K null copies (``stats.randomise``) give the expected number of clusters per copy that reach at
least s by chance, N(s). For a real cluster at s, with R(s) real clusters at least as strong,
the empirical false discovery rate is N(s) / R(s) (the permutation FDR of Tusher et al. 2001 /
Storey & Tibshirani 2003); q-values are its running minimum. Beyond the strongest null clusters
N(s) is extrapolated with an exponential tail fitted to the top exceedances (a generalised
Pareto with shape 0, as in Knijnenburg et al. 2009), its scale taken at an upper confidence
limit so the extrapolation errs on the side of chance. The reported q is never below the
analytic Benjamini-Hochberg q, and a cluster's reported p is never below N(s): its strength is
bounded by what chance reaches on this data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

TAIL_POINTS = 50  # top null exceedances used for the tail fit (fewer when fewer exist)
MIN_TAIL = 5


@dataclass
class NullDistribution:
    """Null cluster statistics pooled over the copies."""

    n_copies: int
    stats: np.ndarray  # s of every null cluster with s > 0, all copies
    per_copy_max: np.ndarray  # strongest null cluster of each copy (0 when none)
    channels: dict[str, list[float]] = field(default_factory=dict)  # channel -> null s values
    passing: dict[str, float] = field(default_factory=dict)  # channel -> null flags per copy

    def expected(self, s: np.ndarray) -> np.ndarray:
        """N(s): expected null clusters per copy with statistic >= s (tail extrapolated)."""
        s = np.asarray(s, dtype=float)
        if self.n_copies <= 0:
            return np.zeros(len(s))
        srt = np.sort(self.stats)
        count = (len(srt) - np.searchsorted(srt, s, side="left")) / self.n_copies
        tail = self._tail(s)
        return np.where(s <= 0, np.inf, np.maximum(count, tail))

    def _tail(self, s: np.ndarray) -> np.ndarray:
        srt = np.sort(self.stats)[::-1]
        k = len(srt)
        if k == 0:
            # nothing at all by chance in K copies: at most one in K+1, falling off as fast as a
            # valid p-value would (one decade per unit of s) beyond the smallest level
            return (1.0 / (self.n_copies + 1)) * np.power(10.0, -np.maximum(s, 0.0))
        t = min(TAIL_POINTS, k)
        u = srt[t - 1] if t < k else 0.0
        excess = srt[:t] - u
        if t < MIN_TAIL:
            beta = 1.0 / math.log(10.0)  # too few to fit: a valid p-value's own tail
        else:
            beta = float(excess.mean()) * (1.0 + 2.0 / math.sqrt(t))  # upper limit, ~2 s.e.
            beta = max(beta, 1e-3)
        rate = t / self.n_copies
        return np.where(s > u, rate * np.exp(-(s - u) / beta), rate)


def empirical_log10_q(s: np.ndarray, null: NullDistribution) -> np.ndarray:
    """log10 empirical q per real cluster statistic ``s`` (see the module docstring).

    q_i = min over clusters j with s_j <= s_i of N(s_j) / R(s_j), R(s) = real clusters >= s.
    """
    s = np.asarray(s, dtype=float)
    if len(s) == 0:
        return s.copy()
    asc = np.sort(s)
    r = len(s) - np.searchsorted(asc, s, side="left")
    fdr = null.expected(s) / np.maximum(r, 1)
    order = np.argsort(s, kind="stable")
    q = np.empty(len(s))
    q[order] = np.minimum.accumulate(fdr[order])
    with np.errstate(divide="ignore"):
        return np.log10(np.clip(q, 1e-300, 1.0))


def calibrated_log10_p(s: np.ndarray, null: NullDistribution) -> np.ndarray:
    """log10 of max(analytic p, N(s)): a cluster cannot be stronger than chance reaches here."""
    s = np.asarray(s, dtype=float)
    with np.errstate(divide="ignore"):
        n_s = np.log10(np.minimum(np.maximum(null.expected(s), 1e-300), 1.0))
    return np.maximum(-s, n_s)


def flag_threshold(s: np.ndarray, log10_q: np.ndarray, fdr: float) -> float | None:
    """Smallest statistic among the flagged clusters (None when nothing is flagged)."""
    hit = log10_q <= math.log10(fdr)
    return float(np.min(np.asarray(s)[hit])) if hit.any() else None


PAIR_STEP = 0.01  # log10 bins of the null pair histogram
PAIR_BINS = 30_001  # log10 p from 0 down to -300
PAIR_TAIL = 1_000


def pair_histogram(log10_p: np.ndarray) -> np.ndarray:
    """Counts of fused pair log10 p-values (p < 1) in the PairCalibration bins."""
    x = np.asarray(log10_p, dtype=float)
    x = np.maximum(x[x < 0], -PAIR_BINS * PAIR_STEP)  # -inf (underflow) is the strongest bin
    b = np.minimum(np.floor(-x / PAIR_STEP).astype(np.int64), PAIR_BINS - 1)
    return np.bincount(b, minlength=PAIR_BINS)


@dataclass
class PairCalibration:
    """The null distribution of fused pair p-values, pooled over the copies, and the map g
    from an analytic fused log10 p to a calibrated one:

        g(x) = max(x, log10(N(<= x) / (K * M)))

    with N(<= x) the null pairs (all K copies) at least as strong and M = n(n-1)/2 the pairs
    of one copy, i.e. the share of null pairs that chance makes this strong. Beyond the
    strongest null pairs N is extrapolated with the same conservative exponential tail as the
    cluster level. With no copies g is the identity.
    """

    n_copies: int = 0
    n_pairs: float = 1.0  # M
    hist: np.ndarray = field(default_factory=lambda: np.zeros(PAIR_BINS, np.int64))

    def add(self, log10_p: np.ndarray) -> None:
        """Count one copy's fused pairs (p < 1)."""
        self.hist += pair_histogram(log10_p)

    def _counts_at_least(self, s: np.ndarray) -> np.ndarray:
        """Null pairs with strength -log10 p >= s (bin resolution; tail beyond)."""
        cum = np.cumsum(self.hist[::-1])[::-1]  # cum[b] = pairs in bins >= b
        s = np.nan_to_num(np.asarray(s, float), nan=0.0, posinf=PAIR_BINS * PAIR_STEP)
        b = np.clip(np.floor(s / PAIR_STEP), 0, PAIR_BINS - 1).astype(np.int64)
        count = cum[b].astype(float)
        total = int(cum[0]) if len(cum) else 0
        if total == 0:
            return np.zeros(len(s))
        t = min(PAIR_TAIL, total)
        u_bin = int(np.searchsorted(-cum, -t, side="left"))  # first bin with cum <= t
        u_bin = max(min(u_bin, PAIR_BINS - 1), 0)
        u = u_bin * PAIR_STEP
        top = cum[u_bin]
        if top < MIN_TAIL:
            beta = 1.0 / math.log(10.0)
        else:
            centres = (np.arange(u_bin, PAIR_BINS) + 0.5) * PAIR_STEP
            w = self.hist[u_bin:]
            beta = float((w * (centres - u)).sum() / max(w.sum(), 1)) * (1 + 2 / math.sqrt(top))
            beta = max(beta, 1e-3)
        tail = top * np.exp(-(s - u) / beta)
        return np.where(s > u, np.maximum(count, tail), count)

    def __call__(self, log10_p: np.ndarray) -> np.ndarray:
        x = np.asarray(log10_p, dtype=float)
        if self.n_copies <= 0 or self.hist.sum() == 0:
            return x
        n = self._counts_at_least(-x)
        with np.errstate(divide="ignore"):
            emp = np.log10(np.maximum(n / (self.n_copies * self.n_pairs), 1e-300))
        return np.where(x < 0, np.minimum(np.maximum(x, emp), 0.0), x)
