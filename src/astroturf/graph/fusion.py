"""Fuse the per-signal edges of each account pair into one p-value, then control the FDR.

Why: signals are separate tests of "these two accounts act together more than chance allows".
Related signals re-measure the same evidence (a copied text shows up as co_text, near_dup_sync
and template_reuse), so they are grouped into *families*; inside a family only the best p counts
(Bonferroni-corrected by the number of family signals that ran). Families are then combined with
Fisher's method over the families the pair shows up in, corrected for which k of the F families
that ran were picked (a factor C(F, k): one family alone costs F, like Bonferroni; all F cost 1).

Approximations, stated so readers can weigh them: Fisher's method assumes the families are
independent given chance; they are not exactly (accounts that post a lot co-occur more in every
channel), so p_combined is a ranking-grade probability, not an exact one. The q-value is
Benjamini-Hochberg over *all* n(n-1)/2 account pairs, because every pair was implicitly tested;
pairs without edges have p = 1 and never change the q-values of observed pairs.
"""

from __future__ import annotations

import logging
from math import comb, log

import numpy as np
import pandas as pd
from scipy.stats import chi2

from astroturf.schema import STR_DTYPE, TIME_DTYPE

log_ = logging.getLogger("astroturf.graph.fusion")

# signal -> family. Signals not listed form a family of their own.
FAMILIES: dict[str, str] = {
    "co_text": "text", "near_dup_sync": "text", "template_reuse": "text",
    "co_repost": "co_repost", "co_url": "co_url", "co_reply": "co_reply",
    "co_hashtag": "co_hashtag", "creation_burst": "creation_burst",
    "handle_pattern": "names", "name_pattern": "names",
    "bio_similar": "bio", "profile_url": "bio", "location": "bio",
    "rhythm": "rhythm", "client": "client", "lockstep": "lockstep",
}
P_FLOOR = 1e-300  # p-values below this are clipped (log10 strength stays exact via log10_p)

PAIR_COLUMNS = [
    "account_a", "account_b", "p_combined", "q_value", "log10_p", "n_channels", "n_families",
    "channels", "families", "strongest_signal", "weight", "n_events", "first_seen", "last_seen",
]


def sorted_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """int64 codes into the sorted unique ids (code order = string order), and those ids.

    Hash-based factorize, then a sort of the uniques only: far faster than np.unique on
    millions of strings.
    """
    codes, uniques = pd.factorize(values.astype(STR_DTYPE).to_numpy(dtype=object), sort=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def family_of(signals: pd.Series) -> pd.Series:
    """Family name of each signal name (unknown signals are their own family)."""
    codes, names = pd.factorize(signals.astype(STR_DTYPE))  # a dozen names: map those only
    fams = pd.array([FAMILIES.get(n, n) for n in names], dtype=STR_DTYPE)
    return pd.Series(fams.take(codes, allow_fill=True), index=signals.index)


def empty_pairs() -> pd.DataFrame:
    """Zero-row pair table with the columns and dtypes of :func:`fuse_pairs`."""
    dtypes = {"account_a": STR_DTYPE, "account_b": STR_DTYPE, "p_combined": "float64",
              "q_value": "float64", "log10_p": "float64", "n_channels": "int64",
              "n_families": "int64", "channels": STR_DTYPE, "families": STR_DTYPE,
              "strongest_signal": STR_DTYPE, "weight": "float64", "n_events": "int64",
              "first_seen": TIME_DTYPE, "last_seen": TIME_DTYPE}
    return pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in PAIR_COLUMNS})


def benjamini_hochberg(p: np.ndarray, *, m: float | None = None) -> np.ndarray:
    """BH q-values of ``p`` when ``m`` hypotheses were tested (the rest have p = 1).

    Ties get the same q; the result does not depend on the order of ``p``.
    """
    p = np.asarray(p, dtype=np.float64)
    n = len(p)
    if n == 0:
        return p.copy()
    m = float(max(m if m is not None else n, n))
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, n + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(ranked, 1.0)
    return q


def _distinct(x: np.ndarray) -> np.ndarray:
    """Sorted distinct int64 values: one np.sort (numpy's hash-based np.unique is slower)."""
    u = np.sort(x)
    return u[np.r_[True, u[1:] != u[:-1]]] if len(u) else u


def _bitmask_names(mask: np.ndarray, names: list[str]) -> np.ndarray:
    """','-joined sorted names for each bitmask value (names are already sorted)."""
    inv, uniq = pd.factorize(mask, sort=True)  # hash-based np.unique is slow in numpy 2.4
    text = [",".join(n for i, n in enumerate(names) if (int(u) >> i) & 1) for u in uniq]
    return np.asarray(text, dtype=object)[inv]


