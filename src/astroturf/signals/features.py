"""Account-level feature columns.

``account_features`` gives analysts the context behind a flag (a 3-day-old account posting 80
times a day, only replies, only in office hours); it is descriptive, not a score.
(Why a signal could not run on an export is decided in one place: ``signals.catalog``.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.signals.rhythm import posting_accounts, rhythm_features

FEATURE_COLUMNS = [
    "account_id", "n_posts", "first_post", "last_post", "account_age_days", "posts_per_day",
    "reply_share", "repost_share", "followers_following_ratio", "n_posts_rhythm",
    "active_hours", "active_hours_len", "office_hours_share", "weekday_share",
]


def _post_flags(p: pd.DataFrame, codes: np.ndarray, ids: np.ndarray
                ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``posting_accounts`` output with the post kinds as the 0/1 columns ``_post_stats``
    averages (the path without scan data; ``_scan_stats`` reads the scan's codes)."""
    kind = p["kind"] if "kind" in p.columns else pd.Series(pd.NA, index=p.index)
    flags = pd.DataFrame({"created_at": pd.to_datetime(p["created_at"], utc=True),
                          "is_reply": (kind == "reply").fillna(False).astype(float),
                          "is_repost": (kind == "repost").fillna(False).astype(float)})
    return flags, codes, ids


def _post_stats(p: pd.DataFrame, codes: np.ndarray, ids: np.ndarray) -> pd.DataFrame:
    """Per-account post counts, span and shares, grouped by the integer codes (not by
    hashing the id strings again). ``p``: created_at, is_reply, is_repost."""
    g = p.groupby(codes, sort=True)
    stats = pd.DataFrame({"n_posts": g.size(), "first_post": g["created_at"].min(),
                          "last_post": g["created_at"].max(),
                          "reply_share": g["is_reply"].mean(),
                          "repost_share": g["is_repost"].mean()})
    stats.index = pd.Index(ids[stats.index.to_numpy()], name="account_id", dtype="str")
    return _with_rate(stats)


def _with_rate(stats: pd.DataFrame) -> pd.DataFrame:
    """posts_per_day: posts over the account's active span, at least one day."""
    span_days = (stats["last_post"] - stats["first_post"]).dt.total_seconds() / 86_400
    stats["posts_per_day"] = stats["n_posts"] / np.maximum(span_days, 1.0)
    return stats


def _scan_stats(sd) -> pd.DataFrame:
    """``_post_stats`` and ``rhythm_features`` joined, from a ScanData.

    Its posts are in canonical (account, time) order, so each account's posts are one run:
    counts, first and last post come from the run bounds and the shares from bincounts, with
    no per-post frame or groupby: this runs beside the calibration, so its memory adds to a
    copy's (10M posts: 17 -> 7 s, and the scan's peak no longer in the copies). Shares are
    sums of 0/1 over counts, exact in float64, so they equal the groupby's means bit for
    bit."""
    from astroturf.kernels.sweep import run_ids, run_starts
    from astroturf.scandata import KIND_CODES
    from astroturf.signals.rhythm import rhythm_summaries

    starts = run_starts(sd.acc)
    n_posts = np.diff(np.r_[starts, len(sd.acc)])
    used = sd.acc[starts]
    codes = run_ids(starts, len(sd.acc))
    ids = np.asarray(sd.ids, dtype=object)[used]
    first, last = sd.t[starts], sd.t[starts + n_posts - 1]
    stats = pd.DataFrame({
        "n_posts": n_posts,
        "first_post": pd.to_datetime(first, utc=True),
        "last_post": pd.to_datetime(last, utc=True),
        "reply_share": np.bincount(codes, weights=sd.kind == KIND_CODES["reply"],
                                   minlength=len(starts)) / n_posts,
        "repost_share": np.bincount(codes, weights=sd.kind == KIND_CODES["repost"],
                                    minlength=len(starts)) / n_posts},
        index=pd.Index(ids, name="account_id", dtype="str"))
    rhythm = rhythm_summaries(sd.hour_counts[used], ids)  # counted once, with the signal
    return _with_rate(stats).join(rhythm.set_index("account_id"))


def account_features(posts: pd.DataFrame, accounts: pd.DataFrame, *, sd=None) -> pd.DataFrame:
    """One row per account (every id in ``accounts`` or ``posts``), sorted by account_id.

    In: posts (account_id, created_at, kind), accounts (account_id, created_at, followers,
    following). Out: ``FEATURE_COLUMNS``: n_posts, first_post, last_post, account_age_days (at
    its first post in the data; NaN if creation or posts unknown), posts_per_day (over the
    account's active span, at least one day), reply_share, repost_share,
    followers_following_ratio (followers / max(following, 1)), then ``rhythm_features`` columns.
    ``sd``: the scan's ScanData of these posts and accounts, whose account codes spare hashing
    every post's id again.
    """
    coded = None
    if sd is not None:
        index = pd.Index(sd.ids, name="account_id", dtype="str")
    else:
        ids = pd.concat([accounts.get("account_id", pd.Series([], dtype="str")),
                         posts.get("account_id", pd.Series([], dtype="str"))]).dropna()
        index = pd.Index(np.sort(ids.astype("str").unique()), name="account_id", dtype="str")
        if {"account_id", "created_at"} <= set(posts.columns):
            coded = _post_flags(*posting_accounts(posts))
    out = pd.DataFrame(index=index)
    if sd is not None:
        out = out.join(_scan_stats(sd))
    elif coded is not None:
        out = out.join(_post_stats(*coded))
        out = out.join(rhythm_features(posts, coded=coded).set_index("account_id"))
    acc = accounts.drop_duplicates("account_id").set_index("account_id") if (
        "account_id" in accounts.columns) else pd.DataFrame(index=index)
    created = (pd.to_datetime(acc["created_at"], utc=True).reindex(index)
               if "created_at" in acc.columns
               else pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]"))
    if "first_post" in out.columns:
        out["account_age_days"] = (out["first_post"] - created).dt.total_seconds() / 86_400
    if {"followers", "following"} <= set(acc.columns):
        fol = pd.to_numeric(acc["followers"], errors="coerce").astype(float).reindex(index)
        fng = pd.to_numeric(acc["following"], errors="coerce").astype(float).reindex(index)
        out["followers_following_ratio"] = fol / np.maximum(fng, 1.0)
    out["n_posts"] = out.get("n_posts", pd.Series(0, index=index)).fillna(0).astype(np.int64)
    out["n_posts_rhythm"] = out.get("n_posts_rhythm", pd.Series(0, index=index)).fillna(0)
    for col in FEATURE_COLUMNS[1:]:
        if col in ("first_post", "last_post"):
            out[col] = out[col] if col in out.columns else pd.NaT
            out[col] = out[col].astype("datetime64[ns, UTC]")
        elif col not in out.columns:
            out[col] = np.nan
    out["active_hours"] = out["active_hours"].astype("str")
    out["n_posts_rhythm"] = out["n_posts_rhythm"].astype(np.int64)
    return out.reset_index()[FEATURE_COLUMNS]
