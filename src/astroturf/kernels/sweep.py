"""The co-action kernel: sort by (key, time), sweep a window (``kernels.pairgroups`` then
aggregates per account pair).

Why: every "did these accounts do the same thing at the same time" channel (same text, repost
target, URL, reply target, hashtag set, template) is one computation with a different key. The
sort-and-sweep with packed int64 aggregation is the fastest measured on this machine kind
(../shared/MEASUREMENTS.md); the null copies run it again on re-timed posts, so it must stay lean.

Definitions:
- An *action* is one (key, account, time) row; two actions of different accounts on the same key
  co-act when ``|dt| <= window`` (inclusive on both sides, like the peer tools).
- For an account pair and a key, the co-action *events* are ``min(#a-actions with a partner,
  #b-actions with a partner)``, so an account repeating itself inside the window counts once.
- Hot keys (too many accounts) pair each action only with its ``max_fanout`` next actions,
  and only for account pairs that also co-act on an ordinary key (``sweep_ordinary``, then
  ``sweep_hot`` with the pairs found, maybe in other key partitions: ``signals.windowed``):
  acting on a viral item within a minute of thousands of others is what popularity explains,
  and without that rule the pairs of one viral key grow with the square of its rate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

NAT = np.iinfo(np.int64).min


def time_ns(times: pd.Series | np.ndarray) -> np.ndarray:
    """int64 nanoseconds since the epoch (NaT -> NAT) of datetimes or int64-ns values."""
    if isinstance(times, np.ndarray) and times.dtype == np.int64:
        return times
    if pd.api.types.is_integer_dtype(getattr(times, "dtype", None)):
        return np.asarray(times, dtype=np.int64)
    t = pd.to_datetime(pd.Series(times), utc=True)
    return np.asarray(t.dt.as_unit("ns").array.asi8, dtype=np.int64)


# the units times are recorded in, coarsest first: a day, an hour, a minute, a second, ms, us
TIME_GRIDS_NS = (86_400 * 10**9, 3_600 * 10**9, 60 * 10**9, 10**9, 10**6, 10**3)


def time_grid_ns(t: np.ndarray) -> int:
    """The resolution the times (int64 ns, NAT ignored) were recorded at: the coarsest of
    ``TIME_GRIDS_NS`` that every time is a multiple of, counted from the first time (dates
    given at local midnight, +02:00, are a day grid too), else 1 (ns, continuous).

    Why: an export that gives only dates (or minutes) puts every post of a day (a minute) on
    one instant; synchrony finer than that grid is unknowable, and chance co-occurrence on a
    grid is not what continuous times give (docs/interpreting.md, "Coarse times"). A sample
    of 4,096 times rules out most grids before the full pass.
    """
    t = t[t != NAT]
    if len(t) == 0:
        return 1
    t = t - t[0]
    head = t[:4096]
    for g in TIME_GRIDS_NS:
        if not (head % g).any() and not (t % g).any():
            return g
    return 1


def utc_index(ns: np.ndarray) -> pd.DatetimeIndex:
    """UTC times of int64 nanoseconds (int64 min -> NaT) as a DatetimeIndex.

    A view, not ``pd.to_datetime(ints)``: pandas 3 converts integers through objects there
    (0.45 s per million values).
    """
    return pd.DatetimeIndex(np.ascontiguousarray(ns, dtype=np.int64).view("datetime64[ns]")
                            ).tz_localize("UTC")


def stable_codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """Integer codes that do not depend on row order: rank of a 64-bit hash of each value.

    Two distinct values share a code only on a 64-bit hash collision (~1e-8 for 1M keys).
    """
    arr = np.asarray(values)
    if not np.issubdtype(arr.dtype, np.number):
        arr = np.asarray(values, dtype=object)
    return dense_rank(pd.util.hash_array(arr).view(np.int64))


def lexsort_ints(keys: tuple[np.ndarray, ...] | list[np.ndarray]) -> np.ndarray:
    """``np.lexsort(keys)`` (the last key sorts first; stable) for integer keys, 3-10x faster.

    The keys, each shifted to start at 0, are packed into one uint64 when their value ranges
    fit, and then one sort does what lexsort does in one pass per key: with the row position
    in the low bits when that fits too (an ordinary sort of unique values), else a stable
    argsort. Anything else (floats, wider ranges) goes to ``np.lexsort`` itself; the result
    is the same permutation either way.
    """
    keys = [np.asarray(k) for k in keys]
    n = len(keys[0]) if keys else 0
    if n >= 2 and all(k.ndim == 1 for k in keys):
        # a float key sorts like its dense rank (ties, -0.0 == 0.0 and NaNs last included):
        # one sort for the rank, and the keys can still be packed
        keys = [dense_rank(k) if k.dtype.kind == "f" else k for k in keys]
    if n < 2 or not all(k.dtype.kind in "iub" and k.ndim == 1 for k in keys):
        return np.lexsort(keys) if keys else np.zeros(0, np.int64)
    lows, widths = [], []
    for k in keys:
        lo, hi = int(k.min()), int(k.max())
        if hi >= 2**63:  # uint64 beyond int64: not worth a special path
            return np.lexsort(keys)
        lows.append(lo)
        widths.append(max(hi - lo, 0).bit_length())
    pos_bits = (n - 1).bit_length()
    total = sum(widths)
    if total > 64:
        return np.lexsort(keys)
    packed = np.zeros(n, dtype=np.uint64)
    for k, lo, w in zip(reversed(keys), reversed(lows), reversed(widths), strict=True):
        if w:  # the first key packed (the primary one) ends in the highest bits
            packed = (packed << np.uint64(w)) | (k.astype(np.int64) - lo).astype(np.uint64)
    if (packed[1:] >= packed[:-1]).all():  # already in order (one pass; a stable sort
        return np.arange(n, dtype=np.int64)  # keeps such an input as it is)
    if total + pos_bits <= 64:
        packed = (packed << np.uint64(pos_bits)) | np.arange(n, dtype=np.uint64)
        return (np.sort(packed) & np.uint64((1 << pos_bits) - 1)).astype(np.int64)
    return stable_argsort(packed)


def stable_argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")``: the fast unstable argsort, then equal values put
    back in position order (only where there are any: distinct keys, the usual case when a
    row id is part of them, cost nothing more)."""
    order = np.argsort(values)
    s = values[order]
    tie = s[1:] == s[:-1]
    if not tie.any():
        return order
    same = np.r_[False, tie]  # equal to the value before
    pos = np.flatnonzero(same | np.r_[tie, False])
    if 3 * len(pos) > len(values):  # ties everywhere: the stable sort itself is cheaper
        return np.argsort(values, kind="stable")
    run = np.cumsum(~same[pos])  # one id per run of equal values
    sub = np.lexsort((order[pos], run))
    order[pos] = order[pos][sub]
    return order


