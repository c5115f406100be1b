"""Blocking helpers for profile signals: group-pair enumeration, shared-key pairs, MinHash-LSH.

Profile signals (handles, bios, clients, locations) all reduce to "these accounts share a key".
Pairs are enumerated only inside small key groups (vectorised, no Python loop over rows) and the
p-value of a pair is the *rarity tail* of the population's key distribution:

    p(key of size m) = sum over keys k' with size m' <= m of m'(m'-1) / (N(N-1))

i.e. the probability that two accounts drawn at random from the N accounts of the population share
*some* key at least as rare as this one. Keys shared by many accounts (boilerplate bios, common
apps, 'john' prefixes) therefore give weak p-values, and singleton keys cost nothing.

MinHash uses deterministic hashes and seeded per-hash salts, so the same texts give the same
candidates on every run and platform. ``mix64`` and the banded ``lsh_pairs`` here are shared with
the near-duplicate text signal (``neardup.py``), which only differs in how it hashes shingles
(polynomial prefix hashes with very common shingles dropped, tuned for millions of posts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.signals.coaction import unique_sorted

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def pairs_within_groups(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs (i < j) of positions that share a value in the *sorted* array ``group``.

    Returns two int64 arrays of positions into ``group``. Cost is sum of m(m-1)/2 over groups:
    callers cap group sizes first.
    """
    n = len(group)
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    sizes = np.diff(np.r_[starts, n])
    size_of = np.repeat(sizes, sizes)
    rank = np.arange(n) - np.repeat(starts, sizes)
    n_right = (size_of - 1 - rank).astype(np.int64)
    left = np.repeat(np.arange(n, dtype=np.int64), n_right)
    offs = np.arange(len(left), dtype=np.int64) - np.repeat(np.cumsum(n_right) - n_right, n_right)
    return left, left + 1 + offs


