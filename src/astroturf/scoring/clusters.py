"""clusters.csv: one row per tested cluster, with computed reasons an analyst can check.

Every number in a reason is computed from this scan (edges, accounts, features, the null
copies); nothing is a canned label. Phrases are ordered by the strength of their channel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.kernels.sweep import NAT, run_starts, utc_index
from astroturf.scandata import ScanData
from astroturf.schema import CLUSTER_OUT_COLUMNS, STR_DTYPE
from astroturf.scoring.reasons import (
    MAX_PHRASES,
    burst_phrases,
    channel_phrases,
    feature_phrases,
    fmt_p,
    single_channel,
)
from astroturf.scoring.verdicts import (
    MEMBERS_PREVIEW,
    account_handles,
    channel_names,
    evidence_to_score,
)
from astroturf.stats.fusion import Evidence

SNIPPET = 60


def _snip(text: object) -> str:
    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return ""
    s = " ".join(str(text).split())
    return s if len(s) <= SNIPPET else s[: SNIPPET - 1] + "…"


_POST_KEYED = ("template_reuse", "app_boilerplate", "co_text", "co_repost", "near_dup_sync",
               "co_hashtag", "co_reply", "co_url")


class KeyDescriber:
    """What a channel key is, in words an analyst can quote (for the set-aside item).

    First post of each key is found once per signal (one sort), raw texts one by one.
    """

    def __init__(self, sd: ScanData, ev: Evidence) -> None:
        self.sd, self.ev = sd, ev
        self.first: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _text(self, pos: int) -> str:
        col = self.sd.posts.get("text", None)
        return "" if col is None else _snip(col.iloc[int(self.sd.row[pos])])

    def _cell(self, column: str, row: int) -> str:
        col = self.sd.posts.get(column, None)
        return "" if col is None else _snip(col.iloc[row])

    def _first_post(self, signal: str, key: int) -> int:
        if signal not in self.first:
            if signal in ("template_reuse", "app_boilerplate"):
                fam = self.sd.templates().family
                ok = np.flatnonzero(self.sd.fuzzy >= 0)
                keys, post = fam[self.sd.fuzzy[ok]], ok
            else:
                from astroturf.signals.coactions import actions_for

                acts = actions_for(self.sd, signal)
                keys, post = acts.key, acts.post
            order = np.lexsort((post, keys))
            k, p = keys[order], post[order]
            first = np.r_[True, k[1:] != k[:-1]] if len(k) else np.zeros(0, bool)
            self.first[signal] = (k[first], p[first])
        k, p = self.first[signal]
        at = np.searchsorted(k, key)
        return int(p[at]) if at < len(k) and k[at] == key else -1

    def _post_key(self, sig: int, key: int) -> str:
        """A post-keyed channel's key: the text (or target) of its first post."""
        signal = self.ev.signals[sig]
        pos = self._first_post(signal, key)
        if pos < 0:
            return ""
        row = int(self.sd.row[pos])
        target = self._cell("target_post_id", row)
        if signal == "co_reply":
            return f"replies to post {target}" if target else "replies to one post"
        text = self._text(pos)
        if signal == "co_repost" and (target or not text):
            # the reposted post's id says what was reposted; its text may be absent
            return f"reposts of post {target}" + (f" ('{text}')" if text else "")
        what = {"co_repost": "reposts of", "co_url": "a link posted with",
                "co_hashtag": "a hashtag set posted with"}.get(signal, "the text")
        return f"{what} '{text}'"

    def __call__(self, sig: int, key: int) -> str:
        return self.many(np.asarray([sig]), np.asarray([key]))[0]

    def _first_edge(self, sig: int, keys: np.ndarray) -> np.ndarray:
        """The edge of each key's first key-index row in channel ``sig`` (-1: none)."""
        ch = self.ev.channels[sig]
        order = np.argsort(ch.ki_key, kind="stable")  # the first row of each key leads its run
        k = ch.ki_key[order]
        at = np.minimum(np.searchsorted(k, keys), max(len(k) - 1, 0))
        found = (k[at] == keys) if len(k) else np.zeros(len(keys), bool)
        return np.where(found, ch.ki_edge[order[at]] if len(k) else -1, -1)

    def many(self, sigs: np.ndarray, keys: np.ndarray) -> list[str]:
        """``self(sig, key)`` for many keys: the profile channels' examples are rendered in
        one call per channel (a call per key cost milliseconds each on thousands of
        clusters)."""
        ev = self.ev
        out = [""] * len(sigs)
        profile: dict[int, list[int]] = {}
        for i, (sig, key) in enumerate(zip(sigs.tolist(), keys.tolist(), strict=True)):
            if sig < 0 or key < 0 or sig >= len(ev.signals):
                continue
            if ev.signals[sig] in _POST_KEYED:
                out[i] = self._post_key(sig, key)
            else:
                profile.setdefault(sig, []).append(i)
        for sig, idx in profile.items():
            ch, name = ev.channels[sig], ev.signals[sig].replace("_", " ")
            edge = self._first_edge(sig, np.asarray(keys)[idx].astype(np.int64))
            has = edge >= 0
            text = np.full(len(idx), name, dtype=object)
            if has.any() and "key" in ch.frame.columns:
                named = ch.frame["key"].to_numpy(dtype=object)[edge[has]]
                text[has] = [f"{name} '{k}'" for k in named]
            elif has.any() and ch.render is not None:  # e.g. "bio: 'a' ~ 'b' (sim 0.93, ...)"
                examples = ch.render(edge[has])
                text[has] = [f"{name}, e.g. {e}" for e in examples]
            for i, t in zip(idx, text, strict=True):
                out[i] = str(t)
        return out


