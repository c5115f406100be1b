"""scan(dataset, params) -> ScanResult: orchestration only (read -> signals -> graph -> scoring).

No file I/O here: readers produce the Dataset, report writers consume the ScanResult. Each stage
is timed and reported to an optional ``progress`` callback so the CLI can show it on stderr.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from astroturf.config import ScanParams
from astroturf.errors import UsageError
from astroturf.schema import Dataset, ScanResult, empty_edges
from astroturf.signals.catalog import SIGNALS, SignalSpec, availability

log = logging.getLogger("astroturf.pipeline")

Progress = Callable[[str], None]


@dataclass
class _Timer:
    progress: Progress | None
    timings: dict[str, float]

    def run(self, label: str, fn: Callable[[], object]) -> object:
        start = time.perf_counter()
        if self.progress:
            self.progress(f"{label} ...")
        out = fn()
        self.timings[label] = time.perf_counter() - start
        return out


def selected_signals(params: ScanParams) -> list[SignalSpec]:
    """The signals the user asked for (``--signals a,b`` or ``all``), unknown names rejected."""
    if params.signals.strip().lower() in ("", "all"):
        return list(SIGNALS)
    wanted = [s.strip() for s in params.signals.split(",") if s.strip()]
    known = {s.name for s in SIGNALS}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise UsageError(f"unknown signal(s): {', '.join(unknown)}",
                         hint=f"known signals: {', '.join(sorted(known))}")
    return [s for s in SIGNALS if s.name in wanted]


def run_signals(data: Dataset, params: ScanParams, *, progress: Progress | None = None,
                timings: dict[str, float] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Run every selected signal that the data supports; say why the others did not run."""
    timer = _Timer(progress, {} if timings is None else timings)
    status: dict[str, str] = {}
    frames: list[pd.DataFrame] = []
    missing = availability(data.posts, data.accounts)
    chosen = selected_signals(params)
    # derived signals (e.g. lockstep) run last, on the edges of the signals they derive from
    for spec in sorted(chosen, key=lambda s: bool(s.derived_from)):
        why = missing.get(spec.name)
        if spec.derived_from and not why and not any(
                status.get(n, "").startswith("ran") for n in spec.derived_from):
            why = f"needs one of {', '.join(spec.derived_from)} to run"
        if why:
            status[spec.name] = f"skipped: {why}"
            continue
        args = (data.posts, data.accounts, params)
        if spec.derived_from:
            base = [f[f["signal"].isin(spec.derived_from)] for f in frames]
            args += (pd.concat(base, ignore_index=True) if base else empty_edges(),)
        edges = timer.run(f"signal {spec.name}", lambda spec=spec, args=args: spec.run(*args))
        status[spec.name] = f"ran: {len(edges)} edges"
        if len(edges):
            frames.append(edges)
    for spec in SIGNALS:
        status.setdefault(spec.name, "skipped: not selected (--signals)")
    edges = pd.concat(frames, ignore_index=True) if frames else empty_edges()
    edges = edges.sort_values(["account_a", "account_b", "signal"], kind="stable")
    return edges.reset_index(drop=True), dict(sorted(status.items()))


def scan(data: Dataset, params: ScanParams | None = None, *,
         progress: Progress | None = None) -> ScanResult:
    """Detect and score coordinated clusters in a canonical dataset."""
    from astroturf.report.evidence import build_evidence
    from astroturf.scoring import assess
    from astroturf.signals.features import account_features
    from astroturf.signals.templates import template_groups

    params = params or ScanParams()
    timings: dict[str, float] = {}
    timer = _Timer(progress, timings)
    edges, status = run_signals(data, params, progress=progress, timings=timings)
    features = timer.run("account features",
                         lambda: account_features(data.posts, data.accounts))
    accounts_out, clusters_out, edges_out = timer.run("clusters and scores", lambda: assess(
        edges, data.accounts, features=features, fdr=params.fdr, seed=params.seed,
        resolution=params.resolution, min_cluster_size=params.min_cluster_size,
        burst_hours=params.burst_hours, window=params.window))
    evidence = timer.run("evidence", lambda: build_evidence(
        edges_out, data.posts, max_per_edge=params.max_evidence))
    templates = None
    if status.get("template_reuse", "").startswith("ran"):
        templates = timer.run("template groups", lambda: template_groups(
            data.posts, threshold=params.near_dup_threshold,
            min_text_chars=params.min_text_chars, seed=params.seed))
    # --- report-ux (issue 12): what each cluster pushes / answers, and the chart aggregates.
    # Pure: input tables + assessed clusters in; clusters with content columns appended and a
    # JSON-able details dict out. Keep this call after evidence (it marks synchronised moments).
    from astroturf.report.details import scan_details
    clusters_out, details = timer.run("cluster details", lambda: scan_details(
        data.posts, data.accounts, accounts_out, clusters_out, evidence,
        burst_hours=params.burst_hours))
    log.debug("stage timings: %s", timings)
    manifest = {
        "counts": {
            "posts": len(data.posts), "accounts": len(data.accounts),
            "edges_all_signals": len(edges), "edges_reported": len(edges_out),
            "clusters": len(clusters_out),
            "clusters_flagged": int(clusters_out["flagged"].astype(bool).sum())
            if len(clusters_out) else 0,
            "accounts_flagged": int(accounts_out["flagged"].astype(bool).sum())
            if len(accounts_out) else 0,
        },
    }
    return ScanResult(accounts=accounts_out, clusters=clusters_out, edges=edges_out,
                      evidence=evidence, signals=status, manifest=manifest, templates=templates,
                      details=details)
