"""Posting rhythm: hour-of-week activity profiles (shift work in one time zone).

Staff posting "as ambassadors" do it in office hours of one time zone, on weekdays; organic users
post in the evenings and at weekends, spread out. Profiles are 168-bin hour-of-week histograms
(UTC), lightly smoothed. ``rhythm_features`` summarises them per account; ``rhythm_edges`` pairs
accounts whose narrow profiles nearly coincide, tested against the similarity of random pairs of
the same population (seeded sample), so a population that all posts 9-17 gives weak p-values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from astroturf.kernels.sweep import lexsort_ints, run_starts, unique_sorted
from astroturf.signals.base import (
    ChannelEdges,
    account_codes,
    channel_to_schema,
    empty_channel,
    profile_channel,
)
from astroturf.signals.bursts import to_ns

_HOW = 168
_COVER = 0.8  # active_hours = smallest daily window holding this share of posts
_OFFSETS = np.arange(-12, 15)  # candidate UTC offsets for office hours


def posting_accounts(posts: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(the posts with an account and a time: account_id, created_at and kind if present;
    their account codes; the sorted ids the codes index). Factorising a million account-id
    strings is the costly part of every per-account summary, so callers share one."""
    cols = [c for c in ("account_id", "created_at", "kind") if c in posts.columns]
    p = posts[cols].dropna(subset=["account_id", "created_at"])
    codes, ids = account_codes(p["account_id"])
    return p, codes, ids