def time_rank(t: np.ndarray) -> np.ndarray:
    """Each post's place in (time, position) order: distinct ints that sort like the times,
    ties by position. Sorting by this one narrow key instead of by 52-bit times then position
    lets ``lexsort_ints`` pack sorts that would otherwise fall back to ``np.lexsort`` (five
    times slower on 10M rows)."""
    rank = np.empty(len(t), np.int64)
    rank[np.argsort(t, kind="stable")] = np.arange(len(t))
    return rank


def dense_rank(x: np.ndarray) -> np.ndarray:
    """0..k-1 codes of the distinct values of ``x`` in sorted order (one sort, no hashing).

    Floats as ``np.sort`` orders them: -0.0 equal to 0.0, every NaN one value, last.
    """
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(x)  # equal values get one code whatever their order
    s = x[order]
    new = np.r_[True, s[1:] != s[:-1]]
    if s.dtype.kind == "f":
        new[1:] &= ~(np.isnan(s[1:]) & np.isnan(s[:-1]))
    out = np.empty(len(x), dtype=np.int64)
    out[order] = np.cumsum(new) - 1
    return out


def unique_sorted(x: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
    """np.unique for int64 via one np.sort (faster than the hash-based np.unique here).
    ``overwrite``: sort ``x`` itself instead of a copy (for large arrays used only here)."""
    if len(x) == 0:
        return x
    if overwrite:
        x.sort()
        u = x
    else:
        u = np.sort(x)
    return u[np.r_[True, u[1:] != u[:-1]]]


def in_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_set)`` for a sorted unique array (searchsorted; no hashing)."""
    if len(sorted_set) == 0:
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def run_starts(*cols: np.ndarray) -> np.ndarray:
    """Start positions of runs of equal values across ``cols`` (same lengths)."""
    n = len(cols[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for c in cols:
        change[1:] |= c[1:] != c[:-1]
    return np.flatnonzero(change)


def run_ids(starts: np.ndarray, n: int) -> np.ndarray:
    """Run number of every position, from the run starts."""
    return np.repeat(np.arange(len(starts), dtype=np.int64), np.diff(np.r_[starts, n]))


def sweep_pairs(key: np.ndarray, time: np.ndarray, account: np.ndarray, *, window_ns: int,
                hot: np.ndarray | None = None, max_fanout: int = 50,
                keep: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j), i < j, of actions on the same key within the window, other accounts.

    Inputs sorted by (key, time). ``hot`` marks actions of hot keys: they pair only with their
    ``max_fanout`` next actions. ``keep(i, j)`` (a mask) filters each step's pairs as they are
    found, so memory stays that of the pairs kept. Work is proportional to the pairs found.
    """
    n = len(key)
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    idx = np.arange(max(n - 1, 0), dtype=np.int64)
    d = 1
    while idx.size:
        j = idx + d
        ok = (key[j] == key[idx]) & (time[j] - time[idx] <= window_ns)
        if hot is not None and d > max_fanout:
            ok &= ~hot[idx]
        idx = idx[ok]
        j = j[ok]
        other = account[idx] != account[j]
        if keep is not None and other.any():
            other[other] = keep(idx[other], j[other])
        out_i.append(idx[other])
        out_j.append(j[other])
        d += 1
        idx = idx[idx + d < n]
    if not out_i:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_i), np.concatenate(out_j)


