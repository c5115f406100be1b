"""The self-contained HTML report: one file an analyst can open offline, archive or send.

No external assets: inline CSS, charts as inline SVG drawn here (visible with scripts blocked),
a few lines of inline JS to sort and filter tables, and a Content-Security-Policy that forbids
loading anything. All untrusted text is escaped (Jinja2 autoescape; ``markupsafe`` in the
charts). Sizes are capped (clusters, members, evidence rows, text length; charts only for
flagged clusters, from aggregates), so a scan of millions of posts still gives a report of a
few MB. The full tables are in the CSV/Parquet files the report links to.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from astroturf import __version__
from astroturf.kernels.sweep import lexsort_ints, run_starts
from astroturf.report import cluster_view as V
from astroturf.report.charts import overview_svg, signal_colours
from astroturf.report.focus import focus_rows
from astroturf.report.summary import clean, fmt_num, ranked_clusters
from astroturf.report.wording import calibration_words, coarse_times_note, fdr_words, percent
from astroturf.schema import STR_DTYPE, ScanResult

TEMPLATES = Path(__file__).parent / "templates"


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def _text(value: Any, limit: int) -> str:
    s = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _time(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%d %H:%M:%S") + "Z"


def _dt(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else f"{v:+g} s"


def _split_reasons(value: Any) -> list[str]:
    return [r.strip() for r in clean(value).replace("|", ";").split(";") if r.strip()]


def _members(acc: pd.DataFrame, cid: str, limit: int, focus: set[str],
             profiles: dict[str, dict]) -> tuple[list[dict], int]:
    m = acc[acc["_cid"] == cid]
    m = m.assign(not_focus=~m["account_id"].isin(focus))  # focus accounts first
    m = m.sort_values(["not_focus", "_score", "account_id"], ascending=[True, False, True],
                      kind="stable")
    rows = [{"handle": _text(r.handle, 100), "account_id": _text(r.account_id, 100),
             "score": fmt_num(r.score),
             "reasons": _text(r.reasons, 400).replace("+", "+\u200b"),  # lets "a+b+c" wrap
             "bio": _text(r.bio if isinstance(r.bio, str) else
                          (profiles.get(r.account_id) or {}).get("bio"), 300),
             "focus": not r.not_focus}
            for r in m.head(limit).itertuples(index=False)]
    return rows, max(len(m) - limit, 0)


@dataclass
class EvidenceIndex:
    """Where each shown cluster's evidence is: ``rows[cid]`` are positions in the evidence
    table in display order; ``a`` / ``b`` the codes of account_a / account_b at every
    position (codes index ``ids``, the sorted account ids; -1 outside the shown clusters)."""

    rows: dict[str, np.ndarray]
    a: np.ndarray
    b: np.ndarray
    ids: pd.Index


def evidence_order(ev: pd.DataFrame, cids: list[str]) -> EvidenceIndex:
    """Display order of every shown cluster's evidence: the n-th item of every (signal, pair)
    before the (n+1)-th of any, quotable posts before profile comparisons, then signal and
    pair; ties keep the table's order. One sort of integer codes for all clusters (a pandas
    sort and groupby per cluster cost seconds at 1M posts)."""
    none = np.full(len(ev), -1, np.int64)
    if len(ev) == 0 or not cids:
        return EvidenceIndex({}, none, none, pd.Index([], dtype=object))
    code = pd.Index(cids).get_indexer(ev["cluster_id"].astype("str").fillna(""))
    rows = np.flatnonzero(code >= 0)
    cl, n = code[rows], len(rows)
    sig = _sorted_codes(ev["signal"].iloc[rows])[0]
    who, ids = _sorted_codes(pd.concat([ev["account_a"].iloc[rows], ev["account_b"].iloc[rows]]))
    a, b = who[:n], who[n:]
    grouped = lexsort_ints((b, a, sig, cl))  # stable: rows of a group keep the table order
    starts = run_starts(cl[grouped], sig[grouped], a[grouped], b[grouped])
    rank = np.empty(n, np.int64)
    rank[grouped] = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    profile = ev["post_a"].iloc[rows].isna().to_numpy()
    order = lexsort_ints((b, a, sig, profile, rank, cl))
    bounds = np.searchsorted(cl[order], np.arange(len(cids) + 1))
    full_a, full_b = none.copy(), none.copy()
    full_a[rows], full_b[rows] = a, b
    return EvidenceIndex({c: rows[order[bounds[i]:bounds[i + 1]]] for i, c in enumerate(cids)
                          if bounds[i + 1] > bounds[i]}, full_a, full_b, ids)


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes in the sort order of the values (missing last, as a stable sort puts them), and
    the distinct values."""
    codes, uniq = pd.factorize(values.astype("str"), sort=True)
    return np.where(codes < 0, len(uniq), codes).astype(np.int64), pd.Index(uniq)


