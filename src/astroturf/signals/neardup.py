"""Near-duplicate text pairs: character-shingle MinHash, banded LSH, rapidfuzz verification.

Why: comparing every pair of texts is quadratic. Measured fastest here (MEASUREMENTS.md):
numpy MinHash over character shingles with very common shingles dropped, banded LSH for
candidates, then ``rapidfuzz`` ``fuzz.ratio >= threshold`` on candidates only. Shingles are
hashed with polynomial prefix hashes over one code-point buffer, so there is no Python loop
over texts. Deterministic: seeded hash family, stable sorts, pairs returned sorted.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from astroturf.signals.coaction import unique_sorted
from astroturf.signals.minhash import lsh_pairs, mix64

logger = logging.getLogger("astroturf.signals.neardup")

_CACHE: dict[tuple, pd.DataFrame] = {}


def _char_gram_hashes(texts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Hash of every character k-gram inside each text and its text position.

    Polynomial prefix hashes over one code-point buffer (odd base, so invertible mod 2**64):
    hash(s, s+k) = (P[s+k] - P[s]) * base**-s, all vectorised. Texts shorter than k give one
    shingle (the whole text).
    """
    lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    buf = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    buf = buf.astype(np.uint64) + np.uint64(1)
    n = len(buf)
    base = np.uint64(0x100000001B3)
    pw = np.full(n, base, dtype=np.uint64)
    inv = np.full(n, np.uint64(pow(int(base), -1, 2**64)), dtype=np.uint64)
    if n:
        pw[0] = inv[0] = 1
    pw, inv = np.cumprod(pw, dtype=np.uint64), np.cumprod(inv, dtype=np.uint64)
    prefix = np.r_[np.uint64(0), np.cumsum(buf * pw, dtype=np.uint64)]
    n_sh = np.maximum(lens - k + 1, 1)
    span = np.minimum(lens, k)
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), n_sh)
    first = np.cumsum(lens) - lens
    start = np.repeat(first, n_sh) + (np.arange(n_sh.sum()) - np.repeat(np.cumsum(n_sh) - n_sh,
                                                                       n_sh))
    end = start + np.repeat(span, n_sh)
    return mix64((prefix[end] - prefix[start]) * inv[start]), owner


_SLOTS = 1 << 22


def _common_slots(texts: np.ndarray, *, k: int, max_df: float, sample: int = 50_000
                  ) -> np.ndarray:
    """Boolean table over 2**22 hash slots: shingles in more than ``max_df`` of the texts.

    Counted on an evenly spaced sample of at most ``sample`` texts (frequent shingles are
    estimated well from it), so memory stays bounded; a slot collision only ever drops a
    shingle a little early. Stock fragments dropped this way would make unrelated texts collide.
    """
    step = max(1, len(texts) // sample)
    h, own = _char_gram_hashes(texts[::step], k)
    once = unique_sorted(own.astype(np.uint64) << np.uint64(40) | (h >> np.uint64(42)))
    df = np.bincount((once & np.uint64(_SLOTS - 1)).astype(np.int64), minlength=_SLOTS)
    n_sample = len(texts[::step])
    return df > max(1000 / step, max_df * n_sample)


def minhash(texts: np.ndarray, *, n_hashes: int = 36, k: int = 5, max_df: float = 0.01,
            seed: int = 0, chunk: int = 50_000) -> np.ndarray:
    """MinHash signatures (len(texts) x n_hashes, uint64) of character k-gram shingles.

    Very common shingles are dropped (see ``_common_slots``). Texts without any informative
    shingle get all-max rows and never become candidates. Works chunk by chunk.
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, n_hashes, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, n_hashes, dtype=np.uint64)
    sig = np.full((len(texts), n_hashes), np.iinfo(np.uint64).max, dtype=np.uint64)
    if len(texts) == 0:
        return sig
    with np.errstate(over="ignore"):
        common = _common_slots(texts, k=k, max_df=max_df)
        for lo in range(0, len(texts), chunk):
            h, owner = _char_gram_hashes(texts[lo:lo + chunk], k)
            keep = ~common[(h >> np.uint64(42)).astype(np.int64)]
            h, owner = h[keep], owner[keep]
            if len(h) == 0:
                continue
            starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
            has = owner[starts] + lo
            for j in range(n_hashes):
                sig[has, j] = np.minimum.reduceat(h * a[j] + b[j], starts)
    return sig


def near_duplicate_pairs(texts: pd.Series, *, threshold: float = 70.0, seed: int = 0,
                         max_bucket: int = 100, max_neighbours: int = 50) -> pd.DataFrame:
    """Verified near-duplicate pairs among distinct ``texts`` (positions x < y).

    Columns out: x, y (int64 positions), score (rapidfuzz ratio, 0-100). Each text keeps at
    most ``max_neighbours`` best-scoring partners so one boilerplate text cannot explode.
    """
    empty = pd.DataFrame({"x": np.array([], np.int64), "y": np.array([], np.int64),
                          "score": np.array([], float)})
    if len(texts) < 2:
        return empty
    vals = texts.to_numpy(dtype=object)
    fingerprint = (len(vals), int(pd.util.hash_array(vals).sum(dtype=np.uint64)), threshold,
                   seed, max_bucket, max_neighbours)
    if fingerprint in _CACHE:  # the sync, reuse and template stages share one computation
        return _CACHE[fingerprint].copy()
    x, y = lsh_pairs(minhash(vals, seed=seed), max_bucket=max_bucket)
    if len(x) == 0:
        return empty
    score = cpdist(vals[x], vals[y], scorer=fuzz.ratio, workers=1)
    keep = score >= threshold
    pairs = pd.DataFrame({"x": x[keep], "y": y[keep], "score": score[keep].astype(float)})
    both = pd.concat([pairs, pairs.rename(columns={"x": "y", "y": "x"})], ignore_index=True)
    both = both.sort_values(["x", "score", "y"], ascending=[True, False, True], kind="stable")
    both = both[both.groupby("x").cumcount() < max_neighbours]
    kept = both[both["x"] < both["y"]].sort_values(["x", "y"], kind="stable")
    logger.debug("near-duplicates: %d texts, %d candidates, %d verified", len(texts), len(x),
                 len(kept))
    kept = kept.reset_index(drop=True)
    _CACHE.clear()
    _CACHE[fingerprint] = kept
    return kept.copy()
