"""Lockstep: account pairs whose posts fall in the same minutes far more often than their
hour-scale activity explains ('lockstep').

Why: the co-action channels test synchrony on one shared key at a time (the same text, repost
target, URL or hashtag set). A campaign whose members post *different* things at the same
moments (a scheduler firing every account at 09:00, 09:20, ...) shares few keys but its
activity coincides minute by minute, again and again, while its activity at the scale of hours
is ordinary: the textbook sign of a scheduled or automated campaign. This is a *derived*
signal: it only re-tests pairs that some co-action channel already linked repeatedly (three
events, or two at p <= 0.05; ``signals.catalog``), so it never builds all pairs.

Definitions, for a candidate pair (a, b) with n_a and n_b posts (all their posts, any key):

- A *co-occurrence* is an a-post and a b-post within ``window`` seconds (|dt| <= window).
  n_events = min(#a-posts with a b-post within the window, #b-posts with an a-post within the
  window), like the co-action kernel, so a burst of five posts against one counts once.
- ``weight`` = n_events; ``first_seen`` / ``last_seen`` = earliest / latest post time of any
  co-occurrence; ``evidence`` = up to ``max_evidence`` "post_a>post_b" pairs (post_a by
  account_a; for each co-occurring post of the less active account, the nearest post of the
  other), earliest first.

Null model (``expected``, ``p_value``): each account's activity is kept at the scale of the
bandwidth H but independent at the minute scale. q_ab, the chance that an (a-post, b-post)
pair falls within the window, is the larger of two estimates from all (a-time, b-time) pairs:
(share within +-H) * window / H (time differences uniform inside +-H), and the density of |dt|
in the shells (window, H/2] and (H/2, H] extrapolated linearly to |dt| ~ 0, times the window.
The second one matters when both accounts are active only in the same short sessions (a live
show, one hour a day): |dt| then piles up near 0 (a triangle, twice the uniform density) and
the uniform estimate would call that lockstep; it leaves the co-occurrences themselves out, so
a pure lock-step pair is still judged by the uniform estimate. The less active side gives
min(n_a, n_b) chances, each a hit with probability 1 - (1 - q_ab) ** max(n_a, n_b);
expected = chances * that, and p = P(Binomial(chances, hit probability) >= n_events).

What this does and does not count as evidence: living in the same time zone, keeping the same
office hours or reacting to the same viral hour is NOT evidence, because those shape activity
at the scale of hours, which the null keeps (the tests check office-hours workers and
same-hour live sessions at random minutes get no significant edge). Limits: bursty sessions
(several posts within minutes) and shared sessions much shorter than H/2 inflate the count
beyond the model a little, and so do pairs reacting within minutes to the same breaking
event; the co-action channels then carry the content side. The calibration's null copies
(``stats.randomise.retime``: each post moved inside its own hour) re-run this channel on their
own candidates, so whatever optimism the model keeps is measured on the data itself. Times are
compared as float seconds: a gap of exactly ``window`` may fall on either side by rounding
(microseconds).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from astroturf.errors import UsageError
from astroturf.kernels.sweep import unique_sorted
from astroturf.signals.base import ChannelEdges, channel_to_schema, empty_channel
from astroturf.stats.nulls import PairProbes, grid_window_ns, pair_probes, probe_within
from astroturf.stats.tails import binom_sf

logger = logging.getLogger("astroturf.signals.lockstep")

SIGNAL = "lockstep"


def lockstep_channel(sd, pairs: tuple[np.ndarray, np.ndarray], *, window: float = 60.0,
                     bandwidth: float = 3600.0, max_evidence: int = 20,
                     times: np.ndarray | None = None, evidence: bool = True,
                     ranks: np.ndarray | None = None) -> ChannelEdges:
    """Lockstep edges for candidate account pairs (codes a, b from the co-action channels).

    ``window`` and ``bandwidth`` in seconds, ``bandwidth`` > 2 * ``window``; ``times`` a null
    copy's post times (default the real ones). One row per candidate pair with at least one
    co-occurrence; binomial null (frame columns trials, p_hit). ``ranks``: the
    ``time_rank`` of ``times`` (computed when not given).
    """
    if not 0 < 2 * window < bandwidth:
        raise UsageError(f"lockstep needs 0 < 2 * window < bandwidth, got {window} and "
                         f"{bandwidth}",
                         hint="use a bandwidth (hour scale) well above the window (minutes)")
    a, b = _distinct_pairs(pairs, sd.n_accounts)
    if len(a) == 0 or len(sd.t) < 2:  # a null copy's times are as many as the real ones
        return empty_channel(SIGNAL, "binomial")
    w_ns, h_ns = round(window * 1e9), round(bandwidth * 1e9)
    times, ranks = sd.post_times(times, ranks)
    probes = pair_probes(a, b, sd.acc, times, n_acc=sd.n_accounts, pad_ns=h_ns, rank=ranks)
    lo, hi = probe_within(probes, w_ns)
    n_events = _events(probes, lo, hi, n_pairs=len(a))
    expected, p_value, chances, hit_p = _null(probes, a, b, n_events, close=hi - lo,
                                              window_ns=w_ns, bandwidth_ns=h_ns,
                                              grid_ns=sd.time_grid)
    keep = n_events > 0
    logger.debug("lockstep: %d candidate pairs, %d with co-occurrences", len(a), keep.sum())
    if not keep.any():
        return empty_channel(SIGNAL, "binomial")
    first, last, ev = _times_and_evidence(probes, lo, hi, a=a, time=times, keep=keep,
                                          max_evidence=max_evidence if evidence else 0)
    frame = pd.DataFrame({"a": a[keep], "b": b[keep], "n_events": n_events[keep],
                          "weight": n_events[keep].astype(float), "expected": expected[keep],
                          "p_value": p_value[keep], "first": first, "last": last,
                          "trials": chances[keep], "p_hit": hit_p[keep]})
    out = ChannelEdges(signal=SIGNAL, frame=frame, null="binomial")
    if evidence:
        out.ev_edge, out.ev_a, out.ev_b = ev
    return out


def lockstep_edges(posts: pd.DataFrame, coaction_edges: pd.DataFrame, *,
                   window: float = 60.0, bandwidth: float = 3600.0,
                   max_evidence: int = 20) -> pd.DataFrame:
    """Schema edges of ``lockstep_channel`` for the account pairs of ``coaction_edges``."""
    from astroturf.signals.coactions import scan_data

    if not 0 < 2 * window < bandwidth:
        raise UsageError(f"lockstep needs 0 < 2 * window < bandwidth, got {window} and "
                         f"{bandwidth}",
                         hint="use a bandwidth (hour scale) well above the window (minutes)")
    sd = scan_data(posts)
    if coaction_edges is None or len(coaction_edges) == 0:
        return channel_to_schema(empty_channel(SIGNAL), sd)
    ca = sd.codes_of(coaction_edges["account_a"].astype("str"))
    cb = sd.codes_of(coaction_edges["account_b"].astype("str"))
    ok = (ca >= 0) & (cb >= 0)
    ch = lockstep_channel(sd, (ca[ok], cb[ok]), window=window, bandwidth=bandwidth,
                          max_evidence=max_evidence)
    return channel_to_schema(ch, sd)


def _distinct_pairs(pairs: tuple[np.ndarray, np.ndarray], n_acc: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (a, b), a < b, of candidate code pairs."""
    ca, cb = (np.asarray(x, np.int64) for x in pairs)
    ok = ca != cb
    lo, hi = np.minimum(ca, cb)[ok], np.maximum(ca, cb)[ok]
    n = np.int64(max(n_acc, 1))
    codes = unique_sorted(lo * n + hi)
    return codes // n, codes % n