def sweep_ordinary(key: np.ndarray, time: np.ndarray, account: np.ndarray, *,
                   window_ns: int, hot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sweep_pairs`` over the actions of ordinary keys (not ``hot``); positions index the
    full inputs (sorted by key, time). Hot keys come after, in ``sweep_hot``."""
    if not hot.any():
        return sweep_pairs(key, time, account, window_ns=window_ns)
    cold = np.flatnonzero(~hot)
    ci, cj = sweep_pairs(key[cold], time[cold], account[cold], window_ns=window_ns)
    return cold[ci], cold[cj]


def pair_codes(account: np.ndarray, i: np.ndarray, j: np.ndarray, n_acc: int) -> np.ndarray:
    """The distinct account pairs of co-action positions (i, j) as ``lo * n_acc + hi``."""
    lo, hi = np.minimum(account[i], account[j]), np.maximum(account[i], account[j])
    return unique_sorted(lo * np.int64(n_acc) + hi)


def sweep_hot(key: np.ndarray, time: np.ndarray, account: np.ndarray, *, window_ns: int,
              hot: np.ndarray, allowed: np.ndarray, n_acc: int, max_fanout: int = 50
              ) -> tuple[np.ndarray, np.ndarray]:
    """After ``sweep_ordinary``: co-actions on hot keys (fan-out bounded)
    of the account pairs in ``allowed`` (sorted ``pair_codes`` of the ordinary co-actions,
    which may come from other key partitions too). Positions index the full inputs."""
    warm = np.flatnonzero(hot)
    if len(allowed) == 0 or len(warm) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    n_acc = np.int64(n_acc)
    paired = np.zeros(int(n_acc), bool)  # accounts in some ordinary co-action
    paired[allowed // n_acc], paired[allowed % n_acc] = True, True
    acc_w = account[warm]

    def known(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        # most of a viral key's crowd never co-acts elsewhere: a table lookup per account
        # sets them aside before the (cache-unfriendly) search among the allowed pairs
        a, b = acc_w[i], acc_w[j]
        out = paired[a] & paired[b]
        at = np.flatnonzero(out)
        code = np.minimum(a[at], b[at]) * n_acc + np.maximum(a[at], b[at])
        pos = np.minimum(np.searchsorted(allowed, code), len(allowed) - 1)
        out[at] = allowed[pos] == code
        return out

    hi_, hj = sweep_pairs(key[warm], time[warm], acc_w, window_ns=window_ns,
                          hot=np.ones(len(warm), bool), max_fanout=max_fanout, keep=known)
    return warm[hi_], warm[hj]


def key_account_counts(key: np.ndarray, account: np.ndarray, n_acc: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct accounts per key code and actions per account code."""
    n_keys = int(key.max()) + 1 if len(key) else 0
    uniq = unique_sorted(key * np.int64(n_acc) + account)
    return (np.bincount(uniq // n_acc, minlength=n_keys),
            np.bincount(account, minlength=n_acc))


def hot_key_pairs(time: np.ndarray, starts: np.ndarray, ends: np.ndarray, *,
                  window_ns: int) -> float:
    """Estimated within-window action pairs summed over hot keys (start/end positions).

    Loops over hot keys only (at most n_actions / max_key_accounts of them).
    """
    total = 0.0
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        t = time[s:e]
        upto = np.searchsorted(t, t + window_ns, side="right")
        n = e - s
        total += min(float((upto - np.arange(1, n + 1)).sum()), n * (n - 1) / 2)
    return total
