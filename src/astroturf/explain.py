"""``astroturf explain``: answer "is this account coordinated, and show me why" from a finished
scan, without re-running it.

Reads the scan's output directory (Parquet when the scan wrote it, else CSV, through pyarrow:
a second or less for the sample-sized scans a journalist brings) and, per account named by
handle, @handle or id: whether it is flagged, its cluster and score, its strongest partners
and the quotable evidence (both posts, times, Δt, shared text and links). Evidence is read
after the accounts are resolved and filtered in pyarrow, so it costs one scan of that file.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from astroturf.errors import InputError
from astroturf.report.csvsafe import unguard_frame
from astroturf.report.focus import account_index, resolve, suggest, why
from astroturf.report.text import clean, fmt_num, truthy
from astroturf.report.wording import duration_words, p_words, q_words

_TEXT_COLUMNS = ("account_id", "handle", "cluster_id", "reasons", "top_signal", "top_partner",
                 "members", "channels", "tone", "top_phrases", "top_hashtags", "top_domains",
                 "top_repost_targets", "top_reply_targets", "account_a", "account_b", "signal",
                 "post_a", "post_b", "text_a", "text_b", "urls_a", "urls_b", "evidence")


_ACCOUNT_COLUMNS = ("account_id", "handle", "score", "flagged", "cluster_id", "p_value",
                    "q_value", "top_signal", "top_partner")


@dataclass
class Scan:
    """The small tables of a finished scan; edges and evidence are read per query."""

    outdir: Path
    accounts: pd.DataFrame
    clusters: pd.DataFrame


def _table_path(outdir: Path, name: str) -> Path | None:
    for suffix in (".parquet", ".csv"):
        if (outdir / f"{name}{suffix}").is_file():
            return outdir / f"{name}{suffix}"
    return None


def _read(path: Path | None, *, accounts: set[str] | None = None,
          columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One output table; rows touching ``accounts`` only (account_a/account_b), ``columns``
    only. CSV text cells lose the formula guard ``csvsafe`` put on them."""
    if path is None:
        return pd.DataFrame()
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq  # only when the scan wrote Parquet

        names = pq.read_schema(path).names
        table = pq.read_table(path, columns=[c for c in columns if c in names]
                              if columns else None)
    else:
        opts = pacsv.ConvertOptions(column_types={c: pa.string() for c in _TEXT_COLUMNS},
                                    strings_can_be_null=True)
        if columns:
            header = pacsv.open_csv(path).schema.names
            opts.include_columns = [c for c in columns if c in header]
        table = pacsv.read_csv(path, convert_options=opts)
    if accounts is not None:
        ids = pa.array(sorted(accounts), pa.string())
        keep = pc.or_(pc.is_in(table["account_a"].cast(pa.string()), value_set=ids),
                      pc.is_in(table["account_b"].cast(pa.string()), value_set=ids))
        table = table.filter(pc.fill_null(keep, False))
    df = table.to_pandas()
    return unguard_frame(df) if path.suffix == ".csv" else df


def load_scan(outdir: str | os.PathLike[str]) -> Scan:
    """The accounts and clusters tables of ``outdir``; InputError when it holds none."""
    out = Path(outdir)
    accounts = _table_path(out, "accounts")
    if accounts is None:
        raise InputError("not the output directory of a scan (no accounts.csv or .parquet)",
                         source=str(out), hint="run `astroturf scan INPUT -o DIR` first")
    return Scan(outdir=out, accounts=_read(accounts, columns=_ACCOUNT_COLUMNS),
                clusters=_read(_table_path(out, "clusters")))


def resolve_all(scan: Scan, queries: list[str]) -> list[str]:
    """Account ids for ``queries``; one InputError naming every unknown one (with "did you
    mean" over the scan's handles)."""
    by_id, by_handle = account_index(scan.accounts)
    ids, unknown = [], []
    for q in queries:  # the few accounts named on the command line
        aid = resolve(q, by_id, by_handle)
        (ids if aid is not None else unknown).append(aid if aid is not None else q)
    if unknown:
        handles = scan.accounts["handle"].dropna().astype(str).tolist()
        parts = []
        for q in unknown:
            near = suggest(q, handles)
            parts.append(f"{q!r}" + (f" (did you mean {', '.join('@' + h for h in near)}?)"
                                     if near else ""))
        raise InputError(f"not in this scan: {'; '.join(parts)}", source=str(scan.outdir))
    return ids


