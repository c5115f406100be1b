"""Co-actions aggregated per (account pair, key) and per pair: the second half of the
co-action kernel (``kernels.sweep`` finds the co-actions).

Why a table of (pair, key) groups: it is what a key-partitioned channel exchanges
(``signals.windowed``): groups of disjoint key sets merge by one sort on (pair, key), and the
per-pair sums then add the same terms in the same order as one pass over every key.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from astroturf.kernels.sweep import lexsort_ints, run_ids, run_starts, unique_sorted


@dataclass
class PairAggregate:
    """Co-action pairs aggregated per account pair and per (pair, key) group.

    Pair level (sorted by a, b): a, b account codes (a < b), n_events, weight, first, last (ns).
    Group level, one row per (pair, key), sorted by pair: g_pair (pair row), g_key, g_events,
    g_a, g_b (positions of the first co-action of the group; by account a and b), g_first.
    """

    a: np.ndarray
    b: np.ndarray
    n_events: np.ndarray
    weight: np.ndarray
    first: np.ndarray
    last: np.ndarray
    g_pair: np.ndarray
    g_key: np.ndarray
    g_events: np.ndarray
    g_a: np.ndarray
    g_b: np.ndarray
    g_first: np.ndarray


def compact(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dense ranks of ``codes``, the sorted distinct values): one sort + one searchsorted."""
    u = unique_sorted(codes)
    return np.searchsorted(u, codes).astype(np.int64), u


@dataclass
class PairGroups:
    """Co-actions aggregated per (account pair, key), sorted by (pair, key).

    code: the pair as ``a * n_acc + b`` (a < b); key; events (int64); first, last (ns);
    pos_a, pos_b: the first co-action of the group (by account a and b; positions of the
    inputs, or post positions once a caller maps them); weight = events x the key's discount.
    Groups of disjoint key sets merge by a sort on (code, key) (``merge_groups``).
    """

    code: np.ndarray
    key: np.ndarray
    events: np.ndarray
    first: np.ndarray
    last: np.ndarray
    pos_a: np.ndarray
    pos_b: np.ndarray
    weight: np.ndarray

    def take(self, rows: np.ndarray) -> PairGroups:
        return PairGroups(*(getattr(self, f.name)[rows] for f in fields(self)))


def group_pairs(i: np.ndarray, j: np.ndarray, *, key: np.ndarray, time: np.ndarray,
                account: np.ndarray, discount: np.ndarray, n_acc: int) -> PairGroups:
    """Aggregate co-action positions (i, j) into (pair, key) groups (see PairGroups)."""
    swap = account[i] > account[j]
    pos_a = np.where(swap, j, i)
    pos_b = np.where(swap, i, j)
    pair, upair = compact(account[pos_a] * np.int64(n_acc) + account[pos_b])
    n_act = np.int64(len(key))
    order = np.argsort(pair * n_act + pos_a)  # positions are in (key, time) order
    pair, pos_a, pos_b = pair[order], pos_a[order], pos_b[order]
    gk = key[pos_a]
    g_start = run_starts(pair, gk)
    n_g = len(g_start)
    g_id = run_ids(g_start, len(pair))
    new_a = np.ones(len(pos_a), dtype=bool)
    new_a[1:] = (pos_a[1:] != pos_a[:-1]) | (g_id[1:] != g_id[:-1])
    cnt_a = np.bincount(g_id, weights=new_a, minlength=n_g)
    ub = unique_sorted(g_id * n_act + pos_b)
    cnt_b = np.bincount(ub // n_act, minlength=n_g).astype(float)
    t_lo = np.minimum(time[pos_a], time[pos_b])
    t_hi = np.maximum(time[pos_a], time[pos_b])
    g_events = np.minimum(cnt_a, cnt_b).astype(np.int64)
    g_key = gk[g_start]
    return PairGroups(code=upair[pair[g_start]], key=g_key, events=g_events,
                      first=np.minimum.reduceat(t_lo, g_start),
                      last=np.maximum.reduceat(t_hi, g_start),
                      pos_a=pos_a[g_start], pos_b=pos_b[g_start],
                      weight=g_events * discount[g_key])


def merge_groups(parts: list[PairGroups]) -> PairGroups:
    """The groups of several key partitions as one table in (pair, key) order: the order one
    ``group_pairs`` over all keys gives, so ``pairs_of_groups`` adds the same terms in the
    same order whatever the partitions."""
    if len(parts) == 1:
        return parts[0]
    cat = PairGroups(*(np.concatenate([getattr(p, f.name) for p in parts])
                       for f in fields(PairGroups)))
    return cat.take(lexsort_ints((cat.key, cat.code)))


def pairs_of_groups(g: PairGroups, n_acc: int) -> PairAggregate:
    """Per-pair sums of (pair, key) groups in (pair, key) order (see PairAggregate)."""
    p_start = run_starts(g.code)
    codes = g.code[p_start]
    return PairAggregate(
        a=codes // n_acc, b=codes % n_acc,
        n_events=np.add.reduceat(g.events, p_start).astype(np.int64),
        weight=np.add.reduceat(g.weight, p_start),
        first=np.minimum.reduceat(g.first, p_start),
        last=np.maximum.reduceat(g.last, p_start),
        g_pair=run_ids(p_start, len(g.code)), g_key=g.key, g_events=g.events,
        g_a=g.pos_a, g_b=g.pos_b, g_first=g.first)
