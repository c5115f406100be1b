"""From edges to verdicts: fused pairs, tested clusters, account scores and computed reasons.

Why this shape: analysts publish clusters, so a cluster is only flagged when it beats chance
after correcting for the whole search (graph/significance.py), and every flag carries reasons
made of numbers they can check. Scores rank accounts on one fixed scale on every dataset:

    evidence S = max( -log10(best pair p * (n - 1)),   # best partner, Bonferroni over partners
                      -log10(q of the account's cluster) )
    score = 0.5 + 0.5 * x / (x + 4)  for x = S - 1.3 >= 0,   0.5 * 10^(x / 2) below,

so score 0.5 means "as surprising as q = 0.05", an account with no edge scores 0, and scores
never saturate to exact ties among strong accounts. No percentiles, no per-dataset scaling.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from astroturf.graph.communities import detect_communities
from astroturf.graph.fusion import family_of, family_pvalues, fuse_pairs, sorted_codes
from astroturf.graph.significance import cluster_tests
from astroturf.schema import ACCOUNT_OUT_COLUMNS, CLUSTER_OUT_COLUMNS, EDGE_COLUMNS, STR_DTYPE
from astroturf.scoring.reasons import (
    MAX_PHRASES,
    burst_phrases,
    channel_phrases,
    feature_phrases,
    fmt_p,
    single_channel,
)

log = logging.getLogger("astroturf.scoring")

LOG10_Q_HALF = -np.log10(0.05)  # evidence level that maps to score 0.5
MEMBERS_PREVIEW = 10

__all__ = ["assess", "evidence_to_score"]


def evidence_to_score(s: np.ndarray) -> np.ndarray:
    """Fixed monotone map of evidence S (-log10 of an adjusted p) to [0, 1]; -inf -> 0."""
    x = np.asarray(s, dtype=np.float64) - LOG10_Q_HALF
    with np.errstate(over="ignore", invalid="ignore"):
        low = 0.5 * np.power(10.0, np.minimum(x, 0.0) / 2.0)
        high = 0.5 + 0.5 * np.maximum(x, 0.0) / (np.maximum(x, 0.0) + 4.0)
    return np.clip(np.where(x >= 0, high, np.nan_to_num(low, nan=0.0)), 0.0, 1.0)


def log10_bh(log10_p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg in log10 space (no underflow for p < 1e-300)."""
    lp = np.asarray(log10_p, dtype=np.float64)
    k = len(lp)
    if k == 0:
        return lp.copy()
    order = np.argsort(lp, kind="stable")
    adj = lp[order] + np.log10(k / np.arange(1, k + 1))
    adj = np.minimum.accumulate(adj[::-1])[::-1]
    out = np.empty(k)
    out[order] = np.minimum(adj, 0.0)
    return out


