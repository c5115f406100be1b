"""A windowed co-action channel in phases that run per key partition and merge exactly.

Why: the actions of one key are all a window sweep needs, so a channel splits by key
(``key % parts``) and each part can run where it is held (a Dask worker:
``engines.dask_engine``). What crosses between the parts is small, in three rounds:

1. each part sweeps its ordinary keys; when some part has hot keys, the account pairs found
   go to the driver (a hot key pairs only accounts that co-act on an ordinary key, maybe in
   another part);
2. each part sweeps its hot keys with the pairs of every part and aggregates its co-actions
   into (pair, key) groups, which go to the driver and make the channel's pairs;
3. each part computes the timing null's terms for those pairs on the keys it holds
   (``stats.nulls.timing_terms``).

The driver merges groups and terms in (pair, key) order, the order one pass over all keys
adds them in, so every float is the sum of the same terms in the same order: one part or
many give the same bytes (tests/signals/test_windowed.py). The single-process scan runs this
very code with one part (``LocalParts``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from astroturf.kernels.pairgroups import PairGroups, group_pairs, merge_groups, pairs_of_groups
from astroturf.kernels.sweep import (
    key_account_counts,
    lexsort_ints,
    pair_codes,
    sweep_hot,
    sweep_ordinary,
    unique_sorted,
)
from astroturf.signals.base import ChannelEdges, empty_channel
from astroturf.stats.nulls import TimingTerms, timing_p, timing_terms

PairFilter = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Sweep:
    """How a channel sweeps: window and null bandwidth (ns), the hot-key bound (accounts per
    key) and the hot keys' fan-out, the number of account codes of the scan, and the grid
    its times were recorded on (ns; the null draws on it)."""

    window_ns: int
    bandwidth_ns: int
    max_key_accounts: int
    max_fanout: int
    n_acc: int
    grid_ns: int = 1


@dataclass
class Part:
    """One key partition of a channel's actions, after the sweep of its ordinary keys.

    post, key, time, account: the actions sorted by (key, time) (post positions in ScanData
    order, key codes, ns, account codes); hot: per action, whether its key has more than
    ``max_key_accounts`` accounts; discount: per key code; i, j: the co-actions found on
    ordinary keys (positions); keep: the channel's pair filter on post positions, or None.
    """

    post: np.ndarray
    key: np.ndarray
    time: np.ndarray
    account: np.ndarray
    hot: np.ndarray
    discount: np.ndarray
    i: np.ndarray
    j: np.ndarray
    keep: PairFilter | None = None


def sweep_part(post: np.ndarray, key: np.ndarray, times: np.ndarray, ranks: np.ndarray,
               account_of_post: np.ndarray, how: Sweep, *, part: int = 0, parts: int = 1,
               keep: PairFilter | None = None) -> Part:
    """Round 1 for the actions (post positions, key codes) whose key is ``part`` mod
    ``parts``: sort them, mark hot keys, sweep the ordinary ones. ``times`` / ``ranks``:
    every post's time and ``time_rank``."""
    if parts > 1:
        mine = key % parts == part
        post, key = post[mine], key[mine]
    order = lexsort_ints((ranks[post], key))  # by key, then time (ranks are distinct)
    post, key = post[order], key[order]
    time, account = times[post], account_of_post[post]
    n_key_acc, _ = key_account_counts(key, account, how.n_acc)
    hot = (n_key_acc > how.max_key_accounts)[key]
    with np.errstate(divide="ignore"):
        discount = np.minimum(1.0, np.log2(1 + how.max_key_accounts) / np.log2(1 + n_key_acc))
    i, j = sweep_ordinary(key, time, account, window_ns=how.window_ns, hot=hot)
    return Part(post, key, time, account, hot, discount, i, j, keep)


def part_pairs(p: Part, how: Sweep) -> np.ndarray:
    """Round 1's result for the driver: the part's ordinary pairs (``pair_codes``)."""
    return pair_codes(p.account, p.i, p.j, how.n_acc)


def _has_hot(p: Part) -> bool:
    return bool(p.hot.any())


