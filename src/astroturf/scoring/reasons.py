"""Concrete, computed reasons: the sentence an analyst can check against the evidence files.

Every number in a reason is computed from the edges, the accounts table or the account features
of that cluster; nothing is a canned label. Phrases are ordered by the strength (lowest p) of the
channel they describe.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from astroturf.schema import STR_DTYPE
from astroturf.stats.fusion import family_of
from astroturf.stats.tails import binom_sf

log = logging.getLogger("astroturf.scoring.reasons")

# signal -> (kind, noun). kind "events": counts co-actions; "accounts": counts members involved
_PHRASES: dict[str, tuple[str, str]] = {
    "co_text": ("events", "identical posts"),
    "near_dup_sync": ("events", "near-duplicate posts"),
    "template_reuse": ("events", "texts copied word for word (each template once)"),
    "app_boilerplate": ("accounts", "post the same app's boilerplate (a shared app, weak)"),
    "co_repost": ("events", "co-reposts"),
    "co_reply": ("events", "co-replies"),
    "co_url": ("events", "co-shared URLs"),
    "co_hashtag": ("events", "co-used hashtags"),
    "creation_burst": ("accounts", "created close together"),
    "handle_pattern": ("accounts", "handles share a pattern"),
    "name_pattern": ("accounts", "display names share a pattern"),
    "bio_similar": ("accounts", "bios near-duplicate"),
    "profile_url": ("accounts", "share a profile URL"),
    "location": ("accounts", "share a location"),
    "rhythm": ("accounts", "share a posting rhythm"),
    "client": ("accounts", "share a rare posting client"),
    "lockstep": ("events", "posts in lock-step (any content)"),
}
_TIMED = {"co_repost", "co_reply", "co_url", "co_hashtag", "co_text", "near_dup_sync",
          "lockstep"}
MAX_PHRASES = 6


def fmt_p(log10_p: float) -> str:
    """Short p-value text from its log10 (exact below the float floor): '3e-12', '0.04'."""
    if not math.isfinite(log10_p) or log10_p >= 0:
        return "1"
    if log10_p > -3:
        return f"{10 ** log10_p:.2g}"
    e = math.floor(log10_p)
    m = round(10 ** (log10_p - e))
    if m >= 10:
        m, e = 1, e + 1
    return f"{m}e{e}"


def channel_phrases(inner: pd.DataFrame, *, window: float) -> pd.Series:
    """cluster -> list of (log10 p, phrase) for each signal seen inside the cluster.

    inner: internal edges with columns cluster, signal, account_a, account_b, n_events, p_value.
    """
    if len(inner) == 0:
        return pd.Series([], dtype=object)
    two = pd.concat([inner[["cluster", "signal", "account_a"]].rename(
        columns={"account_a": "acc"}), inner[["cluster", "signal", "account_b"]].rename(
        columns={"account_b": "acc"})])
    n_acc = two.groupby(["cluster", "signal"])["acc"].nunique()
    p = pd.to_numeric(inner["p_value"], errors="coerce").fillna(1.0).clip(1e-300, 1.0)
    g = inner.assign(_lp=np.log10(p)).groupby(["cluster", "signal"])
    stats = pd.DataFrame({"events": g["n_events"].sum(), "pairs": g.size(),
                          "lp": g["_lp"].min(), "acc": n_acc}).reset_index()
    stats = stats.sort_values(["cluster", "lp", "signal"], kind="stable")
    texts = [_phrase(r.signal, int(r.events), int(r.pairs), int(r.acc), window)
             for r in stats.itertuples(index=False)]  # one per (cluster, signal): small
    stats["item"] = list(zip(stats["lp"].tolist(), texts, strict=True))
    return stats.groupby("cluster", sort=True)["item"].agg(list)


def _phrase(signal: str, events: int, pairs: int, accounts: int, window: float) -> str:
    kind, noun = _PHRASES.get(signal, ("accounts", f"linked by {signal}"))
    if kind == "accounts":
        return f"{accounts} {noun}"
    when = f" within {window:g} s" if signal in _TIMED else ""
    return (f"{events} {noun}{when} among {accounts} accounts "
            f"({pairs} pair{'' if pairs == 1 else 's'})")


def burst_phrase(created_at: pd.Series, population: pd.Series, *, hours: float
                 ) -> tuple[float, str] | None:
    """(log10 p, '11 of 14 created within 24 h (...) (p=2e-9)') or None when not notable."""
    t = pd.to_datetime(created_at, utc=True).dropna()
    res = burst_phrases(pd.DataFrame({"cluster": np.zeros(len(t), dtype=np.int64),
                                      "created_at": t.to_numpy()}), population, hours=hours)
    return res.get(0)


def burst_phrases(members: pd.DataFrame, population: pd.Series, *, hours: float
                  ) -> dict[int, tuple[float, str]]:
    """cluster -> (log10 p, burst phrase) for every cluster whose creation burst has p <= 0.05.

    members: cluster (int), created_at (datetime, NaT allowed). population: creation times of
    all accounts. Same numbers as ``signals.bursts.burst_group_pvalue`` run on each cluster,
    computed for all clusters at once (one sort, searchsorted, binomial tails per member).
    """
    from astroturf.signals.bursts import to_ns

    pop = np.sort(to_ns(pd.Series(population).dropna()))
    m = members.dropna(subset=["created_at"])
    if len(pop) < 2 or len(m) == 0:
        return {}
    t = to_ns(m["created_at"])
    clus = m["cluster"].to_numpy(np.int64)
    order = np.lexsort((t, clus))
    t, clus = t[order], clus[order]
    starts = np.flatnonzero(np.r_[True, clus[1:] != clus[:-1]])
    sizes = np.diff(np.r_[starts, len(t)])
    n = np.repeat(sizes, sizes)
    local = np.arange(len(t)) - np.repeat(starts, sizes)
    w = int(hours * 3_600 * 10**9)
    k_i = _count_within(clus, t, t + w) - np.repeat(starts, sizes) - local
    c_i = np.searchsorted(pop, t + w, side="right") - np.searchsorted(pop, t, side="left")
    c_i, n_pop = np.maximum(c_i - k_i, 0), np.maximum(len(pop) - n, 0)
    pi = np.minimum((c_i + 1) / (n_pop + 1), 1.0)
    k = np.maximum.reduceat(k_i, starts)
    best = starts + np.minimum.reduceat(np.where(k_i == np.repeat(k, sizes), local, len(t)),
                                        starts)
    tail = binom_sf(np.repeat(k, sizes) - 2, n - 1, pi)
    p = np.minimum(1.0, _segment_sums(tail, starts, sizes))
    p = np.where((k >= 2) & (sizes >= 2), p, 1.0)
    hit = np.flatnonzero(p <= 0.05)
    when = pd.to_datetime(t[best[hit]], utc=True).strftime("%Y-%m-%d %H:%M")
    out = {}
    for j, start in zip(hit.tolist(), when, strict=True):  # notable clusters only; O(1) each
        lp = math.log10(max(float(p[j]), 1e-300))
        out[int(clus[starts[j]])] = (lp, f"{int(k[j])} of {int(sizes[j])} created within "
                                         f"{hours:g} h (from {start}) (p={fmt_p(lp)})")
    return out


def _count_within(group: np.ndarray, values: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Per row: rows of all groups up to its own whose value is <= its limit (values sorted
    within each group, groups ascending): a searchsorted that stays inside each group."""
    kind = np.r_[np.zeros(len(values), np.int8), np.ones(len(limits), np.int8)]
    order = np.lexsort((kind, np.r_[values, limits], np.r_[group, group]))
    is_value = kind[order] == 0
    seen = np.cumsum(is_value)
    out = np.empty(len(limits), dtype=np.int64)
    out[order[~is_value] - len(values)] = seen[~is_value]
    return out