def _evidence(ev: pd.DataFrame, index: EvidenceIndex, cid: str, handles: dict,
              members: list[dict], limit: int, max_text: int) -> list[dict]:
    """Up to ``limit`` of the cluster's evidence rows in display order (``evidence_order``):
    first one row for each shown member (so every member links to its evidence), then the
    others in order."""
    shown = index.rows[cid]
    wanted = index.ids.get_indexer([m["account_id"] for m in members])
    who = np.concatenate([index.a[shown], index.b[shown]])
    hit = np.flatnonzero(np.isin(who, wanted[wanted >= 0]))
    position = hit % len(shown)
    # each member's first position: a stable sort by member, then position
    first = lexsort_ints((position, who[hit])) if len(hit) else hit
    keep = np.r_[True, who[hit][first][1:] != who[hit][first][:-1]] if len(hit) else hit
    cover = np.unique(position[first[keep]])
    if len(cover) >= limit:
        chosen = cover[:limit]
    else:
        rest = np.setdiff1d(np.arange(min(len(shown), limit + len(cover))), cover)
        chosen = np.sort(np.r_[cover, rest[: limit - len(cover)]])
    e = ev.iloc[shown[chosen]]
    return [{
        "signal": clean(r.signal), "profile": pd.isna(r.post_a), "id": f"ev-{cid}-{i}",
        "account_a": clean(r.account_a), "account_b": clean(r.account_b),
        "a": _text(handles.get(r.account_a, r.account_a), 100),
        "b": _text(handles.get(r.account_b, r.account_b), 100),
        "post_a": _text(r.post_a, 100), "post_b": _text(r.post_b, 100),
        "time_a": _time(r.time_a), "time_b": _time(r.time_b), "dt": _dt(r.dt_seconds),
        "text_a": _text(r.text_a, max_text), "text_b": _text(r.text_b, max_text),
        "urls_a": _text(r.urls_a, 300), "urls_b": _text(r.urls_b, 300),
    } for i, r in enumerate(e.itertuples(index=False))]


def _prepared_accounts(result: ScanResult, cids: list[str]) -> pd.DataFrame:
    cols = ["account_id", "handle", "score", "cluster_id", "reasons", "bio"]
    acc = result.accounts.reindex(columns=cols)
    acc = acc.assign(_cid=acc["cluster_id"].astype("str").fillna(""))
    acc = acc[acc["_cid"].isin(cids)]
    return acc.assign(_score=pd.to_numeric(acc["score"], errors="coerce").fillna(-math.inf))


def _by_cluster(frame: pd.DataFrame, cids: list[str]) -> dict[str, pd.DataFrame]:
    """Rows of each shown cluster, split once (filtering the whole table per cluster cost
    seconds at 1M posts); row order kept."""
    if len(frame) == 0:
        return {}
    key = frame["cluster_id"].astype("str").fillna("")
    shown = key.isin(cids).to_numpy()
    return {str(c): g for c, g in frame[shown].groupby(key[shown].to_numpy(), sort=False)}


def _link_members(members: list[dict], evidence: list[dict]) -> None:
    for m in members:  # <= max_members
        m["evidence"] = next((e["id"] for e in evidence
                              if m["account_id"] in (e["account_a"], e["account_b"])), "")


