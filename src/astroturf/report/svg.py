"""Small helpers for hand-written inline SVG: escaped text, compact numbers, time axes.

Why hand-written SVG and not a chart library: the report must open offline, from an e-mail
attachment and with scripts blocked, so charts are drawn in Python as inline SVG (no script
needed to see them). The four chart kinds here are a few dozen lines each; a plotting library
(matplotlib: tens of MB and ~0.1 s per figure) or a JavaScript one inlined into every report
(hundreds of kB) would cost more than it saves. Every text that can come from the data goes
through ``markupsafe.escape``.
"""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup, escape

RED, GREY, INK, MUTED, GRID = "#c0392b", "#9aa0a6", "#1d1d1f", "#666", "#e6e6e9"
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
           "#e6550d", "#31a354")


def num(x: float) -> str:
    """Compact coordinate: at most one decimal, no trailing zeros."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def open_svg(kind: str, width: int, height: int, label: str) -> str:
    """Opening tag of a chart (class 'chart chart-<kind>', scalable) with an accessible title."""
    return (f'<svg class="chart chart-{kind}" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" '
            f'aria-label="{escape(label)}"><title>{escape(label)}</title>')


def text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 10,
         fill: str = MUTED, extra: str = "") -> str:
    return (f'<text x="{num(x)}" y="{num(y)}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}"{extra}>{escape(content)}</text>')


def title(content: str) -> str:
    return f"<title>{escape(content)}</title>"


def close(parts: list[str]) -> Markup:
    return Markup("".join(parts) + "</svg>")  # every data-derived text was escaped above


def utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def time_label(seconds: float, width_s: int) -> str:
    """Axis label for a bin start: finer when bins are finer."""
    t = utc(seconds)
    if width_s < 3600 * 6:
        return t.strftime("%d %b %H:%M")
    if width_s < 86400 * 28:
        return t.strftime("%d %b %Y") if width_s >= 86400 * 7 else t.strftime("%d %b")
    return t.strftime("%b %Y")


def bin_range(start_s: float, width_s: int) -> str:
    """'2024-03-04 06:00–12:00 UTC' or '2024-03-04' or '2023-04 – 2023-06': one bin in words."""
    a, b = utc(start_s), utc(start_s + width_s)
    if width_s < 86400:
        return f"{a:%Y-%m-%d %H:%M}–{b:%H:%M} UTC"
    if width_s == 86400:
        return f"{a:%Y-%m-%d} (UTC)"
    return f"{a:%Y-%m-%d} – {b:%Y-%m-%d}"


def time_axis(x0: float, x1: float, y: float, start_s: int, width_s: int, n: int,
              *, ticks: int = 5) -> list[str]:
    """Baseline and ``ticks`` date labels under a time axis of ``n`` bins."""
    out = [f'<line x1="{num(x0)}" y1="{num(y)}" x2="{num(x1)}" y2="{num(y)}" stroke="{GREY}"/>']
    if n <= 0:
        return out
    step = max(1, round(n / ticks))
    for i in range(0, n, step):  # at most `ticks` + 1 labels
        x = x0 + (x1 - x0) * i / n
        out.append(f'<line x1="{num(x)}" y1="{num(y)}" x2="{num(x)}" y2="{num(y + 4)}" '
                   f'stroke="{GREY}"/>')
        out.append(text(x, y + 15, time_label(start_s + i * width_s, width_s), anchor="middle",
                        size=9))
    return out


def legend(x: float, y: float, items: list[tuple[str, str, str]]) -> list[str]:
    """Swatches in a row: (colour, shape 'box'|'line'|'tri', label)."""
    out = []
    for colour, shape, label in items:  # a handful
        if shape == "line":
            out.append(f'<line x1="{num(x)}" y1="{num(y - 3)}" x2="{num(x + 14)}" '
                       f'y2="{num(y - 3)}" stroke="{colour}" stroke-width="2"/>')
        elif shape == "tri":
            out.append(f'<path d="M{num(x + 7)} {num(y - 8)}l5 8h-10z" fill="{colour}"/>')
        else:
            out.append(f'<rect x="{num(x)}" y="{num(y - 8)}" width="14" height="8" '
                       f'fill="{colour}" fill-opacity=".55"/>')
        out.append(text(x + 18, y, label, size=10, fill=INK))
        x += 26 + 6 * len(label)
    return out
