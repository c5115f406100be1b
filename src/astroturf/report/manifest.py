"""The run manifest: what went in, with which settings, and what came out.

It lets a reader of a published finding check it: input files are identified by size and
SHA-256, every parameter and the seed are recorded, and so are the rows dropped and why. It holds
no wall-clock time, host name or absolute path, so re-running the same scan on the same files
gives a byte-identical ``manifest.json`` (and a changed one proves something changed).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd

from astroturf import __version__

CHUNK = 1 << 20  # 1 MiB
TIME_NOTE = ("All times are UTC. Timestamps without a time zone in the input were taken as UTC; "
             "check the source platform's export documentation if that is not the case.")


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks (constant memory for any size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def jsonable(value: Any) -> Any:
    """``value`` made JSON-serialisable and deterministic (sets sorted, NaN -> None, numpy and
    pandas scalars to Python, times to ISO 'Z', paths to their file name only)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple, np.ndarray, pd.Series, pd.Index)):
        return [jsonable(v) for v in list(value)]
    if isinstance(value, PurePath):
        return value.name
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        ts = pd.Timestamp(value)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return ts.isoformat().replace("+00:00", "Z")
    if isinstance(value, (pd.Timedelta, _dt.timedelta)):
        return pd.Timedelta(value).total_seconds()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def describe_input(item: Mapping[str, Any]) -> dict[str, Any]:
    """name (file name only), size (bytes) and sha256 of one input, plus the caller's other keys
    (format, mapping, ...). ``'-'`` is stdin: its size/sha256 are kept only if the caller
    measured them while reading. Keys in: ``path`` (required), anything else."""
    info = {k: v for k, v in item.items() if k != "path"}
    path = str(item["path"])
    if path == "-":
        info.setdefault("name", "-")
        info.setdefault("size", None)
        info.setdefault("sha256", None)
        info["stdin"] = True
        return info
    info.setdefault("name", os.path.basename(path))
    info["size"] = os.stat(path).st_size
    info["sha256"] = file_sha256(path)
    return info


def build_manifest(*, params: dict, inputs: list[dict], dataset_meta: dict, signals: dict,
                   counts: dict, seed: int) -> dict:
    """The manifest dictionary (serialise with ``manifest_json``).

    params: ScanParams.to_dict(); inputs: one dict per input with ``path`` and optionally
    format/mapping; dataset_meta: Dataset.meta (formats, mappings, rows read/dropped and why,
    time resolution, naive-times note); signals: name -> 'ran: ...'/'skipped: why';
    counts: output counts (posts, accounts, edges, clusters, flagged, ...).
    """
    described = [describe_input(i) for i in inputs]
    for item, read in zip(described, dataset_meta.get("inputs") or [], strict=False):
        item.setdefault("format", read.get("format"))  # post inputs come first, in order
    return jsonable({
        "tool": "astroturf",
        "version": __version__,
        "parameters": params,
        "seed": seed,
        "inputs": described,
        "dataset": dataset_meta,
        "time_note": TIME_NOTE,
        "signals": {k: signals[k] for k in sorted(signals)},
        "counts": counts,
    })


def manifest_json(manifest: Mapping[str, Any]) -> str:
    """Canonical text: sorted keys, 2-space indent, UTF-8 characters kept, final newline."""
    return json.dumps(jsonable(manifest), sort_keys=True, indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def describe_outputs(paths: list[Path], outdir: Path) -> list[dict[str, Any]]:
    """name (relative to outdir), size and sha256 of each written output, sorted by name."""
    rows = [{"name": Path(p).relative_to(outdir).as_posix(), "size": os.stat(p).st_size,
             "sha256": file_sha256(p)} for p in paths]
    return sorted(rows, key=lambda r: r["name"])
