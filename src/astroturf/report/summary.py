"""The terminal summary: what a scan found, in a dozen lines an analyst reads before the files.

Plain text by default (safe to pipe or paste into a ticket); ANSI colour only when asked.
Untrusted text (handles, reasons) has control characters removed so a crafted handle cannot
move the cursor or rewrite the terminal.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from astroturf.schema import ScanResult

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BOLD, _RED, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[0m"


def clean(value: Any) -> str:
    """Printable one-line text: NA -> '', control characters (ANSI escapes too) -> ' '."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return _CONTROL.sub(" ", str(value))


def truthy(value: Any) -> bool:
    """True for True-like values; NA/None/NaN count as False."""
    return False if value is None or pd.isna(value) else bool(value)


def fmt_num(value: Any, spec: str = ".3g") -> str:
    """Number for humans; '-' when missing."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "-"
    return "-" if math.isnan(v) else format(v, spec)


def ranked_clusters(clusters: pd.DataFrame) -> pd.DataFrame:
    """Clusters flagged first, then by score (desc), then numeric cluster id."""
    if len(clusters) == 0:
        return clusters
    c = clusters.assign(
        _f=clusters["flagged"].fillna(False).astype(bool),
        _s=pd.to_numeric(clusters["score"], errors="coerce").fillna(-math.inf),
        _i=pd.to_numeric(clusters["cluster_id"], errors="coerce").fillna(math.inf),
    )
    c = c.sort_values(["_f", "_s", "_i", "cluster_id"], ascending=[False, False, True, True],
                      kind="stable")
    return c.drop(columns=["_f", "_s", "_i"]).reset_index(drop=True)


def _handles(result: ScanResult) -> dict[str, str]:
    acc = result.accounts
    if len(acc) == 0 or "handle" not in acc.columns:
        return {}
    acc = acc.drop_duplicates("account_id")
    return dict(zip(acc["account_id"], acc["handle"].fillna(acc["account_id"]), strict=True))


def _members_preview(members: Any, handles: dict[str, str], width: int, n: int = 6) -> str:
    ids = clean(members).replace(",", " ").split()
    shown = ", ".join("@" + clean(handles.get(i, i)) for i in ids[:n])
    more = f" (+{len(ids) - n})" if len(ids) > n else ""
    shown = textwrap.shorten(shown, width=max(20, width - 20 - len(more)), placeholder=" …")
    return shown + (("" if shown.endswith("…") else ", …") + more if more else "")


def _header(result: ScanResult) -> str:
    m = result.manifest or {}
    counts, params = m.get("counts", {}), m.get("parameters", {})
    n_posts = counts.get("posts", "?")
    n_acc = counts.get("accounts", len(result.accounts))
    flagged = int(result.clusters["flagged"].fillna(False).astype(bool).sum()) if len(
        result.clusters) else 0
    fdr = params.get("fdr")
    at = f" at FDR {fdr:g}" if isinstance(fdr, (int, float)) else ""
    return (f"Scanned {n_posts} posts from {n_acc} accounts: {len(result.clusters)} candidate "
            f"clusters, {flagged} flagged{at}.")


def _cluster_block(row: pd.Series, handles: dict[str, str], width: int, color: bool) -> list[str]:
    flag = "FLAGGED" if truthy(row.get("flagged")) else "not flagged"
    if color:
        flag = f"{_RED}{flag}{_RESET}" if flag == "FLAGGED" else flag
    title = (f"Cluster {clean(row['cluster_id'])} [{flag}]  size {clean(row.get('size'))}  "
             f"score {fmt_num(row.get('score'))}  q {fmt_num(row.get('q_value'))}")
    lines = [f"{_BOLD}{title}{_RESET}" if color else title]
    if clean(row.get("channels")):
        channels = clean(row.get("channels")).replace(",", ", ")
        lines += textwrap.wrap(f"signals: {channels}", width=width, break_long_words=False,
                               initial_indent="  ", subsequent_indent="    ")
    lines.append(f"  members: {_members_preview(row.get('members'), handles, width)}")
    for reason in re.split(r"\s*;\s*|\s*\|\s*", clean(row.get("reasons"))):
        if reason:
            lines += textwrap.wrap(reason, width=width, initial_indent="  - ",
                                   subsequent_indent="    ")
    return lines


def format_summary(result: ScanResult, *, top: int = 10, width: int = 100, color: bool = False,
                   outdir: str | Path | None = None, files: Sequence[str | Path] = ()) -> str:
    """The summary printed on stdout after a scan.

    Header (posts, accounts, clusters, flagged at FDR), then the ``top`` clusters (flagged
    first): id, size, score, q, signals, members preview, reasons wrapped to ``width``; last a
    line naming the output directory and its files when ``outdir``/``files`` are given.
    clusters in: cluster_id, size, score, flagged, members, reasons (+ q_value, channels).
    """
    lines = [_header(result)]
    ranked = ranked_clusters(result.clusters).head(max(top, 0))
    handles = _handles(result) if len(ranked) else {}
    for _, row in ranked.iterrows():  # at most `top` rows
        lines += ["", *_cluster_block(row, handles, width, color)]
    rest = len(result.clusters) - len(ranked)
    if rest > 0:
        lines += ["", f"… and {rest} more cluster(s); see clusters.csv."]
    if outdir is not None or files:
        names = ", ".join(sorted(Path(f).name for f in files))
        where = clean(outdir) if outdir is not None else ""
        sep = ": " if where and names else ""
        lines += ["", f"Results in {where}{sep}{names}" if names else f"Results in {where}/ "
                  "(report.html, clusters.csv, accounts.csv, evidence.csv, manifest.json)"]
    return "\n".join(lines) + "\n"
