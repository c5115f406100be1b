"""Null models of the co-action channels: what co-acting this much would look like by chance.

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
- ``window=None`` (co-use at any time): random assignment of accounts to actions. With d_a =
  actions of a in the channel, N = sum of d and C = total co-action events in the channel
  (estimated for hot keys that are paired, absent for skipped ones), E_ab = d_a * d_b * 2C /
  N**2 and n_events ~ Poisson(E_ab). Popular keys add to C, so everybody's expectation rises
  with boilerplate.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.stats import binom, poisson


def poisson_null(n_events: np.ndarray, d_a: np.ndarray, d_b: np.ndarray, *, n_total: float,
                 pairs_total: float, strength_a: np.ndarray | None = None,
                 strength_b: np.ndarray | None = None, strength_total: float = 0.0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Expected n_events and Poisson p-value per pair under random assignment of accounts.

    ``d_a``/``d_b``: actions of each account; ``n_total``: sum of all d;
    ``pairs_total``: C = number of co-action events in the channel.
    E_ab = d_a * d_b * 2C / n_total**2; p = P(Poisson(E_ab) >= n_events).
    With strengths (each account's n_events summed over all its pairs in the channel, and
    their total S), E_ab is at least the configuration-model expectation s_a * s_b / (2S):
    the larger, i.e. more conservative, of the two nulls is used.
    """
    if len(n_events) == 0 or n_total <= 0:
        return np.zeros(len(n_events)), np.ones(len(n_events))
    expected = d_a.astype(float) * d_b * (2.0 * pairs_total) / (float(n_total) ** 2)
    if strength_a is not None and strength_b is not None and strength_total > 0:
        # keys are not independent (one app posts many look-alike texts for all its users):
        # accounts that share with many others are expected to share with this one too
        expected = np.maximum(expected, strength_a * strength_b / (2.0 * strength_total))
    p_value = poisson.sf(n_events - 1, expected)
    return expected, np.clip(p_value, 0.0, 1.0)


def _csr_expand(counts: np.ndarray, starts: np.ndarray, nodes: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """For each entry e of ``nodes``: (e repeated, positions starts[n]..starts[n]+counts[n])."""
    c = counts[nodes]
    owner = np.repeat(np.arange(len(nodes), dtype=np.int64), c)
    offs = np.arange(c.sum(), dtype=np.int64) - np.repeat(np.cumsum(c) - c, c)
    return owner, np.repeat(starts[nodes], c) + offs


def timing_null(a: np.ndarray, b: np.ndarray, n_events: np.ndarray, *, key: np.ndarray,
                account: np.ndarray, act_account: np.ndarray, act_time: np.ndarray,
                window_ns: int) -> tuple[np.ndarray, np.ndarray]:
    """Expected n_events and binomial p-value given shared keys and each account's activity.

    q_ab = share of (a-time, b-time) pairs of their activity (``act_account``/``act_time``:
    all their posts) within the window, i.e. the chance that two of their actions fall in the
    window if each account's timestamps were shuffled among its own posts. Each key both used
    gives min(n_a, n_b) chances (``key``/``account`` of the channel's actions), each a hit with
    probability 1 - (1 - q_ab) ** max(n_a, n_b). S_ab = all chances, expected = sum of hit
    probabilities, n_events ~ Binomial(S_ab, expected / S_ab).
    """
    n_acc = int(max(account.max(), act_account.max())) + 1
    n_keys = np.int64(key.max()) + 1
    codes = np.sort(account * n_keys + key)
    first = np.r_[True, codes[1:] != codes[:-1]]
    ak = codes[first]
    ak_n = np.diff(np.r_[np.flatnonzero(first), len(codes)])
    k_cnt = np.bincount(ak // n_keys, minlength=n_acc)
    small = np.where(k_cnt[a] <= k_cnt[b], a, b)
    other = np.where(k_cnt[a] <= k_cnt[b], b, a)
    k_start = np.cumsum(k_cnt) - k_cnt
    e, pos = _csr_expand(k_cnt, k_start, small)
    probe = other[e] * n_keys + ak[pos] % n_keys
    at = np.minimum(np.searchsorted(ak, probe), len(ak) - 1)
    hit = ak[at] == probe
    e, n_small, n_other = e[hit], ak_n[pos][hit], ak_n[at][hit]
    q = _window_share(a, b, act_account, act_time, n_acc=n_acc, window_ns=window_ns)
    # per shared key: min(n_a, n_b) chances, each a hit if any of the other side's
    # max(n_a, n_b) actions lands within the window
    trials = np.minimum(n_small, n_other).astype(float)
    hit_p = -np.expm1(np.maximum(n_small, n_other) * np.log1p(-np.minimum(q[e], 1 - 1e-12)))
    shared = np.bincount(e, weights=trials, minlength=len(a))
    expected = np.bincount(e, weights=trials * hit_p, minlength=len(a))
    shared = np.maximum(shared, n_events)
    p_mean = np.clip(expected / np.maximum(shared, 1), 0.0, 1.0)
    p_value = binom.sf(n_events - 1, shared.astype(np.int64), p_mean)
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


def pair_probes(a: np.ndarray, b: np.ndarray, account: np.ndarray, time: np.ndarray, *,
                n_acc: int, pad_ns: int) -> PairProbes:
    """Probes for pairs (a, b) of account codes; ``pad_ns`` >= the widest window searched.

    Work and memory are proportional to the sum over pairs of min(n_a, n_b) (CSR expansion).
    """
    cnt = np.bincount(account, minlength=n_acc)
    small = np.where(cnt[a] <= cnt[b], a, b)
    other = np.where(cnt[a] <= cnt[b], b, a)
    t0 = float(time.min())
    span = (float(time.max()) - t0) / 1e9 + 2.0 * pad_ns / 1e9 + 10.0
    order = np.lexsort((time, account))
    acc_s = account[order]
    line = acc_s * span + (time[order] - t0) / 1e9
    t_start = np.cumsum(cnt) - cnt
    e, pos = _csr_expand(cnt, t_start, small)
    base = other[e] * span + (line[pos] - acc_s[pos] * span)
    return PairProbes(line, order, e, pos, base, cnt, small, other)


def probe_within(probes: PairProbes, window_ns: int) -> tuple[np.ndarray, np.ndarray]:
    """Per probe: [lo, hi) positions on ``line`` of the other account's posts within +-window."""
    w = window_ns / 1e9
    return (np.searchsorted(probes.line, probes.base - w, side="left"),
            np.searchsorted(probes.line, probes.base + w, side="right"))


def _window_share(a: np.ndarray, b: np.ndarray, account: np.ndarray, time: np.ndarray, *,
                  n_acc: int, window_ns: int) -> np.ndarray:
    """Per pair: share of (a-time, b-time) pairs within the window (searchsorted, no loops)."""
    probes = pair_probes(a, b, account, time, n_acc=n_acc, pad_ns=window_ns)
    lo, hi = probe_within(probes, window_ns)
    cnt = probes.cnt
    q = (np.bincount(probes.e, weights=hi - lo, minlength=len(a))
         / np.maximum(cnt[a] * cnt[b], 1))
    return np.clip(q, 0.0, 1.0)
