"""Time a whole scan (read -> report) on a generated export and print the figures.

Usage:
    python benchmarks/bench_scan.py --generator neutral --posts 1000000
    python benchmarks/bench_scan.py --generator simulate --posts 1000000 --null-copies 0
    python benchmarks/bench_scan.py --generator neutral --engine dask --workers 2

Why a separate process: the figures are those a user sees from ``astroturf scan``. The export
is generated once and cached (``--cache``); each run is a fresh child process that reads the
file, scans and writes the report, so its peak memory is the scan's own and not the
generator's. Peak memory is the largest total resident set of the child and all its
descendants (Dask workers included), sampled every 0.1 s with psutil.

Printed: wall seconds of read / scan / write, the scan's stage table, peak memory, detection
against the generator's labels (account AUC, precision and recall of flagged accounts) and the
calibration's null clusters per copy. Generators: ``neutral`` (benchmarks/neutral.py: peer-style
CSV nobody tuned the detector to) and ``simulate`` (our own simulator, profiles included).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEUTRAL_MAP = ["posts.repost_target=retweet_of"]


def export_for(args: argparse.Namespace) -> tuple[Path, Path, list[str]]:
    """(export, labels, --map items) for the requested generator, generated once and cached."""
    name = f"{args.generator}-{args.posts}-{args.accounts}-{args.groups}-s{args.seed}"
    folder = Path(args.cache) / name
    if args.generator == "neutral":
        export, labels, maps = folder / "neutral.csv", folder / "labels.csv", NEUTRAL_MAP
        if not export.exists():
            subprocess.run([sys.executable, str(HERE / "neutral.py"), "--posts", str(args.posts),
                            "--accounts", str(args.accounts), "--groups", str(args.groups),
                            "--seed", str(args.seed), "-o", str(folder)], check=True)
        return export, labels, maps
    if not (folder / "labels.csv").exists():
        subprocess.run([sys.executable, "-c", "from astroturf.cli import main; main()",
                        "simulate", "-o", str(folder),
                        "--posts", str(args.posts), "--accounts", str(args.accounts),
                        "--groups", str(args.groups), "--seed", str(args.seed),
                        "--format", "parquet"], check=True)
    export = next(p for p in sorted(folder.iterdir()) if p.name != "labels.csv")
    return export, folder / "labels.csv", []


def child(export: str, outdir: str, maps: list[str], overrides: dict) -> None:
    """The measured process: read, scan and write as ``astroturf scan`` does, each timed;
    prints one JSON line of figures."""
    from astroturf.cli import parse_map
    from astroturf.config import load_params
    from astroturf.io import read_dataset
    from astroturf.pipeline import scan
    from astroturf.report import write_report

    t0 = time.perf_counter()
    data = read_dataset([export], mapping=parse_map(maps))
    t1 = time.perf_counter()
    params = load_params(overrides=overrides)
    res = scan(data, params)
    t2 = time.perf_counter()
    res.manifest["parameters"] = params.public_dict()
    res.manifest["dataset"] = data.meta
    write_report(res, outdir, inputs=[export], params=params.public_dict())
    t3 = time.perf_counter()
    print(json.dumps({"read": t1 - t0, "scan": t2 - t1, "write": t3 - t2,
                      "posts": len(data.posts), "accounts": len(data.accounts),
                      "timings": res.timings}))


def serve_cluster(workers: int) -> None:
    """A LocalCluster kept alive until killed; prints its address."""
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    print(cluster.scheduler_address, flush=True)
    while True:
        time.sleep(60)


def start_cluster(workers: int) -> tuple[subprocess.Popen, str]:
    """A LocalCluster of ``workers`` single-threaded processes, in a process of its own (so
    its memory is sampled with the scan's and its start-up is not in the scan's time)."""
    proc = subprocess.Popen([sys.executable, __file__, "--serve-cluster", str(workers)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True)
    address = proc.stdout.readline().strip() if proc.stdout else ""
    if not address:
        raise SystemExit("could not start a Dask LocalCluster")
    return proc, address


def tree_rss_mib(roots: list) -> float:
    """Total resident set of these processes and all their descendants, MiB."""
    import psutil

    rss = 0
    for root in roots:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
        for p in procs:
            with contextlib.suppress(psutil.Error):
                rss += p.memory_info().rss
    return rss / 2**20


def run_child(export: Path, outdir: Path, maps: list[str], overrides: dict,
              extra: list[int], *, max_mib: float, max_seconds: float
              ) -> tuple[dict | None, float, float]:
    """(child's figures, wall seconds, peak MiB of the child's tree plus ``extra`` pids').
    The child is killed past ``max_mib`` or ``max_seconds`` (figures None): a run that cannot
    finish on this machine is a figure too, and must not take the machine down."""
    import psutil

    cmd = [sys.executable, __file__, "--child", str(export), str(outdir), json.dumps(maps),
           json.dumps(overrides)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)
    roots = [psutil.Process(proc.pid), *(psutil.Process(p) for p in extra)]
    base = tree_rss_mib(roots[1:])
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss_mib(roots))
        if peak > max_mib or time.perf_counter() - t0 > max_seconds:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            print(f"killed after {time.perf_counter() - t0:.0f} s at {peak:,.0f} MiB "
                  f"(limits {max_mib:,.0f} MiB, {max_seconds:,.0f} s)")
            return None, time.perf_counter() - t0, peak
        time.sleep(0.1)
    if extra:
        print(f"  (Dask cluster idle before the scan: {base:,.0f} MiB, included in peak)")
    wall = time.perf_counter() - t0
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"scan failed (exit {proc.returncode})")
    return json.loads(out.strip().splitlines()[-1]), wall, peak


def detection(outdir: Path, labels: Path) -> dict[str, float]:
    """Account AUC and precision/recall of flagged accounts against the generator's labels
    (``astroturf evaluate``'s own metrics)."""
    from astroturf.evaluate import evaluate_outdir

    m = evaluate_outdir(str(outdir), str(labels))
    return {"auc": m["auc"] if m["auc"] is not None else float("nan"),
            "precision": m["precision"] or 0.0, "recall": m["recall"] or 0.0,
            "genuine_flagged": round((m["false_positive_rate"] or 0.0) * m["n_genuine"])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generator", choices=["neutral", "simulate"], default="neutral")
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=None, help="default posts / 10")
    ap.add_argument("--groups", type=int, default=None, help="default posts / 20,000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--null-copies", default=None, help="K, 0 or auto (default: the scan's)")
    ap.add_argument("--engine", choices=["pandas", "dask"], default="pandas")
    ap.add_argument("--workers", type=int, default=2, help="Dask LocalCluster workers")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "astroturf-bench"))
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--max-mib", type=float, default=20_000, help="kill the scan past this")
    ap.add_argument("--max-seconds", type=float, default=3_600, help="kill the scan past this")
    args = ap.parse_args()
    args.accounts = args.accounts or max(args.posts // 10, 100)
    args.groups = args.groups or max(args.posts // 20_000, 2)
    export, labels, maps = export_for(args)
    overrides: dict = {"engine": args.engine}
    if args.null_copies is not None:
        overrides["null_copies"] = args.null_copies
    cluster = None
    if args.engine == "dask":
        cluster, overrides["scheduler"] = start_cluster(args.workers)
    print(f"# {args.generator}: {export} ({export.stat().st_size / 2**20:,.0f} MiB), "
          f"engine {args.engine}" + (f" x{args.workers}" if args.engine == "dask" else "")
          + f", null copies {args.null_copies or 'default'}")
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            fig, wall, peak = run_child(export, out, maps, overrides,
                                        [cluster.pid] if cluster else [],
                                        max_mib=args.max_mib, max_seconds=args.max_seconds)
            if fig is None:
                continue
            det = detection(out, labels)
            cal = json.loads((out / "manifest.json").read_text()).get("calibration", {})
        print(f"run {run + 1}: {fig['posts']:,} posts, {fig['accounts']:,} accounts | wall "
              f"{wall:.1f} s (read {fig['read']:.1f}, scan {fig['scan']:.1f}, write "
              f"{fig['write']:.1f}) | peak {peak:,.0f} MiB | AUC {det['auc']:.3f} precision "
              f"{det['precision']:.3f} recall {det['recall']:.3f} genuine flagged "
              f"{det['genuine_flagged']} | null copies {cal.get('null_copies')}, flagged clusters "
              f"{cal.get('flagged_clusters')}, expected false {cal.get('expected_false_flagged')}")
        stages = sorted(fig["timings"].items(), key=lambda kv: -kv[1])
        print("  stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in stages if v >= 0.05))
    if cluster is not None:
        os.killpg(cluster.pid, signal.SIGTERM)
        cluster.wait()


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), json.loads(sys.argv[5]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--serve-cluster":
        serve_cluster(int(sys.argv[2]))
    else:
        main()
