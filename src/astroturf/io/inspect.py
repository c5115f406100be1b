"""What the tool will see in an input before a scan: format, mapping, gaps, signals that cannot run.

Analysts should learn *before* a long scan that their export has no account creation dates (so
no creation-burst signal) or minute-resolution times (so a 10 s window is meaningless). The
library functions here return plain data; ``format_inspection`` renders it for the terminal.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from astroturf.io import registry
from astroturf.io.opening import read_sample
from astroturf.schema import ACCOUNT_FIELDS, POST_FIELDS, Dataset

log = logging.getLogger("astroturf.io.inspect")

DERIVED_FIELDS = ("text_original",)  # made by reading, never expected from an input


def describe_formats() -> pd.DataFrame:
    """One row per registered format (for `astroturf formats`).

    Columns out: name, description, required, optional (comma-separated canonical fields),
    extensions.
    """
    rows = [{"name": spec.name, "description": spec.description,
             "required": ", ".join(spec.required), "optional": ", ".join(spec.optional),
             "extensions": " ".join(spec.extensions)} for spec in registry.all_formats()]
    return pd.DataFrame(rows, columns=["name", "description", "required", "optional",
                                       "extensions"]).astype("str")


def sniff_scores(path: str) -> dict[str, float]:
    """Every format's sniff score for ``path``, best first (ties by name)."""
    sample = read_sample(path)
    scores = {}
    for spec in registry.all_formats():
        try:
            scores[spec.name] = round(float(spec.sniff(sample)), 3)
        except Exception as exc:  # one broken sniffer must not hide the others
            log.debug("sniffer %s failed on %s: %s", spec.name, path, exc)
            scores[spec.name] = 0.0
    return dict(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])))


def missing_fields(data: Dataset) -> list[str]:
    """Canonical fields with no value at all ('accounts.' prefix for profile fields)."""
    out = [f for f in POST_FIELDS if f not in DERIVED_FIELDS and data.posts[f].isna().all()]
    out += [f"accounts.{f}" for f in ACCOUNT_FIELDS if f != "account_id"
            and data.accounts[f].isna().all()]
    return out


def signals_unavailable(data: Dataset) -> dict[str, str]:
    """Signals that cannot run on ``data`` at the default window, with the reason in words
    (as a scan says it: a field with no value, or post times too coarse)."""
    from astroturf.signals.catalog import availability

    return availability(data.posts, data.accounts)


def inspect_input(path: str, *, format: str = "auto", mapping: dict[str, str] | None = None,
                  n_rows: int = 5) -> dict[str, Any]:
    """Read ``path`` (a file, a directory of parts or a glob) the way a scan would and report
    what was found.

    Keys: path, format, sniff_scores (of the first file), mapping, roles ({key: {column,
    confidence, how}}), role_notes, unplaced_columns, account_id_from_handle, parts (files
    read), missing_fields, signals_unavailable, rows_read, rows_dropped, cells_dropped,
    text_repaired, n_posts, n_accounts, resolution_s, assumed_utc, warnings, preview_posts,
    preview_accounts (DataFrame heads of ``n_rows``). Counts are summed over the parts; the
    format, roles and resolution are the first part's.
    """
    from astroturf.io.dataset import read_dataset

    data = read_dataset([path], format=format, mapping=mapping or None)
    metas = data.meta["inputs"]
    first = metas[0]
    return {
        "path": path, "format": first["format"], "sniff_scores": sniff_scores(first["path"]),
        "mapping": dict(first["mapping"]), "roles": dict(first["roles"]),
        "role_notes": list(first["role_notes"]), "unplaced_columns": first["unplaced_columns"],
        "account_id_from_handle": first["account_id_from_handle"],
        "parts": [m["path"] for m in metas], "missing_fields": missing_fields(data),
        "signals_unavailable": signals_unavailable(data),
        "rows_read": sum(m["rows_read"] for m in metas),
        "rows_dropped": _summed(m["rows_dropped"] for m in metas),
        "cells_dropped": data.meta["cells_dropped"], "text_repaired": data.meta["text_repaired"],
        "n_posts": len(data.posts), "n_accounts": len(data.accounts),
        "resolution_s": first["resolution_s"], "assumed_utc": first["assumed_utc"],
        "warnings": [w for m in metas for w in m["warnings"]],
        "preview_posts": data.posts.head(n_rows), "preview_accounts": data.accounts.head(n_rows),
    }


def _summed(counts: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in counts:
        for k, v in c.items():
            out[k] = out.get(k, 0) + v
    return dict(sorted(out.items()))


def _resolution_text(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "unknown"
    names = {86400.0: "1 day", 3600.0: "1 hour", 60.0: "1 minute", 1.0: "1 second"}
    text = names.get(float(seconds), f"{seconds:g} s")
    if seconds >= 60:
        text += f" (co-action windows shorter than {seconds:g} s cannot be resolved)"
    return text


def _preview(frame: pd.DataFrame) -> list[str]:
    if frame.empty:
        return ["  (none)"]
    shown = frame.dropna(axis=1, how="all")
    text = shown.to_string(index=False, max_colwidth=32)
    return ["  " + line for line in text.splitlines()]


def _role_line(key: str, column: str, role: dict[str, Any] | None) -> str:
    line = f"  {key:<28} <- {column}"
    if role:
        line += f"  ({role['confidence']:.2f}, {role['how']})"
    return line


def format_inspection(info: dict[str, Any]) -> str:
    """Readable multi-line text of an ``inspect_input`` result."""
    scores = ", ".join(f"{k} {v:.2f}" for k, v in info["sniff_scores"].items() if v > 0)
    dropped = ", ".join(f"{k} {v}" for k, v in info["rows_dropped"].items()) or "none"
    cells = ", ".join(f"{k} {r} {n}" for k, rs in info["cells_dropped"].items()
                      for r, n in rs.items()) or "none"
    repaired = ", ".join(f"{k} {v}" for k, v in info["text_repaired"].items()) or "none"
    parts = info["parts"]
    lines = [
        f"File:        {info['path']}"
        + (f"  ({len(parts)} parts: {parts[0]} ... {parts[-1]})" if len(parts) > 1 else ""),
        f"Format:      {info['format']}  (sniff scores: {scores or 'none'})",
        f"Rows:        {info['rows_read']} read; dropped: {dropped}",
        f"Cells:       dropped: {cells}; texts repaired: {repaired}",
        f"Posts:       {info['n_posts']} from {info['n_accounts']} accounts",
        f"Time:        resolution {_resolution_text(info['resolution_s'])}"
        + ("; times without offset taken as UTC" if info["assumed_utc"] else ""),
        "Mapping (canonical field <- source, confidence, how found):",
        *[_role_line(k, v, info["roles"].get(k)) for k, v in info["mapping"].items()],
        *(["Column roles to check:", *[f"  {n}" for n in info["role_notes"]]]
          if info["role_notes"] else []),
        "Columns not used: " + (", ".join(info["unplaced_columns"]) or "none"),
        "Missing fields: " + (", ".join(info["missing_fields"]) or "none"),
        "Signals that cannot run:",
        *([f"  {k:<15} {v}" for k, v in info["signals_unavailable"].items()] or ["  none"]),
    ]
    if info["warnings"]:
        lines += ["Warnings:", *[f"  {w}" for w in info["warnings"]]]
    lines += ["Posts preview:", *_preview(info["preview_posts"]),
              "Accounts preview:", *_preview(info["preview_accounts"])]
    return "\n".join(lines)