def assess(edges: pd.DataFrame, accounts: pd.DataFrame, *, features: pd.DataFrame | None = None,
           fdr: float = 0.05, seed: int = 0, resolution: float = 1.0, min_cluster_size: int = 2,
           burst_hours: float = 24.0, window: float = 60.0
           ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fuse channels, find and test clusters, score accounts; returns (accounts, clusters, edges).

    Inputs: edges (schema.EDGE_COLUMNS, all signals), accounts (schema.ACCOUNT_FIELDS; at least
    account_id), features (one row per account; account_id column or index; any columns).
    accounts_out: ACCOUNT_OUT_COLUMNS, then p_value / q_value / top_signal / top_partner of the
    account's best pair, then the feature columns; sorted by score desc, account_id.
    clusters_out: CLUSTER_OUT_COLUMNS, then p_value, q_value, channels, n_internal_edges
    (account pairs with an edge), density, first_seen, last_seen, core_size,
    n_significant_pairs; cluster ids 1..K by (flagged desc, size desc, smallest account id).
    edges_out: EDGE_COLUMNS + q_value (of the pair) + cluster_id ('' unless both ends share a
    cluster) for pairs inside clusters or with q <= fdr.
    """
    feats = _features_frame(features)
    ends = _edge_ends(edges)
    ids = _all_ids(ends, accounts)
    n = len(ids)
    pairs = fuse_pairs(edges, n_accounts=n)
    membership = detect_communities(pairs, seed=seed, resolution=resolution, n_accounts=n)
    tests = cluster_tests(pairs, membership, n_accounts=n, fdr=fdr,
                          min_size=max(2, int(min_cluster_size)),
                          families=family_pvalues(_same_community(edges, ends, membership)),
                          family_pairs=_family_pair_counts(edges))
    tests = _number_clusters(tests, membership)
    member = membership.map(tests.set_index("community")["cluster_id"]).dropna().astype("int64")
    handles = _handles(accounts)
    clusters_out = _clusters_table(tests, member, edges, ends, accounts, feats, handles, fdr=fdr,
                                   burst_hours=burst_hours, window=window)
    accounts_out = _accounts_table(ids, pairs, member, tests, handles, feats, n=n)
    edges_out = _edges_table(edges, ends, pairs, member, fdr=fdr)
    log.info("assessed %d accounts: %d clusters (%d flagged)", n, len(clusters_out),
             int(clusters_out["flagged"].sum()) if len(clusters_out) else 0)
    return accounts_out, clusters_out, edges_out


def _family_pair_counts(edges: pd.DataFrame) -> dict[str, int]:
    """Distinct linked pairs per family in the whole data (bounds how many groups it can pick)."""
    if len(edges) == 0:
        return {}
    m = len(edges)
    acc, _ = pd.factorize(pd.concat([edges["account_a"], edges["account_b"]]).to_numpy())
    fam, names = pd.factorize(family_of(edges["signal"]))
    n_acc = np.int64(acc.max() + 1)
    packed = np.sort((acc[:m] * n_acc + acc[m:]) * len(names) + fam)
    packed = packed[np.r_[True, packed[1:] != packed[:-1]]]  # distinct (a, b, family)
    counts = np.bincount(packed % len(names), minlength=len(names))
    return {str(k): int(v) for k, v in sorted(zip(names, counts.tolist(), strict=True))}


def _same_community(edges: pd.DataFrame, ends: _Ends, membership: pd.Series) -> pd.DataFrame:
    """Edges whose two accounts share a community (the cross-family test looks only there)."""
    if len(edges) == 0:
        return edges
    ca, cb = _end_labels(ends, membership)
    return edges.loc[~np.isnan(ca) & (ca == cb)]


_Ends = tuple[np.ndarray, np.ndarray, pd.Index]


def _edge_ends(edges: pd.DataFrame) -> _Ends:
    """Codes of account_a / account_b into the sorted ids (once: string lookups are slow)."""
    m = len(edges)
    codes, ids = sorted_codes(pd.concat([edges["account_a"], edges["account_b"]]))
    return codes[:m], codes[m:], pd.Index(ids, dtype=STR_DTYPE)


def _end_labels(ends: _Ends, labels: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """labels (account_id -> int) of both ends of every edge, NaN when unlabelled."""
    a, b, ids = ends
    lab = labels.reindex(ids).to_numpy(np.float64)
    return lab[a], lab[b]


def _all_ids(ends: _Ends, accounts: pd.DataFrame) -> np.ndarray:
    parts = [accounts["account_id"].dropna().astype(STR_DTYPE)] if "account_id" in accounts else []
    if len(ends[2]):
        parts.append(pd.Series(ends[2]))
    if not parts:
        return np.asarray([], dtype=object)
    return np.sort(pd.unique(pd.concat(parts).to_numpy(dtype=object)))


def _features_frame(features: pd.DataFrame | None) -> pd.DataFrame | None:
    if features is None or len(features) == 0:
        return None
    f = features.set_index("account_id") if "account_id" in features.columns else features
    f = f.copy()
    f.index = f.index.astype(STR_DTYPE)
    return f[~f.index.duplicated(keep="first")].sort_index(kind="stable")


def _handles(accounts: pd.DataFrame) -> pd.Series:
    """account_id -> handle (or the id when no handle)."""
    if "account_id" not in accounts or len(accounts) == 0:
        return pd.Series([], dtype=STR_DTYPE)
    acc = accounts.dropna(subset=["account_id"]).drop_duplicates("account_id")
    ids = acc["account_id"].astype(STR_DTYPE)
    h = acc["handle"].astype(STR_DTYPE) if "handle" in acc else ids
    return pd.Series(h.fillna(ids).to_numpy(), index=ids.to_numpy(), dtype=STR_DTYPE)


def _number_clusters(tests: pd.DataFrame, membership: pd.Series) -> pd.DataFrame:
    """Canonical ids 1..K by (flagged desc, size desc, smallest account id)."""
    first = pd.Series(membership.index.to_numpy(dtype=object)).groupby(
        membership.to_numpy()).min()
    t = tests.assign(_first=tests["community"].map(first))
    t = t.sort_values(["flagged", "size", "_first"], ascending=[False, False, True],
                      kind="stable").reset_index(drop=True)
    t["cluster_id"] = np.arange(1, len(t) + 1, dtype=np.int64)
    t["log10_q"] = log10_bh(t["log10_p"].to_numpy()) if len(t) else []
    return t.drop(columns="_first")


def _clusters_table(tests: pd.DataFrame, member: pd.Series, edges: pd.DataFrame, ends: _Ends,
                    accounts: pd.DataFrame, feats: pd.DataFrame | None, handles: pd.Series,
                    *, fdr: float, burst_hours: float, window: float) -> pd.DataFrame:
    t = tests.set_index("cluster_id", drop=False)
    labels = pd.Series(member.index.to_numpy(dtype=object), dtype=STR_DTYPE)
    labels = labels.map(handles).fillna(labels)
    names = pd.DataFrame({"cluster": member.to_numpy(), "name": labels.to_numpy()})
    names = names.sort_values(["cluster", "name"], kind="stable")
    preview = names.groupby("cluster")["name"].agg(
        lambda s: " ".join(s.iloc[:MEMBERS_PREVIEW])
        + (f" +{len(s) - MEMBERS_PREVIEW} more" if len(s) > MEMBERS_PREVIEW else ""))
    out = pd.DataFrame({
        "cluster_id": t["cluster_id"].astype(STR_DTYPE),
        "size": t["size"].astype("int64"),
        "score": evidence_to_score(-t["log10_q"].to_numpy()),
        "flagged": t["flagged"].astype(bool),
        "members": preview.reindex(t.index).fillna("").astype(STR_DTYPE),
        "reasons": _cluster_reasons(t, member, edges, ends, accounts, feats, fdr=fdr,
                                    burst_hours=burst_hours, window=window),
        "p_value": t["p_value"], "q_value": np.maximum(10.0 ** t["log10_q"], 1e-300),
        "channels": t["channels"], "n_internal_edges": t["n_internal_pairs"],
        "density": t["density"], "first_seen": t["first_seen"], "last_seen": t["last_seen"],
        "core_size": t["core_size"], "n_significant_pairs": t["n_significant_pairs"],
    })
    return out[CLUSTER_OUT_COLUMNS + [c for c in out.columns
                                      if c not in CLUSTER_OUT_COLUMNS]].reset_index(drop=True)


def _internal_edges(edges: pd.DataFrame, ends: _Ends, member: pd.Series) -> pd.DataFrame:
    ca, cb = _end_labels(ends, member)
    same = ~np.isnan(ca) & (ca == cb)
    return edges.loc[same].assign(cluster=ca[same].astype("int64"))


def _cluster_reasons(t: pd.DataFrame, member: pd.Series, edges: pd.DataFrame, ends: _Ends,
                     accounts: pd.DataFrame, feats: pd.DataFrame | None, *, fdr: float,
                     burst_hours: float, window: float) -> np.ndarray:
    inner = _internal_edges(edges, ends, member)
    p = pd.to_numeric(inner["p_value"], errors="coerce").fillna(1.0)
    strong = inner[p <= fdr]
    chans = channel_phrases(strong, window=window)
    single = single_channel(pd.Series(strong["signal"].to_numpy(), index=strong["cluster"]))
    mem = pd.DataFrame({"account_id": member.index.to_numpy(dtype=object),
                        "cluster": member.to_numpy()})
    feat = feature_phrases(mem, feats)
    bursts = _burst_phrases(mem, accounts, hours=burst_hours)
    out = []
    cols = ["cluster_id", "size", "core_size", "core_log10_t", "log10_p", "log10_q"]
    for row in t[cols].to_dict("records"):  # one row per cluster, small work each
        cid = row["cluster_id"]
        items = list(chans.get(cid, []))
        if cid in bursts:
            items = [i for i in items if not i[1].endswith("created close together")]
            items.append(bursts[cid])
        items.sort(key=lambda i: (i[0], i[1]))
        parts = [f"{int(row['size'])} accounts"]
        if 0 < row["core_size"] < row["size"]:
            parts.append(f"{int(row['core_size'])} linked at pair p<={fmt_p(row['core_log10_t'])}")
        parts += [text for _, text in items[:MAX_PHRASES]]
        parts += feat.get(cid, [])
        if single.get(cid, ""):
            parts.append(single[cid])
        parts.append(f"cluster p={fmt_p(row['log10_p'])}, q={fmt_p(row['log10_q'])}")
        out.append("; ".join(parts))
    return np.asarray(out, dtype=object)


def _burst_phrases(mem: pd.DataFrame, accounts: pd.DataFrame, *, hours: float) -> dict:
    if "created_at" not in accounts or len(mem) == 0:
        return {}
    acc = accounts.dropna(subset=["account_id"]).drop_duplicates("account_id")
    created = pd.Series(pd.to_datetime(acc["created_at"], utc=True).to_numpy(),
                        index=acc["account_id"].astype(STR_DTYPE).to_numpy())
    if created.notna().sum() < 2:
        return {}
    times = created.reindex(mem["account_id"]).to_numpy()
    return burst_phrases(pd.DataFrame({"cluster": mem["cluster"].to_numpy(np.int64),
                                       "created_at": times}), created.dropna(), hours=hours)


def _best_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per account: its strongest pair (lowest log10_p, ties by partner id)."""
    cols = ["log10_p", "p_combined", "q_value", "strongest_signal", "channels"]
    codes, ids = sorted_codes(pd.concat([pairs["account_a"], pairs["account_b"]]))
    m = len(pairs)
    account, partner = np.r_[codes[:m], codes[m:]], np.r_[codes[m:], codes[:m]]
    lp = np.r_[pairs["log10_p"].to_numpy(np.float64), pairs["log10_p"].to_numpy(np.float64)]
    first = _first_min(account, partner, np.where(np.isnan(lp), np.inf, lp), len(ids))
    rows = pairs[cols].iloc[first % m] if m else pairs[cols]
    return rows.assign(partner=pd.array(ids[partner[first]], dtype=STR_DTYPE)).set_index(
        pd.Index(ids[account[first]], dtype=STR_DTYPE, name="account"))


def _first_min(group: np.ndarray, tie: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """Row of the lowest ``value`` per group, ties by lowest ``tie`` ((group, tie) unique).

    One argsort of a packed int64 key (4x faster than a 3-key lexsort on 3M rows).
    """
    if len(group) == 0:
        return np.empty(0, dtype=np.int64)
    order = np.argsort(group * np.int64(n) + tie)
    g, v = group[order], value[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    low = np.repeat(np.minimum.reduceat(v, starts), np.diff(np.r_[starts, len(g)]))
    pos = np.where(v == low, np.arange(len(g)), len(g))
    return order[np.minimum.reduceat(pos, starts)]


def _accounts_table(ids: np.ndarray, pairs: pd.DataFrame, member: pd.Series,
                    tests: pd.DataFrame, handles: pd.Series, feats: pd.DataFrame | None,
                    *, n: int) -> pd.DataFrame:
    idx = pd.Index(ids, dtype=STR_DTYPE)
    best = _best_pairs(pairs).reindex(idx)
    best.loc[~(best["log10_p"] < 0), ["strongest_signal", "partner"]] = np.nan
    lp = best["log10_p"].fillna(0.0).to_numpy()
    s_pair = np.where(lp < 0, -(lp + np.log10(max(n - 1, 1))), -np.inf)
    t = tests.set_index("cluster_id")
    cid = member.reindex(idx)
    s_clu = -t["log10_q"].reindex(cid.to_numpy()).to_numpy()
    evidence = np.fmax(s_pair, np.nan_to_num(s_clu, nan=-np.inf))
    flagged = t["flagged"].reindex(cid.to_numpy()).fillna(False).to_numpy(dtype=bool)
    cid_text = cid.map(lambda c: "" if pd.isna(c) else str(int(c)))
    out = pd.DataFrame({
        "account_id": idx, "handle": handles.reindex(idx).to_numpy(),
        "score": evidence_to_score(evidence), "flagged": flagged,
        "cluster_id": cid_text.astype(STR_DTYPE).to_numpy(),
        "reasons": _account_reasons(idx, best, cid, t, handles),
        "p_value": best["p_combined"].fillna(1.0).to_numpy(),
        "q_value": best["q_value"].fillna(1.0).to_numpy(),
        "top_signal": best["strongest_signal"].astype(STR_DTYPE).to_numpy(),
        "top_partner": best["partner"].astype(STR_DTYPE).to_numpy(),
    }, index=idx)
    if feats is not None:
        extra = [c for c in feats.columns if c not in out.columns]
        out = out.join(feats[extra], how="left")
    out = out.sort_values(["score", "account_id"], ascending=[False, True], kind="stable")
    return out[ACCOUNT_OUT_COLUMNS + [c for c in out.columns
                                      if c not in ACCOUNT_OUT_COLUMNS]].reset_index(drop=True)


def _account_reasons(idx: pd.Index, best: pd.DataFrame, cid: pd.Series, t: pd.DataFrame,
                     handles: pd.Series) -> np.ndarray:
    partner = best["partner"].astype(STR_DTYPE)
    label = partner.map(handles).fillna(partner)
    lp = best["log10_p"].fillna(0.0)
    lq = np.log10(best["q_value"].fillna(1.0).clip(1e-300, 1.0))
    link = pd.Series("no link stronger than chance", index=idx, dtype=object)
    has = lp < 0
    link[has] = ("strongest link: " + label[has].astype(str) + " via "
                 + best["channels"][has].astype(str).str.replace(",", "+") + " (p="
                 + lp[has].map(fmt_p).astype(str) + ", q=" + lq[has].map(fmt_p).astype(str)
                 + ")")
    in_c = cid.notna()
    c = cid[in_c].astype("int64")
    size = t["size"].reindex(c.to_numpy()).to_numpy()
    q = t["log10_q"].reindex(c.to_numpy()).map(fmt_p).to_numpy()
    prefix = pd.Series("", index=idx, dtype=object)
    prefix[in_c] = [f"cluster {k} ({s} accounts, q={qq}); " for k, s, qq
                    in zip(c.tolist(), size.tolist(), q.tolist(), strict=True)]
    return (prefix + link).to_numpy(dtype=object)


def _edges_table(edges: pd.DataFrame, ends: _Ends, pairs: pd.DataFrame, member: pd.Series, *,
                 fdr: float) -> pd.DataFrame:
    if len(edges) == 0:
        return pd.DataFrame({**{c: edges[c] for c in EDGE_COLUMNS if c in edges},
                             "q_value": pd.Series([], dtype="float64"),
                             "cluster_id": pd.Series([], dtype=STR_DTYPE)})
    code_a, code_b, where = ends
    ids = where.to_numpy(dtype=object)
    lo, hi = np.minimum(code_a, code_b), np.maximum(code_a, code_b)
    n_ids = np.int64(len(ids))
    key = lo * n_ids + hi  # code order is string order: same (a < b) orientation as the ids
    pkey = (where.get_indexer(pairs["account_a"]).astype(np.int64) * n_ids
            + where.get_indexer(pairs["account_b"]))
    porder = np.argsort(pkey, kind="stable")
    pkey, pq = pkey[porder], pairs["q_value"].to_numpy(np.float64)[porder]
    pos = np.minimum(np.searchsorted(pkey, key), max(len(pkey) - 1, 0))
    q = np.where((pkey[pos] == key) if len(pkey) else False, pq[pos] if len(pkey) else 0.0,
                 np.nan)
    clus = member.reindex(where).to_numpy(np.float64)
    ca, cb = clus[lo], clus[hi]
    same = ~np.isnan(ca) & (ca == cb)
    keep = same | (q <= fdr)
    e = edges.loc[keep, EDGE_COLUMNS].copy()
    e["account_a"] = pd.array(ids[lo[keep]], dtype=STR_DTYPE)
    e["account_b"] = pd.array(ids[hi[keep]], dtype=STR_DTYPE)
    e["q_value"] = q[keep]
    inside = same[keep]
    # unclustered edges sort last (the float->int64 cast used before sent them first)
    e["_c"] = np.where(inside, np.nan_to_num(ca[keep]).astype(np.int64), np.iinfo(np.int64).max)
    e["cluster_id"] = pd.array(np.where(inside, e["_c"].astype(str).to_numpy(), ""),
                               dtype=STR_DTYPE)
    e = e.sort_values(["_c", "account_a", "account_b", "signal", "p_value", "weight", "evidence"],
                      kind="stable")
    return e.drop(columns="_c").reset_index(drop=True)