def _partners(edges: pd.DataFrame, aid: str, handles: dict[str, str],
              cluster_of: dict[str, str], limit: int, top: str = "") -> list[dict[str, Any]]:
    """The account's strongest partners in edges.csv: signals, smallest p, co-actions.

    ``top`` (accounts.csv top_partner, strongest by the fused pair p) comes first, so the
    list agrees with the account's "strongest link"; the others follow by their best signal.
    """
    if len(edges) == 0:
        return []
    e = edges[(edges["account_a"] == aid) | (edges["account_b"] == aid)]
    e = e.assign(partner=e["account_b"].where(e["account_a"] == aid, e["account_a"]),
                 p=pd.to_numeric(e["p_value"], errors="coerce"),
                 n=pd.to_numeric(e["n_events"], errors="coerce").fillna(0))
    g = e.groupby("partner", sort=True)
    t = pd.DataFrame({"p": g["p"].min(), "n_events": g["n"].sum(),
                      "signals": g["signal"].agg(lambda s: sorted(set(s)))}).reset_index()
    t = t.assign(_top=t["partner"] != top).sort_values(
        ["_top", "p", "n_events", "partner"], ascending=[True, True, False, True],
        kind="stable").head(limit)
    cid = cluster_of.get(aid, "")
    return [{"account_id": r.partner, "handle": handles.get(r.partner, r.partner),
             "signals": list(r.signals), "p_value": float(r.p), "p_words": p_words(r.p),
             "n_events": int(r.n_events),
             "same_cluster": bool(cid) and cluster_of.get(r.partner) == cid}
            for r in t.itertuples(index=False)]


