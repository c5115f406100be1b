"""Creation bursts: accounts created unusually close together, judged against the population.

A batch of sock puppets is typically registered within hours. Organic sign-up waves (a viral
event, a platform launch) also put many accounts in the same week, so closeness alone is not
evidence: every p-value here uses the population's own creation-time density around that time.

- ``creation_burst_edges``: pairs created within ``burst_hours`` (sort-and-sweep, each account
  paired with at most ``max_neighbours`` later ones); p = probability that a random account of
  the population falls that close to this one, from the local density (accounts created within
  +-``burst_hours``, the pair itself excluded, +1 pseudo-count).
- ``burst_group_pvalue``: group test for cluster scoring (scan statistic, union bound over the
  members as window anchors, binomial tail with the population's mass of each window).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.kernels.keys import auto_max_p
from astroturf.kernels.sweep import lexsort_ints, time_grid_ns
from astroturf.signals.base import ChannelEdges, channel_to_schema, empty_channel, profile_channel
from astroturf.stats.tails import binom_sf

_NS_PER_HOUR = 3_600 * 10**9


def to_ns(times: pd.Series) -> np.ndarray:
    """UTC nanoseconds since the epoch (int64) of a datetime Series without NA."""
    t = pd.to_datetime(times, utc=True).dt.tz_localize(None)
    return t.to_numpy(dtype="datetime64[ns]").view("int64")


def _as_ns(times: pd.Series) -> np.ndarray:
    return np.sort(to_ns(times.dropna()))


def _sweep(t: np.ndarray, window: int, max_neighbours: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of sorted times with t[j] - t[i] <= window, at most max_neighbours per i."""
    end = np.searchsorted(t, t + window, side="right")
    n_right = np.minimum(end - np.arange(len(t)) - 1, max_neighbours)
    left = np.repeat(np.arange(len(t)), n_right)
    offs = np.arange(len(left)) - np.repeat(np.cumsum(n_right) - n_right, n_right)
    return left, left + 1 + offs


def creation_burst_channel(sd, *, burst_hours: float = 24.0, max_neighbours: int = 50,
                           max_p_value: float | None = None) -> ChannelEdges:
    """Pairs of accounts created within ``burst_hours`` of each other, density-discounted.

    Signal 'creation_burst'; weight = 1 - gap/burst_hours; ``expected`` = accounts expected that
    close by chance at the local rate; evidence e.g. "created 2018-08-14 09:12 / 09:47 (35 min
    apart; 14 of 900 accounts created within +-24 h)". Pairs weaker than ``max_p_value`` are not
    returned (None: ``kernels.keys.auto_max_p``).
    """
    accounts = sd.accounts
    if not {"account_id", "created_at"} <= set(accounts.columns):
        return empty_channel("creation_burst")
    acc = accounts[["account_id", "created_at"]].dropna().drop_duplicates("account_id")
    codes = sd.codes_of(acc["account_id"].astype("str"))
    acc, codes = acc[codes >= 0], codes[codes >= 0]
    if len(acc) < 2:
        return empty_channel("creation_burst")
    t = pd.to_datetime(acc["created_at"], utc=True)
    tn = to_ns(t)
    order = lexsort_ints((codes, tn))  # by time, ties by id: row order never matters
    tn, codes = tn[order], codes[order]
    h = int(burst_hours * _NS_PER_HOUR)
    i, j = _sweep(tn, h, max_neighbours)
    if len(i) == 0:
        return empty_channel("creation_burst")
    n = len(tn)
    gap = tn[j] - tn[i]
    mid = tn[i] + gap // 2
    local = np.searchsorted(tn, mid + h, side="right") - np.searchsorted(tn, mid - h, side="left")
    # day-only creation dates must not look like 'created in the same second'
    gap_eff = np.maximum(gap, max(time_grid_ns(tn), 10**9))
    rate = (np.maximum(local - 2, 0) + 1) / (2.0 * h)  # accounts per ns near this time
    expected = np.minimum(2.0 * gap_eff * rate, n - 2)
    p = np.minimum(expected / max(n - 1, 1), 1.0)
    keep = p <= auto_max_p(n, max_p_value)
    i, j, gap, local = i[keep], j[keep], gap[keep], local[keep]

    def render(f: pd.DataFrame) -> np.ndarray:
        fa = pd.to_datetime(f["t_a"].to_numpy(), utc=True).strftime("%Y-%m-%d %H:%M")
        fb = pd.to_datetime(f["t_b"].to_numpy(), utc=True).strftime("%Y-%m-%d %H:%M")
        g = np.abs(f["t_b"].to_numpy() - f["t_a"].to_numpy())
        return (pd.Series("created " + fa + " / " + fb) + " (" + _fmt_gap(g) + " apart, "
                + pd.Series(f["local"].to_numpy()).astype(str) + " of " + str(n)
                + f" accounts created within ±{burst_hours:g} h)").to_numpy(dtype=object)

    ca, cb = codes[i], codes[j]
    swap = ca > cb
    return profile_channel(
        "creation_burst", ca, cb, p_value=p[keep], weight=1.0 - gap / h,
        expected=expected[keep], render=render,
        extra={"t_a": np.where(swap, tn[j], tn[i]), "t_b": np.where(swap, tn[i], tn[j]),
               "local": local})


