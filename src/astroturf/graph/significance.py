"""Is a candidate cluster more than chance? A scan test corrected for the whole search.

Why: communities are found by searching a graph of n accounts, so "its members are linked" is
always true of what the search returns. The test asks how likely it is that *some* set of s
accounts out of n would be held together by links this strong if every pair p-value were
chance (independent, uniform):

    P(some s-subset is connected by pairs all with p <= t)  <=  C(n, s) * s^(s-2) * t^(s-1)

(C(n, s) subsets, s^(s-2) spanning trees each by Cayley's formula, s-1 tree edges). The statistic
t is the bottleneck of the cluster's strongest spanning tree, evaluated at every merge of
single-linkage inside the cluster (the "core" of size s that is held together at level t); the
smallest bound wins, and a weight s(s-1) spends the error budget over all sizes (sum of
1/(s(s-1)) over s >= 2 is 1). For s = 2 this is 2 * n(n-1)/2 * p: the pair-level Bonferroni.

Consequences worth knowing: counting only a spanning tree makes the test robust to the strong
dependence between pairs that share one event (a viral minute links everyone to everyone, but
is still only one event per account), at the price of power for large clusters held together by
many individually weak pairs. Under the stated null the bound controls the chance of flagging
any cluster at all; cluster q-values add Benjamini-Hochberg over the clusters tested.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.special import gammaln

from astroturf.graph.fusion import benjamini_hochberg
from astroturf.schema import STR_DTYPE, TIME_DTYPE

log = logging.getLogger("astroturf.graph.significance")

LN10 = np.log(10.0)
CLUSTER_TEST_COLUMNS = [
    "community", "size", "p_value", "q_value", "log10_p", "flagged", "core_size",
    "core_log10_t", "n_internal_pairs", "n_significant_pairs", "density", "channels",
    "first_seen", "last_seen",
]


def log10_scan_bound(s: np.ndarray, log10_t: np.ndarray, *, n: int) -> np.ndarray:
    """log10 of s(s-1) * C(n, s) * s^(s-2) * t^(s-1): the size-weighted subset-search bound."""
    s = np.asarray(s, dtype=np.float64)
    log_comb = (gammaln(n + 1) - gammaln(s + 1) - gammaln(n - s + 1)) / LN10
    return (np.log10(s * (s - 1)) + log_comb + (s - 2) * np.log10(s)
            + (s - 1) * np.asarray(log10_t, dtype=np.float64))


def internal_pairs(pairs: pd.DataFrame, membership: pd.Series) -> pd.DataFrame:
    """Pairs whose two accounts share a community, with a ``community`` column."""
    ca = pairs["account_a"].map(membership)
    cb = pairs["account_b"].map(membership)
    same = ca.notna() & (ca == cb)
    return pairs.loc[same].assign(community=ca[same].astype("int64"))


def _pair_log10(pairs: pd.DataFrame) -> np.ndarray:
    if "log10_p" in pairs.columns:
        return pairs["log10_p"].to_numpy(dtype=np.float64)
    return np.log10(np.clip(pairs["p_combined"].to_numpy(dtype=np.float64), 1e-300, 1.0))


def _core_bounds(inner: pd.DataFrame, membership: pd.Series, *,
                 n: int | pd.Series) -> pd.DataFrame:
    """Per community: best scan bound over single-linkage merges (log10), core size, level.

    ``n`` is the population the core is chosen from: all accounts (int) for the search-wide
    scan test, or each community's own size (Series community -> size) for the cross-family
    test, where the community is the given set and only its sub-core is chosen.
    """
    ids = membership.index.to_numpy(dtype=object)
    code = pd.Series(np.arange(len(ids)), index=membership.index)
    ia = code.reindex(inner["account_a"]).to_numpy(np.int64)
    ib = code.reindex(inner["account_b"]).to_numpy(np.int64)
    lp = _pair_log10(inner)
    live = lp < 0
    ia, ib, lp = ia[live], ib[live], lp[live]
    # rank edges strongest first (ties by account codes) so the MST is Kruskal's order
    order = np.lexsort((ib, ia, lp))
    rank = np.empty(len(order), dtype=np.float64)
    rank[order] = np.arange(1, len(order) + 1)
    g = sparse.coo_matrix((rank, (ia, ib)), shape=(len(ids), len(ids))).tocsr()
    mst = minimum_spanning_tree(g).tocoo()
    by_rank = np.argsort(mst.data, kind="stable")
    ea, eb = mst.row[by_rank], mst.col[by_rank]
    elp = lp[order][mst.data[by_rank].astype(np.int64) - 1]
    comm = membership.to_numpy(np.int64)
    best: dict[int, tuple[float, int, float]] = {}
    parent = np.arange(len(ids))
    size = np.ones(len(ids), dtype=np.int64)
    sizes = np.empty(len(ea), dtype=np.int64)
    for i, (x, y) in enumerate(zip(ea.tolist(), eb.tolist(), strict=True)):  # <= n-1 merges
        rx, ry = _find(parent, x), _find(parent, y)
        if size[rx] < size[ry]:
            rx, ry = ry, rx
        parent[ry] = rx
        size[rx] += size[ry]
        sizes[i] = size[rx]
    comm_of_edge = membership.to_numpy(np.int64)[ea]
    n_arr = (n.reindex(comm_of_edge).to_numpy(np.float64) if isinstance(n, pd.Series)
             else np.float64(n))
    bound = log10_scan_bound(sizes, elp, n=n_arr)
    for c, b, s, t in zip(comm[ea].tolist(), bound.tolist(), sizes.tolist(), elp.tolist(),
                          strict=True):
        if c not in best or b < best[c][0]:
            best[c] = (b, s, t)
    return pd.DataFrame.from_dict(best, orient="index",
                                  columns=["log10_p", "core_size", "core_log10_t"])


def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return int(x)


MIN_SELECTOR_DENSITY = 0.5  # the selector family must link at least half the member pairs


def cross_family_bounds(families: pd.DataFrame, membership: pd.Series, sizes: pd.Series, *,
                        family_pairs: dict[str, int] | None = None) -> pd.DataFrame:
    """Per community: the best leave-one-family-out bound (log10) and the family left out.

    Why: a profile-templated group (same name pattern, same bio template, created the same
    day) is held together by many pairs that are each only mildly surprising, because each
    shared key is also used by a few others. The search-wide scan test pays C(n, s) for picking
    the group out of n accounts and cannot see it. Here one family (the "selector", e.g. the
    shared handle pattern) is taken as what picked the group, and the group is tested on the
    OTHER families only: under the null they are independent of the selector, so the group is a
    given set and only its core is chosen (C(size, s) instead of C(n, s)). The selector must
    really define the group (its edges link at least half of the member pairs), and the price
    of the selection is the number of groups the selector could have picked, bounded by its
    number of linked pairs anywhere in the data (``family_pairs``), times F (families tried as
    selector) and 2 (this test and the scan test). Communities of 2 are left to the scan test.
    Approximation, stated: communities are found on all families, so the selection is not
    fully independent of the left-out families; calibration runs check the false-flag rate.

    ``families``: one row per (internal pair, family): account_a, account_b, family, p.
    Returns community -> log10_p, selector, cross_core_size.
    """
    from astroturf.graph.fusion import fisher_log10

    names = sorted(families["family"].unique()) if len(families) else []
    n_fam = len(names)
    best: pd.DataFrame | None = None
    comm = families["account_a"].map(membership)
    big = sizes[sizes >= 3]
    for fam in names:  # a dozen families at most; each step is vectorised
        sel = comm[families["family"] == fam].value_counts()
        dense = sel.index[(sel / (big.reindex(sel.index) * (big.reindex(sel.index) - 1) / 2)
                           >= MIN_SELECTOR_DENSITY).to_numpy()]
        rest = families[(families["family"] != fam) & comm.isin(dense)]
        if len(rest) == 0:
            continue
        n_groups = max(int((family_pairs or {}).get(fam, len(sel))), 1)
        key = rest["account_a"].astype(str) + "\t" + rest["account_b"].astype(str)
        lp = fisher_log10(pd.DataFrame({"pair": key.to_numpy(), "family": rest["family"],
                                        "p": rest["p"].to_numpy()}), n_fam - 1)
        ab = lp.index.to_series().str.split("\t", n=1, expand=True)
        inner = pd.DataFrame({"account_a": ab[0].to_numpy(), "account_b": ab[1].to_numpy(),
                              "log10_p": lp["log10_p"].to_numpy()})
        bounds = _core_bounds(inner, membership, n=sizes)
        bounds = bounds[bounds.index.isin(dense)]
        bounds["log10_p"] += np.log10(max(n_fam, 1)) + np.log10(2.0) + np.log10(n_groups)
        bounds["selector"] = fam
        best = bounds if best is None else _keep_smaller(best, bounds)
    if best is None:
        return pd.DataFrame(columns=["log10_p", "core_size", "core_log10_t", "selector"])
    return best


def _keep_smaller(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    both = a.combine_first(b)
    idx = b.index.intersection(a.index)
    take_b = idx[b.loc[idx, "log10_p"] < a.loc[idx, "log10_p"]]
    both.loc[take_b] = b.loc[take_b]
    return both


def cluster_tests(pairs: pd.DataFrame, membership: pd.Series, *, n_accounts: int,
                  fdr: float = 0.05, min_size: int = 2,
                  families: pd.DataFrame | None = None,
                  family_pairs: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per community of at least ``min_size`` accounts: is it more than chance?

    Input: fused pairs (fusion.fuse_pairs) and membership (account_id -> community int, from
    communities.detect_communities). Output columns: community, size, p_value (scan bound,
    capped at 1), q_value (BH over the communities tested), log10_p (uncapped below 1e-300),
    flagged (q_value <= fdr), core_size / core_log10_t (the sub-group and link level that
    give the bound), n_internal_pairs, n_significant_pairs (pair q <= fdr), density,
    channels (signals seen inside, sorted), first_seen, last_seen. Sorted by community.
    """
    sizes = membership.groupby(membership.to_numpy()).size()
    sizes = sizes[sizes >= min_size]
    if len(sizes) == 0:
        return _empty_tests()
    n = max(int(n_accounts), len(membership))
    inner = internal_pairs(pairs, membership)
    inner = inner[inner["community"].isin(sizes.index)]
    out = pd.DataFrame({"community": sizes.index.astype("int64"),
                        "size": sizes.to_numpy(np.int64)}).set_index("community", drop=False)
    bounds = _core_bounds(inner, membership, n=n)
    out["selector"] = ""
    if families is not None and len(families):
        bounds["log10_p"] += np.log10(2.0)  # two tests per cluster: scan and cross-family
        fam = families[families["account_a"].map(membership).isin(sizes.index)]
        cross = cross_family_bounds(fam, membership, sizes, family_pairs=family_pairs)
        if len(cross):
            bounds = _keep_smaller(bounds, cross[["log10_p", "core_size", "core_log10_t"]])
            won = cross.index.intersection(bounds.index)
            won = won[np.isclose(cross.loc[won, "log10_p"].to_numpy(np.float64),
                                 bounds.loc[won, "log10_p"].to_numpy(np.float64))]
            out.loc[out.index.intersection(won), "selector"] = cross.loc[
                out.index.intersection(won), "selector"].astype(str)
    out["log10_p"] = np.minimum(bounds["log10_p"].reindex(out.index).fillna(0.0), 0.0)
    out["core_size"] = bounds["core_size"].reindex(out.index).fillna(0).astype("int64")
    out["core_log10_t"] = bounds["core_log10_t"].reindex(out.index).fillna(0.0)
    out["p_value"] = np.maximum(10.0 ** out["log10_p"], 1e-300)
    out["q_value"] = benjamini_hochberg(out["p_value"].to_numpy())
    out["flagged"] = out["q_value"] <= fdr
    g = inner.groupby("community")
    out["n_internal_pairs"] = g.size().reindex(out.index).fillna(0).astype("int64")
    out["n_significant_pairs"] = (inner["q_value"] <= fdr).groupby(
        inner["community"]).sum().reindex(out.index).fillna(0).astype("int64")
    possible = out["size"] * (out["size"] - 1) / 2
    out["density"] = out["n_internal_pairs"] / possible
    chans = inner.assign(ch=inner["channels"].str.split(",")).explode("ch")
    out["channels"] = chans.groupby("community")["ch"].agg(
        lambda s: ",".join(sorted(set(s)))).reindex(out.index).fillna("").astype(STR_DTYPE)
    out["first_seen"] = pd.to_datetime(g["first_seen"].min().reindex(out.index), utc=True)
    out["last_seen"] = pd.to_datetime(g["last_seen"].max().reindex(out.index), utc=True)
    out = out.astype({"first_seen": TIME_DTYPE, "last_seen": TIME_DTYPE})
    return out[CLUSTER_TEST_COLUMNS].reset_index(drop=True)


def _empty_tests() -> pd.DataFrame:
    dt = {"community": "int64", "size": "int64", "p_value": "float64", "q_value": "float64",
          "log10_p": "float64", "flagged": "bool", "core_size": "int64",
          "core_log10_t": "float64", "n_internal_pairs": "int64",
          "n_significant_pairs": "int64", "density": "float64", "channels": STR_DTYPE,
          "first_seen": TIME_DTYPE, "last_seen": TIME_DTYPE, "selector": STR_DTYPE}
    return pd.DataFrame({c: pd.Series([], dtype=dt[c]) for c in CLUSTER_TEST_COLUMNS})
