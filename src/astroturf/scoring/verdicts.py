"""From tested clusters to the output tables: accounts, clusters and the edges worth reporting.

Scores rank accounts on one fixed scale on every dataset:

    evidence S = max( -log10(best pair p * (n - 1)),   # best partner, Bonferroni over partners
                      -log10(q of the account's cluster) )   # calibrated q
    score = 0.5 + 0.5 * x / (x + 4)  for x = S - 1.3 >= 0,   0.5 * 10^(x / 2) below,

so 0.5 means "as surprising as q = 0.05", an account with no edge scores 0, and strong accounts
never tie at 1. No percentiles, no per-dataset scaling.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

from astroturf.kernels.sweep import dense_rank, lexsort_ints
from astroturf.scandata import ScanData
from astroturf.schema import ACCOUNT_OUT_COLUMNS, EDGE_COLUMNS, STR_DTYPE, EvidenceItems
from astroturf.scoring.reasons import fmt_p
from astroturf.signals.base import evidence_positions, to_schema_edges
from astroturf.stats.fusion import Evidence

LOG10_Q_HALF = -np.log10(0.05)
LN10 = np.log(10.0)
MEMBERS_PREVIEW = 10


def evidence_to_score(s: np.ndarray) -> np.ndarray:
    """Fixed monotone map of evidence S (-log10 of an adjusted p) to [0, 1]; -inf -> 0."""
    x = np.asarray(s, dtype=np.float64) - LOG10_Q_HALF
    with np.errstate(over="ignore", invalid="ignore"):
        low = 0.5 * np.power(10.0, np.minimum(x, 0.0) / 2.0)
        high = 0.5 + 0.5 * np.maximum(x, 0.0) / (np.maximum(x, 0.0) + 4.0)
    return np.clip(np.where(x >= 0, high, np.nan_to_num(low, nan=0.0)), 0.0, 1.0)


def number_clusters(tests: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Canonical cluster ids 1..K by (flagged desc, size desc, smallest account code)."""
    if len(tests) == 0:
        return tests.assign(cluster_id=np.zeros(0, np.int64))
    first = np.full(int(labels.max()) + 1, np.iinfo(np.int64).max)
    codes = np.flatnonzero(labels >= 0)
    np.minimum.at(first, labels[codes], codes)
    t = tests.assign(_first=first[tests["community"].to_numpy()])
    t = t.sort_values(["flagged", "size", "_first"], ascending=[False, False, True],
                      kind="stable").reset_index(drop=True)
    t["cluster_id"] = np.arange(1, len(t) + 1, dtype=np.int64)
    return t.drop(columns="_first")


def cluster_of_account(tests: pd.DataFrame, labels: np.ndarray) -> np.ndarray:
    """Cluster id per account code (0: in no reported cluster)."""
    cid = np.zeros(len(labels), np.int64)
    if len(tests) == 0:
        return cid
    lut = np.zeros(int(labels.max()) + 2, np.int64)
    lut[tests["community"].to_numpy()] = tests["cluster_id"].to_numpy()
    has = labels >= 0
    cid[has] = lut[labels[has]]
    return cid