def creation_burst_edges(accounts: pd.DataFrame, *, burst_hours: float = 24.0,
                         max_neighbours: int = 50,
                         max_p_value: float | None = None) -> pd.DataFrame:
    """Schema edges of ``creation_burst_channel`` for an accounts table (see there)."""
    from astroturf.schema import empty_posts
    from astroturf.signals.coactions import scan_data

    sd = scan_data(empty_posts(), accounts)
    return channel_to_schema(creation_burst_channel(
        sd, burst_hours=burst_hours, max_neighbours=max_neighbours, max_p_value=max_p_value), sd)


def _fmt_gap(gap_ns: np.ndarray) -> pd.Series:
    minutes = pd.Series(np.asarray(gap_ns) / 6e10)
    as_h = (minutes / 60).round(1).astype(str) + " h"
    as_m = minutes.round().astype(np.int64).astype(str) + " min"
    as_s = (minutes * 60).round().astype(np.int64).astype(str) + " s"
    return as_h.where(minutes >= 120, as_m.where(minutes >= 1, as_s))


def burst_group_pvalue(created_at: pd.Series, population: pd.Series, *, hours: float,
                       members_in_population: bool = True) -> tuple[float, str]:
    """How unlikely that this many group members were created inside one window of ``hours``.

    For each member as window start, k_i members fall in [t_i, t_i + hours]; with k = max k_i,
    p = min(1, sum_i P(Binomial(n - 1, pi_i) >= k - 1)), where pi_i is the population's
    probability mass of window i (members removed from the population when
    ``members_in_population``; +1 pseudo-count). Returns (p, "11 of 14 created within 36 h").
    """
    t = _as_ns(created_at)
    n = len(t)
    if n < 2:
        return 1.0, f"{n} member(s) with a creation date"
    pop = _as_ns(population)
    w = int(hours * _NS_PER_HOUR)
    k_i = np.searchsorted(t, t + w, side="right") - np.arange(n)
    c_i = np.searchsorted(pop, t + w, side="right") - np.searchsorted(pop, t, side="left")
    n_pop = len(pop)
    if members_in_population:
        c_i, n_pop = np.maximum(c_i - k_i, 0), max(n_pop - n, 0)
    pi = np.minimum((c_i + 1) / (n_pop + 1), 1.0)
    k = int(k_i.max())
    best = int(np.argmax(k_i))
    p = float(min(1.0, binom_sf(k - 2, n - 1, pi).sum())) if k >= 2 else 1.0
    start = pd.Timestamp(t[best], tz="UTC").strftime("%Y-%m-%d %H:%M")
    return p, f"{k} of {n} created within {hours:g} h (from {start})"