def internal_rows(ev: Evidence, cid: np.ndarray) -> pd.DataFrame:
    """Evidence rows inside reported clusters: cluster, signal, account_a, account_b, n_events,
    p_value, pair (codes as account ids: reasons only count them)."""
    r = ev.rows
    pair = r["pair"].to_numpy(np.int64)
    ca, cb = cid[pair // ev.n], cid[pair % ev.n]
    same = (ca > 0) & (ca == cb)
    sub = r[same]
    return pd.DataFrame({"cluster": ca[same], "signal": np.asarray(ev.signals, dtype=object)[
        sub["sig"].to_numpy()], "account_a": pair[same] // ev.n, "account_b": pair[same] % ev.n,
        "n_events": sub["n_events"].to_numpy(), "p_value": sub["p"].to_numpy(),
        "pair": pair[same]})


def clusters_table(sd: ScanData, ev: Evidence, pairs: pd.DataFrame, tests: pd.DataFrame,
                   cid: np.ndarray, features: pd.DataFrame | None, *, fdr: float,
                   burst_hours: float, window: float) -> pd.DataFrame:
    """clusters.csv rows (CLUSTER_OUT_COLUMNS first), by cluster id."""
    if len(tests) == 0:
        return _empty_clusters()
    t = tests.set_index("cluster_id", drop=False).sort_index()
    handles = account_handles(sd)
    members = np.flatnonzero(cid > 0)
    preview = _member_preview(cid[members], handles[members])
    inner = internal_rows(ev, cid)
    pq = pd.Series(pairs["q_value"].to_numpy(), index=pairs["pair"].to_numpy())
    ip = inner.drop_duplicates("pair")
    sig_pairs = (pq.reindex(ip["pair"].to_numpy()).to_numpy() <= fdr)
    n_sig = pd.Series(sig_pairs).groupby(ip["cluster"].to_numpy()).sum()
    first, last = _cluster_times(pairs, cid, ev.n)
    out = pd.DataFrame({
        "cluster_id": t["cluster_id"].astype(str).astype(STR_DTYPE),
        "size": t["size"].astype("int64"),
        "score": evidence_to_score(-t["log10_q"].to_numpy()),
        "flagged": t["flagged"].astype(bool),
        "members": preview.reindex(t.index).fillna("").astype(STR_DTYPE),
        "reasons": _reasons(sd, ev, t, inner, cid, features, fdr=fdr, burst_hours=burst_hours,
                            window=window),
        "p_value": np.maximum(10.0 ** t["cal_log10_p"].to_numpy(), 1e-300),
        "q_value": np.maximum(10.0 ** t["log10_q"].to_numpy(), 1e-300),
        "channels": pd.array(channel_names(t["channels"].to_numpy(), ev.signals),
                             dtype=STR_DTYPE),
        "n_internal_edges": t["n_internal_pairs"].astype("int64"),
        "density": t["density"].astype(float),
        "first_seen": first.reindex(t.index).fillna(NAT).to_numpy(np.int64),
        "last_seen": last.reindex(t.index).fillna(NAT).to_numpy(np.int64),
        "core_size": t["core_size"].astype("int64"),
        "n_significant_pairs": n_sig.reindex(t.index).fillna(0).astype("int64").to_numpy(),
        "analytic_p": np.maximum(10.0 ** t["log10_p"].to_numpy(), 1e-300),
        "chance_expected": t["null_expected"].astype(float),
    })
    out["first_seen"] = utc_index(out["first_seen"].to_numpy(np.int64))
    out["last_seen"] = utc_index(out["last_seen"].to_numpy(np.int64))
    return out[CLUSTER_OUT_COLUMNS + [c for c in out.columns
                                      if c not in CLUSTER_OUT_COLUMNS]].reset_index(drop=True)


def _member_preview(cluster: np.ndarray, name: np.ndarray) -> pd.Series:
    """cluster -> its first ``MEMBERS_PREVIEW`` member names in name order, '+k more'."""
    names = pd.DataFrame({"cluster": cluster, "name": name}).sort_values(
        ["cluster", "name"], kind="stable")
    c, nm = names["cluster"].to_numpy(), names["name"].to_numpy(dtype=object)
    starts = run_starts(c)
    ends = np.r_[starts[1:], len(c)][: len(starts)]
    text = [" ".join(nm[lo:min(hi, lo + MEMBERS_PREVIEW)])
            + (f" +{hi - lo - MEMBERS_PREVIEW} more" if hi - lo > MEMBERS_PREVIEW else "")
            for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True)]  # one per cluster
    return pd.Series(text, index=c[starts], dtype=object)


