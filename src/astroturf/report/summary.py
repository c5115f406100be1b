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

from astroturf.report.focus import focus_rows
from astroturf.report.text import clean, fmt_num, truthy
from astroturf.report.wording import calibration_words, coarse_times_note, p_words, q_words
from astroturf.schema import ScanResult

__all__ = ["clean", "fmt_num", "format_summary", "ranked_clusters", "truthy"]

_BOLD, _RED, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[0m"


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


def _handles(result: ScanResult, members: pd.Series) -> dict[str, str]:
    """Handle by account id, for the ids previewed in ``members`` (space/comma-separated
    lists) only: a dict of every account cost seconds at a million accounts."""
    acc = result.accounts
    if len(acc) == 0 or "handle" not in acc.columns:
        return {}
    wanted = {i for m in members for i in clean(m).replace(",", " ").split()}
    acc = acc[acc["account_id"].isin(wanted)].drop_duplicates("account_id")
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
    line = (f"Scanned {n_posts} posts from {n_acc} accounts: {len(result.clusters)} candidate "
            f"clusters, {flagged} flagged{at}.")
    calibration = calibration_words(m.get("calibration"), flagged)
    lines = [line, calibration, coarse_times_note(result.signals or {})]
    return "\n".join(x for x in lines if x)


def _content_lines(row: pd.Series, width: int, n_posts: int | None) -> list[str]:
    """'pushes: ...' and 'answers: ...' from the content columns (nothing when absent)."""
    parts = []
    for col, what in (("top_phrases", "phrases"), ("top_hashtags", "hashtags"),
                      ("top_domains", "links"), ("top_repost_targets", "reposts of")):
        items = [i.strip() for i in clean(row.get(col)).split(";") if i.strip()][:3]
        if items:
            shown = [f"“{i}”" for i in items] if col == "top_phrases" else items
            shown = ["@" + i for i in items] if col == "top_repost_targets" else shown
            parts.append(f"{what} {', '.join(shown)}")
    lines = textwrap.wrap("pushes: " + "; ".join(parts), width=width, initial_indent="  ",
                          subsequent_indent="    ") if parts else []
    n = pd.to_numeric(row.get("n_replies"), errors="coerce")
    if pd.notna(n) and n >= 10 and (not n_posts or n / n_posts >= 0.2):
        whom = clean(row.get("top_reply_targets")).split(";")[0].strip()
        text = (f"answers: {int(n)} replies to {clean(row.get('n_replied_posts'))} posts by "
                f"{clean(row.get('n_replied_accounts'))} accounts"
                + (f" (most often @{whom})" if whom else ""))
        tone = clean(row.get("tone"))
        lines += textwrap.wrap(text + (f"; {tone}" if tone else ""), width=width,
                               initial_indent="  ", subsequent_indent="    ")
    return lines


def _focus_lines(result: ScanResult, focus: Sequence[str], width: int) -> list[str]:
    lines = ["Accounts you asked about:"]
    for r in focus_rows(result.accounts, result.clusters, list(focus)):  # a handful
        name = f"@{clean(r['handle'])}" if r["found"] else clean(r["query"])
        hint = (" (did you mean " + ", ".join("@" + clean(s) for s in r["suggestions"]) + "?)"
                if r["suggestions"] else "")
        lines += textwrap.wrap(f"{name}: {clean(r['why'])}{hint}", width=width,
                               initial_indent="  ", subsequent_indent="    ")
    return lines


def _cluster_block(row: pd.Series, handles: dict[str, str], width: int, color: bool,
                   n_posts: int | None = None) -> list[str]:
    flag = "FLAGGED" if truthy(row.get("flagged")) else "not flagged"
    if color:
        flag = f"{_RED}{flag}{_RESET}" if flag == "FLAGGED" else flag
    title = (f"Cluster {clean(row['cluster_id'])} [{flag}]  size {clean(row.get('size'))}  "
             f"score {fmt_num(row.get('score'))}  q {fmt_num(row.get('q_value'))}")
    lines = [f"{_BOLD}{title}{_RESET}" if color else title]
    sure = "; ".join(w for w in (p_words(row.get("p_value")), q_words(row.get("q_value"))) if w)
    if sure:
        lines += textwrap.wrap(sure, width=width, initial_indent="  ", subsequent_indent="    ")
    lines += _content_lines(row, width, n_posts)
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
                   outdir: str | Path | None = None, files: Sequence[str | Path] = (),
                   focus: Sequence[str] = ()) -> str:
    """The summary printed on stdout after a scan.

    Header (posts, accounts, clusters, flagged at FDR; the calibration against randomised
    copies when the manifest has it), the ``focus`` accounts (whether and why each is in a
    cluster), then the ``top`` clusters (flagged first): id, size, score, q, how sure in words,
    what they push and whom they answer, signals, members preview, reasons wrapped to
    ``width``; last a line naming the output directory and its files.
    clusters in: cluster_id, size, score, flagged, members, reasons (+ q_value, channels).
    """
    lines = [_header(result)]
    if focus:
        lines += ["", *_focus_lines(result, focus, width)]
    ranked = ranked_clusters(result.clusters).head(max(top, 0))
    handles = _handles(result, ranked.get("members", pd.Series([], dtype=object))
                       ) if len(ranked) else {}
    per = (result.details or {}).get("clusters") or {}
    for _, row in ranked.iterrows():  # at most `top` rows
        n_posts = (per.get(clean(row["cluster_id"])) or {}).get("n_posts")
        lines += ["", *_cluster_block(row, handles, width, color, n_posts)]
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
