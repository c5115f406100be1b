"""Accounts the analyst asked about (``scan --focus``, ``astroturf explain``): find them by
handle, @handle or id, suggest near misses, and say in words whether and why each is or is
not in a cluster.

Pure lookups over the result tables; used by the terminal summary, the HTML report and
``astroturf.explain``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from rapidfuzz import fuzz, process

from astroturf.report.text import clean, fmt_num, truthy
from astroturf.report.wording import p_words, q_words
from astroturf.schema import STR_DTYPE

_GUARD = ("'=", "'+", "'-", "'@")  # csvsafe prefix, undone when matching handles read back


def read_focus_file(text: str) -> list[str]:
    """One handle or id per line (the first word; a trailing comma is dropped); blank lines
    and lines starting with '#' are skipped; order kept, duplicates dropped."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        item = line.strip()
        if item and not item.startswith("#"):
            seen.setdefault(item.split()[0].rstrip(","), None)
    return list(seen)


def _unguard(handle: str) -> str:
    return handle[1:] if handle.startswith(_GUARD) else handle


def account_index(accounts: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """(id -> id, lower-case handle -> id) for exact lookups; first account wins a handle."""
    ids = accounts["account_id"].astype(STR_DTYPE)
    by_id = {i: i for i in ids.dropna()}
    handles = accounts["handle"].astype(STR_DTYPE) if "handle" in accounts.columns else ids
    by_handle: dict[str, str] = {}
    for h, i in zip(handles, ids, strict=True):  # one dict build per lookup batch
        if isinstance(h, str) and isinstance(i, str):
            by_handle.setdefault(_unguard(h).lower(), i)
    return by_id, by_handle


def resolve(query: str, by_id: dict[str, str], by_handle: dict[str, str]) -> str | None:
    """The account id a query names (exact id, or handle case-insensitively, '@' optional)."""
    q = query.strip()
    if q in by_id:
        return q
    return by_handle.get(q.lstrip("@").lower())


def suggest(query: str, handles: Sequence[str], *, limit: int = 3) -> list[str]:
    """Up to ``limit`` handles close to ``query`` (rapidfuzz ratio >= 60), best first."""
    q = query.strip().lstrip("@").lower()
    if not q or not handles:
        return []
    choices = [h.lower() for h in handles]
    hits = process.extract(q, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=60)
    return [handles[i] for _, _, i in hits]


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def why(account: pd.Series, cluster: pd.Series | None, handles: dict[str, str]) -> str:
    """Whether and why one account is or is not in a cluster, in words.

    account: a row of accounts.csv (cluster_id, top_partner, top_signal, p_value, q_value).
    cluster: its cluster's row of clusters.csv (size, flagged, p_value, q_value) or None.
    """
    partner_id = clean(account.get("top_partner"))
    partner = "@" + clean(handles.get(partner_id, partner_id)) if partner_id else ""
    signal = clean(account.get("top_signal")).replace("+", ", ")
    link = f"strongest link with {partner} via {signal}" if partner else ""
    cid = clean(account.get("cluster_id"))
    if cid and cluster is not None:
        size = clean(cluster.get("size"))
        if truthy(cluster.get("flagged")):
            words = p_words(cluster.get("p_value")) or "flagged"
            return (f"in flagged group {cid} ({size} accounts; their coordination is {words})"
                    + (f"; {link}" if link else ""))
        return (f"in group {cid} ({size} accounts), which is not flagged: "
                f"{q_words(cluster.get('q_value')) or 'its links could be chance'}")
    if partner:
        q = _num(account.get("q_value"))
        judged = q_words(q, what="links") if not math.isnan(q) else ""
        return (f"not in any group: its {link} (pair p {fmt_num(account.get('p_value'))})"
                f" is not strong enough" + (f": {judged}" if judged else ""))
    return "not in any group: no signal linked it to another account"


def focus_rows(accounts: pd.DataFrame, clusters: pd.DataFrame,
               queries: Sequence[str]) -> list[dict[str, Any]]:
    """One dict per query: query, found, account_id, handle, cluster_id, flagged (the
    account's), score, why (words), suggestions (near handles when not found)."""
    by_id, by_handle = account_index(accounts)
    acc = accounts.drop_duplicates("account_id").set_index("account_id", drop=False)
    cl = clusters.drop_duplicates("cluster_id").set_index(
        clusters["cluster_id"].astype(STR_DTYPE).drop_duplicates()) if len(clusters) else None
    handles = dict(zip(acc["account_id"], acc["handle"].astype(STR_DTYPE).fillna(acc[
        "account_id"]), strict=True)) if len(acc) else {}
    all_handles = [h for h in handles.values() if isinstance(h, str)]
    rows = []
    for q in queries:  # a handful of accounts the analyst named
        aid = resolve(q, by_id, by_handle)
        if aid is None:
            rows.append({"query": q, "found": False, "account_id": "", "handle": "",
                         "cluster_id": "", "flagged": False, "score": "",
                         "why": "not in this scan's data", "suggestions": suggest(q, all_handles)})
            continue
        a = acc.loc[aid]
        cid = clean(a.get("cluster_id"))
        crow = cl.loc[cid] if cl is not None and cid in cl.index else None
        rows.append({"query": q, "found": True, "account_id": aid,
                     "handle": clean(handles.get(aid, aid)), "cluster_id": cid,
                     "flagged": truthy(a.get("flagged")), "score": fmt_num(a.get("score")),
                     "why": why(a, crow, handles), "suggestions": []})
    return rows