def member_flags(tests: pd.DataFrame, cid: np.ndarray, members: np.ndarray,
                 pairs: pd.DataFrame, ev: Evidence, *, fdr: float) -> np.ndarray:
    """Flagged accounts of the flagged clusters.

    A flagged cluster is evidence about its significant sub-group S
    (``stats.cluster_test.significant_members``): those members are flagged. Another member a
    is flagged only when its own links into S beat chance, searched as community detection
    searched: some k of its links to the |S| members at least as strong as its k-th best, for
    one of the n - |S| other accounts, has probability at most (n - |S|) C(|S|, k) t_k^k
    (minimised over k). Links that rest on the same item (one shared client, one copied text,
    one viral post) count once, so an account tied to a campaign only by a shared app or a
    single reply is not accused with it.
    """
    n = len(cid)
    if len(tests) == 0:
        return np.zeros(n, bool)
    t = tests.set_index("cluster_id")
    inc = cid > 0
    in_flagged = np.zeros(n, bool)
    in_flagged[inc] = t["flagged"].reindex(cid[inc]).to_numpy(bool)
    sig = np.zeros(n, bool)
    sig[np.asarray(members, np.int64)] = True
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    link = in_flagged[a] & (cid[a] == cid[b]) & (sig[a] ^ sig[b]) & (
        pairs["log10_p"].to_numpy() < 0)
    if not link.any():
        return in_flagged & sig
    outer = np.where(sig[a[link]], b[link], a[link])
    lp = pairs["log10_p"].to_numpy()[link]
    item = _link_items(ev, pairs["pair"].to_numpy()[link])
    # one link per (outer account, item): the strongest
    order = lexsort_ints((lp, item, outer))
    o, it, lv = outer[order], item[order], lp[order]
    first = np.r_[True, (o[1:] != o[:-1]) | (it[1:] != it[:-1])]
    o, lv = o[first], lv[first]
    order = lexsort_ints((lv, o))
    o, lv = o[order], lv[order]
    starts = np.flatnonzero(np.r_[True, o[1:] != o[:-1]])
    k = np.arange(len(o)) - np.repeat(starts, np.diff(np.r_[starts, len(o)])) + 1.0
    core_size = pd.Series(sig).groupby(cid).sum()
    s_size = core_size.reindex(cid[o]).to_numpy(float)
    log_comb = (gammaln(s_size + 1) - gammaln(k + 1) - gammaln(np.maximum(s_size - k, 0) + 1)
                ) / LN10
    bound = np.log10(np.maximum(n - s_size, 1)) + log_comb + k * lv
    best = np.zeros(n)
    np.minimum.at(best, o, bound)
    return in_flagged & (sig | (best <= np.log10(fdr)))


def _link_items(ev: Evidence, pair_codes: np.ndarray) -> np.ndarray:
    """The item each link rests on: the key of its strongest channel row that carries most
    events, as one int64 (signal, key); keyless rows stand for their signal as a whole."""
    r = ev.rows
    pos = np.searchsorted(np.sort(pair_codes), r["pair"].to_numpy())
    srt = np.sort(pair_codes)
    hit = (pos < len(srt)) & (srt[np.minimum(pos, len(srt) - 1)] == r["pair"].to_numpy())
    rows = r[hit]
    order = lexsort_ints((rows["sig"].to_numpy(), rows["p"].to_numpy(), rows["pair"].to_numpy()))
    rows = rows.iloc[order]
    first = np.r_[True, rows["pair"].to_numpy()[1:] != rows["pair"].to_numpy()[:-1]]
    best = rows[first]
    row_index = np.flatnonzero(hit)[order][first]
    k = ev.keys
    key = np.full(len(best), -1, np.int64)
    if len(k):
        kk = k[np.isin(k["row"].to_numpy(), row_index)]
        kk = kk.sort_values(["row", "events", "key"], ascending=[True, False, True],
                            kind="stable").drop_duplicates("row")
        key = pd.Series(kk["key"].to_numpy(), index=kk["row"].to_numpy()).reindex(
            row_index).fillna(-1).to_numpy(np.int64)
    item = best["sig"].to_numpy(np.int64) * np.int64(1 << 40) + (key + 1)
    lut = pd.Series(item, index=best["pair"].to_numpy())
    return lut.reindex(pair_codes).to_numpy(np.int64)


def channel_names(mask: np.ndarray, signals: list[str], sep: str = ",") -> np.ndarray:
    """Joined signal names of each bitmask (a few distinct masks: decoded once each)."""
    mask = np.asarray(mask, np.int64)
    if len(mask) == 0:
        return np.zeros(0, dtype=object)
    u, inv = np.unique(mask, return_inverse=True)
    text = [sep.join(s for i, s in enumerate(signals) if (int(m) >> i) & 1) for m in u]
    return np.asarray(text, dtype=object)[inv]


def best_pairs(pairs: pd.DataFrame, n: int) -> pd.DataFrame:
    """Per account code: its strongest pair (lowest log10_p, ties by partner code)."""
    m = len(pairs)
    acc = np.r_[pairs["a"].to_numpy(), pairs["b"].to_numpy()]
    partner = np.r_[pairs["b"].to_numpy(), pairs["a"].to_numpy()]
    # the rank of each pair's p, not the float: both halves share it, so rank it once (the
    # float key would be ranked inside the sort, on twice the rows)
    rank = dense_rank(pairs["log10_p"].to_numpy())
    order = lexsort_ints((partner, np.r_[rank, rank], acc))
    first = order[np.r_[True, acc[order][1:] != acc[order][:-1]]] if m else order
    out = pd.DataFrame({"partner": partner[first], "row": first % max(m, 1)},
                       index=acc[first])
    return out.reindex(np.arange(n))