def _cluster_times(pairs: pd.DataFrame, cid: np.ndarray, n: int) -> tuple[pd.Series, pd.Series]:
    """Earliest / latest co-action time over each cluster's internal pairs (int64 ns)."""
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    ca, cb = cid[a], cid[b]
    same = (ca > 0) & (ca == cb)
    f, la = pairs["first"].to_numpy()[same], pairs["last"].to_numpy()[same]
    timed = f != np.iinfo(np.int64).min
    c = ca[same][timed]
    first = pd.Series(f[timed]).groupby(c).min()
    last = pd.Series(la[timed]).groupby(c).max()
    return first, last


def _reasons(sd: ScanData, ev: Evidence, t: pd.DataFrame, inner: pd.DataFrame,
             cid: np.ndarray, features: pd.DataFrame | None, *, fdr: float,
             burst_hours: float, window: float) -> np.ndarray:
    strong = inner[inner["p_value"].to_numpy() <= fdr]
    # dicts: looked up once per cluster below (a Series' .get is 25x slower)
    chans = channel_phrases(strong, window=window).to_dict()
    single = single_channel(pd.Series(strong["signal"].to_numpy(),
                                      index=strong["cluster"])).to_dict()
    members = np.flatnonzero(cid > 0)
    mem = pd.DataFrame({"account_id": sd.ids[members], "cluster": cid[members]})
    feats = None
    if features is not None and len(features):
        feats = features.set_index("account_id") if "account_id" in features else features
    feat = feature_phrases(mem, feats).to_dict()
    bursts = _bursts(sd, mem, hours=burst_hours)
    aside = t["aside_cover"].to_numpy() > 1
    whats = iter(KeyDescriber(sd, ev).many(t["aside_sig"].to_numpy()[aside].astype(np.int64),
                                            t["aside_key"].to_numpy()[aside].astype(np.int64)))
    out = []
    for row in t.to_dict("records"):  # one row per cluster, small work each
        c = row["cluster_id"]
        items = list(chans.get(c, []))
        if c in bursts:
            items = [i for i in items if not i[1].endswith("created close together")]
            items.append(bursts[c])
        items.sort(key=lambda i: (i[0], i[1]))
        parts = [f"{int(row['size'])} accounts"]
        if 0 < row["core_size"] < row["size"]:
            parts.append(f"{int(row['core_size'])} linked at pair p<={fmt_p(row['core_log10_t'])}")
        parts += [text for _, text in items[:MAX_PHRASES]]
        parts += feat.get(c, [])
        if single.get(c, ""):
            parts.append(single[c])
        if row["aside_cover"] > 1:
            what = next(whats)
            if what:
                parts.append(f"set aside as what defines the group: {what} "
                             f"({int(row['aside_cover'])} members)")
        chance = row["null_expected"]
        if np.isfinite(chance) and row.get("n_copies", 0):
            parts.append(f"chance alone makes {chance:.2g} such clusters per randomised copy")
        parts.append(f"cluster p={fmt_p(row['cal_log10_p'])}, q={fmt_p(row['log10_q'])}")
        out.append("; ".join(parts))
    return np.asarray(out, dtype=object)


def _bursts(sd: ScanData, mem: pd.DataFrame, *, hours: float) -> dict:
    acc = sd.accounts
    if "created_at" not in acc or len(mem) == 0:
        return {}
    acc = acc.dropna(subset=["account_id"]).drop_duplicates("account_id")
    created = pd.Series(pd.to_datetime(acc["created_at"], utc=True).to_numpy(),
                        index=acc["account_id"].astype(STR_DTYPE).to_numpy())
    if created.notna().sum() < 2:
        return {}
    times = created.reindex(mem["account_id"]).to_numpy()
    return burst_phrases(pd.DataFrame({"cluster": mem["cluster"].to_numpy(np.int64),
                                       "created_at": times}), created.dropna(), hours=hours)


def _empty_clusters() -> pd.DataFrame:
    cols = {"cluster_id": STR_DTYPE, "size": "int64", "score": "float64", "flagged": "bool",
            "members": STR_DTYPE, "reasons": STR_DTYPE, "p_value": "float64",
            "q_value": "float64", "channels": STR_DTYPE, "n_internal_edges": "int64",
            "density": "float64", "first_seen": "datetime64[ns, UTC]",
            "last_seen": "datetime64[ns, UTC]", "core_size": "int64",
            "n_significant_pairs": "int64", "analytic_p": "float64",
            "chance_expected": "float64"}
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in cols.items()})