def _segment_sums(x: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Sum of each contiguous segment, bit-identical to ``x[seg].sum()`` (numpy's pairwise
    summation): segments of equal length are summed as rows of one 2-D array."""
    out = np.empty(len(starts))
    for size in np.unique(sizes).tolist():  # distinct cluster sizes: few
        sel = np.flatnonzero(sizes == size)
        idx = starts[sel][:, None] + np.arange(size)[None, :]
        out[sel] = x[idx].sum(axis=1)
    return out


def feature_phrases(members: pd.DataFrame, features: pd.DataFrame | None) -> pd.Series:
    """cluster -> phrases for cluster medians outside the population's 10-90 % range.

    members: account_id, cluster. features: indexed by account_id (columns used when present:
    account_age_days (young), office_hours_share, weekday_share, posts_per_day (high)).
    """
    if features is None or len(features) == 0 or len(members) == 0:
        return pd.Series([], dtype=object)
    spec = [("account_age_days", 0.1, "median account age {v:.0f} days (all: {a:.0f})"),
            ("office_hours_share", 0.9, "{v:.0%} of posts in office hours UTC (all: {a:.0%})"),
            ("weekday_share", 0.9, "{v:.0%} of posts on weekdays (all: {a:.0%})"),
            ("posts_per_day", 0.9, "{v:.1f} posts/day (all: {a:.1f})")]
    cols = [c for c, _, _ in spec if c in features.columns]
    if not cols:
        return pd.Series([], dtype=object)
    feats = features[cols].apply(pd.to_numeric, errors="coerce")
    med = feats.reindex(members["account_id"]).set_axis(members.index).groupby(
        members["cluster"]).median()
    parts: dict[int, list[str]] = {}
    for col, level, text in spec:
        if col not in cols or feats[col].notna().sum() < 10:
            continue
        edge, mid = feats[col].quantile(level), feats[col].median()
        hit = med[col] < edge if level < 0.5 else med[col] > edge
        for c, val in med.loc[hit.fillna(False), col].items():
            parts.setdefault(int(c), []).append(text.format(v=val, a=mid))
    return pd.Series(parts, dtype=object)


def single_channel(signals: pd.Series) -> pd.Series:
    """cluster -> 'single channel: <signals>' when one family carries all evidence, else ''.

    signals: signal names indexed by cluster (the internal edges that count as evidence).
    """
    if len(signals) == 0:
        return pd.Series([], dtype=object)
    frame = pd.DataFrame({"cluster": signals.index.to_numpy(),
                          "signal": signals.astype(STR_DTYPE).to_numpy()})
    frame["family"] = frame["signal"].map(family_of).to_numpy()
    frame = frame.drop_duplicates()
    n_fam = frame.groupby("cluster")["family"].nunique()
    names = frame.groupby("cluster")["signal"].agg(lambda s: "+".join(sorted(set(s))))
    return ("single channel: " + names).where(n_fam == 1, "")
