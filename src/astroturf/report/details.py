"""Per-cluster description for the report and clusters.csv: what they push, whom they answer,
and the aggregated numbers behind the charts.

``scan_details`` is the whole computation once the clusters are assessed; the pipeline runs
its two halves apart (``cluster_content``, then the evidence table, then ``with_charts``), so
the content's working memory and the evidence table are never held at once. It is pure (posts,
accounts and result tables in; a DataFrame and a JSON-able dict out), so it does not depend on
how the clusters were found. The report is drawn from its output alone, without the posts,
which keeps report writing cheap and the HTML small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from astroturf.report.chart_data import chart_data
from astroturf.report.summary import ranked_clusters
from astroturf.schema import CLUSTER_CONTENT_COLUMNS, STR_DTYPE
from astroturf.scoring.content import KINDS, Authors, distinctive_terms, post_authors
from astroturf.scoring.replies import member_replies, reply_columns, tone_counts, top_targets
from astroturf.scoring.tone import tone_labels

DETAILS_VERSION = 1
_TERM_COLUMN = {"phrase": "top_phrases", "hashtag": "top_hashtags", "domain": "top_domains",
                "repost_target": "top_repost_targets"}
_COUNTS = ["n_replies", "n_replied_posts", "n_replied_accounts"]


def _handles(accounts: pd.DataFrame) -> pd.Series:
    acc = accounts.dropna(subset=["account_id"]).drop_duplicates("account_id")
    ids = acc["account_id"].astype(STR_DTYPE)
    return pd.Series(acc["handle"].astype(STR_DTYPE).fillna(ids).to_numpy(), index=ids.to_numpy())


def _num(x: object, digits: int = 4) -> float | None:
    v = float(x)  # type: ignore[arg-type]
    return None if math.isnan(v) else round(v, digits)


def _iso(value: object) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _term_lists(terms: pd.DataFrame) -> dict[str, dict[str, list[dict]]]:
    out: dict[str, dict[str, list[dict]]] = {}
    for r in terms.itertuples(index=False):  # at most 5 terms x 4 kinds per cluster
        out.setdefault(r.cluster_id, {k: [] for k in KINDS})[r.kind].append({
            "term": r.term, "label": r.label, "n_posts": int(r.n_posts),
            "n_accounts": int(r.n_accounts), "share": _num(r.share),
            "background_share": _num(r.background_share, 6), "z": _num(r.z, 2)})
    return out


def _content_columns(clusters: pd.DataFrame, terms: pd.DataFrame,
                     replies: pd.DataFrame) -> pd.DataFrame:
    """clusters + CLUSTER_CONTENT_COLUMNS appended (existing columns kept, in order)."""
    joined = terms.groupby(["cluster_id", "kind"], sort=False)["label"].agg("; ".join)
    wide = joined.unstack("kind") if len(joined) else pd.DataFrame()
    wide = wide.reindex(columns=list(_TERM_COLUMN)).rename(columns=_TERM_COLUMN)
    add = wide.join(replies.set_index("cluster_id"), how="outer")
    cid = clusters["cluster_id"].astype(STR_DTYPE)
    add = add.reindex(cid.to_numpy()).reset_index(drop=True)
    out = clusters.drop(columns=[c for c in CLUSTER_CONTENT_COLUMNS if c in clusters.columns])
    out = out.reset_index(drop=True)
    for col in CLUSTER_CONTENT_COLUMNS:
        values = add[col] if col in add.columns else pd.Series(pd.NA, index=out.index)
        if col in _COUNTS:
            out[col] = pd.to_numeric(values).fillna(0).astype("Int64")
        elif col.endswith("_share"):
            out[col] = pd.to_numeric(values).astype("float64")
        else:
            out[col] = values.astype(STR_DTYPE)
    return out


def _reply_details(replies: pd.DataFrame, tone: pd.DataFrame, handles: pd.Series,
                   shown: list[str]) -> dict[str, dict]:
    r = replies[replies["cluster_id"].isin(shown)]
    posts = top_targets(r, "target_post_id", top=5)
    info = r.drop_duplicates(["cluster_id", "target_post_id"]).set_index(
        ["cluster_id", "target_post_id"])
    posts = posts.join(info[["target_account_id", "target_text", "target_lang", "target_time"]],
                       on=["cluster_id", "target_post_id"])
    posts["tone"] = tone_labels(posts["target_text"], posts["target_lang"])
    accounts = top_targets(r, "target_account_id", top=5)
    out: dict[str, dict] = {c: {"top_posts": [], "top_accounts": [], "tone": {}} for c in
                            pd.unique(r["cluster_id"])}
    for p in posts.itertuples(index=False):  # at most 5 per shown cluster
        out[p.cluster_id]["top_posts"].append({
            "post_id": p.target_post_id, "account_id": _str(p.target_account_id),
            "handle": _str(handles.get(p.target_account_id, p.target_account_id)),
            "time": _iso(p.target_time), "text": _clip(p.target_text, 400),
            "n_replies": int(p.n_replies), "n_members": int(p.n_members),
            "median_delay_s": _num(p.median_delay_s, 0), "tone": _str(p.tone)})
    for a in accounts.itertuples(index=False):
        out[a.cluster_id]["top_accounts"].append({
            "account_id": a.target_account_id,
            "handle": _str(handles.get(a.target_account_id, a.target_account_id)),
            "n_replies": int(a.n_replies), "n_members": int(a.n_members)})
    for t in tone.itertuples(index=False):
        if t.cluster_id in out:
            out[t.cluster_id]["tone"][t.side] = {
                k: int(getattr(t, k)) for k in ("positive", "neutral", "negative",
                                                "not_assessed", "n", "total")}
    return out


def _str(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _clip(value: object, limit: int) -> str | None:
    s = _str(value)
    return s if s is None or len(s) <= limit else s[: limit - 1] + "…"


def _profiles(accounts: pd.DataFrame, membership: pd.DataFrame, shown: list[str],
              limit: int = 100) -> dict[str, dict[str, dict]]:
    """Bio, display name and creation time of up to ``limit`` members per shown cluster (the
    result's accounts table holds scores, not profiles; the report puts bios side by side)."""
    m = membership[membership["cluster_id"].astype(STR_DTYPE).isin(shown)]
    m = m.sort_values(["cluster_id", "account_id"], kind="stable").groupby(
        "cluster_id", sort=False).head(limit)
    cols = [c for c in ("account_id", "display_name", "bio", "created_at") if c in accounts]
    prof = m.merge(accounts[cols].drop_duplicates("account_id"), on="account_id", how="left")
    out: dict[str, dict[str, dict]] = {}
    for r in prof.to_dict("records"):  # <= limit per shown cluster
        out.setdefault(str(r["cluster_id"]), {})[str(r["account_id"])] = {
            "display_name": _clip(r.get("display_name"), 100), "bio": _clip(r.get("bio"), 300),
            "created_at": _iso(r.get("created_at"))}
    return out


def scan_details(posts: pd.DataFrame, accounts: pd.DataFrame, result_accounts: pd.DataFrame,
                 clusters: pd.DataFrame, evidence: pd.DataFrame, *, max_clusters: int = 50,
                 burst_hours: float = 24.0, max_tone: int = 300) -> tuple[pd.DataFrame, dict]:
    """(clusters with CLUSTER_CONTENT_COLUMNS appended, details for the report).

    posts/accounts: the canonical input tables. result_accounts: account_id, cluster_id.
    clusters: the assessed clusters (cluster_id, flagged, score, ...). evidence: the evidence
    table. Terms and reply counts are computed for every cluster (vectorised); tone, charts
    and the reply lists only for the ``max_clusters`` clusters the report shows (flagged
    first), which bounds the cost at any size. details: {"version", "population": chart
    aggregates of all posts/accounts, "clusters": {cluster_id: {charts..., "terms",
    "replies"}}}; JSON-able and deterministic.
    """
    content = cluster_content(posts, accounts, result_accounts, clusters,
                              max_clusters=max_clusters, max_tone=max_tone)
    return with_charts(content, posts, accounts, evidence, burst_hours=burst_hours)


@dataclass
class ClusterContent:
    """What the clusters push and answer (``cluster_content``), waiting for the charts."""

    clusters: pd.DataFrame  # with CLUSTER_CONTENT_COLUMNS
    membership: pd.DataFrame
    shown: list[str]
    per_cluster: dict[str, dict]
    authors: Authors | None = None  # post_authors(posts), shared with the charts


def cluster_content(posts: pd.DataFrame, accounts: pd.DataFrame,
                    result_accounts: pd.DataFrame, clusters: pd.DataFrame, *,
                    max_clusters: int = 50, max_tone: int = 300) -> ClusterContent:
    """The part of ``scan_details`` that does not read the evidence table: a scan runs it
    before building that table, so the two never hold their memory at once."""
    membership = result_accounts[["account_id", "cluster_id"]]
    handles = _handles(accounts)
    shown = [str(c) for c in ranked_clusters(clusters).head(max_clusters)["cluster_id"]] if len(
        clusters) else []
    authors = post_authors(posts)
    terms = distinctive_terms(posts, membership, handles, authors=authors)
    replies = member_replies(posts, membership, authors)
    tone = tone_counts(replies[replies["cluster_id"].isin(shown)], max_tone=max_tone)
    out = _content_columns(clusters, terms, reply_columns(replies, tone, handles))
    term_lists = _term_lists(terms[terms["cluster_id"].isin(shown)])
    reply_lists = _reply_details(replies, tone, handles, shown)
    profiles = _profiles(accounts, membership, shown)
    per_cluster = {cid: {"terms": term_lists.get(cid, {k: [] for k in KINDS}),
                         "replies": reply_lists.get(cid, {"top_posts": [], "top_accounts": [],
                                                          "tone": {}}),
                         "profiles": profiles.get(cid, {})} for cid in shown}
    return ClusterContent(out, membership, shown, per_cluster, authors)


def with_charts(content: ClusterContent, posts: pd.DataFrame, accounts: pd.DataFrame,
                evidence: pd.DataFrame, *, burst_hours: float = 24.0
                ) -> tuple[pd.DataFrame, dict]:
    """``scan_details``' result: the content with the chart aggregates (which mark the
    evidence's synchronised moments)."""
    charts = chart_data(posts, accounts, content.membership, evidence,
                        cluster_ids=content.shown, burst_hours=burst_hours,
                        authors=content.authors)
    per_cluster = {cid: {**charts["clusters"].get(cid, {}), **content.per_cluster[cid]}
                   for cid in content.shown}  # at most max_clusters
    population = {k: v for k, v in charts.items() if k != "clusters"}
    population["n_posts"] = len(posts)
    population["n_accounts"] = int(accounts["account_id"].dropna().nunique())
    return content.clusters, {"version": DETAILS_VERSION, "population": population,
                              "clusters": per_cluster}
