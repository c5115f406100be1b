"""Near-duplicate texts: the relation, and the search that finds its pairs.

The relation (stated in docs/interpreting.md): two texts are near-duplicates when their edit
similarity (rapidfuzz ``fuzz.ratio``) is at least ``threshold`` (70) AND they share a real part of
their *informative* 5-character fragments (fragments found in at most ``max_df`` = 1 % of the
texts; their exact Jaccard at least ``min_jaccard``, after a MinHash prefilter). The second
clause is what keeps apart texts that only look alike because they are made of the same
frequent words (on Zipf-distributed word salad, half of all random pairs of short texts pass
the ratio alone).

The search: MinHash signatures and LSH candidates (``kernels.minhash``), then the candidates
verified in blocks (edit similarity, then the exact informative Jaccard) and each text's
partners capped. Deterministic: pairs returned sorted.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from astroturf.kernels.minhash import (
    Texts,
    as_texts,
    common_slots,
    gram_hashes,
    lsh_candidates,
    minhash,
    take_texts,
)
from astroturf.kernels.sweep import dense_rank, lexsort_ints, run_starts, unique_sorted
from astroturf.kernels.threads import spans, thread_map

log = logging.getLogger("astroturf.kernels.neardup")


@dataclass(frozen=True)
class NearDupParams:
    """The near-duplicate relation and its search (see the module docstring)."""

    threshold: float = 70.0  # fuzz.ratio, 0-100
    min_jaccard: float = 0.3  # exact Jaccard of informative shingles
    prefilter: float = 0.2  # MinHash estimate a candidate needs before it is verified
    n_hashes: int = 40
    rows: int = 2
    k: int = 5
    max_df: float = 0.01
    max_bucket: int = 10
    max_neighbours: int = 50
    seed: int = 0


def informative_jaccard(texts: Texts, x: np.ndarray, y: np.ndarray, *, k: int,
                        common: np.ndarray) -> np.ndarray:
    """Exact Jaccard of the informative k-byte shingle sets of texts x[i] and y[i].

    A property of each pair: blocks of pairs are computed side by side, joined in order."""
    if len(x) == 0:
        return np.zeros(0)
    return np.concatenate(thread_map(lambda part: _jaccard_block(
        texts, x[part], y[part], k, common), spans(len(x), min_size=_JACCARD_BLOCK)))


_JACCARD_BLOCK = 50_000
_PACK_BITS = 63  # an int64 holds (text or pair, shingle code) while their bits fit


def _jaccard_block(texts: Texts, x: np.ndarray, y: np.ndarray, k: int,
                   common: np.ndarray) -> np.ndarray:
    both = np.r_[x, y]
    used = unique_sorted(both)
    inv = np.searchsorted(used, both)
    h, n_sh = gram_hashes(take_texts(texts, used), k)
    own = np.repeat(np.arange(len(used), dtype=np.int64), n_sh)
    keep = ~common[(h >> np.uint64(42)).astype(np.int64)]
    h, own = h[keep], own[keep]
    # shingles as dense codes (equal hashes, equal codes, so every count is the same): a
    # (text, shingle) and a (pair, shingle) then pack into one int64 each, and two sorts of
    # one column replace two lexsorts of 64-bit hashes (600k pairs of simulator texts:
    # 11.4 -> 5.3 s)
    bits = max(len(h) - 1, 1).bit_length()
    text_bits = max(len(used) - 1, 1).bit_length()
    pair_bits = max(len(x) - 1, 1).bit_length()
    if max(text_bits, pair_bits) + bits > _PACK_BITS and len(x) > 1:  # megabyte texts: halves
        half = len(x) // 2
        return np.r_[_jaccard_block(texts, x[:half], y[:half], k, common),
                     _jaccard_block(texts, x[half:], y[half:], k, common)]
    low = np.int64((1 << bits) - 1)
    shingles = unique_sorted((own << np.int64(bits)) | dense_rank(h))  # distinct, by text
    own, code = shingles >> np.int64(bits), shingles & low
    del shingles, h
    size = np.bincount(own, minlength=len(used))
    start = np.cumsum(size) - size
    xi, yi = inv[: len(x)], inv[len(x):]
    pair = np.arange(len(x), dtype=np.int64)
    keys = []
    for side in (xi, yi):
        cnt = size[side]
        offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        pos = np.repeat(start[side], cnt) + offs
        keys.append((np.repeat(pair, cnt) << np.int64(bits)) | code[pos])
    key = np.concatenate(keys)
    del keys
    key.sort()
    dup = key[1:] == key[:-1]  # a shingle both texts of the pair have
    inter = np.bincount(key[1:][dup] >> np.int64(bits), minlength=len(x))
    union = size[xi] + size[yi] - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def near_duplicate_pairs(texts: Texts, params: NearDupParams = NearDupParams(), *,
                         common: np.ndarray | None = None) -> pd.DataFrame:
    """Verified near-duplicate pairs among distinct ``texts`` (positions x < y).

    Columns out: x, y (int64 positions), score (ratio 0-100), jaccard (exact, informative
    shingles). Each text keeps at most ``max_neighbours`` best-scoring partners. ``common``
    (``common_slots`` of a larger corpus) overrides the uninformative shingles counted on
    ``texts`` (benchmarks use it to search a sample under the whole export's relation).
    ``texts``: Arrow or an object array; Python strings are made only for the candidates of
    one block at a time (``verified``).
    """
    empty = pd.DataFrame({"x": np.zeros(0, np.int64), "y": np.zeros(0, np.int64),
                          "score": np.zeros(0), "jaccard": np.zeros(0)})
    if len(texts) < 2:
        return empty
    texts = as_texts(texts)
    if common is None:
        common = common_slots(texts, k=params.k, max_df=params.max_df)
    sig = minhash(texts, n_hashes=params.n_hashes, k=params.k, seed=params.seed,
                  common=common)
    n_chars = pc.utf8_length(texts).to_numpy(zero_copy_only=False).astype(np.int64)
    # the length bound and MinHash estimate >= prefilter, applied inside the LSH (the same
    # candidates, fewer to count agreements for and to sort)
    x, y = lsh_candidates(sig, rows=params.rows, max_bucket=params.max_bucket,
                          min_agree=math.ceil(params.prefilter * sig.shape[1] - 1e-9),
                          pair_ok=lambda a, b: ratio_can_reach(n_chars[a], n_chars[b],
                                                               params.threshold))
    del sig
    n_candidates = len(x)
    # candidates outnumbering the texts: every block would make most texts strings again,
    # so make them once (the signatures are gone by now; the search's peak is in the LSH)
    strings = texts.to_numpy(zero_copy_only=False) if len(x) > len(texts) else None
    kept = [verified(texts, x[lo:lo + _VERIFY_BLOCK], y[lo:lo + _VERIFY_BLOCK],
                     params, common, strings=strings)
            for lo in range(0, len(x), _VERIFY_BLOCK)]
    del strings
    del x, y
    x, y, score, jac = (np.concatenate([k[i] for k in kept]) for i in range(4)) if kept else (
        empty[c].to_numpy() for c in ("x", "y", "score", "jaccard"))
    x, y, score, jac = _cap_neighbours(x, y, score, jac, params.max_neighbours)
    log.debug("near-duplicates: %d texts, %d candidates, %d verified", len(texts),
              n_candidates, len(x))
    return pd.DataFrame({"x": x, "y": y, "score": score, "jaccard": jac})


_VERIFY_BLOCK = 1_000_000  # candidate pairs verified at a time: the edit-distance kernel
# copies both texts of every pair it is given (4M pairs: +0.35 GiB at 3M posts, 1M: +0.05)


def pair_ratios(strings: np.ndarray, x: np.ndarray, y: np.ndarray, *,
                score_cutoff: float | None = None) -> np.ndarray:
    """``fuzz.ratio`` of ``strings[x[i]]`` and ``strings[y[i]]`` (rapidfuzz's dtype), on every
    core, ``_VERIFY_BLOCK`` pairs at a time: the kernel converts both strings of every pair
    it is given before it starts, so one call on millions of pairs held a copy of each text
    per pair (6M bio candidates: +0.8 GiB). Each score is a property of its pair alone.

    With ``score_cutoff`` scores under it are 0 (rapidfuzz's convention), and the pairs whose
    lengths alone rule it out (``ratio_can_reach``) never reach the kernel: a third of the
    simulator's bio candidates."""
    if score_cutoff is None or len(x) == 0:
        return _ratios(strings, x, y, score_cutoff)
    n_chars = np.fromiter(map(len, strings), np.int64, len(strings))
    ok = np.flatnonzero(ratio_can_reach(n_chars[x], n_chars[y], score_cutoff))
    scores = _ratios(strings, x[ok], y[ok], score_cutoff)
    out = np.zeros(len(x), scores.dtype)
    out[ok] = scores
    return out


def _ratios(strings: np.ndarray, x: np.ndarray, y: np.ndarray,
            score_cutoff: float | None) -> np.ndarray:
    blocks = [cpdist(strings[x[lo:lo + _VERIFY_BLOCK]], strings[y[lo:lo + _VERIFY_BLOCK]],
                     scorer=fuzz.ratio, workers=-1, score_cutoff=score_cutoff)
              for lo in range(0, len(x), _VERIFY_BLOCK)]
    return np.concatenate(blocks) if blocks else np.zeros(0, np.float32)


def ratio_can_reach(la: np.ndarray, lb: np.ndarray, threshold: float) -> np.ndarray:
    """Can two texts of ``la`` and ``lb`` characters have ``fuzz.ratio`` >= ``threshold``?
    ratio = 100 * (1 - indel / (la + lb)) and indel >= |la - lb|, so only if
    200 * min(la, lb) >= threshold * (la + lb): an exact bound, free to check."""
    return 200.0 * np.minimum(la, lb) >= (threshold - 1e-9) * (la + lb)


def verified(texts: pa.LargeStringArray, x: np.ndarray, y: np.ndarray,
             params: NearDupParams, common: np.ndarray, *, strings: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, score, jaccard) of the candidate pairs that are near-duplicates.

    The candidates already meet the length bound (``ratio_can_reach``, checked in the LSH: a
    quarter of the candidates failed it on word-salad data). The edit-distance kernel needs Python
    strings: ``strings`` (all texts as str), else only the texts of these candidates are made
    into strings, once each.
    """
    if len(x) == 0:
        return x, y, np.zeros(0), np.zeros(0)
    if strings is None:
        used = unique_sorted(np.r_[x, y])
        at = np.empty(len(texts), np.int64)  # text -> its place among the used ones
        at[used] = np.arange(len(used))
        strings, xs, ys = take_texts(texts, used).to_numpy(zero_copy_only=False), at[x], at[y]
    else:
        xs, ys = x, y
    score = np.asarray(pair_ratios(strings, xs, ys), float)
    del strings, xs, ys
    ok = score >= params.threshold
    x, y, score = x[ok], y[ok], score[ok]
    jac = informative_jaccard(texts, x, y, k=params.k, common=common)
    ok = jac >= params.min_jaccard
    return x[ok], y[ok], score[ok], jac[ok]


def _cap_neighbours(x: np.ndarray, y: np.ndarray, score: np.ndarray, jac: np.ndarray,
                    cap: int) -> tuple[np.ndarray, ...]:
    """Keep a pair when it is among the ``cap`` best partners of either end."""
    if len(x) == 0:
        return x, y, score, jac
    ends = np.r_[x, y]
    other = np.r_[y, x]
    sc = np.r_[score, score]
    order = lexsort_ints((other, -sc, ends))
    e = ends[order]
    starts = run_starts(e)
    rank = np.arange(len(e)) - np.repeat(starts, np.diff(np.r_[starts, len(e)]))
    good = np.zeros(len(e), dtype=bool)
    good[order] = rank < cap
    keep = good[: len(x)] | good[len(x):]
    o = lexsort_ints((y[keep], x[keep]))
    return x[keep][o], y[keep][o], score[keep][o], jac[keep][o]
