"""The aggregated numbers behind the report's charts: counts per time bin and hour of week.

Only aggregates are kept (a few hundred integers per cluster), so the report stays small and
fast at any data size and the charts can be drawn without the posts. Everything is one
vectorised pass (``np.bincount`` over cluster x bin codes), and plain JSON-able values.

Bins have "nice" fixed widths (minute ... year) chosen so a chart has at most ``max_bins``
bars; they are aligned on multiples of the width since the Unix epoch (UTC), so the same data
always gives the same bins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.schema import STR_DTYPE
from astroturf.scoring.content import Authors, post_clusters

MINUTE, HOUR, DAY = 60, 3600, 86400
NICE_WIDTHS = (MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY,
               7 * DAY, 30 * DAY, 91 * DAY, 365 * DAY)


def _seconds(times: pd.Series) -> np.ndarray:
    """Unix seconds (float, NaN for NaT) of a tz-aware or naive (= UTC) time column."""
    t = pd.to_datetime(times, utc=True)
    ns = t.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
    return np.where(t.isna().to_numpy(), np.nan, ns / 1e9)


def time_bins(seconds: np.ndarray, *, max_bins: int = 120) -> dict:
    """start_s, width_s, n of the nicest bins covering ``seconds`` (NaN ignored)."""
    known = seconds[~np.isnan(seconds)]
    if len(known) == 0:
        return {"start_s": 0, "width_s": DAY, "n": 0}
    lo, hi = float(known.min()), float(known.max())
    width = next((w for w in NICE_WIDTHS if (hi - lo) / w < max_bins), NICE_WIDTHS[-1])
    start = int(lo // width * width)
    return {"start_s": start, "width_s": int(width), "n": int((hi - start) // width) + 1}


def _bin_codes(seconds: np.ndarray, bins: dict) -> np.ndarray:
    code = np.floor((seconds - bins["start_s"]) / bins["width_s"])
    return np.where(np.isnan(code), -1, np.clip(code, -1, bins["n"] - 1)).astype(np.int64)


def _per_group(group: np.ndarray, code: np.ndarray, n_groups: int, n_bins: int) -> np.ndarray:
    """(n_groups, n_bins) counts of rows with group >= 0 and code >= 0."""
    ok = (group >= 0) & (code >= 0)
    flat = np.bincount(group[ok] * n_bins + code[ok], minlength=n_groups * n_bins)
    return flat.reshape(n_groups, n_bins)


def hour_of_week(seconds: np.ndarray) -> np.ndarray:
    """0..167 (Monday 00:00 UTC = 0), -1 for NaN. The epoch was a Thursday (= day 3)."""
    ok = ~np.isnan(seconds)
    s = np.where(ok, seconds, 0).astype(np.int64)
    code = ((s // DAY + 3) % 7) * 24 + (s % DAY) // HOUR
    return np.where(ok, code, -1)


def creation_burst(seconds: np.ndarray, *, window_s: float) -> dict | None:
    """The most members created within ``window_s`` of each other, and their exact span.

    Sliding window over the sorted creation times (searchsorted, no loop): n, of (members with
    a known time), start_s, end_s, span_s. None when fewer than two times are known.
    """
    t = np.sort(seconds[~np.isnan(seconds)])
    if len(t) < 2:
        return None
    ends = np.searchsorted(t, t + window_s, side="right")
    i = int(np.argmax(ends - np.arange(len(t))))
    j = int(ends[i]) - 1
    return {"n": j - i + 1, "of": len(t), "start_s": int(t[i]), "end_s": int(t[j]),
            "span_s": int(t[j] - t[i])}


def _sync_seconds(evidence: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(cluster id, seconds) of every post-signal evidence item: the synchronised moments."""
    if evidence is None or len(evidence) == 0:
        return np.array([], dtype=object), np.array([], dtype=np.float64)
    a, b = _seconds(evidence["time_a"]), _seconds(evidence["time_b"])
    t = np.fmin(a, b)
    ok = ~np.isnan(t)
    return evidence["cluster_id"].astype(STR_DTYPE).to_numpy(dtype=object)[ok], t[ok]


def _codes(cluster_of_row: np.ndarray, pos: dict[str, int]) -> np.ndarray:
    """Cluster position per row (-1 for none / not reported)."""
    return pd.Series(cluster_of_row, dtype=object).map(pos).fillna(-1).to_numpy(dtype=np.int64)


def chart_data(posts: pd.DataFrame, accounts: pd.DataFrame, membership: pd.DataFrame,
               evidence: pd.DataFrame, *, cluster_ids: list[str], burst_hours: float = 24.0,
               max_bins: int = 120, authors: Authors | None = None) -> dict:
    """Counts for the report's charts, for the whole data and for each of ``cluster_ids``.

    posts in: account_id, created_at. accounts in: account_id, created_at (creation time).
    membership in: account_id, cluster_id. evidence in: cluster_id, time_a, time_b.
    Out: {"timeline": {start_s, width_s, n, all}, "hours": {"all"}, "creation": {start_s,
    width_s, n, all, n_accounts}, "clusters": {cid: {n_posts, n_accounts, timeline, sync,
    hours, creation, burst}}}; every count list is aligned on the shared bins.
    """
    m = membership[membership["cluster_id"].astype(STR_DTYPE).isin(list(cluster_ids))]
    code, _, ids = post_clusters(posts, m, authors)
    pos = {cid: i for i, cid in enumerate(ids)}
    t = _seconds(posts["created_at"])
    tl = time_bins(t, max_bins=max_bins)
    tcode, how = _bin_codes(t, tl), hour_of_week(t)
    k = len(ids)
    per_tl = _per_group(code, tcode, k, tl["n"])
    per_how = _per_group(code, how, k, 168)
    sync_cid, sync_t = _sync_seconds(evidence)
    per_sync = _per_group(_codes(sync_cid, pos), _bin_codes(sync_t, tl), k, tl["n"])
    acc = accounts.drop_duplicates("account_id")
    created = _seconds(acc["created_at"]) if "created_at" in acc.columns else np.full(
        len(acc), np.nan)
    cr = time_bins(created, max_bins=max_bins)
    ccode = _bin_codes(created, cr)
    of_member = pd.Series(m["cluster_id"].astype(STR_DTYPE).to_numpy(),
                          index=m["account_id"].astype(STR_DTYPE).to_numpy())
    of_member = of_member[~of_member.index.duplicated()]
    acc_group = _codes(of_member.reindex(acc["account_id"].astype(STR_DTYPE).to_numpy())
                       .to_numpy(dtype=object), pos)
    per_cr = _per_group(acc_group, ccode, k, cr["n"])
    clusters = {}
    for cid, i in pos.items():  # one dict per reported cluster (at most a few dozen)
        clusters[cid] = {
            "n_posts": int(per_tl[i].sum()), "n_accounts": int((acc_group == i).sum()),
            "timeline": per_tl[i].tolist(), "sync": per_sync[i].tolist(),
            "hours": per_how[i].tolist(), "creation": per_cr[i].tolist(),
            "burst": creation_burst(created[acc_group == i], window_s=burst_hours * HOUR),
        }
    return {
        "timeline": {**tl, "all": np.bincount(tcode[tcode >= 0], minlength=tl["n"]).tolist()},
        "hours": {"all": np.bincount(how[how >= 0], minlength=168).tolist()},
        "creation": {**cr, "all": np.bincount(ccode[ccode >= 0], minlength=cr["n"]).tolist(),
                     "n_accounts": int((~np.isnan(created)).sum())},
        "clusters": clusters,
    }
