"""The self-contained HTML report: one file an analyst can open offline, archive or send.

No external assets (inline CSS, a few lines of inline JS to sort tables, a Content-Security-
Policy that forbids loading anything), all untrusted text escaped by Jinja2 autoescape, and
sizes capped (clusters, members and evidence rows per cluster, text length) so that a scan of
millions of posts still gives a report of a few MB. The full tables are in the CSV/Parquet files.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from astroturf import __version__
from astroturf.report.summary import clean, fmt_num, ranked_clusters, truthy
from astroturf.schema import ScanResult

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


def _members(acc: pd.DataFrame, cid: str, limit: int) -> tuple[list[dict], int]:
    m = acc[acc["_cid"] == cid]
    m = m.sort_values(["_score", "account_id"], ascending=[False, True], kind="stable")
    rows = [{"handle": _text(r.handle, 100), "account_id": _text(r.account_id, 100),
             "score": fmt_num(r.score), "reasons": _text(r.reasons, 400),
             "bio": _text(r.bio, 300)} for r in m.head(limit).itertuples(index=False)]
    return rows, max(len(m) - limit, 0)


def _evidence(ev: pd.DataFrame, cid: str, handles: dict, limit: int, max_text: int) -> list[dict]:
    e = ev[ev["cluster_id"] == cid]
    # Show the first item of every pair before the second of any, so rows cover many pairs.
    e = e.assign(_rank=e.groupby(["signal", "account_a", "account_b"], sort=False).cumcount())
    e = e.sort_values(["_rank", "signal", "account_a", "account_b"], kind="stable").head(limit)
    return [{
        "signal": clean(r.signal), "profile": pd.isna(r.post_a),
        "a": _text(handles.get(r.account_a, r.account_a), 100),
        "b": _text(handles.get(r.account_b, r.account_b), 100),
        "post_a": _text(r.post_a, 100), "post_b": _text(r.post_b, 100),
        "time_a": _time(r.time_a), "time_b": _time(r.time_b), "dt": _dt(r.dt_seconds),
        "text_a": _text(r.text_a, max_text), "text_b": _text(r.text_b, max_text),
        "urls_a": _text(r.urls_a, 300), "urls_b": _text(r.urls_b, 300),
    } for r in e.itertuples(index=False)]


def _prepared_accounts(result: ScanResult, cids: list[str]) -> pd.DataFrame:
    cols = ["account_id", "handle", "score", "cluster_id", "reasons", "bio"]
    acc = result.accounts.reindex(columns=cols)
    acc = acc.assign(_cid=acc["cluster_id"].astype("str").fillna(""))
    acc = acc[acc["_cid"].isin(cids)]
    return acc.assign(_score=pd.to_numeric(acc["score"], errors="coerce").fillna(-math.inf))


def _clusters(result: ScanResult, *, max_clusters: int, max_members: int, max_evidence: int,
              max_text: int) -> list[dict]:
    ranked = ranked_clusters(result.clusters).head(max_clusters)
    cids = [clean(c) for c in ranked["cluster_id"]] if len(ranked) else []
    acc = _prepared_accounts(result, cids)
    handles = dict(zip(acc["account_id"], acc["handle"].fillna(acc["account_id"]), strict=True))
    ev = result.evidence
    ev = ev[ev["cluster_id"].astype("str").fillna("").isin(cids)] if len(ev) else ev
    out = []
    for cid, (_, row) in zip(cids, ranked.iterrows(), strict=True):  # at most max_clusters
        members, more = _members(acc, cid, max_members)
        out.append({
            "id": cid, "flagged": truthy(row.get("flagged")), "size": clean(row.get("size")),
            "score": fmt_num(row.get("score")), "p": fmt_num(row.get("p_value")),
            "q": fmt_num(row.get("q_value")), "channels": clean(row.get("channels")),
            "first_seen": _time(row.get("first_seen")), "last_seen": _time(row.get("last_seen")),
            "reasons": _split_reasons(row.get("reasons")), "members": members,
            "more_members": more, "has_bios": any(m["bio"] for m in members),
            "evidence": _evidence(ev, cid, handles, max_evidence, max_text) if len(ev) else [],
        })
    return out


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


def render_html(result: ScanResult, *, title: str = "astroturf report", max_clusters: int = 50,
                max_members: int = 100, max_evidence: int = 30, max_text: int = 600) -> str:
    """One self-contained HTML page for ``result`` (see module docstring for what it shows).

    Uses clusters (cluster_id, size, score, flagged, members, reasons, + p_value, q_value,
    channels, first_seen, last_seen), accounts (account_id, handle, score, cluster_id, reasons,
    + bio), evidence (EVIDENCE_OUT_COLUMNS), signals and manifest. Caps: ``max_clusters``
    clusters, ``max_members`` members and ``max_evidence`` evidence rows per cluster, texts cut
    at ``max_text`` characters.
    """
    m = result.manifest or {}
    clusters = _clusters(result, max_clusters=max_clusters, max_members=max_members,
                         max_evidence=max_evidence, max_text=max_text)
    ran, skipped = _signals(result.signals or {})
    n_flagged = int(result.clusters["flagged"].fillna(False).astype(bool).sum()) if len(
        result.clusters) else 0
    ctx = {
        "title": title, "version": m.get("version", __version__),
        "inputs": [{k: clean(i.get(k)) for k in ("name", "size", "sha256", "format")}
                   for i in m.get("inputs", []) if isinstance(i, dict)],
        "parameters": _kv(m.get("parameters")), "seed": clean(m.get("seed")),
        "counts": _kv(m.get("counts")), "dataset": _kv(m.get("dataset")),
        "time_note": clean(m.get("time_note")), "signals_ran": ran, "signals_skipped": skipped,
        "flagged": [c for c in clusters if c["flagged"]],
        "candidates": [c for c in clusters if not c["flagged"]],
        "n_clusters": len(result.clusters), "n_flagged": n_flagged,
        "n_hidden": max(len(result.clusters) - len(clusters), 0),
        "fdr": clean(dict(m.get("parameters") or {}).get("fdr", "")),
    }
    return _env().get_template("report.html").render(**ctx)

