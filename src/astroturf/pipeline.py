"""scan(dataset, params) -> ScanResult: orchestration only (encode -> signals -> graph -> tests
-> calibration -> verdicts). No file I/O: readers produce the Dataset, report writers consume
the ScanResult. Each stage is timed and reported to an optional ``progress`` callback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from astroturf.calibrate import (
    among_candidates,
    calibration_summary,
    candidate_level,
    cluster_null,
    flagged_members,
    null_runs,
    verdicts,
)
from astroturf.config import ScanParams, null_copies_for
from astroturf.errors import UsageError
from astroturf.kernels.keys import auto_max_p
from astroturf.kernels.memory import release_arrow_memory, release_heap_memory
from astroturf.kernels.threads import Job, side_jobs
from astroturf.scandata import ScanData, encode_for_scan
from astroturf.schema import Dataset, ScanResult
from astroturf.signals.base import ChannelEdges
from astroturf.signals.catalog import SIGNALS, SignalSpec, availability
from astroturf.stats.calibration import NullDistribution
from astroturf.stats.cluster_test import cluster_tests
from astroturf.stats.fusion import calibrate_pairs, collect, fuse_pairs, restrict

log = logging.getLogger("astroturf.pipeline")

Progress = Callable[[str], None]


@dataclass
class _Timer:
    progress: Progress | None
    timings: dict[str, float]

    def run(self, label: str, fn: Callable[[], object]) -> object:
        """``fn()``, timed under ``label``; the heap pages it freed go back to the system
        before the next stage (kernels.memory), so its garbage is not under that peak."""
        start = time.perf_counter()
        if self.progress:
            self.progress(f"{label} ...")
        out = fn()
        release_heap_memory()
        self.timings[label] = self.timings.get(label, 0.0) + time.perf_counter() - start
        return out

    def beside(self, submit: Callable[[Callable[[], object]], Job], label: str,
               fn: Callable[[], object]) -> Callable[[], object]:
        """``fn`` as a side job (kernels.threads.side_jobs): its own seconds are timed under
        ``label``; progress is reported when its value is taken."""
        def timed() -> tuple[object, float]:
            start = time.perf_counter()
            return fn(), time.perf_counter() - start

        job = submit(timed)

        def value() -> object:
            out, seconds = job.result()
            if self.progress:
                self.progress(f"{label} ...")
            self.timings[label] = self.timings.get(label, 0.0) + seconds
            return out
        return value


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


def run_signals(sd: ScanData, params: ScanParams, *, timer: _Timer | None = None,
                engine=None) -> tuple[dict[str, ChannelEdges], dict[str, str]]:
    """Every selected signal the data supports; why the others did not run. With a Dask
    ``engine`` (engines.dask_engine.DaskEngine) the signals are computed on its workers."""
    timer = timer or _Timer(None, {})
    status: dict[str, str] = {}
    missing = availability(sd.posts, sd.accounts, window=params.window, grid_ns=sd.time_grid)
    chosen = sorted(selected_signals(params), key=lambda s: bool(s.derived_from))
    runnable = [s.name for s in chosen if s.name not in missing]
    for spec in chosen:
        if spec.name in missing:
            status[spec.name] = f"skipped: {missing[spec.name]}"
        elif spec.derived_from and not set(spec.derived_from) & set(runnable):
            status[spec.name] = f"skipped: needs one of {', '.join(spec.derived_from)} to run"
            runnable.remove(spec.name)
    if engine is not None:
        from astroturf.engines.dask_engine import run_signals as on_dask

        out = timer.run("signals (dask)", lambda: on_dask(engine, sd, params, runnable))
    else:
        out = {}
        # the template families (the near-duplicate search, the longest step) are built on a
        # thread of their own while the co-action signals before the first reader run (the
        # order is kept: moved past the profile signals, the build overlapped their ~1 GB
        # of blocking pairs on full-profile data)
        from concurrent.futures import ThreadPoolExecutor

        from astroturf.kernels.threads import n_threads

        prefetch = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="astroturf")
                    if n_threads() > 1 and any(s.uses_templates and s.name in runnable
                                               for s in chosen) else None)
        try:
            built = prefetch.submit(sd.templates) if prefetch is not None else None
            for spec in chosen:
                if spec.name not in runnable:
                    continue
                kw = {"sources": [out[n] for n in spec.derived_from if n in out]} if (
                    spec.derived_from) else {}
                out[spec.name] = timer.run(f"signal {spec.name}",
                                           lambda spec=spec, kw=kw: spec.run(sd, params, **kw))
            if built is not None:
                built.result()  # its error, if any, is raised here
        finally:
            if prefetch is not None:
                prefetch.shutdown()
    for name, ch in out.items():
        status[name] = f"ran: {len(ch) + ch.pruned} edges"  # found, strong enough or not
    for spec in SIGNALS:
        status.setdefault(spec.name, "skipped: not selected (--signals)")
    return out, dict(sorted(status.items()))


@contextmanager
def dask_engine_for(params: ScanParams):
    """The Dask engine for --engine dask (engines.dask_engine.DaskEngine), None by default."""
    if params.engine != "dask":
        yield None
        return
    from astroturf.engines.dask_engine import dask_client

    debug = logging.getLogger("astroturf").getEffectiveLevel() <= logging.DEBUG
    with dask_client(params.scheduler, debug=debug) as engine:
        yield engine


class _Findings(NamedTuple):
    """What detection leaves for the report stages: the result tables and what the manifest
    needs, without the scan data, channels and pair tables behind them (returning from
    ``_find`` frees those before the evidence table is built: gigabytes at 10M posts)."""

    accounts: pd.DataFrame
    clusters: pd.DataFrame
    edges: pd.DataFrame
    items: object  # schema.EvidenceItems
    templates: pd.DataFrame | None
    status: dict[str, str]
    tests: pd.DataFrame
    null: NullDistribution
    n_accounts: int
    n_edges: int


def _find(data: Dataset, params: ScanParams, timer: _Timer) -> _Findings:
    """Encode, signals, calibration, communities, tests, verdicts and the result tables."""
    from astroturf.graph.communities import detect_communities
    from astroturf.scoring.clusters import clusters_table
    from astroturf.scoring.verdicts import (
        accounts_table,
        cluster_of_account,
        member_flags,
        number_clusters,
        reported_edges,
    )
    from astroturf.signals.features import account_features
    from astroturf.signals.templates import template_groups

    sd = timer.run("encode posts", lambda: encode_for_scan(data, params))
    release_arrow_memory()  # reading and encoding were Arrow's; the signals are NumPy's
    with dask_engine_for(params) as engine, side_jobs() as submit:
        channels, status = run_signals(sd, params, timer=timer, engine=engine)
        # stages that need neither the calibration nor each other run beside it
        features = timer.beside(submit, "account features",
                                lambda: account_features(data.posts, data.accounts, sd=sd))
        templates = timer.beside(submit, "template groups", lambda: template_groups(sd) if (
            "template_reuse" in channels) else None)
        runs, g = null_runs(sd, params, channels, timer=timer, engine=engine)
        features_out, templates_out = features(), templates()
    ev = collect(list(channels.values()), sd.n_accounts, max_p=auto_max_p(sd.n_accounts))
    analytic = timer.run("fuse pairs", lambda: fuse_pairs(ev))
    pairs = calibrate_pairs(analytic, g)
    labels = timer.run("communities", lambda: detect_communities(
        pairs, n_accounts=sd.n_accounts, seed=params.seed, resolution=params.resolution))
    strong = analytic["pair"].to_numpy()[among_candidates(analytic,
                                                          candidate_level(sd.n_accounts))]
    tests = timer.run("cluster tests", lambda: cluster_tests(
        restrict(ev, strong), labels, min_size=max(2, params.min_cluster_size), calibrate=g))
    merges = tests.attrs.get("merges")
    null = cluster_null(sd, params, runs, g, timer=timer)
    tests = number_clusters(verdicts(tests, null, fdr=params.fdr), labels)
    cid = cluster_of_account(tests, labels)
    flagged = member_flags(tests, cid, flagged_members(tests, merges), pairs, ev,
                           fdr=params.fdr)
    accounts_out = timer.run("accounts table", lambda: accounts_table(
        sd, ev, pairs, tests, cid, features_out, flagged))
    clusters_out = timer.run("clusters table", lambda: clusters_table(
        sd, ev, pairs, tests, cid, features_out, fdr=params.fdr,
        burst_hours=params.burst_hours, window=params.window))
    edges_out, items = timer.run("reported edges", lambda: reported_edges(
        sd, ev, pairs, cid, fdr=params.fdr, max_evidence=params.max_evidence))
    return _Findings(accounts_out, clusters_out, edges_out, items, templates_out, status,
                     tests, null, sd.n_accounts,
                     int(sum(len(c) + c.pruned for c in channels.values())))


def scan(data: Dataset, params: ScanParams | None = None, *,
         progress: Progress | None = None) -> ScanResult:
    """Detect, test and calibrate coordinated clusters in a canonical dataset."""
    from astroturf.report.details import cluster_content, with_charts
    from astroturf.report.evidence import build_evidence

    params = params or ScanParams()
    timings: dict[str, float] = {}
    timer = _Timer(progress, timings)
    if hasattr(progress, "set_total"):
        k = null_copies_for(params, len(data.posts))
        progress.set_total(len(selected_signals(params)) + 12 + 4 * k)
    found = _find(data, params, timer)
    # what each cluster pushes and answers, then the evidence, then the chart aggregates
    # (they mark the evidence's synchronised moments): the content's working memory is
    # gone before the evidence table is built
    content = timer.run("cluster details", lambda: cluster_content(
        data.posts, data.accounts, found.accounts, found.clusters))
    evidence = timer.run("evidence", lambda: build_evidence(
        found.edges, data.posts, max_per_edge=params.max_evidence, items=found.items))
    clusters_out, details = timer.run("cluster details", lambda: with_charts(
        content, data.posts, data.accounts, evidence, burst_hours=params.burst_hours))
    log.debug("stage timings: %s", timings)
    accounts_out, edges_out = found.accounts, found.edges
    manifest = {
        "counts": {
            "posts": len(data.posts), "accounts": found.n_accounts,
            "edges_all_signals": found.n_edges,
            "edges_reported": len(edges_out), "clusters": len(clusters_out),
            "clusters_flagged": int(clusters_out["flagged"].sum()) if len(clusters_out) else 0,
            "accounts_flagged": int(accounts_out["flagged"].sum()) if len(accounts_out) else 0,
        },
        "calibration": calibration_summary(found.tests, found.null, params),
    }
    return ScanResult(accounts=accounts_out, clusters=clusters_out, edges=edges_out,
                      evidence=evidence, signals=found.status, manifest=manifest,
                      templates=found.templates, timings=timings, details=details)
