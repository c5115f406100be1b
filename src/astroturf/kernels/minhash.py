"""Near-duplicate search kernels: character-shingle MinHash and banded LSH (the relation
itself and the verification of candidates: ``kernels.neardup``).

Speed (issue "fast on any data"): shingle hashes are polynomial prefix hashes over one
code-point buffer, per chunk of texts (bounded memory); MinHash is ``n_hashes`` vectorised
passes; LSH uses bands of ``rows`` hashes. A bucket shared by more than ``max_bucket`` texts is a
popular phrase, not a template: its members are linked only to the bucket's first ``hot_links``
texts (star, not clique), so cost stays linear and the group still holds together.
Deterministic: seeded hash family, stable sorts, pairs returned sorted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from astroturf.kernels.keys import pairs_within_groups
from astroturf.kernels.sweep import run_starts, unique_sorted
from astroturf.kernels.threads import spans, thread_map

log = logging.getLogger("astroturf.kernels.minhash")

_MAX = np.iinfo(np.uint64).max
EMPTY16 = np.uint16(0xFFFF)  # signature value of a text without informative shingles
_SLOTS = 1 << 22


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fast, well-spread uint64 -> uint64 hash."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


Texts = pa.LargeStringArray | np.ndarray  # distinct texts: Arrow, or an object array of str


def as_texts(texts: Texts) -> pa.LargeStringArray:
    """``texts`` as one Arrow large_string array (no copy when it already is one)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if isinstance(texts, pa.Array):
        return texts if texts.type == pa.large_string() else texts.cast(pa.large_string())
    return pa.array(texts, type=pa.large_string())


def take_texts(texts: Texts, idx: np.ndarray) -> Texts:
    """``texts[idx]`` for Arrow or NumPy texts."""
    return texts.take(pa.array(idx, pa.int64())) if isinstance(texts, pa.Array) else texts[idx]


def _utf8(texts: Texts) -> tuple[np.ndarray, np.ndarray]:
    """(offsets int64, bytes uint8) of the UTF-8 encoding of ``texts`` (one arrow buffer)."""
    arr = as_texts(texts)
    off = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    buf = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return off - off[0], buf[off[0]:off[-1]]


