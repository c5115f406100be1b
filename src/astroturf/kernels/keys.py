"""Shared-key pairing: which accounts share a key (a text, a profile pattern, a client), and how
rare that key is in the population.

Pairs are enumerated only inside key groups of bounded size (vectorised, no Python loop over
rows). Keys larger than the bound are *hot*: they make no pairs (a key used by thousands of
accounts is not evidence that any two of them act together) but they still count in every
population-level quantity, so the tests stay honest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.kernels.sweep import lexsort_ints, run_starts, unique_sorted


def pairs_within_groups(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs (i < j) of positions that share a value in the *sorted* array ``group``.

    Cost is the sum of m(m-1)/2 over groups: callers cap group sizes first.
    """
    n = len(group)
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    sizes = np.diff(np.r_[starts, n])
    size_of = np.repeat(sizes, sizes)
    rank = np.arange(n) - np.repeat(starts, sizes)
    n_right = (size_of - 1 - rank).astype(np.int64)
    pos = np.arange(n, dtype=np.int64)
    left = np.repeat(pos, n_right)
    # the t-th pair overall is (l, l + 1 + t - first_l), first_l = the first pair of l
    shift = np.repeat(np.cumsum(n_right) - n_right - pos - 1, n_right)
    return left, np.subtract(np.arange(len(left), dtype=np.int64), shift, out=shift)


def rarity_tail(sizes: np.ndarray, n_population: int) -> np.ndarray:
    """P(two random accounts of N share some key of size <= m), for each key size m.

    ``sizes`` holds the member count of every distinct key of one key family (all keys, not
    only those that make pairs, so that the tail is complete). This is exactly the permutation
    null of the key family: relabelling accounts at random keeps every key size, so the share of
    random pairs linked by a key at least this rare is the p-value.
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    if len(sizes) == 0 or n_population < 2:
        return np.ones(len(sizes))
    order = np.argsort(sizes, kind="stable")
    s = sizes[order]
    mass = s * (s - 1) / (float(n_population) * (n_population - 1))
    cum = np.cumsum(mass)
    last = np.searchsorted(s, s, side="right") - 1  # ties: all keys of size <= m
    tail = np.empty_like(cum)
    tail[order] = cum[last]
    return np.minimum(tail, 1.0)


def auto_max_p(n_population: int, max_p_value: float | None = None) -> float:
    """The p-value cap for returned profile pairs: given, or 'at most 10 N chance pairs'.

    Among N(N-1)/2 pairs, p above 20/(N-1) means more than 10 such pairs per account are
    expected by chance: they cannot survive the pair-level FDR, alone or fused with the other
    families, and keeping them would make the edge table quadratic. At most 0.01.
    """
    if max_p_value is not None:
        return float(max_p_value)
    return min(0.01, 20.0 / max(n_population - 1, 1))


def distinct_stubs(acc: np.ndarray, key: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (account, key) pairs sorted by (key, account), and their multiplicity."""
    ok = (acc >= 0) & (key >= 0)
    n_acc = np.int64(max(int(acc.max(initial=0)) + 1, 1))
    packed = np.sort(key[ok] * n_acc + acc[ok])
    if len(packed) == 0:
        e = np.zeros(0, np.int64)
        return e, e, e
    starts = run_starts(packed)
    mult = np.diff(np.r_[starts, len(packed)])
    u = packed[starts]
    return u % n_acc, u // n_acc, mult.astype(np.int64)


