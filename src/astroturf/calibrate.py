"""The scan's randomised copies: pass 1 (each copy's signals and fused pairs), pass 2 (its
communities and cluster tests), and what the copies say about the real clusters (calibrated
q, flags, the manifest's calibration section). Split from ``pipeline`` (which orchestrates the
whole scan); the statistics themselves are in ``stats``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from astroturf.config import ScanParams, null_copies_for
from astroturf.kernels.keys import auto_max_p
from astroturf.scandata import ScanData
from astroturf.signals.base import ChannelEdges, empty_channel
from astroturf.signals.catalog import SIGNALS
from astroturf.stats.calibration import (
    NullDistribution,
    PairCalibration,
    calibrated_log10_p,
    empirical_log10_q,
    flag_threshold,
    pair_histogram,
)
from astroturf.stats.cluster_test import cluster_tests
from astroturf.stats.fusion import calibrate_pairs, collect, fuse_pairs, log10_bh, restrict
from astroturf.stats.randomise import make_copies


class StageTimer(Protocol):
    """What runs and times a stage (``pipeline``'s timer)."""

    def run(self, label: str, fn: Callable[[], object]) -> object: ...


def _null_channels(sd: ScanData, params: ScanParams, real: dict[str, ChannelEdges], copy
                   ) -> list[ChannelEdges]:
    """The channels of one null copy (same signals as the real run). The signals that do not
    derive from others are independent (read-only scan data, each its own output), so they
    run side by side on the cores, results kept in signal order; then the derived ones."""
    from astroturf.kernels.threads import thread_map

    specs = {s.name: s for s in SIGNALS}
    names = sorted(real, key=lambda n: bool(specs[n].derived_from))
    base = [n for n in names if not specs[n].derived_from]
    out = dict(zip(base, thread_map(lambda n: specs[n].run(
        sd, params, null=copy, base=real[n]), base), strict=True))
    for name in names[len(base):]:
        spec = specs[name]
        out[name] = spec.run(sd, params, null=copy, base=real[name],
                             sources=[out[n] for n in spec.derived_from if n in out])
    return list(out.values())


@dataclass
class NullRun:
    """One null copy, kept between the two calibration passes (candidate pairs only)."""

    ev: object
    pairs: pd.DataFrame


def candidate_level(n_accounts: int) -> float:
    """log10 p a pair needs to be a community candidate (graph.communities): at most 1/n."""
    return math.log10(min(0.01, 1.0 / max(n_accounts, 1)))


def null_copy_run(sd: ScanData, params: ScanParams, real: dict[str, ChannelEdges], copy
                  ) -> tuple[NullRun, np.ndarray]:
    """One randomised copy, pass 1: its channels, its fused pairs (as a histogram for the pair
    calibration) and the pairs among candidates kept for pass 2 (a task of its own on Dask)."""
    n = sd.n_accounts
    chans = _null_channels(sd, params, real, copy)
    ev = collect(chans, n, max_p=auto_max_p(n))
    pairs = fuse_pairs(ev, light=True)
    keep = among_candidates(pairs, candidate_level(n))
    slim = restrict(ev, pairs["pair"].to_numpy()[keep])
    slim.channels = [empty_channel(c.signal) for c in slim.channels]  # only names needed
    return (NullRun(ev=slim, pairs=pairs[keep].reset_index(drop=True)),
            pair_histogram(pairs["log10_p"].to_numpy()))


def null_runs(sd: ScanData, params: ScanParams, real: dict[str, ChannelEdges], *,
              timer: StageTimer, engine=None) -> tuple[list[NullRun], PairCalibration]:
    """Pass 1 of the calibration over every copy; the pair null from all of them."""
    k = null_copies_for(params, len(sd.t))
    n = sd.n_accounts
    pair_cal = PairCalibration(n_copies=k, n_pairs=n * (n - 1) / 2.0)
    if k <= 0 or not real:
        return [], pair_cal
    copies = make_copies(sd.t, n_accounts=n, n_copies=k, seed=params.seed,
                         bandwidth_ns=round(params.null_bandwidth * 1e9), grid_ns=sd.time_grid)
    if engine is not None:
        from astroturf.engines.dask_engine import run_null_copies

        done = timer.run("calibration (dask)", lambda: run_null_copies(
            engine, sd, params, real, copies, null_copy_run))
    else:
        # one after the other: side by side they were 35 % faster but each copy's profile
        # signals hold ~1 GB at 100k full profiles (simulator 1M: peak 2.5 -> 3.7 GB)
        done = [timer.run("calibration: null copy", lambda c=c: null_copy_run(
            sd, params, real, c)) for c in copies]
    for _, hist in done:
        pair_cal.hist += hist
    return [run for run, _ in done], pair_cal


def among_candidates(pairs: pd.DataFrame, level: float) -> np.ndarray:
    """Pairs whose two accounts are both in some candidate pair (log10 p <= level): the only
    accounts communities can hold, since calibration only ever weakens a pair. Weak pairs
    among them stay: they are part of a cluster's evidence (a profile group is many weak
    links)."""
    strong = pairs["log10_p"].to_numpy() <= level
    nodes = np.zeros(int(max(pairs["a"].max(), pairs["b"].max()) + 1) if len(pairs) else 0,
                     bool)
    nodes[pairs["a"].to_numpy()[strong]] = True
    nodes[pairs["b"].to_numpy()[strong]] = True
    return nodes[pairs["a"].to_numpy()] & nodes[pairs["b"].to_numpy()] if len(pairs) else (
        np.zeros(0, bool))


def cluster_null(sd: ScanData, params: ScanParams, runs: list[NullRun], g: PairCalibration,
                 *, timer: StageTimer) -> NullDistribution:
    """Pass 2: the same communities and cluster tests on every copy, with calibrated pairs."""
    from astroturf.graph.communities import detect_communities

    k = len(runs)
    null = NullDistribution(n_copies=k, stats=np.zeros(0), per_copy_max=np.zeros(k))
    stats, passing = [], {}
    for i, run in enumerate(runs):
        pairs = calibrate_pairs(run.pairs, g)
        labels = timer.run("calibration: null clusters", lambda pairs=pairs: detect_communities(
            pairs, n_accounts=sd.n_accounts, seed=params.seed, resolution=params.resolution))
        tests = timer.run("calibration: null clusters", lambda labels=labels, run=run:
                          cluster_tests(run.ev, labels, min_size=max(2, params.min_cluster_size),
                                        calibrate=g))
        s = -tests["log10_p"].to_numpy()
        live = s > 0
        stats.append(s[live])
        null.per_copy_max[i] = s.max(initial=0.0)
        passed = log10_bh(tests["log10_p"].to_numpy()) <= math.log10(params.fdr)
        for si, name in enumerate(run.ev.signals):
            involved = (tests["channels"].to_numpy() >> si) & 1 == 1
            null.channels.setdefault(name, []).extend(s[involved & live].tolist())
            passing[name] = passing.get(name, 0) + int((involved & passed).sum())
    null.stats = np.concatenate(stats) if stats else np.zeros(0)
    null.passing.update({n: v / max(k, 1) for n, v in sorted(passing.items())})
    return null


def verdicts(tests: pd.DataFrame, null: NullDistribution, *, fdr: float) -> pd.DataFrame:
    """Calibrated q, p and flags of the real clusters (see stats.calibration)."""
    t = tests.copy()
    lp = t["log10_p"].to_numpy(float)
    analytic = log10_bh(lp)
    if null.n_copies > 0:
        s = -lp
        t["log10_q"] = np.maximum(analytic, empirical_log10_q(s, null))
        t["cal_log10_p"] = calibrated_log10_p(s, null)
        t["null_expected"] = np.where(s > 0, null.expected(s), np.nan)
    else:
        t["log10_q"], t["cal_log10_p"], t["null_expected"] = analytic, lp, np.nan
    t["n_copies"] = null.n_copies
    t["flagged"] = t["log10_q"] <= math.log10(fdr)
    return t


def flagged_members(tests: pd.DataFrame, merges: pd.DataFrame | None) -> np.ndarray:
    """Account codes in the significant sub-groups of the flagged clusters: the level is the
    weakest statistic among the flagged clusters (the calibrated flagging threshold)."""
    from astroturf.stats.cluster_test import significant_members

    flagged = tests[tests["flagged"]] if len(tests) else tests
    if merges is None or len(flagged) == 0:
        return np.zeros(0, np.int64)
    level = float(flagged["log10_p"].max())
    return significant_members(merges, flagged["community"].to_numpy(), level)


def calibration_summary(tests: pd.DataFrame, null: NullDistribution, params: ScanParams
                        ) -> dict:
    """The manifest's calibration section (what chance produced on this data, in numbers)."""
    flagged = tests[tests["flagged"]] if len(tests) else tests
    s = -tests["log10_p"].to_numpy() if len(tests) else np.zeros(0)
    thr = flag_threshold(s, tests["log10_q"].to_numpy() if len(tests) else s, params.fdr)
    expected = float(null.expected(np.array([thr]))[0]) if (
        thr is not None and null.n_copies) else 0.0
    channels = {}
    for name in sorted(set(null.channels) | set(null.passing)):
        vals = null.channels.get(name, [])
        reach = max(vals) if vals else 0.0
        channels[name] = {
            "null_clusters_per_copy": round(null.passing.get(name, 0.0), 4),
            "threshold": f"chance reached cluster p = 1e-{reach:.1f} with this channel"
            if reach > 0 else "chance formed no cluster with this channel"}
    return {"null_copies": null.n_copies, "fdr": params.fdr, "method": (
        "empirical FDR over randomised copies (hour-scale re-timing, account x key rewiring, "
        "profile permutation), exponential tail beyond the strongest null cluster; "
        "q = max(empirical, Benjamini-Hochberg)") if null.n_copies else "analytic only",
        "flagged_clusters": len(flagged),
        "expected_false_flagged": round(expected if thr is not None else 0.0, 4),
        "threshold_log10_p": None if thr is None else -round(thr, 3),
        "null_max_per_copy": [round(float(x), 3) for x in null.per_copy_max],
        "channels": channels}
