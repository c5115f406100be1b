"""Analytic null models of the channels: what co-acting this much would look like by chance.

These p-values rank pairs and feed the cluster tests; the empirical null (``stats.randomise``
and ``stats.calibration``) then measures, on randomised copies of the data itself, how far
they can be trusted, so an anti-conservative model here cannot turn into false accusations.

Null models (``expected``, ``p_value``), vectorised over edges:

- Windowed channels ask "given the keys these two accounts both used and the times each of them
  posted, is their synchrony more than chance?". q_ab = share of (a-time, b-time) pairs of all
  their posts that fall within the window (what shuffling each account's timestamps among its
  own posts would give). Every key both acted on (at any time) gives min(n_a, n_b) chances of a
  co-action, each a hit with probability 1 - (1 - q_ab) ** max(n_a, n_b) (a repeated key has
  more partners to hit). S_ab = all chances, ``expected`` = sum of hit probabilities,
  n_events ~ Binomial(S_ab, expected / S_ab). A viral-wave pair shares one key and was
  active only then (q = 1), so it gets p = 1; a group that hits many keys in the same minute
  while also active at other times gets a tiny p. Sharing the keys at all is the business
  of the un-windowed channel (template reuse), not of the synchrony test.
- Keys shared at any time (``configuration_null``): the account x key graph rewired at random
  with every account's and every key's degree kept.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from astroturf.kernels.sweep import lexsort_ints
from astroturf.stats.tails import binom_sf, poisson_sf


def sorted_search(haystack: np.ndarray, needles: np.ndarray, side: str = "left",
                  order: np.ndarray | None = None) -> np.ndarray:
    """np.searchsorted with the needles sorted first: several times faster on millions of
    unsorted needles (cache-friendly), same result. ``order`` may pass a precomputed argsort."""
    if len(needles) < 50_000:
        return np.searchsorted(haystack, needles, side=side)
    o = np.argsort(needles, kind="stable") if order is None else order
    out = np.empty(len(needles), dtype=np.int64)
    out[o] = np.searchsorted(haystack, needles[o], side=side)
    return out


def _csr_expand(counts: np.ndarray, starts: np.ndarray, nodes: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """For each entry e of ``nodes``: (e repeated, positions starts[n]..starts[n]+counts[n])."""
    c = counts[nodes]
    owner = np.repeat(np.arange(len(nodes), dtype=np.int64), c)
    offs = np.arange(c.sum(), dtype=np.int64) - np.repeat(np.cumsum(c) - c, c)
    return owner, np.repeat(starts[nodes], c) + offs


class TimingTerms(NamedTuple):
    """The timing null's terms (``timing_terms``), one per (pair, key) both accounts used, in
    (pair, key) order: e (pair row), key, trials (min(n_a, n_b)), term (trials x hit
    probability)."""

    e: np.ndarray
    key: np.ndarray
    trials: np.ndarray
    term: np.ndarray

    @classmethod
    def merge(cls, parts: list[TimingTerms]) -> TimingTerms:
        """The terms of key partitions in (pair, key) order: the order ``timing_terms`` gives
        over all keys, so ``timing_p`` adds the same terms in the same order."""
        if len(parts) == 1:
            return parts[0]
        cat = cls(*(np.concatenate(col) for col in zip(*parts, strict=True)))
        order = lexsort_ints((cat.key, cat.e))
        return cls(*(col[order] for col in cat))


def timing_terms(a: np.ndarray, b: np.ndarray, *, key: np.ndarray, account: np.ndarray,
                 time: np.ndarray, window_ns: int, bandwidth_ns: int, n_acc: int,
                 grid_ns: int = 1) -> TimingTerms:
    """The terms of the windowed channels' null for pairs (a, b) of account codes
    (< ``n_acc``) over the keys of these actions (``key``/``account``/``time``).

    The null (the same as the calibration's, ``stats.randomise.retime``): every post moves to a
    uniform random time inside its own hour. Two posts d apart then land within the window W
    with probability (1 - d/H)+ (2W/H - (W/H)^2): posting the same key in the same hour is
    organic (news cycles, live events), only minute-scale synchrony beyond it is evidence.
    For each key both accounts used, d is the gap between their activity on that key (0 when
    it overlaps); times recorded on a grid (``grid_ns``, ``kernels.sweep.time_grid_ns``) move
    on that grid (``in_bin_chance``). The key gives min(n_a, n_b) chances, each a hit with
    probability 1 - (1 - q_k) ** max(n_a, n_b). ``timing_p`` sums them: S_ab = all chances,
    expected = sum of hit probabilities, n_events ~ Binomial(S_ab, expected / S_ab). Each
    term needs only one key's actions, so key partitions compute theirs apart
    (``signals.windowed``).
    """
    if len(key) == 0 or len(a) == 0:
        z = np.zeros(0)
        return TimingTerms(np.zeros(0, np.int64), np.zeros(0, np.int64), z, z)
    n_keys = np.int64(key.max()) + 1
    codes = account * n_keys + key
    # (codes, time) order; the windowed channels pass actions already in (key, time) order,
    # where a stable sort by the codes alone gives it (52-bit times make the pair too wide to
    # pack, and np.lexsort is five times slower)
    order = lexsort_ints((codes,) if _key_time_ordered(key, time) else (time, codes))
    codes, t = codes[order], time[order]
    first = np.r_[True, codes[1:] != codes[:-1]]
    starts = np.flatnonzero(first)
    ak = codes[starts]
    ak_n = np.diff(np.r_[starts, len(codes)])
    t_first = t[starts]
    t_last = t[np.r_[starts[1:], len(codes)] - 1]
    k_cnt = np.bincount(ak // n_keys, minlength=n_acc)
    small = np.where(k_cnt[a] <= k_cnt[b], a, b)
    other = np.where(k_cnt[a] <= k_cnt[b], b, a)
    k_start = np.cumsum(k_cnt) - k_cnt
    e, pos = _csr_expand(k_cnt, k_start, small)
    probe = other[e] * n_keys + ak[pos] % n_keys
    at = np.minimum(sorted_search(ak, probe), len(ak) - 1)
    hit = ak[at] == probe
    e, pos, at = e[hit], pos[hit], at[hit]
    n_small, n_other = ak_n[pos], ak_n[at]
    gap = np.maximum(np.maximum(t_first[at] - t_last[pos], t_first[pos] - t_last[at]), 0)
    h = float(bandwidth_ns)
    q = np.clip(1.0 - gap / h, 0.0, 1.0) * in_bin_chance(window_ns, bandwidth_ns, grid_ns)
    trials = np.minimum(n_small, n_other).astype(float)
    hit_p = -np.expm1(np.maximum(n_small, n_other) * np.log1p(-np.minimum(q, 1 - 1e-12)))
    return TimingTerms(e, ak[pos] % n_keys, trials, trials * hit_p)


def grid_window_ns(window_ns: int, grid_ns: int) -> float:
    """The continuous window with the chance a window of ``window_ns`` has on a time grid.

    With times on a grid g, |dt| <= W holds for the 2k + 1 grid steps dt = -kg..kg (k =
    floor(W / g)): as likely as |dt| <= (k + 1/2) g for continuous times of the same density.
    On a 1 s grid a 60 s window counts like 60.5 s; a 1 min grid makes it 90 s. Continuous
    times (grid 1 ns) keep W itself.
    """
    if grid_ns <= 1:
        return float(window_ns)
    return (window_ns // grid_ns + 0.5) * grid_ns


def in_bin_chance(window_ns: int, bandwidth_ns: int, grid_ns: int = 1) -> float:
    """P(|dt| <= W) for two times drawn independently and uniformly in one bin of H.

    Continuous: 2W/H - (W/H)^2. On a grid of g (m = H / g points, k = floor(W / g)): the
    share of point pairs at most k apart, ((2k + 1) m - k (k + 1)) / m^2, which tends to the
    continuous value as g shrinks (``stats.randomise.retime`` draws on the same grid).
    """
    w, h = float(window_ns), float(bandwidth_ns)
    if grid_ns <= 1:
        return min(2 * w / h - (w / h) ** 2, 1.0)
    m, k = h / grid_ns, float(window_ns // grid_ns)
    return min(((2 * k + 1) * m - k * (k + 1)) / m**2, 1.0)


def timing_p(n_events: np.ndarray, terms: TimingTerms
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(expected, p, S_ab) per pair from the terms of every key (``n_events`` per pair)."""
    n = len(n_events)
    shared = np.bincount(terms.e, weights=terms.trials, minlength=n)
    expected = np.bincount(terms.e, weights=terms.term, minlength=n)
    shared = np.maximum(shared, n_events)
    p_mean = np.clip(expected / np.maximum(shared, 1), 0.0, 1.0)
    p_value = binom_sf(n_events - 1, shared.astype(np.int64), p_mean)
    return expected, np.clip(p_value, 0.0, 1.0), shared


def _key_time_ordered(key: np.ndarray, time: np.ndarray) -> bool:
    """Rows sorted by key, and by time within a key (one pass)."""
    if len(key) < 2:
        return True
    step = np.diff(key)
    same = step == 0
    return bool((step >= 0).all() and (time[1:][same] >= time[:-1][same]).all())


def configuration_null(n_shared: np.ndarray, k_a: np.ndarray, k_b: np.ndarray, *,
                       pair_mass: float, n_stubs: float) -> tuple[np.ndarray, np.ndarray]:
    """Expected shared keys and Poisson p under random rewiring of the account x key graph.

    Each account keeps its number of distinct keys k, each key its number of accounts m; with
    L = sum k stubs, P(a and b both use key j) ~ k_a m_j / L * k_b (m_j - 1) / L, so
    E_ab = k_a k_b sum_j m_j (m_j - 1) / L**2 (``pair_mass`` = that sum over the keys that can
    make pairs). A key shared by hundreds raises every pair's expectation (boilerplate is weak),
    accounts that use many keys are expected to share some by chance (heavy users are not
    suspicious), and each key counts once (``n_shared`` counts distinct keys or families).
    """
    if len(n_shared) == 0 or n_stubs <= 0:
        return np.zeros(len(n_shared)), np.ones(len(n_shared))
    expected = k_a.astype(float) * k_b * (pair_mass / float(n_stubs) ** 2)
    p_value = poisson_sf(np.asarray(n_shared) - 1, expected)
    return expected, np.clip(p_value, 0.0, 1.0)


class PairProbes(NamedTuple):
    """Every post of the less active account of each pair, placed on the other's time line.

    line: all posts sorted by (account, time) as ``account * span + seconds`` (one float axis,
    accounts ``span`` seconds apart, so a searchsorted never crosses into another account);
    order: row positions of ``line`` in the input; e: pair index of each probe; pos: the
    probe's position on ``line``; base: the probe's time moved onto the other account's
    stretch of ``line``; cnt: posts per account code; small / other: per pair, the account
    probed from / into. Probes of one pair are consecutive and in time order.
    """

    line: np.ndarray
    order: np.ndarray
    e: np.ndarray
    pos: np.ndarray
    base: np.ndarray
    cnt: np.ndarray
    small: np.ndarray
    other: np.ndarray
    base_order: np.ndarray | None = None


def pair_probes(a: np.ndarray, b: np.ndarray, account: np.ndarray, time: np.ndarray, *,
                n_acc: int, pad_ns: int, rank: np.ndarray | None = None) -> PairProbes:
    """Probes for pairs (a, b) of account codes; ``pad_ns`` >= the widest window searched.

    Work and memory are proportional to the sum over pairs of min(n_a, n_b) (CSR expansion).
    ``rank``: ``kernels.sweep.time_rank`` of ``time``, to sort by (one narrow key instead of
    52-bit times: the sort packs).
    """
    cnt = np.bincount(account, minlength=n_acc)
    small = np.where(cnt[a] <= cnt[b], a, b)
    other = np.where(cnt[a] <= cnt[b], b, a)
    t0 = float(time.min())
    span = (float(time.max()) - t0) / 1e9 + 2.0 * pad_ns / 1e9 + 10.0
    order = lexsort_ints((time if rank is None else rank, account))
    acc_s = account[order]
    line = acc_s * span + (time[order] - t0) / 1e9
    t_start = np.cumsum(cnt) - cnt
    e, pos = _csr_expand(cnt, t_start, small)
    base = other[e] * span + (line[pos] - acc_s[pos] * span)
    base_order = np.argsort(base, kind="stable") if len(base) >= 50_000 else None
    return PairProbes(line, order, e, pos, base, cnt, small, other, base_order)


def probe_within(probes: PairProbes, window_ns: int) -> tuple[np.ndarray, np.ndarray]:
    """Per probe: [lo, hi) positions on ``line`` of the other account's posts within +-window."""
    w = window_ns / 1e9
    o = probes.base_order
    return (sorted_search(probes.line, probes.base - w, "left", o),
            sorted_search(probes.line, probes.base + w, "right", o))