def _clusters(result: ScanResult, *, max_clusters: int, max_members: int, max_evidence: int,
              max_text: int, focus: set[str], colours: dict[str, str]) -> list[dict]:
    ranked = ranked_clusters(result.clusters).head(max_clusters)
    cids = [clean(c) for c in ranked["cluster_id"]] if len(ranked) else []
    acc = _prepared_accounts(result, cids)
    handles = dict(zip(acc["account_id"], acc["handle"].fillna(acc["account_id"]), strict=True))
    ev_index, edges_of = evidence_order(result.evidence, cids), _by_cluster(result.edges, cids)
    no_edges = result.edges.iloc[:0]
    details = result.details or {}
    population = details.get("population")
    window = dict((result.manifest or {}).get("parameters") or {}).get("window", 60)
    out = []
    for cid, (_, row) in zip(cids, ranked.iterrows(), strict=True):  # at most max_clusters
        d = (details.get("clusters") or {}).get(cid)
        members, more = _members(acc, cid, max_members, focus, (d or {}).get("profiles") or {})
        edges = edges_of.get(cid, no_edges)
        evidence = _evidence(result.evidence, ev_index, cid, handles, members, max_evidence,
                             max_text) if cid in ev_index.rows else []
        _link_members(members, evidence)
        head = V.headline(row)
        out.append({
            **head, "reasons": _split_reasons(row.get("reasons")), "members": members,
            "more_members": more, "has_bios": any(m["bio"] for m in members),
            "evidence": evidence, "details": d is not None,
            "ties": V.ties(edges, colours, window, row.get("size")),
            "burst": V.burst_words((d or {}).get("burst")),
            "content": V.content_lists((d or {}).get("terms"), set((d or {}).get("profiles") or
                                                                   {})),
            "n_posts": f"{int((d or {}).get('n_posts') or 0):,}",
            "replies": V.reply_view(row, (d or {}).get("replies"), (d or {}).get("n_posts", 0)),
            "charts": V.chart_set(d, population, members, edges, cid, colours)
            if head["flagged"] else {},
            "has_focus": any(m["focus"] for m in members),
        })
    return out


def _glance(c: dict) -> dict:
    """One row of the at-a-glance table."""
    pushes = [i["label"] for k in c["content"] for i in k["terms"][:2]][:3]
    r = c["replies"]
    answers = ""
    if r["prominent"] and r["accounts"]:
        top = r["accounts"][0]["handle"]
        answers = f"{r['n_posts']} posts by {r['n_accounts']} accounts, e.g. @{top}"
    return {"id": c["id"], "size": c["size"], "sure": c["p_words"], "q_words": c["q_words"],
            "ties": [(t["colour"], t["short"]) for t in c["ties"][:3]], "pushes": pushes,
            "answers": answers,
            "when": c["when"]}


def _kv(mapping: Any) -> list[tuple[str, str]]:
    if not isinstance(mapping, dict):
        return []
    return [(clean(k), v if isinstance(v, str) else json.dumps(v, sort_keys=True,
                                                               ensure_ascii=False))
            for k, v in sorted(mapping.items())]