def accounts_table(sd: ScanData, ev: Evidence, pairs: pd.DataFrame, tests: pd.DataFrame,
                   cid: np.ndarray, features: pd.DataFrame | None,
                   flagged_accounts: np.ndarray | None = None) -> pd.DataFrame:
    """accounts.csv: ACCOUNT_OUT_COLUMNS, best-pair columns, then account features."""
    n = sd.n_accounts
    handles = account_handles(sd)
    best = best_pairs(pairs, n)
    has = best["row"].notna().to_numpy()
    row = best["row"].fillna(0).to_numpy(np.int64)
    lp = np.where(has, pairs["log10_p"].to_numpy()[row] if len(pairs) else 0.0, 0.0)
    q = np.where(has, pairs["q_value"].to_numpy()[row] if len(pairs) else 1.0, 1.0)
    s_pair = np.where(lp < 0, -(lp + np.log10(max(n - 1, 1))), -np.inf)
    t = tests.set_index("cluster_id") if len(tests) else None
    lq = np.full(n, np.nan)
    flagged = np.zeros(n, bool)
    if t is not None:
        inc = cid > 0
        lq[inc] = t["log10_q"].reindex(cid[inc]).to_numpy()
        flagged[inc] = t["flagged"].reindex(cid[inc]).to_numpy(bool)
    if flagged_accounts is not None:
        weak = (cid > 0) & flagged & ~flagged_accounts
        flagged = flagged_accounts.copy()
        lq[weak] = np.nan  # not vouched for by its cluster: scored on its own links
    evidence = np.fmax(s_pair, np.nan_to_num(-lq, nan=-np.inf))
    partner = best["partner"].fillna(-1).to_numpy(np.int64)
    live = has & (lp < 0)
    strongest = np.full(n, None, dtype=object)
    chans = np.full(n, "", dtype=object)
    if len(pairs):
        strongest[live] = np.asarray(ev.signals, dtype=object)[
            pairs["strongest"].to_numpy()[row[live]]]
        chans[live] = channel_names(pairs["channels"].to_numpy()[row[live]], ev.signals, "+")
    reasons = _account_reasons(cid, t, handles, partner, live, chans, lp, q)
    out = pd.DataFrame({
        "account_id": pd.array(sd.ids, dtype=STR_DTYPE), "handle": pd.array(handles,
                                                                            dtype=STR_DTYPE),
        "score": evidence_to_score(evidence), "flagged": flagged,
        "cluster_id": pd.array(np.where(cid > 0, cid.astype(str), ""), dtype=STR_DTYPE),
        "reasons": pd.array(reasons, dtype=STR_DTYPE),
        "p_value": np.where(live, 10.0 ** lp, 1.0), "q_value": q,
        "top_signal": pd.array(strongest, dtype=STR_DTYPE),
        "top_partner": pd.array(np.where(live, sd.ids[np.maximum(partner, 0)], None),
                                dtype=STR_DTYPE)})
    if features is not None and len(features):
        f = features.set_index("account_id") if "account_id" in features.columns else features
        f = f[~f.index.duplicated(keep="first")]
        extra = [c for c in f.columns if c not in out.columns]
        out = out.join(f[extra].reindex(sd.ids).reset_index(drop=True))
    out = out.sort_values(["score", "account_id"], ascending=[False, True], kind="stable")
    return out[ACCOUNT_OUT_COLUMNS + [c for c in out.columns
                                      if c not in ACCOUNT_OUT_COLUMNS]].reset_index(drop=True)


def account_handles(sd: ScanData) -> np.ndarray:
    """Handle per account code (the id when the export has no handle)."""
    acc = sd.accounts
    out = sd.ids.copy()
    if "handle" in acc.columns and "account_id" in acc.columns and len(acc):
        a = acc.dropna(subset=["account_id", "handle"]).drop_duplicates("account_id")
        codes = sd.codes_of(a["account_id"].astype("str"))
        ok = codes >= 0
        out[codes[ok]] = a["handle"].astype("str").to_numpy(dtype=object)[ok]
    return out