def _family_table(edges: pd.DataFrame, pair: np.ndarray) -> pd.DataFrame:
    """One row per (pair, family): Bonferroni-corrected min p of the family's signals.

    Families of one pair whose evidence names the same post pairs (a copied post that also
    carries the same URL and hashtag fires co_text, co_url and co_hashtag) are one event seen
    three ways: they are merged into one 'shared_posts' row, Bonferroni-corrected again.
    """
    fam = family_of(edges["signal"])
    fcode, fnames = pd.factorize(fam, sort=True)
    scode, snames = pd.factorize(edges["signal"], sort=True)
    nf, ns = len(fnames), len(snames)
    fam_size = np.bincount(_distinct(fcode * ns + scode) // ns, minlength=nf)  # signals/family
    p = pd.to_numeric(edges["p_value"], errors="coerce").fillna(1.0).clip(P_FLOOR, 1.0)
    packed = pair * nf + fcode
    order = np.argsort(packed, kind="stable")
    packed = packed[order]
    starts = np.flatnonzero(np.r_[True, packed[1:] != packed[:-1]])  # one per (pair, family)
    key = packed[starts]
    pmin = np.minimum.reduceat(p.to_numpy(np.float64)[order], starts) if len(starts) else p
    t = pd.DataFrame({"pair": key // nf,
                      "family": pd.array(np.asarray(fnames, dtype=object)[key % nf],
                                         dtype=STR_DTYPE),
                      "p": np.minimum(1.0, np.asarray(pmin) * fam_size[key % nf])})
    shared = _shared_evidence(edges, pair, fam)
    if len(shared) == 0:
        return t
    key = pd.MultiIndex.from_frame(t[["pair", "family"]])
    hit = key.isin(pd.MultiIndex.from_frame(shared))
    merged = t[hit].groupby("pair", sort=True)["p"].agg(["min", "size"])
    merged = pd.DataFrame({"pair": merged.index, "family": "shared_posts",
                           "p": np.minimum(1.0, merged["min"] * merged["size"]).to_numpy()})
    return pd.concat([t[~hit], merged], ignore_index=True).sort_values(
        ["pair", "family"], kind="stable").reset_index(drop=True)


def _shared_evidence(edges: pd.DataFrame, pair: np.ndarray, fam: pd.Series) -> pd.DataFrame:
    """(pair, family) rows whose 'post_a>post_b' evidence items also appear in another family."""
    timed = edges["first_seen"].notna().to_numpy() & edges["evidence"].notna().to_numpy()
    if timed.sum() == 0:
        return pd.DataFrame({"pair": [], "family": []})
    ev = edges["evidence"].astype(STR_DTYPE).to_numpy(dtype=object)[timed]
    items = pd.Series(ev).str.split(" ")
    lens = items.str.len().to_numpy()
    t = pd.DataFrame({"pair": np.repeat(pair[timed], lens),
                      "family": np.repeat(fam.to_numpy(dtype=object)[timed], lens),
                      "item": np.concatenate(items.to_numpy()) if len(items) else []})
    t = t[t["item"].str.contains(">", regex=False)].drop_duplicates()
    n_fam = t.groupby(["pair", "item"], sort=False)["family"].transform("size")
    return t.loc[n_fam > 1, ["pair", "family"]].drop_duplicates()


def _pair_keys(edges: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Edges without self-pairs (index reset), their pair codes lo * n + hi, and the sorted ids.

    Code order equals string order, so a pair code decodes to (account_a, account_b).
    """
    codes, ids = sorted_codes(pd.concat([edges["account_a"], edges["account_b"]]))
    ca, cb = codes[: len(edges)], codes[len(edges):]
    keep = ca != cb
    pair = np.minimum(ca, cb)[keep] * np.int64(len(ids)) + np.maximum(ca, cb)[keep]
    e = edges.loc[keep].assign(signal=edges["signal"].astype(STR_DTYPE)[keep])
    return e.reset_index(drop=True), pair, ids


def family_pvalues(edges: pd.DataFrame) -> pd.DataFrame:
    """One row per (account pair, family): account_a, account_b, family, p (as fused uses).

    Exposed for the cluster-level cross-family test, which re-combines families per pair.
    """
    if edges is None or len(edges) == 0:
        return pd.DataFrame({"account_a": [], "account_b": [], "family": [], "p": []})
    e, pair, ids = _pair_keys(edges)
    n_ids = np.int64(len(ids))
    fam = _family_table(e, pair)
    keys = fam["pair"].to_numpy(np.int64)
    return pd.DataFrame({"account_a": ids[keys // n_ids], "account_b": ids[keys % n_ids],
                         "family": fam["family"].to_numpy(), "p": fam["p"].to_numpy()})


def fisher_log10(fam: pd.DataFrame, n_families_run: int) -> pd.DataFrame:
    """Per pair: log10 of the subset-corrected Fisher p (input: pair, family, p rows)."""
    return _fisher(fam, n_families_run)


def _fisher(fam: pd.DataFrame, n_families_run: int) -> pd.DataFrame:
    """Per pair: log10 of the subset-corrected Fisher p over its families with p < 1."""
    live = fam[fam["p"] < 1.0]
    stat = (-2.0 * np.log(live["p"])).groupby(live["pair"].to_numpy()).sum()
    k = live.groupby("pair").size().reindex(stat.index).to_numpy()
    logsf = chi2.logsf(stat.to_numpy(), 2 * k)
    n_run = max(n_families_run, 1)
    penalty = np.array([log(comb(n_run, int(i))) if i <= n_run else 0.0 for i in range(n_run + 2)])
    log10_p = np.minimum(0.0, (logsf + penalty[np.minimum(k, n_run + 1)]) / log(10))
    return pd.DataFrame({"log10_p": log10_p}, index=stat.index)


def fuse_pairs(edges: pd.DataFrame, *, n_accounts: int) -> pd.DataFrame:
    """One row per account pair, all channels fused, with a BH q-value over all pairs.

    Input: edge table (schema.EDGE_COLUMNS; one row per pair and signal).
    Output columns: account_a, account_b, p_combined, q_value (BH with m = n(n-1)/2),
    log10_p (log10 of p_combined, exact below the 1e-300 float floor), n_channels (distinct
    signals), n_families, channels / families (sorted names joined by ','), strongest_signal
    (lowest p, ties by name), weight (sum), n_events (sum), first_seen, last_seen.
    Sorted by (account_a, account_b); independent of the input row order.
    """
    if edges is None or len(edges) == 0:
        return empty_pairs()
    e, pair, ids = _pair_keys(edges)
    n_ids = np.int64(len(ids))
    e = e.assign(_pair=pair)

    fam = _family_table(e, pair)
    n_run = int(family_of(e["signal"]).nunique())
    fisher = _fisher(fam, n_run)
    out = _pair_aggregates(e)
    out["log10_p"] = fisher["log10_p"].reindex(out.index).fillna(0.0).to_numpy()
    out["p_combined"] = np.maximum(10.0 ** out["log10_p"].to_numpy(), P_FLOOR)
    out.loc[out["log10_p"] == 0.0, "p_combined"] = 1.0
    m = max(n_accounts, len(ids)) * (max(n_accounts, len(ids)) - 1) / 2.0
    out["q_value"] = benjamini_hochberg(out["p_combined"].to_numpy(), m=m)
    keys = out.index.to_numpy()
    out["account_a"] = pd.array(ids[keys // n_ids], dtype=STR_DTYPE)
    out["account_b"] = pd.array(ids[keys % n_ids], dtype=STR_DTYPE)
    log_.debug("fused %d edges into %d pairs over %d families", len(e), len(out), n_run)
    return out[PAIR_COLUMNS].reset_index(drop=True)


def _pair_aggregates(e: pd.DataFrame) -> pd.DataFrame:
    """Per pair (index = pair code, sorted): channel names, strongest signal, sums, times."""
    g = e.groupby("_pair", sort=True)
    p = pd.to_numeric(e["p_value"], errors="coerce").fillna(1.0)
    sig_code, sig_names = pd.factorize(e["signal"], sort=True)
    pair = e["_pair"].to_numpy(np.int64)
    order = np.lexsort((sig_code, p.to_numpy(np.float64), pair))  # stable, as sort_values
    first = order[np.r_[True, pair[order][1:] != pair[order][:-1]]]
    strongest = pd.Series(np.asarray(sig_names, dtype=object)[sig_code[first]],
                          index=pair[first])
    out = pd.DataFrame({
        "weight": g["weight"].sum().astype("float64"),
        "n_events": g["n_events"].sum().astype("int64"),
        "first_seen": pd.to_datetime(g["first_seen"].min(), utc=True).astype(TIME_DTYPE),
        "last_seen": pd.to_datetime(g["last_seen"].max(), utc=True).astype(TIME_DTYPE),
    })
    out["strongest_signal"] = strongest.reindex(out.index).astype(STR_DTYPE)
    e = e.assign(_family=family_of(e["signal"]).to_numpy())
    for col, name in (("channels", "signal"), ("families", "_family")):
        names = sorted(e[name].unique())
        code = pd.Index(names).get_indexer(e[name]).astype(np.int64)
        packed = _distinct(pair * len(names) + code)  # distinct (pair, name), sorted
        k = packed // len(names)
        idx = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        k = k[idx]
        mask = pd.Series(np.add.reduceat(np.left_shift(1, packed % len(names)), idx), index=k)
        count = pd.Series(np.diff(np.r_[idx, len(packed)]), index=k)
        out[col] = pd.array(_bitmask_names(mask.reindex(out.index).to_numpy(np.int64), names),
                            dtype=STR_DTYPE)
        out["n_" + col] = count.reindex(out.index).to_numpy(np.int64)
    return out
