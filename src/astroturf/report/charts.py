"""The report's charts as inline SVG, drawn from the aggregates of ``report.chart_data``.

Per flagged cluster: when its members posted against everyone (synchronised moments marked),
when its accounts were created against all accounts, the hour-of-week pattern of both, and the
members' network with edges coloured by signal. Plus the dataset overview. Series are shown as
shares of their own total, so a group of ten and a crowd of a million can be compared by shape;
the counts are in each bar's tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from astroturf.report import svg as S
from astroturf.report.wording import SIGNAL_WORDS, percent

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _shares(counts: Sequence[int]) -> list[float]:
    total = float(sum(counts))
    return [c / total if total else 0.0 for c in counts]


def _step_path(x0: float, x1: float, y0: float, y1: float, values: list[float],
               vmax: float, closed: bool) -> str:
    n = max(len(values), 1)
    w = (x1 - x0) / n
    pts = []
    for i, v in enumerate(values):  # one point pair per bin (<= max_bins)
        y = y1 - (y1 - y0) * (v / vmax if vmax else 0)
        pts.append(f"L{S.num(x0 + i * w)} {S.num(y)}H{S.num(x0 + (i + 1) * w)}")
    body = "".join(pts)
    if closed:
        return f"M{S.num(x0)} {S.num(y1)}{body}V{S.num(y1)}Z"
    return "M" + body[1:]


def timeline_svg(bins: dict, population: Sequence[int], group: Sequence[int],
                 sync: Sequence[int], *, name: str = "this group") -> Markup:
    """Posts per bin as shares (group red line, everyone grey area); ▲ = synchronised actions."""
    w, h, x0, x1, y0, y1 = 560, 210, 44, 552, 30, 170
    pop, grp = _shares(population), _shares(group)
    vmax = max([*pop, *grp, 1e-9])
    out = [S.open_svg("timeline", w, h, f"When {name} posted, against everyone"),
           *S.legend(x0, 14, [(S.GREY, "box", "all posts"), (S.RED, "line", f"{name}'s posts"),
                              (S.RED, "tri", "synchronised actions")]),
           S.text(x0 - 4, y0 + 4, percent(vmax), anchor="end", size=9),
           S.text(x0 - 4, y1, "0", anchor="end", size=9),
           f'<path class="series population" d="{_step_path(x0, x1, y0, y1, pop, vmax, True)}" '
           f'fill="{S.GREY}" fill-opacity=".45"/>',
           f'<path class="series group" d="{_step_path(x0, x1, y0, y1, grp, vmax, False)}" '
           f'fill="none" stroke="{S.RED}" stroke-width="1.6"/>']
    n, bw = len(group), (x1 - x0) / max(len(group), 1)
    for i, k in enumerate(sync):  # at most max_bins markers
        if k:
            x = x0 + (i + 0.5) * bw
            span = S.bin_range(bins["start_s"] + i * bins["width_s"], bins["width_s"])
            tip = S.title(f"{k} synchronised action(s), {span}")
            out.append(f'<path class="sync" d="M{S.num(x)} {S.num(y1 + 2)}l4 7h-8z" '
                       f'fill="{S.RED}">{tip}</path>')
    out += S.time_axis(x0, x1, y1 + 12, bins["start_s"], bins["width_s"], n)
    return S.close(out)


def creation_svg(bins: dict, population: Sequence[int], members: Sequence[int]) -> Markup:
    """Account-creation dates as shares per bin: members red, all accounts grey."""
    w, h, x0, x1, y0, y1 = 560, 190, 44, 552, 30, 150
    pop, mem = _shares(population), _shares(members)
    vmax = max([*pop, *mem, 1e-9])
    n = max(len(members), 1)
    bw = (x1 - x0) / n
    out = [S.open_svg("creation", w, h, "When the accounts were created"),
           *S.legend(x0, 14, [(S.GREY, "box", "all accounts"), (S.RED, "box", "members")]),
           S.text(x0 - 4, y0 + 4, percent(vmax), anchor="end", size=9),
           S.text(x0 - 4, y1, "0", anchor="end", size=9)]
    for cls, values, counts, colour, inset in (("population", pop, population, S.GREY, 0.0),
                                               ("members", mem, members, S.RED, 0.25)):
        for i, v in enumerate(values):  # <= max_bins bars per series
            if not counts[i]:
                continue
            top = y1 - (y1 - y0) * v / vmax
            span = S.bin_range(bins["start_s"] + i * bins["width_s"], bins["width_s"])
            tip = S.title(f"{span}: {counts[i]} {cls} ({percent(v)})")
            opacity = ".45" if cls == "population" else ".9"
            out.append(f'<rect class="bar {cls}" x="{S.num(x0 + (i + inset) * bw)}" '
                       f'y="{S.num(top)}" width="{S.num(max(bw * (1 - 2 * inset), 1))}" '
                       f'height="{S.num(max(y1 - top, 1))}" fill="{colour}" '
                       f'fill-opacity="{opacity}">{tip}</rect>')
    out += S.time_axis(x0, x1, y1 + 2, bins["start_s"], bins["width_s"], len(members))
    return S.close(out)


def heatmap_svg(group: Sequence[int], population: Sequence[int], *,
                name: str = "this group") -> Markup:
    """Hour of week (UTC): the group's grid above everyone's; darker = larger share."""
    w, h, x0, cw, ch = 560, 206, 34, 21, 11
    out = [S.open_svg("hours", w, h, f"Hour of week (UTC): {name} against everyone")]
    for hour in range(0, 24, 3):
        out.append(S.text(x0 + hour * cw + 1, 12, f"{hour:02d}h", size=9))
    for label, counts, colour, top in ((name, group, S.RED, 18),
                                       ("all posts", population, S.INK, 116)):
        shares = _shares(counts)
        vmax = max([*shares, 1e-9])
        out.append(f'<rect x="{x0}" y="{top}" width="{24 * cw}" height="{7 * ch}" '
                   f'fill="#f6f6f8"/>')
        for d, day in enumerate(DAYS):
            out.append(S.text(x0 - 4, top + d * ch + 9, day, anchor="end", size=8))
        out.append(f'<g class="cells" fill="{colour}">')
        for k, v in enumerate(shares):  # 168 cells, zero cells not drawn
            if counts[k]:
                d, hr = divmod(k, 24)
                tip = S.title(f"{DAYS[d]} {hr:02d}h: {counts[k]} ({percent(v)})")
                out.append(f'<rect x="{x0 + hr * cw}" y="{top + d * ch}" width="{cw - 1}" '
                           f'height="{ch - 1}" fill-opacity="{0.08 + 0.92 * v / vmax:.2f}">'
                           f"{tip}</rect>")
        out.append("</g>")
        out.append(S.text(x0, top + 7 * ch + 12, f"{label} (UTC; hover a cell for its posts)",
                          size=9, fill=S.INK))
    return S.close(out)


def signal_colours(signals: Sequence[str]) -> dict[str, str]:
    """One colour per signal, stable across reports (known signals in a fixed order)."""
    known = list(SIGNAL_WORDS)
    order = sorted(set(signals), key=lambda s: (known.index(s) if s in known else len(known), s))
    return {s: S.PALETTE[(known.index(s) if s in known else len(known) + i) % len(S.PALETTE)]
            for i, s in enumerate(order)}


def network_svg(nodes: Sequence[tuple[str, str]], edges: Sequence[tuple[int, int, str]],
                colours: dict[str, str], *, tips: dict[tuple[int, int], str] | None = None,
                anchor: str = "") -> Markup:
    """Members on a circle (in the given order), one arc per (pair, signal), coloured by signal.

    nodes: (account_id, handle). edges: (i, j, signal) with node indices; ``tips``: the
    tooltip of each pair (i, j). Each signal bends its arcs by its own amount, so several
    signals between one pair stay visible. A node links to ``#{anchor}{account_id}`` (the
    member's row) when ``anchor`` is given.
    """
    w, h, cx, cy = 560, 340, 280, 172
    r = 118 if len(nodes) > 2 else 60
    n = max(len(nodes), 1)
    pos = [(cx + r * math.cos(2 * math.pi * i / n - math.pi / 2),
            cy + r * math.sin(2 * math.pi * i / n - math.pi / 2)) for i in range(len(nodes))]
    order = list(colours)
    pairs: dict[tuple[int, int], list[str]] = {}
    for i, j, signal in edges:  # capped by the caller
        (ax, ay), (bx, by) = pos[i], pos[j]
        bend = 0.15 + 0.5 * order.index(signal) / max(len(order), 1)
        mx, my = (ax + bx) / 2, (ay + by) / 2
        pairs.setdefault((i, j), []).append(
            f'<path d="M{S.num(ax)} {S.num(ay)}Q{S.num(mx + (cx - mx) * bend)} '
            f'{S.num(my + (cy - my) * bend)} {S.num(bx)} {S.num(by)}" '
            f'stroke="{colours[signal]}"/>')
    out = [S.open_svg("network", w, h, "The members and the signals that link them"),
           '<g class="edges" fill="none" stroke-opacity=".7" stroke-width="1.3">']
    for key, arcs in pairs.items():
        tip = S.title((tips or {}).get(key, "")) if tips else ""
        out.append(f'<g class="edge">{tip}{"".join(arcs)}</g>')
    out.append("</g>")
    for (account, handle), (x, y) in zip(nodes, pos, strict=True):
        dx = x - cx
        lab = S.text(x + dx * 0.12, y + (y - cy) * 0.12 + 3, "@" + _short(handle), size=9,
                     anchor="start" if dx > 1 else "end" if dx < -1 else "middle", fill=S.INK)
        dot = (f'<circle class="node" cx="{S.num(x)}" cy="{S.num(y)}" r="5" fill="{S.INK}">'
               f"{S.title('@' + handle + ' (' + account + ')')}</circle>")
        link = f'<a href="#{escape(anchor + account)}">' if anchor else ""
        out.append(f"{link}{dot}{lab}{'</a>' if anchor else ''}")
    return S.close(out)


def _short(handle: str, limit: int = 16) -> str:
    return handle if len(handle) <= limit else handle[: limit - 1] + "…"


def overview_svg(bins: dict, population: Sequence[int], flagged: Sequence[int]) -> Markup:
    """All posts per bin (grey) with the flagged groups' share of them (red), as counts."""
    w, h, x0, x1, y0, y1 = 1120, 190, 50, 1110, 28, 150
    vmax = max([*population, 1])
    n = max(len(population), 1)
    bw = (x1 - x0) / n
    out = [S.open_svg("overview", w, h, "Posts over time; red: posts by flagged groups"),
           *S.legend(x0, 14, [(S.GREY, "box", "all posts"),
                              (S.RED, "box", "posts by members of flagged groups")]),
           S.text(x0 - 4, y0 + 4, f"{vmax:,}", anchor="end", size=9),
           S.text(x0 - 4, y1, "0", anchor="end", size=9)]
    for i, (a, f) in enumerate(zip(population, flagged, strict=True)):  # <= max_bins
        if not a:
            continue
        ha, hf = (y1 - y0) * a / vmax, (y1 - y0) * f / vmax
        span = S.bin_range(bins["start_s"] + i * bins["width_s"], bins["width_s"])
        tip = S.title(f"{span}: {a:,} posts, {f:,} by flagged groups ({percent(f / a)})")
        out.append(f'<g class="bar">{tip}<rect x="{S.num(x0 + i * bw)}" y="{S.num(y1 - ha)}" '
                   f'width="{S.num(max(bw - 0.5, 0.8))}" height="{S.num(ha)}" fill="{S.GREY}" '
                   f'fill-opacity=".55"/>' + (
                       f'<rect x="{S.num(x0 + i * bw)}" y="{S.num(y1 - hf)}" width='
                       f'"{S.num(max(bw - 0.5, 0.8))}" height="{S.num(hf)}" fill="{S.RED}"/>'
                       if f else "") + "</g>")
    out += S.time_axis(x0, x1, y1 + 2, bins["start_s"], bins["width_s"], len(population),
                       ticks=8)
    return S.close(out)