def _active_window(hod: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start hour and length of the smallest circular daily window with >= 80 % of posts."""
    n = hod.sum(axis=1)
    ext = np.concatenate([np.zeros((len(hod), 1)), np.cumsum(np.hstack([hod, hod]), axis=1)],
                         axis=1)
    start = np.zeros(len(hod), np.int64)
    length = np.full(len(hod), 24, np.int64)
    left = np.flatnonzero(n > 0)  # accounts whose window is still to find: most are done
    for width in range(1, 25):    # within a few hours, so each width looks at fewer rows
        if len(left) == 0:
            break
        sums = ext[left, width:width + 24] - ext[left, :24]
        best = sums.argmax(axis=1)
        hit = sums[np.arange(len(left)), best] >= _COVER * n[left] - 1e-9
        start[left[hit]], length[left[hit]] = best[hit], width
        left = left[~hit]
    return start, length


def _office_masks() -> np.ndarray:
    """168 x n_offsets: UTC hours that are Mon-Fri 09:00-17:59 local, for each UTC offset."""
    local = np.zeros(_HOW, bool)
    for day in range(5):
        local[day * 24 + 9: day * 24 + 18] = True
    return np.stack([np.roll(local, -int(o)) for o in _OFFSETS], axis=1).astype(np.float64)


# hour of week -> hour of day; -> weekday hour of day, then weekend hour of day; -> weekday
_DAY_FOLD = np.tile(np.eye(24), (7, 1))
_HALF_FOLD = np.concatenate([np.r_[np.ones(120), np.zeros(48)][:, None] * _DAY_FOLD,
                             np.r_[np.zeros(120), np.ones(48)][:, None] * _DAY_FOLD], axis=1)
_WEEKDAY = np.r_[np.ones(5 * 24), np.zeros(2 * 24)]


_WINDOW_LABELS = np.array([[f"{a:02d}-{b:02d} UTC" for b in range(24)] for a in range(24)],
                          dtype=object)


def _row_sums(counts: csr_matrix) -> np.ndarray:
    return np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()


_SUMMARY_ROWS = 65_536  # accounts summarised at a time (dense hour arrays: ~1 KB a row)


def _summaries(counts: csr_matrix) -> pd.DataFrame:
    """Per-row summaries, a block of rows at a time: each row's values depend on that row
    only, and whole dense hour-of-day arrays took 1 GB at 850k accounts."""
    n = _row_sums(counts)
    start, length = np.zeros(len(n), np.int64), np.zeros(len(n), np.int64)
    office, weekday = np.zeros(len(n)), np.zeros(len(n))
    masks = _office_masks()
    for lo in range(0, len(n), _SUMMARY_ROWS):
        block, part = counts[lo:lo + _SUMMARY_ROWS], slice(lo, lo + _SUMMARY_ROWS)
        start[part], length[part] = _active_window(block @ _DAY_FOLD)
        with np.errstate(invalid="ignore", divide="ignore"):
            office[part] = (block @ masks).max(axis=1) / n[part]
            weekday[part] = (block @ _WEEKDAY) / n[part]
    label = pd.Series(_WINDOW_LABELS[start, (start + length) % 24])
    return pd.DataFrame({"n_posts_rhythm": n.astype(np.int64),
                         "active_hours": label.where(n > 0).astype("str"),
                         "active_hours_len": np.where(n > 0, length, np.nan),
                         "office_hours_share": office, "weekday_share": weekday})


def rhythm_features(posts: pd.DataFrame, *,
                    coded: tuple[pd.DataFrame, np.ndarray, np.ndarray] | None = None
                    ) -> pd.DataFrame:
    """Per-account summary of the hour-of-week profile.

    In: posts with ``account_id``, ``created_at``. Out (one row per posting account, sorted):
    account_id, n_posts_rhythm, active_hours ('08-18 UTC': smallest daily window holding 80 %
    of posts), active_hours_len (its length in hours), office_hours_share (best over UTC offsets
    of the share posted Mon-Fri 09-18 local), weekday_share (Mon-Fri, UTC). ``coded``:
    ``posting_accounts(posts)`` when the caller has it already.
    """
    if not {"account_id", "created_at"} <= set(posts.columns) or posts.empty:
        return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in (
            ("account_id", "str"), ("n_posts_rhythm", "int64"), ("active_hours", "str"),
            ("active_hours_len", "float64"), ("office_hours_share", "float64"),
            ("weekday_share", "float64"))})
    p, codes, ids = coded if coded is not None else posting_accounts(posts)
    return rhythm_summaries(hour_counts(codes, to_ns(p["created_at"]), len(ids)), ids)


def rhythm_summaries(counts: csr_matrix, ids: np.ndarray) -> pd.DataFrame:
    """``rhythm_features`` from ``hour_counts`` rows, one per id of ``ids``."""
    out = _summaries(counts)
    out.insert(0, "account_id", pd.Series(ids, dtype="str"))
    return out


def _profiles(counts: csr_matrix) -> np.ndarray:
    """Row-normalised 48-bin profiles: hour of day on weekdays, then at weekends (UTC).

    Hour-of-week compressed to weekday/weekend so that 10-30 posts give a stable profile;
    circularly smoothed over hours (1/4, 1/2, 1/4).
    """
    prof = counts @ _HALF_FOLD
    parts = []
    for half in (prof[:, :24], prof[:, 24:]):
        parts.append(0.5 * half + 0.25 * np.roll(half, 1, axis=1)
                     + 0.25 * np.roll(half, -1, axis=1))
    sm = np.concatenate(parts, axis=1)
    return sm / np.maximum(sm.sum(axis=1, keepdims=True), 1e-12)


def _candidates(key: np.ndarray, order: np.ndarray, rows: np.ndarray,
                max_neighbours: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows sharing ``key``, each paired with its next ``max_neighbours`` by ``order``."""
    srt = lexsort_ints((rows, order, key))
    k, r = key[srt], rows[srt]
    end = np.searchsorted(k, k, side="right")
    n_right = np.minimum(end - np.arange(len(k)) - 1, max_neighbours)
    left = np.repeat(np.arange(len(k)), n_right)
    offs = np.arange(len(left)) - np.repeat(np.cumsum(n_right) - n_right, n_right)
    a, b = r[left], r[left + 1 + offs]
    base = np.int64(rows.max(initial=0) + 1)
    packed = unique_sorted(np.minimum(a, b) * base + np.maximum(a, b))
    return packed // base, packed % base


def hour_counts(acc: np.ndarray, t: np.ndarray, n_acc: int) -> csr_matrix:
    """Hour-of-week counts (n_acc x 168, sparse) from account codes and int64-ns times.

    Sparse because an account fills few of its 168 cells: dense float64 counts took 1.3 GB
    at 1M accounts. Counts are small integers, so every sum below is exact in float64 and
    the summaries do not depend on the storage.
    """
    # one packed (account, hour of week) key per post, sorted in place: each run is a
    # non-zero cell. The canonical CSR (rows in order, columns sorted, duplicates summed)
    # built directly is what scipy's COO conversion gives, in a third of the memory
    hours = t // (3_600 * 10**9)
    key = np.multiply(acc, _HOW, dtype=np.int64)
    day = hours // 24
    day += 3  # 1970-01-01 was a Thursday (Mon = 0)
    day %= 7
    day *= 24
    key += day
    del day
    hours %= 24
    key += hours
    del hours
    key.sort()
    starts = run_starts(key)
    values = np.diff(np.r_[starts, len(key)]).astype(np.float64)
    key = key[starts]
    rows = key // _HOW
    indptr = np.searchsorted(rows, np.arange(n_acc + 1))
    return csr_matrix((values, key - rows * _HOW, indptr), shape=(n_acc, _HOW))


def rhythm_channel(sd, *, min_posts: int = 10, max_active_hours: int = 12,
                   max_neighbours: int = 50, n_null_pairs: int = 20_000,
                   max_p_value: float = 0.01, seed: int = 0) -> ChannelEdges:
    """Pairs of accounts with near-identical narrow hour-of-week profiles.

    Accounts with >= ``min_posts`` posts and an 80 % daily window <= ``max_active_hours`` are
    candidates, blocked by peak 4-hour block (and the next one) and paired with <=
    ``max_neighbours`` neighbours (by mean hour). Similarity = histogram intersection (0..1)
    of smoothed weekday/weekend hour-of-day profiles; p = (1 + #random pairs at least as
    similar) / (1 + #pairs) over ``n_null_pairs`` seeded random pairs of all accounts with >=
    ``min_posts`` posts. Edges with p <= ``max_p_value`` (weight = similarity, n_events = posts
    of the less active account).
    """
    counts = sd.hour_counts
    n = _row_sums(counts)
    elig = np.flatnonzero(n >= min_posts)
    if len(elig) < 3:
        return empty_channel("rhythm")
    prof = _profiles(counts[elig])
    summ = _summaries(counts[elig])
    null = _null_similarities(prof, n_pairs=n_null_pairs, seed=seed)
    narrow = np.flatnonzero(summ["active_hours_len"].to_numpy() <= max_active_hours)
    hod = (prof[:, :24] + prof[:, 24:])[narrow]
    block = hod.argmax(axis=1) // 4  # 4-hour blocks; each account also joins the next block
    angle = np.angle(hod @ np.exp(2j * np.pi * np.arange(24) / 24))
    key = np.concatenate([block, (block + 1) % 6])
    rows = np.concatenate([narrow, narrow])
    i, j = _candidates(key, np.concatenate([angle, angle]), rows, max_neighbours)
    sim = _intersections(prof.astype(np.float32), i, j)
    p = (1 + len(null) - np.searchsorted(null, sim - 1e-12, side="left")) / (1 + len(null))
    keep = p <= max_p_value
    i, j, sim, p = i[keep], j[keep], sim[keep], p[keep]
    hours = summ["active_hours"].to_numpy(dtype=object)
    office = (summ["office_hours_share"] * 100).round().astype(int).astype(str).to_numpy()
    na, nb = n[elig][i].astype(np.int64), n[elig][j].astype(np.int64)

    def render(f: pd.DataFrame) -> np.ndarray:
        ii, jj = f["ri"].to_numpy(), f["rj"].to_numpy()
        return (pd.Series(hours[ii]).astype(str) + " / " + pd.Series(hours[jj]).astype(str)
                + "; office hours " + pd.Series(office[ii]) + "% / " + pd.Series(office[jj])
                + "%; hour-of-week overlap " + pd.Series(f["weight"].to_numpy()).round(2).astype(
                    str) + " (" + pd.Series(n[elig][ii].astype(np.int64)).astype(str) + " / "
                + pd.Series(n[elig][jj].astype(np.int64)).astype(str) + " posts)"
                ).to_numpy(dtype=object)

    ca, cb = elig[i], elig[j]
    swap = ca > cb
    return profile_channel("rhythm", ca, cb, p_value=p, weight=sim,
                           n_events=np.minimum(na, nb), render=render,
                           extra={"ri": np.where(swap, j, i), "rj": np.where(swap, i, j)})


def rhythm_edges(posts: pd.DataFrame, *, min_posts: int = 10, max_active_hours: int = 12,
                 max_neighbours: int = 50, n_null_pairs: int = 20_000,
                 max_p_value: float = 0.01, seed: int = 0) -> pd.DataFrame:
    """Schema edges of ``rhythm_channel`` for a posts table (see there)."""
    from astroturf.signals.coactions import scan_data

    sd = scan_data(posts)
    return channel_to_schema(rhythm_channel(
        sd, min_posts=min_posts, max_active_hours=max_active_hours,
        max_neighbours=max_neighbours, n_null_pairs=n_null_pairs, max_p_value=max_p_value,
        seed=seed), sd)


def _intersections(prof: np.ndarray, i: np.ndarray, j: np.ndarray, chunk: int = 100_000
                   ) -> np.ndarray:
    """Histogram intersection of profile rows i and j, in cache-sized chunks (float64 out)."""
    out = np.empty(len(i))
    for lo in range(0, len(i), chunk):
        s = slice(lo, lo + chunk)
        out[s] = np.minimum(prof[i[s]], prof[j[s]]).sum(axis=1, dtype=np.float64)
    return out


def _null_similarities(prof: np.ndarray, *, n_pairs: int, seed: int) -> np.ndarray:
    """Sorted similarities of seeded random pairs (i != j) of profile rows."""
    m = len(prof)
    rng = np.random.default_rng(seed)
    i = rng.integers(0, m, n_pairs)
    j = (i + rng.integers(1, m, n_pairs)) % m
    return np.sort(_intersections(prof.astype(np.float32), i, j))