def _signals(signals: dict[str, str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    ran, skipped = [], []
    for name in sorted(signals):
        status = clean(signals[name])
        head, _, detail = status.partition(":")
        (skipped if head.strip() == "skipped" else ran).append((name, detail.strip() or status))
    return ran, skipped


def _overview(result: ScanResult, clusters: list[dict]) -> dict:
    """Header numbers in words, and the overview chart when details exist."""
    pop = (result.details or {}).get("population") or {}
    flagged_ids = {c["id"] for c in clusters if c["flagged"]}
    per = (result.details or {}).get("clusters") or {}
    n_acc = int(pop.get("n_accounts") or len(result.accounts))
    cl = result.clusters
    in_flagged = int(pd.to_numeric(cl.loc[cl["flagged"].fillna(False).astype(bool), "size"],
                                   errors="coerce").sum()) if len(cl) else 0
    out = {"n_accounts": f"{n_acc:,}", "n_flagged_accounts": f"{in_flagged:,}",
           "accounts_share": percent(in_flagged / n_acc) if n_acc else "", "chart": None,
           "posts_share": "", "n_posts": f"{int(pop.get('n_posts') or 0):,}"}
    tl = pop.get("timeline")
    if tl and tl.get("n"):
        flagged = [0] * tl["n"]
        for cid in sorted(flagged_ids & set(per)):  # flagged clusters are disjoint
            flagged = [a + b for a, b in zip(flagged, per[cid]["timeline"], strict=True)]
        n_posts = sum(tl["all"])
        out["chart"] = overview_svg(tl, tl["all"], flagged)
        out["posts_share"] = percent(sum(flagged) / n_posts) if n_posts else ""
        out["n_flagged_posts"] = f"{sum(flagged):,}"
    return out


def render_html(result: ScanResult, *, title: str = "astroturf report", max_clusters: int = 50,
                max_members: int = 100, max_evidence: int = 30, max_text: int = 600,
                focus: Sequence[str] = ()) -> str:
    """One self-contained HTML page for ``result`` (see module docstring for what it shows).

    Uses clusters (CLUSTER_OUT_COLUMNS + p_value, q_value, channels, first_seen, last_seen and
    the content columns), accounts (account_id, handle, score, cluster_id, reasons, + bio),
    edges, evidence, signals, manifest (parameters, inputs, optional ``calibration``) and
    ``details``. ``focus``: handles or ids shown first, with whether and why each is in a
    cluster. Caps: ``max_clusters`` clusters, ``max_members`` members and ``max_evidence``
    evidence rows per cluster, texts cut at ``max_text`` characters.
    """
    m = result.manifest or {}
    colours = signal_colours(result.edges["signal"].astype(STR_DTYPE).dropna().unique()
                             if len(result.edges) else [])
    rows = focus_rows(result.accounts, result.clusters, list(focus)) if focus else []
    focus_ids = {r["account_id"] for r in rows if r["found"]}
    clusters = _clusters(result, max_clusters=max_clusters, max_members=max_members,
                         max_evidence=max_evidence, max_text=max_text, focus=focus_ids,
                         colours=colours)
    clusters.sort(key=lambda c: (not c["flagged"], not c["has_focus"]))  # stable: rank kept
    ran, skipped = _signals(result.signals or {})
    n_flagged = int(result.clusters["flagged"].fillna(False).astype(bool).sum()) if len(
        result.clusters) else 0
    params = dict(m.get("parameters") or {})
    flagged = [c for c in clusters if c["flagged"]]
    ctx = {
        "title": title, "version": m.get("version", __version__),
        "inputs": [{k: clean(i.get(k)) for k in ("name", "size", "sha256", "format")}
                   for i in m.get("inputs", []) if isinstance(i, dict)],
        "parameters": _kv(params), "seed": clean(m.get("seed")),
        "counts": _kv(m.get("counts")), "dataset": _kv(m.get("dataset")),
        "time_note": clean(m.get("time_note")), "signals_ran": ran, "signals_skipped": skipped,
        "coarse_note": coarse_times_note(result.signals or {}),
        "flagged": flagged, "candidates": [c for c in clusters if not c["flagged"]],
        "glance": [_glance(c) for c in flagged], "focus": rows,
        "n_clusters": len(result.clusters), "n_flagged": n_flagged,
        "n_hidden": max(len(result.clusters) - len(clusters), 0),
        "fdr": clean(params.get("fdr", "")), "fdr_words": fdr_words(params.get("fdr")),
        "calibration": calibration_words(m.get("calibration"), n_flagged),
        "calibrated": int((m.get("calibration") or {}).get("null_copies") or 0) > 0,
        "overview": _overview(result, clusters), "colours": colours,
        "has_details": result.details is not None,
    }
    return _env().get_template("report.html").render(**ctx)


__all__ = ["render_html"]
