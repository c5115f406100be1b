"""Scan parameters: one frozen dataclass, recorded verbatim in the manifest.

Precedence (lowest to highest): defaults here < ``astroturf.toml`` / ``--config`` file <
``ASTROTURF_<FIELD>`` environment variables < command-line flags. Only this module knows it.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from astroturf.errors import UsageError


@dataclass(frozen=True)
class ScanParams:
    """Every knob of a scan. Defaults are what a careful analyst would choose first."""

    window: float = 60.0  # seconds; co-actions count when |dt| <= window (inclusive)
    fdr: float = 0.05  # false discovery rate at the cluster level
    seed: int = 0  # every random step is seeded from this
    max_key_accounts: int = 1000  # keys used by more accounts are "hot": bounded fan-out
    max_fanout: int = 50  # neighbours per action inside a hot key
    near_dup_threshold: float = 70.0  # rapidfuzz ratio (0-100) for near-duplicate texts
    # near-duplicate search: LSH buckets of more texts are linked as stars (a popular phrase),
    # and the MinHash size (bands of 2); larger finds more pairs, slower (docs/scaling.md)
    near_dup_bucket: int = 10
    near_dup_hashes: int = 40
    min_text_chars: int = 20  # shorter normalised texts are too generic to be templates
    burst_hours: float = 24.0  # creation-burst window
    min_cluster_size: int = 2
    resolution: float = 1.0  # community detection resolution
    max_evidence: int = 20  # evidence items kept per edge
    signals: str = "all"  # comma-separated signal names to run, or "all"
    engine: str = "pandas"  # "pandas" (single process) or "dask"
    null_copies: int = -1  # randomised copies for the calibration: -1 = auto, 0 = off
    null_bandwidth: float = 3600.0  # seconds: null copies keep activity at this scale
    scheduler: str = ""  # dask scheduler address ("" = DASK_SCHEDULER_ADDRESS or local)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def public_dict(self) -> dict[str, Any]:
        """What the manifest records: every setting that changes results (the scheduler
        address says where it ran, not what it found, and may be private)."""
        return {k: v for k, v in self.to_dict().items() if k != "scheduler"}


def _convert(name: str, value: Any, source: str) -> Any:
    target = {f.name: f.type for f in fields(ScanParams)}[name]
    if name == "null_copies" and str(value).strip().lower() == "auto":
        return -1
    try:
        if target == "float":
            return float(value)
        if target == "int":
            return int(value)
        return str(value)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a {target}, got {value!r}", source=source,
                         hint=f"fix the value of {name}") from None


NULL_POSTS = 2_000_000  # auto: copies until the null has seen this many randomised posts
MIN_COPIES, MAX_COPIES = 3, 20


def null_copies_for(params: ScanParams, n_posts: int) -> int:
    """Copies to run: the given number, or auto (enough that the pooled null holds at least
    NULL_POSTS randomised posts, between MIN_COPIES and MAX_COPIES). The resolution of an
    empirical null grows with the randomised data it has seen, so small exports get more
    copies and large ones fewer; the tail fit covers what lies beyond (docs/interpreting.md).
    """
    if params.null_copies >= 0:
        return int(params.null_copies)
    need = -(-NULL_POSTS // max(int(n_posts), 1))
    return int(min(MAX_COPIES, max(MIN_COPIES, need)))


def load_params(*, config_file: str | os.PathLike[str] | None = None,
                env: dict[str, str] | None = None,
                overrides: dict[str, Any] | None = None) -> ScanParams:
    """Resolve parameters with the documented precedence; unknown keys are an error."""
    known = {f.name for f in fields(ScanParams)}
    values: dict[str, Any] = {}
    source: dict[str, str] = {}  # where each value came from, for the errors below
    path = Path(config_file) if config_file else Path("astroturf.toml")
    if config_file or path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"cannot read config: {exc}", source=str(path),
                             hint="fix the TOML syntax or pass another --config") from None
        data = data.get("scan", data)
        for key, value in data.items():
            key = key.replace("-", "_")
            if key not in known:
                raise UsageError(f"unknown setting {key!r}", source=str(path),
                                 hint=f"known settings: {', '.join(sorted(known))}")
            values[key] = _convert(key, value, str(path))
            source[key] = str(path)
    env = os.environ if env is None else env
    threads = env.get("ASTROTURF_THREADS", "").strip()
    if threads and not (threads.isdigit() and int(threads) > 0):  # kernels.threads reads it
        raise UsageError(f"ASTROTURF_THREADS must be a positive integer, got {threads!r}",
                         hint="e.g. ASTROTURF_THREADS=1 (one core), or unset it for all cores")
    for key in known:
        var = f"ASTROTURF_{key.upper()}"
        if var in env:
            values[key] = _convert(key, env[var], var)
            source[key] = var
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = _convert(key, value, f"--{key.replace('_', '-')}")
            source[key] = f"--{key.replace('_', '-')}"
    params = ScanParams(**values)
    if not 0 < params.fdr < 1:
        raise UsageError(f"fdr must be between 0 and 1, got {params.fdr}", hint="e.g. --fdr 0.05",
                         source=source.get("fdr"))
    if params.null_copies < -1:
        raise UsageError(f"null_copies must be >= 0 (or auto), got {params.null_copies}",
                         hint="e.g. --null-copies 10 (0 turns calibration off, auto is default)",
                         source=source.get("null_copies"))
    if params.null_bandwidth <= 2 * params.window:
        raise UsageError(f"null_bandwidth must exceed twice the window, got "
                         f"{params.null_bandwidth}", hint="e.g. 3600 (one hour)",
                         source=source.get("null_bandwidth", source.get("window")))
    if params.window <= 0:
        raise UsageError(f"window must be positive, got {params.window}", hint="e.g. --window 60",
                         source=source.get("window"))
    if params.near_dup_bucket < 2:
        raise UsageError(f"near_dup_bucket must be at least 2, got {params.near_dup_bucket}",
                         hint="e.g. near_dup_bucket = 300 (more recall, slower; 10 is default)",
                         source=source.get("near_dup_bucket"))
    if not (2 <= params.near_dup_hashes <= 256 and params.near_dup_hashes % 2 == 0):
        raise UsageError(f"near_dup_hashes must be an even number from 2 to 256, got "
                         f"{params.near_dup_hashes}", hint="e.g. near_dup_hashes = 60 (40 is "
                         "default)", source=source.get("near_dup_hashes"))
    return params