def _events(probes: PairProbes, lo: np.ndarray, hi: np.ndarray, *, n_pairs: int) -> np.ndarray:
    """Per pair: min(probes with a partner, distinct partner posts covered by the probes).

    Probes of a pair are in time order, so their [lo, hi) ranges only move right: the posts a
    range adds are those past the previous range's end.
    """
    e = probes.e
    n_probe = np.bincount(e, weights=hi > lo, minlength=n_pairs)
    prev_hi = np.r_[np.int64(0), hi[:-1]]
    first = np.r_[True, e[1:] != e[:-1]] if len(e) else np.array([], dtype=bool)
    start = np.where(first, lo, np.maximum(lo, prev_hi))
    n_other = np.bincount(e, weights=np.maximum(hi - start, 0), minlength=n_pairs)
    return np.minimum(n_probe, n_other).astype(np.int64)


def _null(probes: PairProbes, a: np.ndarray, b: np.ndarray, n_events: np.ndarray, *,
          close: np.ndarray, window_ns: int, bandwidth_ns: int, grid_ns: int = 1
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Expected co-occurrences, binomial p-value, chances and hit probability (hour scale kept).

    ``close``: per probe, partner posts within the window. q_ab is the larger of the uniform
    estimate (pairs within +-H) * W / H and a linear extrapolation to |dt| ~ 0 of the density
    of |dt| in the shells (W, H/2] and (H/2, H], which leave the co-occurrences themselves out.
    On a time grid (``grid_ns``) W stands for the continuous window with the same chance
    (``stats.nulls.grid_window_ns``: a 60 s window on whole minutes counts like 90 s).
    """
    e, n_pairs = probes.e, len(a)
    c_w = np.bincount(e, weights=close, minlength=n_pairs)
    lo, hi = probe_within(probes, bandwidth_ns // 2)
    c_half = np.bincount(e, weights=hi - lo, minlength=n_pairs)
    lo, hi = probe_within(probes, bandwidth_ns)
    c_h = np.bincount(e, weights=hi - lo, minlength=n_pairs)
    w, h = grid_window_ns(window_ns, grid_ns), float(bandwidth_ns)
    g1 = (c_half - c_w) / (h / 2 - w)  # density of |dt| (pairs per ns) around m1
    g2 = (c_h - c_half) / (h / 2)  # ... around m2
    m1, m2 = (w + h / 2) / 2, 3 * h / 4
    g0 = g1 + (g1 - g2) * (m1 - w / 2) / (m2 - m1)
    cnt = probes.cnt.astype(float)
    pairs = np.maximum(cnt[a] * cnt[b], 1.0)
    q = np.clip(np.maximum(c_h / h, g0) * w / pairs, 0.0, 1.0 - 1e-12)
    chances = np.minimum(cnt[a], cnt[b]).astype(np.int64)
    hit_p = -np.expm1(np.maximum(cnt[a], cnt[b]) * np.log1p(-q))
    expected = chances * hit_p
    p_value = binom_sf(n_events - 1, chances, hit_p)
    return expected, np.clip(p_value, 0.0, 1.0), chances, hit_p


def _times_and_evidence(probes: PairProbes, lo: np.ndarray, hi: np.ndarray, *, a: np.ndarray,
                        time: np.ndarray, keep: np.ndarray, max_evidence: int
                        ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """first_seen, last_seen (int64 ns) of the kept pairs and their evidence (edge row of the
    kept pairs, post position by account a, by account b), each co-occurring probe paired with
    its nearest partner post (earlier on ties), earliest first."""
    hit = np.flatnonzero(hi > lo)
    e = probes.e[hit]
    line, order = probes.line, probes.order
    p_pos, lo_h, hi_h = probes.pos[hit], lo[hit], hi[hit] - 1
    t_probe = time[order[p_pos]]
    first = np.minimum(t_probe, time[order[lo_h]])
    last = np.maximum(t_probe, time[order[hi_h]])
    n_pairs = len(keep)
    t_first = np.full(n_pairs, np.iinfo(np.int64).max)
    t_last = np.full(n_pairs, np.iinfo(np.int64).min)
    np.minimum.at(t_first, e, first)
    np.maximum.at(t_last, e, last)
    kept = np.flatnonzero(keep)
    row_of = np.full(n_pairs, -1, np.int64)
    row_of[kept] = np.arange(len(kept))
    if max_evidence <= 0:
        z = np.zeros(0, np.int64)
        return t_first[kept], t_last[kept], (z, z, z)
    starts = np.flatnonzero(np.r_[True, e[1:] != e[:-1]]) if len(e) else np.array([], int)
    rank = np.arange(len(e)) - np.repeat(starts, np.diff(np.r_[starts, len(e)]))
    ev = rank < max_evidence
    e, p_pos, base = e[ev], p_pos[ev], probes.base[hit][ev]
    right = np.clip(np.searchsorted(line, base), lo_h[ev], hi_h[ev])
    left = np.clip(right - 1, lo_h[ev], hi_h[ev])
    near = np.where(np.abs(line[left] - base) <= np.abs(line[right] - base), left, right)
    mine, theirs = order[p_pos], order[near]
    probe_is_a = probes.small[e] == a[e]
    pos_a = np.where(probe_is_a, mine, theirs)
    pos_b = np.where(probe_is_a, theirs, mine)
    return t_first[kept], t_last[kept], (row_of[e], pos_a, pos_b)