def rarity_tail(sizes: np.ndarray, n_population: int) -> np.ndarray:
    """P(two random accounts of N share some key of size <= m), for each key size m in ``sizes``.

    ``sizes`` holds the member count of every distinct key of one key family (all keys, not only
    the ones that make edges, so that the tail is complete).
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    if len(sizes) == 0 or n_population < 2:
        return np.ones(len(sizes))
    order = np.argsort(sizes, kind="stable")
    s = sizes[order]
    mass = s * (s - 1) / (float(n_population) * (n_population - 1))
    cum = np.cumsum(mass)
    # ties: every key of size m gets the mass of all keys of size <= m
    last = np.searchsorted(s, s, side="right") - 1
    tail = np.empty_like(cum)
    tail[order] = cum[last]
    return np.minimum(tail, 1.0)


def shared_key_pairs(codes: np.ndarray, keys: pd.Series, *, n_population: int,
                     max_group: int, strata: pd.Series | None = None,
                     max_p_value: float = 1.0) -> pd.DataFrame:
    """Account pairs sharing a key, with the key's rarity-tail p-value; best key kept per pair.

    In: ``codes`` int account codes (sorted-id codes, see ``base.account_codes``) and ``keys``
    (str, aligned; NA = no key). Duplicated (code, key) rows are ignored.
    Out columns: a, b (codes, a < b), key (the rarest shared key), size (its member count),
    p_value, n_keys (number of distinct shared keys). Keys with more than ``max_group`` members
    make no pairs but still count in the tail, and so do keys whose p-value exceeds
    ``max_p_value`` (filtered before pairs are enumerated). With ``strata`` (aligned with
    ``keys``; one stratum per key, e.g. a text-length class) the tail is conditional on the
    stratum: keys are compared only with keys of their stratum and N is the number of accounts
    in it.
    """
    cols = ["a", "b", "key", "size", "p_value", "n_keys"]
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
        for _, grp in df.assign(kid=kid).groupby("stratum", sort=True):
            ks = np.unique(grp["kid"].to_numpy())
            tail[ks] = rarity_tail(sizes[ks], grp["code"].nunique())
    df = df.assign(kid=kid, size=sizes[kid])
    df = df[(df["size"] >= 2) & (df["size"] <= max_group) & (tail[kid] <= max_p_value)]
    df = df.sort_values(["kid", "code"], kind="stable")
    k = df["kid"].to_numpy()
    c = df["code"].to_numpy()
    i, j = pairs_within_groups(k)
    if len(i) == 0:
        return pd.DataFrame({c: [] for c in cols})
    pairs = pd.DataFrame({"a": c[i], "b": c[j], "kid": k[i]})
    pairs["p_value"] = tail[pairs["kid"].to_numpy()]
    pairs["size"] = sizes[pairs["kid"].to_numpy()]
    pairs = pairs.sort_values(["a", "b", "p_value", "size", "kid"], kind="stable")
    n_keys = pairs.groupby(["a", "b"], sort=False)["kid"].transform("size")
    pairs = pairs.assign(n_keys=n_keys.to_numpy()).drop_duplicates(["a", "b"], keep="first")
    pairs["key"] = np.asarray(kuniq, dtype=object)[pairs["kid"].to_numpy()]
    return pairs[cols].reset_index(drop=True)


def auto_max_p(n_population: int, max_p_value: float | None) -> float:
    """The p-value cap for returned pairs: given, or 'at most 10 N chance pairs as strong'.

    Pair p-values are P(a random pair is at least this strong); among N(N-1)/2 pairs, p above
    20/(N-1) means more than 10 such pairs per account are expected by chance: alone or fused
    with other channels they cannot survive the graph stage's FDR over all pairs, and keeping
    them would make the edge table quadratic. At most 0.01 for small populations.
    """
    if max_p_value is not None:
        return float(max_p_value)
    return min(0.01, 20.0 / max(n_population - 1, 1))


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fast, well-spread uint64 -> uint64 hash."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def shingle_hashes(texts: pd.Series, *, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the character k-grams of every text, vectorised over one concatenated buffer.

    Returns (hashes uint64, owner int64 text position). Texts shorter than k give one shingle
    (the whole text). Empty texts give none.
    """
    vals = texts.fillna("").astype(str)
    padded = vals.where(vals.str.len() >= k, vals.str.pad(k, side="right", fillchar="\x00"))
    padded = padded.where(vals.str.len() > 0, "")
    lens = padded.str.len().to_numpy(dtype=np.int64)
    buf = np.frombuffer("".join(padded.tolist()).encode("utf-32-le"), dtype=np.uint32)
    buf = buf.astype(np.uint64)
    n_sh = np.maximum(lens - k + 1, 0)
    owner = np.repeat(np.arange(len(lens), dtype=np.int64), n_sh)
    start = np.repeat(np.cumsum(lens) - lens, n_sh) + (
        np.arange(n_sh.sum()) - np.repeat(np.cumsum(n_sh) - n_sh, n_sh))
    h = np.zeros(len(start), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = mix64(h * np.uint64(1099511628211) + buf[start + j])
    return h, owner


def minhash_signatures(texts: pd.Series, *, n_hashes: int = 60, k: int = 4,
                       seed: int = 0) -> np.ndarray:
    """MinHash signature matrix (len(texts) x n_hashes, uint64); empty texts get all-max rows."""
    h, owner = shingle_hashes(texts, k=k)
    n = len(texts)
    sig = np.full((n, n_hashes), _MASK64, dtype=np.uint64)
    if len(h) == 0:
        return sig
    salts = mix64(np.arange(1, n_hashes + 1, dtype=np.uint64) + np.uint64(seed) * np.uint64(7919))
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])  # owner is sorted
    has = owner[starts]  # one segment per text
    for j in range(n_hashes):
        sig[has, j] = np.minimum.reduceat(mix64(h ^ salts[j]), starts)
    return sig


def lsh_pairs(sig: np.ndarray, *, rows: int = 3, max_bucket: int = 100
              ) -> tuple[np.ndarray, np.ndarray]:
    """Unique candidate pairs (x < y, sorted) of signature rows sharing any band of ``rows``.

    The one banded LSH for texts and bios. Buckets larger than ``max_bucket`` are boilerplate
    and skipped; all-max rows (texts without an informative shingle) never pair.
    """
    n, k = sig.shape
    packed = []
    empty_row = sig[:, 0] == _MASK64
    with np.errstate(over="ignore"):
        for band in range(k // rows):
            key = np.full(n, np.uint64(band), dtype=np.uint64)
            for r in range(rows):
                key = mix64(key ^ sig[:, band * rows + r])
            order = np.argsort(key, kind="stable")
            ks = key[order]
            starts = np.r_[0, np.flatnonzero(ks[1:] != ks[:-1]) + 1]
            sizes = np.diff(np.r_[starts, n])
            keep = np.repeat((sizes > 1) & (sizes <= max_bucket), sizes) & ~empty_row[order]
            i, j = pairs_within_groups(ks[keep])
            members = order[keep]
            x, y = members[i], members[j]
            packed.append(np.minimum(x, y) * np.int64(n) + np.maximum(x, y))
    if not packed:
        return np.array([], np.int64), np.array([], np.int64)
    u = unique_sorted(np.concatenate(packed))
    return u // n, u % n