def key_pairs(s_acc: np.ndarray, s_key: np.ndarray, *, max_key_accounts: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, key) for every account pair sharing a key with 2..max_key_accounts accounts.

    Input: distinct stubs sorted by (key, account) (``distinct_stubs``). a < b.
    """
    if len(s_key) < 2:
        e = np.zeros(0, np.int64)
        return e, e, e
    starts = run_starts(s_key)
    sizes = np.diff(np.r_[starts, len(s_key)])
    ok = np.repeat((sizes >= 2) & (sizes <= max_key_accounts), sizes)
    k, c = s_key[ok], s_acc[ok]
    i, j = pairs_within_groups(k)
    return c[i], c[j], k[i]


def count_per_pair(a: np.ndarray, b: np.ndarray, unit: np.ndarray, n_acc: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct units shared per pair: (pair a, pair b, count, unit rows: pair index, unit).

    A pair sharing several keys of one unit (e.g. several texts of one template) counts the
    unit once. Pairs sorted by (a, b); unit rows sorted by (pair, unit).
    """
    pair = a * np.int64(n_acc) + b
    if len(pair) == 0:
        e = np.zeros(0, np.int64)
        return e, e, e, e, e
    # (pair, unit) distinct via one sort of two int64 keys
    order = lexsort_ints((unit, pair))
    p, u = pair[order], unit[order]
    first = np.r_[True, (p[1:] != p[:-1]) | (u[1:] != u[:-1])]
    p, u = p[first], u[first]
    starts = run_starts(p)
    counts = np.diff(np.r_[starts, len(p)]).astype(np.int64)
    pc = p[starts]
    row = np.repeat(np.arange(len(starts), dtype=np.int64), counts)
    return pc // n_acc, pc % n_acc, counts, row, u


def shared_key_pairs(codes: np.ndarray, keys: pd.Series, *, n_population: int,
                     max_group: int, strata: pd.Series | None = None,
                     max_p_value: float = 1.0) -> pd.DataFrame:
    """Account pairs sharing a key, with the key's rarity-tail p-value; best key kept per pair.

    In: ``codes`` int account codes and ``keys`` (str, aligned; NA = no key). Duplicated
    (code, key) rows are ignored. Out columns: a, b (codes, a < b), key (the rarest shared key),
    kid (its code), size (its member count), p_value, n_keys (distinct shared keys). Keys with
    more than ``max_group`` members make no pairs but still count in the tail, and so do keys
    whose p-value exceeds ``max_p_value``. With ``strata`` (one stratum per key, e.g. a text
    length class) the tail is conditional on the stratum.
    """
    cols = ["a", "b", "key", "kid", "size", "p_value", "n_keys"]
    df = pd.DataFrame({"code": np.asarray(codes, np.int64), "key": keys.to_numpy(dtype=object),
                       "stratum": 0 if strata is None else strata.to_numpy()})
    df = df[df["key"].notna() & (df["code"] >= 0)].drop_duplicates(["code", "key"])
    if df.empty:
        return pd.DataFrame({c: [] for c in cols})
    kid, kuniq = pd.factorize(df["key"], sort=True)
    sizes = np.bincount(kid)
    if strata is None:
        tail = rarity_tail(sizes, n_population)
    else:
        tail = np.ones(len(sizes))
        for _, grp in df.assign(kid=kid).groupby("stratum", sort=True):  # a few strata
            ks = unique_sorted(grp["kid"].to_numpy(np.int64))
            tail[ks] = rarity_tail(sizes[ks], grp["code"].nunique())
    df = df.assign(kid=kid, size=sizes[kid])
    df = df[(df["size"] >= 2) & (df["size"] <= max_group) & (tail[kid] <= max_p_value)]
    df = df.sort_values(["kid", "code"], kind="stable")
    k = df["kid"].to_numpy()
    c = df["code"].to_numpy()
    i, j = pairs_within_groups(k)
    if len(i) == 0:
        return pd.DataFrame({c: [] for c in cols})
    a, b, kk = np.minimum(c[i], c[j]), np.maximum(c[i], c[j]), k[i]
    p = tail[kk]
    order = lexsort_ints((kk, sizes[kk], p, b, a))
    a, b, kk, p = a[order], b[order], kk[order], p[order]
    starts = run_starts(a, b)
    n_keys = np.diff(np.r_[starts, len(a)])
    a, b, kk, p = a[starts], b[starts], kk[starts], p[starts]
    return pd.DataFrame({"a": a, "b": b, "key": np.asarray(kuniq, dtype=object)[kk],
                         "kid": kk, "size": sizes[kk], "p_value": p, "n_keys": n_keys})
