"""Near-duplicate profile fields: bios from one template, the same profile URL or location.

Bios are normalised (NFKC, casefold, URLs/handles kept, whitespace squeezed), deduplicated, and
near-duplicates found with character 4-gram MinHash-LSH then verified with rapidfuzz
``ratio >= threshold``. Verified bios are grouped (connected components over distinct texts) into
bio *clusters*; accounts in the same cluster are paired (clusters > ``max_group`` accounts are
boilerplate and make no pairs). The p-value is the cluster's rarity tail among accounts whose
bios fall in the same length class (<20, 20-39, 40-79, 80+ characters; ``minhash.rarity_tail``):
the probability that two random accounts with bios of that length share a bio cluster that small.
Short stock phrases ('Opinions are my own', 'RT ≠ endorsement') coincide often among short bios
and get weak p-values; a 60-character template shared by 12 of 10 000 gets a strong one. Empty
(and very short, < ``min_chars``) bios never make edges.

``field='url'`` ('profile_url') and ``field='location'`` ('location') use exact matching after
normalisation (URLs via ``ural.normalize_url``; locations casefolded, punctuation squeezed).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from astroturf.kernels.keys import auto_max_p, shared_key_pairs
from astroturf.kernels.minhash import lsh_candidates, profile_signatures
from astroturf.kernels.neardup import pair_ratios
from astroturf.signals.base import ChannelEdges, channel_to_schema, empty_channel, profile_channel

log = logging.getLogger("astroturf.signals.bios")

SIGNAL_FOR_FIELD = {"bio": "bio_similar", "url": "profile_url", "location": "location"}
_SNIPPET = 40
_LENGTH_CLASSES = np.array([20, 40, 80])  # bio length classes (characters) for the null


def normalise_field(values: pd.Series, *, field: str) -> pd.Series:
    """Comparable form of a profile field (NA for empty)."""
    s = values.astype("str").str.normalize("NFKC").str.casefold()
    if field == "url":
        from astroturf.signals.normalize import normalize_urls

        distinct = pd.unique(s.dropna())  # distinct values only
        s = s.map(dict(zip(distinct, normalize_urls(list(distinct)), strict=True)))
    elif field == "location":
        s = s.str.replace(r"[^\w]+", " ", regex=True)
    s = s.astype("str").str.replace(r"\s+", " ", regex=True).str.strip()
    return s.mask(s.str.len() == 0)


def near_duplicate_clusters(texts: pd.Series, *, threshold: float = 0.8, seed: int = 0,
                            max_bucket: int = 200) -> tuple[np.ndarray, np.ndarray,
                                                            np.ndarray, np.ndarray]:
    """Cluster labels of distinct ``texts`` (MinHash-LSH candidates verified by rapidfuzz).

    Returns (labels per text, verified pair i, pair j, pair similarity 0..1).
    """
    sig = profile_signatures(texts, seed=seed)
    i, j = lsh_candidates(sig, rows=3, max_bucket=max_bucket)  # 60 hashes: 20 bands of 3
    vals = texts.to_numpy(dtype=object)
    if len(i):
        # pairs under the threshold come back as 0 (their lengths alone rule out a third of
        # them; the kernel stops early on others); the others exactly, on every core
        sim = pair_ratios(vals, i, j, score_cutoff=100.0 * threshold - 1e-9) / 100.0
        ok = sim >= threshold
        i, j, sim = i[ok], j[ok], sim[ok]
    else:
        sim = np.empty(0)
    n = len(texts)
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels, i, j, sim


def _snip(s: pd.Series) -> pd.Series:
    s = s.astype(str)
    return s.where(s.str.len() <= _SNIPPET, s.str.slice(0, _SNIPPET - 3) + "...")


def bio_similarity_channel(sd, *, field: str = "bio", threshold: float = 0.8, seed: int = 0,
                           max_group: int = 200, min_chars: int | None = None,
                           max_p_value: float | None = None) -> ChannelEdges:
    """Pairs of accounts with (near-)identical ``field`` values, boilerplate-discounted.

    ``field`` 'bio', 'url' or 'location' -> signal 'bio_similar' / 'profile_url' / 'location';
    weight = rapidfuzz ratio of the two values (0..1); ``expected`` = ``p_value``; evidence e.g.
    "bio: 'Proud FC ambassador...' ~ 'Proud FC ambassador ...' (sim 0.93, 12 of 900 accounts)".
    ``min_chars`` defaults to 8 for bios (shorter bios are too generic) and 1 otherwise. Pairs
    weaker than ``max_p_value`` are not returned (None: ``kernels.keys.auto_max_p``).
    """
    signal = SIGNAL_FOR_FIELD.get(field, f"{field}_similar")
    accounts = sd.accounts
    if field not in accounts.columns or "account_id" not in accounts.columns:
        return empty_channel(signal)
    acc = accounts[["account_id", field]].dropna().drop_duplicates("account_id")
    acc = acc.assign(code=sd.codes_of(acc["account_id"].astype("str")))
    acc = acc[acc["code"] >= 0]
    acc = acc.assign(norm=normalise_field(acc[field], field=field)).dropna(subset=["norm"])
    n_pop = len(acc)
    min_chars = (8 if field == "bio" else 1) if min_chars is None else min_chars
    acc = acc[acc["norm"].str.replace(" ", "").str.len() >= min_chars]
    if len(acc) < 2:
        return empty_channel(signal)
    codes = acc["code"].to_numpy(np.int64)
    text_id, distinct = pd.factorize(acc["norm"], sort=True)
    distinct = pd.Series(np.asarray(distinct, dtype=object), dtype="str")
    if field == "bio":
        labels, *_ = near_duplicate_clusters(distinct, threshold=threshold, seed=seed)
    else:
        labels = np.arange(len(distinct))
    cluster = pd.Series(labels[text_id].astype(str))
    strata = None
    if field == "bio":  # conditional on length class: short bios coincide far more often
        first_len = pd.Series(distinct.str.len().to_numpy()).groupby(labels).transform("min")
        strata = pd.Series(np.searchsorted(_LENGTH_CLASSES, first_len.to_numpy()[text_id],
                                           side="right"))
    pairs = shared_key_pairs(codes, cluster, n_population=n_pop, max_group=max_group,
                             strata=strata, max_p_value=auto_max_p(n_pop, max_p_value))
    if pairs.empty:
        return empty_channel(signal)
    a, b = pairs["a"].to_numpy(dtype=np.int64), pairs["b"].to_numpy(dtype=np.int64)
    by_code = pd.Series(acc[field].to_numpy(dtype=object), index=codes)
    text_of = np.full(sd.n_accounts, -1, np.int64)  # account code -> its distinct value
    text_of[codes] = text_id
    sim = pair_ratios(distinct.to_numpy(dtype=object), text_of[a], text_of[b]) / 100.0

    def render(f: pd.DataFrame) -> np.ndarray:
        va = pd.Series(by_code.reindex(f["a"].to_numpy()).to_numpy())
        vb = pd.Series(by_code.reindex(f["b"].to_numpy()).to_numpy())
        return (f"{field}: '" + _snip(va) + "' ~ '" + _snip(vb) + "' (sim "
                + pd.Series(f["weight"].to_numpy()).round(2).astype(str) + ", "
                + pd.Series(f["size"].to_numpy()).astype(int).astype(str)
                + f" of {n_pop} accounts)").to_numpy(dtype=object)

    log.debug("%s: %d pairs from %d accounts", signal, len(pairs), n_pop)
    return profile_channel(signal, a, b, p_value=pairs["p_value"].to_numpy(float), weight=sim,
                           key=pairs["kid"].to_numpy(np.int64), render=render,
                           extra={"size": pairs["size"].to_numpy()})


def bio_similarity_edges(accounts: pd.DataFrame, *, field: str = "bio", threshold: float = 0.8,
                         seed: int = 0, max_group: int = 200, min_chars: int | None = None,
                         max_p_value: float | None = None) -> pd.DataFrame:
    """Schema edges of ``bio_similarity_channel`` for an accounts table (see there)."""
    from astroturf.schema import empty_posts
    from astroturf.signals.coactions import scan_data

    sd = scan_data(empty_posts(), accounts)
    return channel_to_schema(bio_similarity_channel(
        sd, field=field, threshold=threshold, seed=seed, max_group=max_group,
        min_chars=min_chars, max_p_value=max_p_value), sd)
