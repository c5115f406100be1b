"""What the report shows for one cluster, in plain words: how sure, what ties the members,
what they push, whom they answer, when, and the charts. The template only lays it out.

Inputs are the result tables and ``ScanResult.details`` (report.details); without details
(an older pipeline) the cluster is shown without charts or content, never with made-up values.
"""

from __future__ import annotations

import math
from collections.abc import Set as AbstractSet
from typing import Any

import pandas as pd

from astroturf.report import charts
from astroturf.report.summary import clean, fmt_num, truthy
from astroturf.report.wording import (
    ACTION_SIGNALS,
    duration_words,
    p_words,
    percent,
    q_words,
    signal_short,
    signal_words,
    times_more,
)

MAX_NODES, MAX_ARCS = 40, 400
KIND_TITLES = {"phrase": "Phrases", "hashtag": "Hashtags", "domain": "Link domains",
               "repost_target": "Reposts of"}


def _utc_day(seconds: float) -> str:
    return pd.Timestamp(seconds, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M")


def burst_words(burst: dict | None) -> str:
    """'9 of 11 accounts were created within 22 hours of each other (...)' or ''."""
    if not burst or burst.get("n", 0) < 2:
        return ""
    span = duration_words(max(burst["span_s"], 1))
    return (f"{burst['n']} of {burst['of']} accounts were created within {span} of each other "
            f"({_utc_day(burst['start_s'])} – {_utc_day(burst['end_s'])} UTC)")


def ties(e: pd.DataFrame, colours: dict[str, str], window_s: Any,
         size: Any = None) -> list[dict]:
    """One line per signal linking the members (``e``: the cluster's reported edges): how many
    pairs, how many times, in words."""
    if len(e) == 0:
        return []
    g = e.groupby("signal", sort=True)
    t = pd.DataFrame({"pairs": g.size(), "events": g["n_events"].sum(),
                      "p": g["p_value"].min()}).sort_values(["pairs", "events"], ascending=False,
                                                              kind="stable")
    n = _float(size)
    every = int(n * (n - 1) / 2) if not math.isnan(n) else -1
    out = []
    for signal, r in t.iterrows():  # one row per signal (a dozen at most)
        pairs = int(r.pairs)
        who = (f"All {pairs} pairs of members" if pairs == every and pairs > 1 else
               f"{pairs} pair{'s' if pairs != 1 else ''} of members")
        times = (f", {int(r.events):,} times in all" if signal in ACTION_SIGNALS
                 and r.events > r.pairs else "")
        out.append({"signal": signal, "colour": colours.get(signal, "#999"),
                    "short": signal_short(signal),
                    "text": f"{who} {signal_words(signal, window_s=window_s)}{times}",
                    "strength": p_words(r.p) if r.p < 1 else ""})  # p = 1: not tested alone
    return out


def content_lists(terms: dict | None, members: AbstractSet[str] = frozenset()) -> list[dict]:
    """What they push, per kind: label and its plain-words frequency; reposted accounts that
    belong to the group are marked as members (a ring boosting its own seeds)."""
    out = []
    for kind, title in KIND_TITLES.items():
        items = (terms or {}).get(kind) or []
        if items:
            out.append({"kind": kind, "title": title, "terms": [{
                "label": ("@" if kind == "repost_target" else "") + clean(t["label"])
                         + (" (a member)" if kind == "repost_target" and t["term"] in members
                            else ""),
                "words": f"in {percent(t['share'])} of their posts, by {t['n_accounts']} members"
                         + (f"; {times_more(t['share'], t['background_share'])}"
                            if times_more(t["share"], t["background_share"]) else "")}
                for t in items]})
    return out


def reply_view(row: pd.Series, replies: dict | None, n_posts: int) -> dict:
    """Whom they answer: counts, the most answered accounts and posts, tone in words.

    ``prominent`` when replying is a real part of what the group does (at least 10 replies
    and a fifth of its posts), so a few organic replies are not dressed up as a campaign.
    """
    n = _count(row.get("n_replies"))
    share = n / n_posts if n_posts else math.nan
    r = replies or {}
    posts = [{**p, "delay": duration_words(p.get("median_delay_s")),
              "time": clean(p.get("time")).replace("T", " "),
              "handle": clean(p.get("handle")), "text": clean(p.get("text"))}
             for p in r.get("top_posts", [])]
    return {"n": n, "n_posts": _count(row.get("n_replied_posts")),
            "n_accounts": _count(row.get("n_replied_accounts")),
            "share": percent(share) if n_posts else "", "tone": clean(row.get("tone")),
            "prominent": n >= 10 and share >= 0.2, "posts": posts,
            "accounts": [{"handle": clean(a["handle"]), "n_members": a["n_members"],
                          "n_replies": a["n_replies"]} for a in r.get("top_accounts", [])]}


def _count(value: Any) -> int:
    v = _float(value)
    return 0 if math.isnan(v) else int(v)


def _float(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v


def network(members: list[dict], edges: pd.DataFrame, cid: str, colours: dict[str, str]) -> Any:
    """The member network (first MAX_NODES members, strongest MAX_ARCS arcs) as SVG;
    ``edges``: the cluster's reported edges."""
    nodes = [(m["account_id"], m["handle"]) for m in members[:MAX_NODES]]
    index = {a: i for i, (a, _) in enumerate(nodes)}
    e = edges[edges["account_a"].isin(index) & edges["account_b"].isin(index)] if len(
        edges) else edges
    e = e.sort_values(["p_value", "account_a", "account_b", "signal"], kind="stable")
    handle = dict(nodes)
    e = e.head(MAX_ARCS)
    arcs = [(index[a], index[b], sig) for a, b, sig in
            zip(e["account_a"], e["account_b"], e["signal"], strict=True)]
    # <= MAX_ARCS rows: a plain loop (a pandas groupby per pair cost 70 ms per cluster)
    what: dict[tuple[str, str], list[str]] = {}
    for a, b, s, k in zip(e["account_a"], e["account_b"], e["signal"], e["n_events"],
                          strict=True):
        what.setdefault((a, b), []).append(f"{s} ×{int(k)}")
    tips = {(index[a], index[b]): f"@{handle[a]} – @{handle[b]}: {', '.join(w)}"
            for (a, b), w in what.items()}
    return charts.network_svg(nodes, arcs, colours, tips=tips, anchor=f"m-{cid}-")


def chart_set(d: dict | None, population: dict | None, members: list[dict], edges: pd.DataFrame,
              cid: str, colours: dict[str, str]) -> dict:
    """The four charts of a flagged cluster ({} without details)."""
    if not d or not population or "timeline" not in d:
        return {}
    return {
        "timeline": charts.timeline_svg(population["timeline"], population["timeline"]["all"],
                                        d["timeline"], d["sync"]),
        "creation": charts.creation_svg(population["creation"], population["creation"]["all"],
                                        d["creation"]),
        "hours": charts.heatmap_svg(d["hours"], population["hours"]["all"]),
        "network": network(members, edges, cid, colours),
    }


def headline(row: pd.Series) -> dict:
    """Size, how sure (p and q in words), active dates."""
    first, last = row.get("first_seen"), row.get("last_seen")
    when = ""
    if first is not None and not pd.isna(first):
        a, b = pd.Timestamp(first), pd.Timestamp(last)
        when = f"{a:%d %b %Y} – {b:%d %b %Y}" if a.date() != b.date() else f"{a:%d %b %Y}"
    return {"id": clean(row.get("cluster_id")), "flagged": truthy(row.get("flagged")),
            "size": clean(row.get("size")), "score": fmt_num(row.get("score")),
            "p": fmt_num(row.get("p_value")), "q": fmt_num(row.get("q_value")),
            "p_words": p_words(row.get("p_value")), "q_words": q_words(row.get("q_value")),
            "channels": clean(row.get("channels")), "when": when}