def part_groups(p: Part, allowed: np.ndarray, how: Sweep) -> PairGroups:
    """Round 2: the part's hot-key co-actions of the ``allowed`` pairs (every part's), the
    pair filter, and the (pair, key) groups of all its co-actions (post positions). Runs once
    per part: it releases the part's co-actions."""
    hi, hj = sweep_hot(p.key, p.time, p.account, window_ns=how.window_ns, hot=p.hot,
                       allowed=allowed, n_acc=how.n_acc, max_fanout=how.max_fanout)
    i, j = (np.r_[p.i, hi], np.r_[p.j, hj]) if len(hi) else (p.i, p.j)
    # round 2 consumes the part's co-actions (round 3 needs only its actions): the groups
    # replace them in memory instead of adding to them
    p.i = p.j = np.zeros(0, np.int64)
    if p.keep is not None and len(i):
        ok = p.keep(p.post[i], p.post[j])
        i, j = i[ok], j[ok]
    if len(i) == 0:
        z, zf = np.zeros(0, np.int64), np.zeros(0)
        return PairGroups(z, z, z, z, z, z, z, zf)
    g = group_pairs(i, j, key=p.key, time=p.time, account=p.account, discount=p.discount,
                    n_acc=how.n_acc)
    g.pos_a, g.pos_b = p.post[g.pos_a], p.post[g.pos_b]
    return g


def part_terms(p: Part, ab: tuple[np.ndarray, np.ndarray], how: Sweep) -> TimingTerms:
    """Round 3: the timing null's terms of the channel's pairs ``ab`` on the part's keys."""
    a, b = ab
    return timing_terms(a, b, key=p.key, account=p.account, time=p.time,
                        window_ns=how.window_ns, bandwidth_ns=how.bandwidth_ns,
                        n_acc=how.n_acc, grid_ns=how.grid_ns)


class Parts(Protocol):
    """Where the parts are: ``map`` runs ``fn(part, *args)`` by each part and leaves the
    result there; ``share`` makes a value readable by every part; ``gather`` brings
    results to the driver."""

    def map(self, fn: Callable[..., Any], parts: list, *args: Any) -> list: ...

    def share(self, value: Any) -> Any: ...

    def gather(self, results: list) -> list: ...


class LocalParts:
    """Parts held in this process (the single-process scan)."""

    def map(self, fn: Callable[..., Any], parts: list, *args: Any) -> list:
        return [fn(p, *args) for p in parts]

    def share(self, value: Any) -> Any:
        return value

    def gather(self, results: list) -> list:
        return list(results)


def channel_of_parts(parts: list, where: Parts, *, signal: str, how: Sweep,
                     evidence: bool = True, max_evidence: int = 20) -> ChannelEdges:
    """The channel from its parts (``sweep_part`` results, held where ``where`` says).

    Frame extra columns: trials, p_hit (binomial null, see stats.nulls.timing_terms).
    Evidence: per pair, its ``max_evidence`` earliest (pair, key) groups' first co-action.
    """
    allowed = np.zeros(0, np.int64)  # no hot key anywhere: no part needs the pairs
    if any(where.gather(where.map(_has_hot, parts))):
        allowed = unique_sorted(np.concatenate(where.gather(where.map(part_pairs, parts, how))))
    groups = merge_groups(where.gather(where.map(part_groups, parts, where.share(allowed),
                                                 how)))
    if len(groups.code) == 0:
        return empty_channel(signal, "binomial")
    agg = pairs_of_groups(groups, how.n_acc)
    del groups
    terms = TimingTerms.merge(where.gather(where.map(part_terms, parts,
                                                     where.share((agg.a, agg.b)), how)))
    expected, p_value, trials = timing_p(agg.n_events, terms)
    frame = pd.DataFrame({"a": agg.a, "b": agg.b, "n_events": agg.n_events,
                          "weight": agg.weight, "expected": expected, "p_value": p_value,
                          "first": agg.first, "last": agg.last, "trials": trials,
                          "p_hit": np.clip(expected / np.maximum(trials, 1), 0.0, 1.0)})
    out = ChannelEdges(signal=signal, frame=frame, null="binomial", ki_edge=agg.g_pair,
                       ki_key=agg.g_key, ki_events=agg.g_events)
    if evidence:
        ev = lexsort_ints((agg.g_first, agg.g_pair))
        g = agg.g_pair[ev]
        starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1] if len(g) else np.zeros(0, np.int64)
        rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
        keep = ev[rank < max_evidence]
        out.ev_edge = agg.g_pair[keep]
        out.ev_a, out.ev_b = agg.g_a[keep], agg.g_b[keep]
    return out
