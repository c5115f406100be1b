"""Is a candidate cluster more than chance? Tests corrected for the search and for dependence.

Two bounds per community, the smaller wins (x 2 for trying both):

- Scan test (search-wide): how likely is it that *some* set of s of the n accounts is held
  together by links this strong if every pair p-value were chance? At most
  s(s-1) C(n, s) s^(s-2) t^(s-1) (C(n, s) subsets, s^(s-2) spanning trees, s-1 tree edges at
  bottleneck t, a weight s(s-1) spends the error over all sizes). t is evaluated at every merge
  of single linkage inside the community ("core" of size s held together at level t).
- Cross-family test: one family (the *selector*, e.g. a shared handle pattern) is taken as what
  picked the group; the group is tested on the OTHER families only, as a given set (C(size, s)
  instead of C(n, s)). The selector must link at least half the member pairs, and the price of
  the selection is the number of groups it could have picked (its linked pairs in the data),
  times the number of families tried.

Dependence: the evidence of one shared key is not multiplied over the pairs it links. The key
shared by the most members of a community (one text, one repost target, one name pattern) is
taken as what defined the group and is *set aside* before either test: its events are removed
from every internal pair's channel and the pair p-values are recomputed. A group held together
by a single share button, viral post or common name therefore has no evidence left; a campaign
that shares many items keeps all but one of them. The empirical calibration
(``stats.calibration``) then measures the remaining optimism on randomised copies of the data.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.special import gammaln

from astroturf.kernels.sweep import lexsort_ints, unique_sorted
from astroturf.stats.fusion import Evidence, family_table, fisher_log10
from astroturf.stats.tails import binom_sf, poisson_sf

log = logging.getLogger("astroturf.stats.cluster_test")

LN10 = np.log(10.0)
MIN_SELECTOR_DENSITY = 0.5

TEST_COLUMNS = ["community", "size", "log10_p", "scan_log10_p", "cross_log10_p", "core_size",
                "core_log10_t", "selector", "aside_sig", "aside_key", "aside_cover",
                "n_internal_pairs", "density", "channels"]


def log10_scan_bound(s: np.ndarray, log10_t: np.ndarray, *, n: np.ndarray | float
                     ) -> np.ndarray:
    """log10 of s(s-1) * C(n, s) * s^(s-2) * t^(s-1): the size-weighted subset-search bound."""
    s = np.asarray(s, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    log_comb = (gammaln(n + 1) - gammaln(s + 1) - gammaln(n - s + 1)) / LN10
    return (np.log10(s * (s - 1)) + log_comb + (s - 2) * np.log10(s)
            + (s - 1) * np.asarray(log10_t, dtype=np.float64))


def core_bounds(a: np.ndarray, b: np.ndarray, lp: np.ndarray, labels: np.ndarray, *,
                n: float | np.ndarray) -> pd.DataFrame:
    """Per community: best scan bound over single-linkage merges (log10), core size, level.

    a, b: internal pairs (account codes, same community); lp: their log10 p. ``n`` is the
    population the core is chosen from: all accounts (float), or per community (array indexed
    by community) for the cross-family test, where the community is the given set.
    """
    live = lp < 0
    a, b, lp = a[live], b[live], lp[live]
    if len(a) == 0:
        out = pd.DataFrame(columns=["log10_p", "core_size", "core_log10_t"])
        out.attrs["merges"] = pd.DataFrame({"a": np.zeros(0, np.int64),
                                            "b": np.zeros(0, np.int64),
                                            "comm": np.zeros(0, np.int64),
                                            "bound": np.zeros(0)})
        return out
    nodes = unique_sorted(np.r_[a, b])
    ia, ib = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
    order = lexsort_ints((ib, ia, lp))  # strongest first, ties by codes: Kruskal's order
    rank = np.empty(len(order), dtype=np.float64)
    rank[order] = np.arange(1, len(order) + 1)
    m = len(nodes)
    g = sparse.coo_matrix((rank, (ia, ib)), shape=(m, m)).tocsr()
    mst = minimum_spanning_tree(g).tocoo()
    by_rank = np.argsort(mst.data, kind="stable")
    ea, eb = mst.row[by_rank], mst.col[by_rank]
    elp = lp[order][mst.data[by_rank].astype(np.int64) - 1]
    sizes = _merge_sizes(ea, eb, m)
    comm = labels[nodes[ea]]
    n_arr = n[comm] if isinstance(n, np.ndarray) else n
    bound = log10_scan_bound(sizes, elp, n=n_arr)
    o = lexsort_ints((np.arange(len(bound)), bound, comm))
    first = np.r_[True, comm[o][1:] != comm[o][:-1]]
    best = o[first]
    out = pd.DataFrame({"log10_p": bound[best], "core_size": sizes[best],
                        "core_log10_t": elp[best]}, index=comm[best])
    out.attrs["merges"] = pd.DataFrame({"a": nodes[ea], "b": nodes[eb], "comm": comm,
                                        "bound": bound})
    return out


def significant_members(merges: pd.DataFrame, comms: np.ndarray, level: float) -> np.ndarray:
    """Account codes of the sub-groups of each community whose scan bound reaches ``level``
    (log10): merging single linkage (strongest links first), every component that at some
    merge had a bound at most ``level`` (a community can hold more than one). An account
    attached only by links too weak for that is left out."""
    from scipy.sparse.csgraph import connected_components

    m = merges[np.isin(merges["comm"].to_numpy(), comms)]
    if len(m) == 0:
        return np.zeros(0, np.int64)
    c = m["comm"].to_numpy()
    pos = np.arange(len(m))
    ok = m["bound"].to_numpy() <= level
    last = pd.Series(np.where(ok, pos, -1)).groupby(c).max()
    limit = last.reindex(c).to_numpy()
    keep = pos <= limit
    if not keep.any():
        return np.zeros(0, np.int64)
    nodes = unique_sorted(np.r_[m["a"].to_numpy(), m["b"].to_numpy()])
    ia = np.searchsorted(nodes, m["a"].to_numpy()[keep])
    ib = np.searchsorted(nodes, m["b"].to_numpy()[keep])
    g = sparse.coo_matrix((np.ones(len(ia)), (ia, ib)), shape=(len(nodes), len(nodes)))
    _, lab = connected_components(g, directed=False)
    anchor = np.searchsorted(nodes, m["a"].to_numpy()[ok & keep])
    return nodes[np.isin(lab, lab[anchor])]


def _merge_sizes(ea: np.ndarray, eb: np.ndarray, m: int) -> np.ndarray:
    """Size of the merged component after each MST edge (union-find, <= m-1 merges)."""
    parent = np.arange(m)
    size = np.ones(m, dtype=np.int64)
    out = np.empty(len(ea), dtype=np.int64)
    for i, (x, y) in enumerate(zip(ea.tolist(), eb.tolist(), strict=True)):
        rx, ry = _find(parent, x), _find(parent, y)
        if size[rx] < size[ry]:
            rx, ry = ry, rx
        parent[ry] = rx
        size[rx] += size[ry]
        out[i] = size[rx]
    return out


def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return int(x)


def _internal(ev: Evidence, labels: np.ndarray, ok_comm: np.ndarray) -> pd.DataFrame:
    """Evidence rows whose two accounts share a tested community (with a 'comm' column)."""
    r = ev.rows
    pair = r["pair"].to_numpy(np.int64)
    la, lb = labels[pair // ev.n], labels[pair % ev.n]
    same = (la >= 0) & (la == lb)
    same[same] = ok_comm[la[same]]
    out = r[same].copy()
    out["comm"] = la[same]
    out["row"] = np.flatnonzero(same)
    return out


def set_aside_top_key(ev: Evidence, inner: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Internal rows with the most widely shared key of each community set aside.

    Returns (rows with adjusted ``p``, per community: aside_sig, aside_key, aside_cover).
    """
    k = ev.keys
    if len(k) == 0 or len(inner) == 0:
        return inner, pd.DataFrame(columns=["aside_sig", "aside_key", "aside_cover"])
    pos = pd.Series(np.arange(len(inner)), index=inner["row"].to_numpy())
    at = pos.reindex(k["row"].to_numpy()).to_numpy()
    hit = ~np.isnan(at)
    kr = k[hit].assign(i=at[hit].astype(np.int64))
    ir = inner.iloc[kr["i"].to_numpy()]
    pair = ir["pair"].to_numpy(np.int64)
    cover = pd.DataFrame({
        "comm": np.r_[ir["comm"].to_numpy(), ir["comm"].to_numpy()],
        "sig": np.r_[ir["sig"].to_numpy(), ir["sig"].to_numpy()],
        "key": np.r_[kr["key"].to_numpy(), kr["key"].to_numpy()],
        "member": np.r_[pair // ev.n, pair % ev.n]}).drop_duplicates()
    cnt = cover.groupby(["comm", "sig", "key"], sort=True).size().reset_index(name="cover")
    cnt = cnt.sort_values(["comm", "cover", "sig", "key"], ascending=[True, False, True, True],
                          kind="stable").drop_duplicates("comm")
    top = cnt.set_index("comm")
    mine = (top["sig"].reindex(ir["comm"].to_numpy()).to_numpy() == ir["sig"].to_numpy()) & (
        top["key"].reindex(ir["comm"].to_numpy()).to_numpy() == kr["key"].to_numpy())
    removed = np.zeros(len(inner), np.int64)
    np.add.at(removed, kr["i"].to_numpy()[mine], kr["events"].to_numpy()[mine])
    adj = inner.copy()
    adj["p"] = _adjusted_p(inner, removed)
    aside = top.rename(columns={"sig": "aside_sig", "key": "aside_key", "cover": "aside_cover"})
    return adj, aside


def _adjusted_p(rows: pd.DataFrame, removed: np.ndarray) -> np.ndarray:
    """Channel p-values recomputed with ``removed`` events set aside (per null kind)."""
    p = rows["p"].to_numpy(float).copy()
    hit = removed > 0
    if not hit.any():
        return p
    n = rows["n_events"].to_numpy(np.int64) - removed
    null = rows["null"].to_numpy()
    bino = hit & (null == 0)
    p[bino] = binom_sf(n[bino] - 1, np.round(rows["trials"].to_numpy()[bino]).astype(np.int64),
                       rows["p_hit"].to_numpy()[bino])
    pois = hit & (null == 1)
    p[pois] = poisson_sf(n[pois] - 1, rows["expected"].to_numpy()[pois])
    p[hit & (null == 2)] = 1.0
    p[hit & (n <= 0)] = 1.0
    return np.clip(np.maximum(p, rows["p"].to_numpy(float)), 1e-300, 1.0)


def cluster_tests(ev: Evidence, labels: np.ndarray, *, min_size: int = 2,
                  calibrate=None) -> pd.DataFrame:
    """One row per community of at least ``min_size`` accounts (TEST_COLUMNS), by community.

    log10_p: min(scan, cross-family) + log10(2) (both tried), never above 0. ``calibrate``
    maps fused analytic pair log10 p to calibrated ones (stats.calibration.PairCalibration).
    """
    g = calibrate if calibrate is not None else (lambda x: x)
    valid = labels[labels >= 0]
    if len(valid) == 0:
        return _empty()
    size = np.bincount(valid)
    ok_comm = size >= min_size
    comms = np.flatnonzero(ok_comm)
    if len(comms) == 0:
        return _empty()
    inner = _internal(ev, labels, ok_comm)
    adj, aside = set_aside_top_key(ev, inner)
    out = pd.DataFrame({"community": comms, "size": size[comms]}).set_index("community",
                                                                         drop=False)
    lp = fisher_log10(family_table(ev, adj), len(ev.families))
    pa = lp.index.to_numpy(np.int64)
    scan = core_bounds(pa // ev.n, pa % ev.n, np.asarray(g(lp.to_numpy())), labels,
                       n=float(ev.n))
    merges = {"scan": scan.attrs.get("merges")}
    out["scan_log10_p"] = scan["log10_p"].reindex(comms).fillna(0.0).to_numpy()
    out["core_size"] = scan["core_size"].reindex(comms).fillna(0).astype(np.int64).to_numpy()
    out["core_log10_t"] = scan["core_log10_t"].reindex(comms).fillna(0.0).to_numpy()
    cross = _cross_family(ev, inner, adj, labels, size, g)
    merges["cross"] = cross.attrs.get("merges")
    out["cross_log10_p"] = cross["log10_p"].reindex(comms).fillna(0.0).to_numpy()
    out["selector"] = cross["selector"].reindex(comms).fillna("").astype(str).to_numpy()
    best = np.minimum(out["scan_log10_p"], out["cross_log10_p"]) + np.log10(2.0)
    out["log10_p"] = np.minimum(best, 0.0)
    use_cross = out["cross_log10_p"] < out["scan_log10_p"]
    out.loc[~use_cross, "selector"] = ""
    won = np.where(use_cross, 1, 0)
    parts = []
    for w, name in enumerate(("scan", "cross")):
        mg = merges.get(name)
        if mg is not None and len(mg):
            mine = out.index.to_numpy()[won == w]
            # each test's bound is stated before its own corrections: shift to the cluster's
            shift = np.log10(2.0)
            parts.append(mg[np.isin(mg["comm"].to_numpy(), mine)].assign(
                bound=lambda d, s=shift: d["bound"] + s))
    out.attrs["merges"] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"a": [], "b": [], "comm": [], "bound": []})
    for col in ("aside_sig", "aside_key", "aside_cover"):
        out[col] = aside[col].reindex(comms).fillna(-1).astype(np.int64).to_numpy() if len(
            aside) else -1
    n_in = pd.Series(inner["pair"].to_numpy()).groupby(inner["comm"].to_numpy()).nunique()
    out["n_internal_pairs"] = n_in.reindex(comms).fillna(0).astype(np.int64).to_numpy()
    out["density"] = out["n_internal_pairs"] / (out["size"] * (out["size"] - 1) / 2.0)
    bits = np.left_shift(np.int64(1), inner["sig"].to_numpy(np.int64))
    live = inner["p"].to_numpy() < 1.0
    chans = pd.Series(bits[live]).groupby(inner["comm"].to_numpy()[live]).agg(np.bitwise_or.reduce)
    out["channels"] = chans.reindex(comms).fillna(0).astype(np.int64).to_numpy()
    res = out[TEST_COLUMNS].reset_index(drop=True)
    res.attrs["merges"] = out.attrs["merges"]
    return res


def _cross_family(ev: Evidence, inner: pd.DataFrame, adj: pd.DataFrame, labels: np.ndarray,
                  size: np.ndarray, g) -> pd.DataFrame:
    """Per community: the best leave-one-family-out bound (log10) and its selector family."""
    empty = pd.DataFrame(columns=["log10_p", "selector"])
    if len(inner) == 0 or len(ev.families) < 2:
        return empty
    n_fam = len(ev.families)
    fam_pairs = ev.rows.groupby("fam")["pair"].nunique()
    linked = inner.drop_duplicates(["comm", "fam", "pair"]).groupby(["comm", "fam"]).size()
    linked = linked.reset_index(name="n")
    possible = size[linked["comm"].to_numpy()] * (size[linked["comm"].to_numpy()] - 1) / 2.0
    defining = linked[(linked["n"].to_numpy() >= MIN_SELECTOR_DENSITY * possible)
                      & (size[linked["comm"].to_numpy()] >= 3)]
    best = None
    pair_all = inner["pair"].to_numpy(np.int64)
    for f in np.unique(defining["fam"].to_numpy()).tolist():  # a handful of families
        comms = defining.loc[defining["fam"] == f, "comm"].to_numpy()
        # the given set is what the selector links: members it does not reach are not in it
        sel = (inner["fam"].to_numpy() == f) & np.isin(inner["comm"].to_numpy(), comms)
        given = np.zeros(len(labels), bool)
        given[pair_all[sel] // ev.n] = True
        given[pair_all[sel] % ev.n] = True
        n_comm = np.bincount(labels[given], minlength=len(size)).astype(float)
        pa_adj = adj["pair"].to_numpy(np.int64)
        rest = adj[(adj["fam"].to_numpy() != f) & np.isin(adj["comm"].to_numpy(), comms)
                   & given[pa_adj // ev.n] & given[pa_adj % ev.n]]
        if len(rest) == 0:
            continue
        lp = fisher_log10(family_table(ev, rest), n_fam - 1)
        pa = lp.index.to_numpy(np.int64)
        b = core_bounds(pa // ev.n, pa % ev.n, np.asarray(g(lp.to_numpy())), labels, n=n_comm)
        price = np.log10(n_fam) + np.log10(max(int(fam_pairs.get(f, 1)), 1))
        mg = b.attrs.get("merges")
        mg = mg.assign(bound=mg["bound"] + price) if mg is not None else None
        b = b[b.index.isin(comms)]
        b = pd.DataFrame({"log10_p": b["log10_p"] + price, "selector": ev.families[f]},
                         index=b.index)
        if best is None:
            best, best_mg = b, mg[np.isin(mg["comm"].to_numpy(), b.index)]
        else:
            both = best.combine_first(b)
            idx = b.index.intersection(best.index)
            take = idx[b.loc[idx, "log10_p"] < best.loc[idx, "log10_p"]]
            new = b.index.difference(best.index)
            both.loc[take] = b.loc[take]
            keep_old = best_mg[~np.isin(best_mg["comm"].to_numpy(), take)]
            best_mg = pd.concat([keep_old, mg[np.isin(mg["comm"].to_numpy(),
                                                      take.union(new))]], ignore_index=True)
            best = both
    if best is None:
        return empty
    best.attrs["merges"] = best_mg
    return best


def _empty() -> pd.DataFrame:
    dt = {"community": "int64", "size": "int64", "log10_p": "float64",
          "scan_log10_p": "float64", "cross_log10_p": "float64", "core_size": "int64",
          "core_log10_t": "float64", "selector": "str", "aside_sig": "int64",
          "aside_key": "int64", "aside_cover": "int64", "n_internal_pairs": "int64",
          "density": "float64", "channels": "int64"}
    return pd.DataFrame({c: pd.Series([], dtype=dt[c]) for c in TEST_COLUMNS})