def _evidence(ev: pd.DataFrame, aid: str, partners: list[str], handles: dict[str, str],
              limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` rows: one per (partner, signal) before more, posts before profile
    comparisons, strongest partners first."""
    ev = ev[(ev["account_a"] == aid) | (ev["account_b"] == aid)] if len(ev) else ev
    if len(ev) == 0:
        return []
    mine = ev["account_a"] == aid
    e = ev.assign(partner=ev["account_b"].where(mine, ev["account_a"]), mine_is_a=mine)
    rank = {p: i for i, p in enumerate(partners)}
    e = e.assign(_p=e["partner"].map(rank).fillna(len(rank)),
                 _k=e.groupby(["partner", "signal"], sort=False).cumcount(),
                 _profile=e["post_a"].isna())  # quotable posts before profile comparisons
    e = e.sort_values(["_k", "_profile", "_p", "signal", "partner"], kind="stable").head(limit)
    out = []
    for r in e.itertuples(index=False):  # <= limit rows
        a, b = ("a", "b") if r.mine_is_a else ("b", "a")
        row = r._asdict()
        dt = pd.to_numeric(row["dt_seconds"], errors="coerce")
        out.append({
            "signal": clean(r.signal), "partner": r.partner,
            "partner_handle": handles.get(r.partner, r.partner),
            "post": _s(row[f"post_{a}"]), "partner_post": _s(row[f"post_{b}"]),
            "time": _iso(row[f"time_{a}"]), "partner_time": _iso(row[f"time_{b}"]),
            "dt_seconds": None if pd.isna(dt) else float(dt if r.mine_is_a else -dt),
            "text": _s(row[f"text_{a}"]), "partner_text": _s(row[f"text_{b}"]),
            "urls": _s(row[f"urls_{a}"]), "partner_urls": _s(row[f"urls_{b}"])})
    return out


def _s(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else \
        str(value)


def _iso(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _cluster_info(row: pd.Series | None) -> dict[str, Any] | None:
    if row is None:
        return None
    pushes = {k: [i.strip() for i in clean(row.get(f"top_{k}")).split(";") if i.strip()]
              for k in ("phrases", "hashtags", "domains", "repost_targets", "reply_targets")}
    return {"cluster_id": clean(row.get("cluster_id")), "size": _int(row.get("size")),
            "flagged": truthy(row.get("flagged")), "p_value": _float(row.get("p_value")),
            "q_value": _float(row.get("q_value")), "p_words": p_words(row.get("p_value")),
            "q_words": q_words(row.get("q_value")), "channels": clean(row.get("channels")),
            "pushes": pushes, "tone": clean(row.get("tone"))}


def _int(value: Any) -> int | None:
    v = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(v) else int(v)


def _float(value: Any) -> float | None:
    v = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(v) else float(v)


def explain_accounts(scan: Scan, queries: list[str], *, max_partners: int = 5,
                     max_evidence: int = 6) -> list[dict[str, Any]]:
    """One JSON-able dict per query (InputError first if any query is not in the scan).

    Keys: query, account_id, handle, flagged, score, cluster_id, why (words), cluster (size,
    flagged, p/q and their words, channels, what it pushes, tone; None when not clustered),
    partners (strongest first: account_id, handle, signals, p_value, p_words, n_events,
    same_cluster), evidence (signal, partner, both posts' ids, times, texts, URLs, dt_seconds
    = partner's time - this account's).
    """
    ids = resolve_all(scan, queries)
    acc = scan.accounts.drop_duplicates("account_id").set_index("account_id", drop=False)
    handles = dict(zip(acc["account_id"], acc["handle"].fillna(acc["account_id"]),
                       strict=True))
    cluster_of = {a: c for a, c in zip(acc["account_id"], acc["cluster_id"], strict=True)
                  if isinstance(c, str) and c}
    cl = (scan.clusters.assign(cluster_id=scan.clusters["cluster_id"].astype(str))
          .drop_duplicates("cluster_id").set_index("cluster_id", drop=False)
          if len(scan.clusters) else None)
    edges = _read(_table_path(scan.outdir, "edges"), accounts=set(ids),
                  columns=("account_a", "account_b", "signal", "n_events", "p_value"))
    ev = _read(_table_path(scan.outdir, "evidence"), accounts=set(ids))
    out = []
    for q, aid in zip(queries, ids, strict=True):  # the accounts named on the command line
        a = acc.loc[aid]
        cid = clean(a.get("cluster_id"))
        crow = cl.loc[cid] if cl is not None and cid in cl.index else None
        partners = _partners(edges, aid, handles, cluster_of, max_partners,
                             top=clean(a.get("top_partner")))
        out.append({
            "query": q, "account_id": aid, "handle": clean(handles.get(aid, aid)),
            "flagged": truthy(a.get("flagged")), "score": _float(a.get("score")),
            "cluster_id": cid or None, "why": why(a, crow, handles),
            "cluster": _cluster_info(crow), "partners": partners,
            "evidence": _evidence(ev, aid, [p["account_id"] for p in partners], handles,
                                  max_evidence)})
    return out


def _wrap(text: str, width: int, indent: str) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent,
                         subsequent_indent=indent + "  ") or [indent]


def format_explanation(item: dict[str, Any], *, width: int = 100) -> str:
    """The terminal text for one ``explain_accounts`` item (control characters removed)."""
    flag = "FLAGGED" if item["flagged"] else "not flagged"
    lines = [f"@{clean(item['handle'])} ({clean(item['account_id'])}): {flag}, "
             f"score {fmt_num(item['score'])}"]
    lines += _wrap(clean(item["why"]), width, "  ")
    c = item["cluster"]
    if c:
        lines += _wrap(f"group {clean(c['cluster_id'])}: {c['size']} accounts; "
                       f"{clean(c['p_words'])}; {clean(c['q_words'])}", width, "  ")
        pushed = "; ".join(f"{k.replace('_', ' ')}: {', '.join(clean(v) for v in vals[:3])}"
                           for k, vals in c["pushes"].items() if vals)
        if pushed:
            lines += _wrap(f"pushes / answers: {pushed}", width, "  ")
        if c["tone"]:
            tone = clean(c["tone"])
            lines += _wrap(tone if tone.startswith("tone:") else f"tone: {tone}", width, "  ")
    if item["partners"]:
        lines.append("  strongest partners:")
        for p in item["partners"]:
            same = ", same group" if p["same_cluster"] else ""
            lines += _wrap(f"@{clean(p['handle'])} via {', '.join(map(clean, p['signals']))} "
                           f"(p {fmt_num(p['p_value'])}: {p['p_words']}; {p['n_events']} "
                           f"co-actions{same})", width, "    ")
    if item["evidence"]:
        lines.append("  evidence:")
    for e in item["evidence"]:
        dt = e["dt_seconds"]
        gap = f", Δt {dt:+g} s ({duration_words(abs(dt))})" if dt is not None else ""
        lines += _wrap(f"{clean(e['signal'])} with @{clean(e['partner_handle'])}{gap}", width,
                       "    ")
        if e["post"] is None:  # profile comparison: the text says what was compared
            lines += _wrap(clean(e["text"]), width, "      ")
            continue
        for who, post, time, text, urls in (
                (item["handle"], e["post"], e["time"], e["text"], e["urls"]),
                (e["partner_handle"], e["partner_post"], e["partner_time"], e["partner_text"],
                 e["partner_urls"])):
            lines += _wrap(f"{clean(time)} @{clean(who)} post {clean(post)}: "
                           f"“{clean(text)}”" + (f" {clean(urls)}" if urls else ""),
                           width, "      ")
    return "\n".join(lines) + "\n"