def gram_hashes(texts: Texts, k: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hash of every k-byte window of each text's UTF-8 (k <= 8), and per-text counts.

    A window is packed exactly into a uint64 (no rolling hash, no Python loop) and then mixed;
    windows crossing a text boundary are dropped. Texts shorter than k give no shingle.
    Returns (hashes in text order, number of shingles per text).
    """
    off, buf = _utf8(texts)
    lens = np.diff(off)
    n_sh = np.maximum(lens - k + 1, 0)
    m = len(buf) - k + 1
    if m <= 0:
        return np.zeros(0, np.uint64), n_sh
    b = buf.astype(np.uint64)
    key = b[:m].copy()
    for s in range(1, k):
        key |= b[s:s + m] << np.uint64(8 * s)
    valid = np.ones(m, dtype=bool)
    for s in range(1, k):  # the last k-1 windows of every text cross into the next one
        idx = off[1:] - s
        valid[idx[(idx >= 0) & (idx < m)]] = False
    return mix64(key[valid]), n_sh


def common_slots(texts: Texts, *, k: int, max_df: float, min_count: int = 1000,
                 sample: int = 50_000) -> np.ndarray:
    """Boolean table over 2**22 hash slots: shingles that carry no information here.

    A shingle is uninformative when it is in more than ``max_df`` of the texts *and* in more
    than ``min_count`` texts (so small exports keep their campaign's own words). Counted on an
    evenly spaced sample (frequent shingles are well estimated from it).
    """
    step = max(1, len(texts) // sample)
    part = texts[::step]

    def distinct_slots(rows: slice) -> np.ndarray:  # (text << 40 | slot), once per text
        h, n_sh = gram_hashes(part[rows], k)
        own = np.repeat(np.arange(rows.start, rows.stop, dtype=np.uint64), n_sh)
        return unique_sorted(own << np.uint64(40) | (h >> np.uint64(42)))

    # pieces over text ranges: each sorted piece joins the next one still sorted
    once = np.concatenate([np.zeros(0, np.uint64), *thread_map(distinct_slots,
                                                                spans(len(part)))])
    df = np.bincount((once & np.uint64(_SLOTS - 1)).astype(np.int64), minlength=_SLOTS)
    return df > max(min_count / step, max_df * len(part), 2.0)


def minhash(texts: Texts, *, n_hashes: int = 40, k: int = 5, max_df: float = 0.01,
            seed: int = 0, chunk: int = 20_000, common: np.ndarray | None = None
            ) -> np.ndarray:
    """b-bit MinHash signatures (len(texts) x n_hashes, uint16) of informative shingles.

    32-bit universal hashes of the shingle hash (twice the SIMD width of 64-bit ones); each
    minimum is kept as its lowest 16 bits (b-bit minwise hashing, Li & Koenig 2010: two
    different minima agree with probability 2**-16, a negligible bias), halving the memory
    that LSH and the Jaccard estimate stream through. Texts without an informative shingle get
    rows of ``EMPTY16`` and never become candidates.
    """
    rng = np.random.default_rng(seed)
    a = (rng.integers(0, 2**31, n_hashes, dtype=np.uint32) << np.uint32(1)) | np.uint32(1)
    b = rng.integers(0, 2**32, n_hashes, dtype=np.uint32)
    sig = np.full((len(texts), n_hashes), EMPTY16, dtype=np.uint16)
    if len(texts) == 0:
        return sig
    if common is None:
        common = common_slots(texts, k=k, max_df=max_df)

    def one_chunk(lo: int) -> None:  # rows lo:lo+chunk of sig, and nothing else
        h, n_sh = gram_hashes(texts[lo:lo + chunk], k)
        keep = ~common[(h >> np.uint64(42)).astype(np.int64)]
        n_keep = np.add.reduceat(keep, np.cumsum(n_sh) - n_sh) if len(h) else n_sh * 0
        n_keep = np.where(n_sh > 0, n_keep, 0)
        h32 = (h[keep] >> np.uint64(32)).astype(np.uint32)
        has = np.flatnonzero(n_keep > 0)
        if len(has) == 0:
            return
        starts = (np.cumsum(n_keep) - n_keep)[has]
        block = np.empty((len(has), n_hashes), dtype=np.uint16)
        with np.errstate(over="ignore"):
            for j in range(n_hashes):
                block[:, j] = np.minimum.reduceat(h32 * a[j] + b[j], starts)  # low 16 bits
        block[block == EMPTY16] = EMPTY16 - 1  # the empty marker stays unique
        sig[lo + has] = block

    thread_map(one_chunk, range(0, len(texts), chunk))
    return sig


def lsh_candidates(sig: np.ndarray, *, rows: int = 2, max_bucket: int = 10,
                   hot_links: int = 2, min_agree: int = 0,
                   pair_ok: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Unique candidate pairs (x < y, sorted) of signature rows sharing any band of ``rows``.

    A band's key is its ``rows`` signature values packed together (16 bits each, so up to 3
    rows), sorted with the row number in the low bits (one sort of one int64 column per band).
    Buckets of more than ``max_bucket`` rows are hot: each member is linked only to the
    bucket's first ``hot_links`` members (a star keeps the group connected at linear cost).
    Empty rows never pair. With ``min_agree`` only pairs whose signatures agree in at least
    that many positions are kept: the prefilter is a property of the pair, so applying it to
    each band's pairs before the cross-band de-duplication gives the same set while the sort
    that removes duplicates sees a fraction of the pairs. ``pair_ok(x, y)`` (a mask) is any
    other such property, checked first: a cheap exact bound of the caller's relation (text
    lengths) spares the agreement count, which costs about 120 ns a pair.
    """
    n, k = sig.shape
    if rows > 3:
        raise ValueError("lsh_candidates packs at most 3 rows of 16 bits per band")
    live = np.flatnonzero(sig[:, 0] != EMPTY16) if k else np.zeros(0, np.int64)
    shift = np.uint64(max(int(len(live) - 1).bit_length(), 1))
    words = signature_words(sig) if min_agree > 0 else None

    def one_band(band: int) -> np.ndarray:  # the band's pairs, packed x * n + y
        # in place where it can be, and each array dropped once used: two bands run at
        # once, and at 10M posts every array here is 60 MB
        key = np.zeros(len(live), dtype=np.uint64)
        for r in range(rows):
            # take() from the strided column: 5x faster than sig[live, c] or a transpose
            key <<= np.uint64(16)
            key |= sig[:, band * rows + r].take(live).astype(np.uint64)
        key <<= shift
        key |= np.arange(len(live), dtype=np.uint64)
        key.sort()
        order = live[(key & ((np.uint64(1) << shift) - np.uint64(1))).astype(np.int64)]
        key >>= shift  # the band keys, sorted
        starts = run_starts(key)
        sizes = np.diff(np.r_[starts, len(key)])
        small = np.repeat((sizes > 1) & (sizes <= max_bucket), sizes)
        i, j = pairs_within_groups(key[small])
        del key
        members = order[small]
        del small
        x, y = members[i], members[j]
        del members, i, j
        big = np.flatnonzero(sizes > max_bucket)
        if len(big):
            hx, hy = _star_links(order, starts[big], sizes[big], hot_links)
            x, y = np.r_[x, np.minimum(hx, hy)], np.r_[y, np.maximum(hx, hy)]
        del order, starts, sizes
        if pair_ok is not None:
            ok = pair_ok(x, y)
            x, y = x[ok], y[ok]
        if words is not None:
            ok = agreement(words, x, y, k) >= min_agree
            x, y = x[ok], y[ok]
        return x * np.int64(n) + y

    packed = thread_map(one_band, range(k // rows))
    if not packed:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    u = np.concatenate(packed)
    del packed  # the bands' pairs, now in u: sorted in place, not copied again
    u = unique_sorted(u, overwrite=True)
    return u // n, u % n


_LOW15 = np.uint64(0x7FFF7FFF7FFF7FFF)
_HIGH1 = np.uint64(0x8000800080008000)


def signature_words(sig: np.ndarray) -> np.ndarray:
    """uint16 signatures packed four to a uint64 word (rows zero-padded to whole words); a
    view, not a copy, when the rows already are whole words (the default 40 hashes: a copy
    was 550 MB at 10M posts)."""
    n, k = sig.shape
    if k % 4 == 0 and sig.flags.c_contiguous and sig.dtype == np.uint16:
        return sig.view(np.uint64)
    width = -(-k // 4) * 4
    padded = np.zeros((n, width), dtype=np.uint16)
    padded[:, :k] = sig
    return padded.view(np.uint64)


def agreement(words: np.ndarray, x: np.ndarray, y: np.ndarray, k: int, *,
              chunk: int = 16_384) -> np.ndarray:
    """Positions where signature rows x[i] and y[i] agree (``signature_words`` input).

    Four 16-bit lanes per XOR: a lane is zero when neither its low 15 bits (their sum with
    0x7FFF cannot carry into the next lane) nor its top bit are set; padding lanes always
    agree and are taken off. Small chunks into two reused buffers keep the work in cache
    (twice as fast as comparing uint16 rows, which allocates per chunk).
    """
    w = words.shape[1]
    out = np.empty(len(x), dtype=np.int64)
    z, t = np.empty((chunk, w), np.uint64), np.empty((chunk, w), np.uint64)
    for lo in range(0, len(x), chunk):
        m = min(chunk, len(x) - lo)
        zz, tt = z[:m], t[:m]
        np.take(words, x[lo:lo + m], axis=0, out=zz)
        np.take(words, y[lo:lo + m], axis=0, out=tt)
        np.bitwise_xor(zz, tt, out=zz)
        np.bitwise_and(zz, _LOW15, out=tt)
        np.add(tt, _LOW15, out=tt)
        np.bitwise_or(tt, zz, out=tt)  # top bit of a lane: the lane is non-zero
        np.bitwise_not(tt, out=tt)
        np.bitwise_and(tt, _HIGH1, out=tt)
        out[lo:lo + m] = np.bitwise_count(tt).sum(axis=1, dtype=np.int64)
    return out - (w * 4 - k)


def _star_links(order: np.ndarray, starts: np.ndarray, sizes: np.ndarray, hubs: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Each member of each hot bucket paired with the bucket's first ``hubs`` members."""
    rep = np.repeat(np.arange(len(starts)), sizes)
    pos = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    member = order[np.repeat(starts, sizes) + pos]
    xs, ys = [], []
    for h in range(hubs):
        hub = order[starts + h]
        ok = pos > h
        xs.append(member[ok])
        ys.append(hub[rep[ok]])
    return np.concatenate(xs), np.concatenate(ys)


def profile_signatures(texts: pd.Series, *, n_hashes: int = 60, k: int = 4,
                       seed: int = 0) -> np.ndarray:
    """MinHash signatures of short profile texts (bios): every shingle counts (bios are few).

    16-bit, like the text signatures; empty or very short texts get ``EMPTY16`` rows.
    """
    vals = texts.fillna("").astype(str).to_numpy(dtype=object)
    rng = np.random.default_rng(seed + 7919)
    a = (rng.integers(0, 2**31, n_hashes, dtype=np.uint32) << np.uint32(1)) | np.uint32(1)
    b = rng.integers(0, 2**32, n_hashes, dtype=np.uint32)
    sig = np.full((len(vals), n_hashes), EMPTY16, dtype=np.uint16)
    h, n_sh = gram_hashes(vals, k)
    has = np.flatnonzero(n_sh > 0)
    if len(h) == 0:
        return sig
    h32 = (h >> np.uint64(32)).astype(np.uint32)
    starts = (np.cumsum(n_sh) - n_sh)[has]
    with np.errstate(over="ignore"):
        for j in range(n_hashes):
            col = np.minimum.reduceat(h32 * a[j] + b[j], starts).astype(np.uint16)
            col[col == EMPTY16] = EMPTY16 - 1
            sig[has, j] = col
    return sig
