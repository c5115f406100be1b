"""The shared co-action kernel: sort by (key, time), sweep a window, aggregate per account pair.

Why: every "did these accounts do the same thing at the same time" signal (same text, same
repost target, same URL, same reply target, same hashtag set) is one computation with a
different key. Doing it once, vectorised, is what makes 10M posts feasible (see
MEASUREMENTS.md: the sort-and-sweep with packed int64 aggregation is the fastest measured here).

Definitions (all signals built on this kernel):

- An *action* is one (key, account, post, time) row. Two actions of different accounts on the
  same key co-act when ``|dt| <= window`` (inclusive on both sides, like the peer tools).
- For an account pair (a, b) and a key k, the number of co-actions is
  ``min(#a's posts on k with a partner of b in the window, #b's posts on k with a partner of a)``,
  so an account repeating itself inside the window counts once per co-action event.
- ``weight`` = sum over keys of those counts, times a popularity discount
  ``min(1, log2(1 + max_key_accounts) / log2(1 + accounts on k))`` (1 for ordinary keys).
- ``n_events`` = number of distinct co-action events: the same sum without the discount (a
  pair pushing the same hashtag set or URL on five different occasions has five events).
- Hot keys (used by more than ``max_key_accounts`` accounts, e.g. a viral post): each action
  pairs only with its ``max_fanout`` nearest following actions in time (so with at most
  ``2 * max_fanout`` neighbours), which bounds the work and still lets small synchronised groups
  inside the wave produce edges.
- ``first_seen`` / ``last_seen``: earliest / latest time of any co-action of the pair.
- ``evidence``: one "post_a>post_b" pair per co-acted key (post_a by account_a), earliest
  first, at most ``max_evidence``.

Null models (``expected``, ``p_value``): see ``signals/nulls.py``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from astroturf.schema import EVIDENCE_PAIR_SEP
from astroturf.signals.base import finish_edges, join_evidence
from astroturf.signals.nulls import poisson_null, timing_null

logger = logging.getLogger("astroturf.signals.coaction")

ACTION_COLUMNS = ["key", "account_id", "post_id", "created_at"]


NAT = np.iinfo(np.int64).min


def time_ns(times: pd.Series) -> np.ndarray:
    """int64 nanoseconds since the epoch (NaT -> NAT) of a datetime or int64-ns Series."""
    if pd.api.types.is_integer_dtype(times.dtype):
        return times.to_numpy(dtype=np.int64)
    t = pd.to_datetime(times, utc=True)
    return np.asarray(t.dt.as_unit("ns").array.asi8, dtype=np.int64)


def stable_codes(values: pd.Series) -> np.ndarray:
    """Integer codes that do not depend on row order: rank of a 64-bit hash of each value.

    Faster than a sorted factorize of strings; two distinct values share a code only on a
    64-bit hash collision (about 1e-8 for a million keys).
    """
    h = pd.util.hash_array(values.to_numpy(dtype=object) if values.dtype == object
                           or pd.api.types.is_string_dtype(values.dtype)
                           else values.to_numpy())
    return pd.factorize(h, sort=True)[0].astype(np.int64)


def unique_sorted(x: np.ndarray) -> np.ndarray:
    """np.unique for int64 via one np.sort (faster than the hash-based np.unique here)."""
    if len(x) == 0:
        return x
    u = np.sort(x)
    return u[np.r_[True, u[1:] != u[:-1]]]


def sweep_pairs(key: np.ndarray, time: np.ndarray, account: np.ndarray, *, window_ns: int,
                hot: np.ndarray | None = None, max_fanout: int = 50
                ) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j), i < j, of actions on the same key within the window, other accounts.

    Inputs must be sorted by (key, time). ``hot`` marks actions whose key is hot: they pair only
    with their ``max_fanout`` next actions. Work is proportional to the pairs found.
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
        out_i.append(idx[other])
        out_j.append(j[other])
        d += 1
        idx = idx[idx + d < n]
    if not out_i:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    return np.concatenate(out_i), np.concatenate(out_j)


def _group_starts(*cols: np.ndarray) -> np.ndarray:
    """Start positions of runs of equal values across ``cols`` (all the same length > 0)."""
    change = np.zeros(len(cols[0]), dtype=bool)
    change[0] = True
    for c in cols:
        change[1:] |= c[1:] != c[:-1]
    return np.flatnonzero(change)


def _pair_codes(a: np.ndarray, b: np.ndarray, n_acc: int) -> np.ndarray:
    return a * np.int64(n_acc) + b


def aggregate_pairs(i: np.ndarray, j: np.ndarray, *, key: np.ndarray, time: np.ndarray,
                    account: np.ndarray, discount: np.ndarray, n_acc: int) -> pd.DataFrame:
    """Account-pair table from co-action pairs (positions into the sorted action arrays).

    Columns out: a, b (account codes, a < b), weight, n_events, first_seen, last_seen (int64 ns),
    ev_group (pair row index per evidence item), ev_a, ev_b (action positions), ev_time.
    """
    swap = account[i] > account[j]
    pos_a = np.where(swap, j, i)
    pos_b = np.where(swap, i, j)
    pair = _pair_codes(account[pos_a], account[pos_b], n_acc)
    n_act = np.int64(len(key))
    if pair.max() >= np.iinfo(np.int64).max // max(n_act, 1):
        pair = pd.factorize(pair, sort=True)[0].astype(np.int64)  # hash np.unique is slow
        # compact codes keep order, so a/b are re-derived from positions below
    order = np.argsort(pair * n_act + pos_a, kind="stable")
    pair, pos_a, pos_b = pair[order], pos_a[order], pos_b[order]
    gk = key[pos_a]
    g_start = _group_starts(pair, gk)  # one group per (pair, key)
    n_g = len(g_start)
    g_id = np.repeat(np.arange(n_g), np.diff(np.r_[g_start, len(pair)]))
    new_a = np.ones(len(pos_a), dtype=bool)
    new_a[1:] = (pos_a[1:] != pos_a[:-1]) | (g_id[1:] != g_id[:-1])
    cnt_a = np.bincount(g_id, weights=new_a, minlength=n_g)
    ub = unique_sorted(g_id * n_act + pos_b)
    cnt_b = np.bincount(ub // n_act, minlength=n_g).astype(float)
    t_lo = np.minimum(time[pos_a], time[pos_b])
    t_hi = np.maximum(time[pos_a], time[pos_b])
    g_first = np.minimum.reduceat(t_lo, g_start)
    g_last = np.maximum.reduceat(t_hi, g_start)
    g_events = np.minimum(cnt_a, cnt_b)
    g_weight = g_events * discount[gk[g_start]]
    g_pair = pair[g_start]
    p_start = _group_starts(g_pair)
    out = pd.DataFrame({
        "a": account[pos_a[g_start[p_start]]],
        "b": account[pos_b[g_start[p_start]]],
        "weight": np.add.reduceat(g_weight, p_start),
        "n_events": np.add.reduceat(g_events, p_start).astype(np.int64),
        "first_seen": np.minimum.reduceat(g_first, p_start),
        "last_seen": np.maximum.reduceat(g_last, p_start),
    })
    p_of_g = np.repeat(np.arange(len(p_start)), np.diff(np.r_[p_start, n_g]))
    ev_order = np.lexsort((g_first, p_of_g))
    evidence = pd.DataFrame({"ev_group": p_of_g[ev_order],
                             "ev_a": pos_a[g_start][ev_order],
                             "ev_b": pos_b[g_start][ev_order]})
    out.attrs["evidence"] = evidence
    out.attrs["group_keys"] = gk[g_start]
    out.attrs["group_events"] = g_events
    return out


def hot_key_pairs(key: np.ndarray, time: np.ndarray, starts: np.ndarray, ends: np.ndarray, *,
                  window_ns: int) -> float:
    """Estimated within-window action pairs summed over hot keys (given by start/end positions).

    Loops over hot keys only (at most n_actions / max_key_accounts of them).
    """
    total = 0.0
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        t = time[s:e]
        upto = np.searchsorted(t, t + window_ns, side="right")
        n = e - s
        total += min(float((upto - np.arange(1, n + 1)).sum()), n * (n - 1) / 2)
    return total


def coaction_edges(actions: pd.DataFrame, *, signal: str, window: float | None = 60.0,
                   max_key_accounts: int = 1000, max_fanout: int = 50,
                   max_evidence: int = 20, pair_filter=None,
                   activity: pd.DataFrame | None = None, sweep=None) -> pd.DataFrame:
    """Edges between accounts that acted on the same key within ``window`` seconds.

    Columns in: key (any hashable, NA = no key), account_id, post_id, created_at (datetime or
    int64 ns).
    ``window=None`` means any time apart. ``pair_filter(i, j, actions_sorted)`` may drop
    co-action pairs (boolean mask) before aggregation; extra columns of ``actions`` are kept in
    ``actions_sorted`` for it. ``max_fanout=0`` skips hot keys entirely.
    Returns schema.EDGE_COLUMNS.
    """
    extra = [c for c in actions.columns if c not in ACTION_COLUMNS]
    acts = actions[ACTION_COLUMNS + extra]
    t = time_ns(acts["created_at"])
    ok = (acts["key"].notna() & acts["account_id"].notna()).to_numpy() & (t != NAT)
    acts, t = acts[ok], t[ok]
    if len(acts) < 2:
        return finish_edges(None)
    kcode = stable_codes(acts["key"])
    acode, acc_ids = pd.factorize(acts["account_id"], sort=True)
    pcode = stable_codes(acts["post_id"])
    order = np.lexsort((pcode, acode, t, kcode))
    key, time, account = kcode[order].astype(np.int64), t[order], acode[order].astype(np.int64)
    sorted_acts = acts.iloc[order].reset_index(drop=True)
    n_key_acc, d_acc = _key_account_counts(key, account, len(acc_ids))
    hot_key = n_key_acc > max_key_accounts
    window_ns = int(np.iinfo(np.int64).max // 4) if window is None else round(window * 1e9)
    i, j = (sweep or sweep_pairs)(key, time, account, window_ns=window_ns,
                                  hot=hot_key[key] if hot_key.any() else None,
                                  max_fanout=max_fanout)
    if pair_filter is not None and len(i):
        keep = pair_filter(i, j, sorted_acts)
        i, j = i[keep], j[keep]
    if len(i) == 0:
        return finish_edges(None)
    with np.errstate(divide="ignore"):
        discount = np.minimum(1.0, np.log2(1 + max_key_accounts) / np.log2(1 + n_key_acc))
    agg = aggregate_pairs(i, j, key=key, time=time, account=account, discount=discount,
                          n_acc=len(acc_ids))
    pairs_total = float(agg.attrs["group_events"][~hot_key[agg.attrs["group_keys"]]].sum())
    if hot_key.any() and max_fanout > 0:  # skipped hot keys cannot make events: not in C
        hk = np.flatnonzero(hot_key)
        pairs_total += hot_key_pairs(key, time, np.searchsorted(key, hk, side="left"),
                                     np.searchsorted(key, hk, side="right"), window_ns=window_ns)
    logger.debug("%s: %d actions, %d co-action pairs, %d edges, %d hot keys", signal,
                 len(key), len(i), len(agg), len(np.flatnonzero(hot_key)))
    a, b = agg["a"].to_numpy(), agg["b"].to_numpy()
    if window is None:
        ne = agg["n_events"].to_numpy()
        strength = (np.bincount(a, weights=ne, minlength=len(d_acc))
                    + np.bincount(b, weights=ne, minlength=len(d_acc)))
        expected, p_value = poisson_null(ne, d_acc[a], d_acc[b], n_total=float(d_acc.sum()),
                                         pairs_total=pairs_total, strength_a=strength[a],
                                         strength_b=strength[b],
                                         strength_total=float(ne.sum()))
    else:
        act_account, act_time = account, time
        if activity is not None:
            codes = pd.Index(acc_ids).get_indexer(activity["account_id"])
            act_account = codes[codes >= 0].astype(np.int64)
            act_time = time_ns(activity["created_at"])[codes >= 0]
            act_account, act_time = act_account[act_time != NAT], act_time[act_time != NAT]
        expected, p_value = timing_null(a, b, agg["n_events"].to_numpy(), key=key,
                                        account=account, act_account=act_account,
                                        act_time=act_time, window_ns=window_ns)
    return _to_edges(agg, expected, p_value, signal=signal, acc_ids=acc_ids,
                     post_ids=sorted_acts["post_id"], max_evidence=max_evidence)


def _key_account_counts(key: np.ndarray, account: np.ndarray, n_acc: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct accounts per key code and actions per account code."""
    n_keys = int(key.max()) + 1
    uniq = unique_sorted(key * np.int64(n_acc) + account)
    return (np.bincount(uniq // n_acc, minlength=n_keys),
            np.bincount(account, minlength=n_acc))


def _to_edges(agg: pd.DataFrame, expected: np.ndarray, p_value: np.ndarray, *, signal: str,
              acc_ids: np.ndarray, post_ids: pd.Series, max_evidence: int) -> pd.DataFrame:
    a = agg["a"].to_numpy()
    b = agg["b"].to_numpy()
    ev = agg.attrs["evidence"]
    g = ev["ev_group"].to_numpy()
    starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1] if len(g) else np.array([], dtype=int)
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    keep = rank < max_evidence
    pid = post_ids.astype("str").to_numpy(dtype=object)
    items = (pd.Series(pid[ev["ev_a"].to_numpy()[keep]], dtype="str") + EVIDENCE_PAIR_SEP
             + pd.Series(pid[ev["ev_b"].to_numpy()[keep]], dtype="str"))
    evidence = join_evidence(g[keep], items, max_items=max_evidence)
    edges = pd.DataFrame({
        "account_a": pd.Series(acc_ids[a], dtype="str"),
        "account_b": pd.Series(acc_ids[b], dtype="str"),
        "signal": signal,
        "weight": agg["weight"].to_numpy(dtype=float),
        "n_events": agg["n_events"].to_numpy().astype(np.int64),
        "first_seen": pd.to_datetime(agg["first_seen"].to_numpy(), utc=True),
        "last_seen": pd.to_datetime(agg["last_seen"].to_numpy(), utc=True),
        "expected": expected,
        "p_value": p_value,
        "evidence": evidence.reindex(np.arange(len(agg))).to_numpy(),
    })
    return finish_edges(edges)