def _account_reasons(cid: np.ndarray, t: pd.DataFrame | None, handles: np.ndarray,
                     partner: np.ndarray, live: np.ndarray, chans: np.ndarray, lp: np.ndarray,
                     q: np.ndarray) -> np.ndarray:
    n = len(cid)
    link = np.full(n, "no link stronger than chance", dtype=object)
    if live.any():
        fp = np.array([fmt_p(x) for x in lp[live]], dtype=object)
        fq = np.array([fmt_p(np.log10(max(x, 1e-300))) for x in q[live]], dtype=object)
        link[live] = ("strongest link: " + handles[partner[live]].astype(str) + " via "
                      + chans[live].astype(str) + " (p=" + fp + ", q=" + fq + ")")
    prefix = np.full(n, "", dtype=object)
    inc = np.flatnonzero(cid > 0)
    if len(inc) and t is not None:
        size = t["size"].reindex(cid[inc]).to_numpy()
        qq = [fmt_p(x) for x in t["log10_q"].reindex(cid[inc]).to_numpy()]
        prefix[inc] = [f"cluster {c} ({s} accounts, q={x}); " for c, s, x in
                       zip(cid[inc].tolist(), size.tolist(), qq, strict=True)]
    return (prefix + link).astype(object)


def reported_edges(sd: ScanData, ev: Evidence, pairs: pd.DataFrame, cid: np.ndarray, *,
                   fdr: float, max_evidence: int) -> tuple[pd.DataFrame, EvidenceItems]:
    """edges.csv: the edges inside clusters or with pair q <= fdr, rendered (only these), and
    the post pairs behind their evidence as positions (``EvidenceItems``)."""
    if len(ev.rows) == 0:
        return _empty_reported(), _no_items()
    n = ev.n
    q = pd.Series(pairs["q_value"].to_numpy(), index=pairs["pair"].to_numpy())
    r = ev.rows
    pair = r["pair"].to_numpy(np.int64)
    ca, cb = cid[pair // n], cid[pair % n]
    inside = (ca > 0) & (ca == cb)
    pq = q.reindex(pair).to_numpy()
    keep = inside | (pq <= fdr)
    parts, items, offset = [], [], 0
    for si, ch in enumerate(ev.channels):
        sel = np.flatnonzero(keep & (r["sig"].to_numpy() == si))
        if len(sel) == 0:
            continue
        rows = r["chan_row"].to_numpy()[sel]
        e = to_schema_edges(ch, rows, ids=sd.ids, post_ids=sd.post_id,
                            max_evidence=max_evidence)
        e["q_value"] = pq[sel]
        e["_c"] = np.where(inside[sel], ca[sel], np.iinfo(np.int64).max)
        if ch.render is None and len(ch.ev_edge):
            at, rank, a, b = evidence_positions(ch, rows, max_evidence)
            items.append((at + offset, rank, sd.row[a], sd.row[b]))
        parts.append(e)
        offset += len(e)
    if not parts:
        return _empty_reported(), _no_items()
    e = pd.concat(parts, ignore_index=True)
    e["cluster_id"] = pd.array(np.where(e["_c"] < np.iinfo(np.int64).max, e["_c"].astype(str),
                                        ""), dtype=STR_DTYPE)
    e = e.sort_values(["_c", "account_a", "account_b", "signal", "p_value", "weight"],
                      kind="stable")
    moved = np.empty(len(e), np.int64)
    moved[e.index.to_numpy()] = np.arange(len(e))
    found = EvidenceItems(*(np.concatenate([it[i] for it in items]).astype(np.int64)
                            for i in range(4))) if items else _no_items()
    found.edge = moved[found.edge]
    return e.drop(columns="_c").reset_index(drop=True), found


def _no_items() -> EvidenceItems:
    return EvidenceItems(*(np.zeros(0, np.int64) for _ in range(4)))


def _empty_reported() -> pd.DataFrame:
    from astroturf.schema import empty_edges

    e = empty_edges()
    e = e.assign(q_value=pd.Series([], dtype="float64"),
                 cluster_id=pd.Series([], dtype=STR_DTYPE))
    return e[[*EDGE_COLUMNS, "q_value", "cluster_id"]]

