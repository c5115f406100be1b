"""Time every signal (and the whole scan) on a simulated export; print a table.

Usage:
    PYTHONPATH=src python benchmarks/bench_scan.py --posts 1000000 --accounts 100000 \\
        --groups 50 --seed 0

Peak memory is the process's peak resident set size (``resource.getrusage``) after each
stage, so it is cumulative: the last row is the peak of the whole run. Figures go to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import sys
import time
from collections.abc import Callable

import pandas as pd

from astroturf.schema import Dataset, coerce_accounts, coerce_posts

ACCOUNT_MAP = {"account_created_at": "created_at", "profile_url": "url"}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def to_dataset(flat: pd.DataFrame) -> Dataset:
    """Canonical posts/accounts from the simulator's flat export (reader stand-in)."""
    posts = coerce_posts(flat)
    acc = flat.drop(columns=["created_at"]).rename(columns=ACCOUNT_MAP)
    acc = acc.drop_duplicates("account_id", keep="first")
    return Dataset(posts=posts, accounts=coerce_accounts(acc), meta={"source": "simulate"})


def stages(data: Dataset, window: float) -> list[tuple[str, Callable[[], object]]]:
    """(name, thunk) for every signal of this module family and the full scan."""
    from astroturf.signals import coactions as co
    from astroturf.signals.templates import near_duplicate_edges, template_groups

    p = data.posts
    out: list[tuple[str, Callable[[], object]]] = [
        ("co_text", lambda: co.co_text_edges(p, window=window)),
        ("co_repost", lambda: co.co_repost_edges(p, window=window)),
        ("co_url", lambda: co.co_url_edges(p, window=window)),
        ("co_reply", lambda: co.co_reply_edges(p, window=window)),
        ("co_hashtag", lambda: co.co_hashtag_edges(p, window=window)),
        ("near_dup_sync", lambda: near_duplicate_edges(p, window=window)),
        ("template_reuse", lambda: near_duplicate_edges(p, window=None)),
        ("template_groups", lambda: template_groups(p)),
    ]
    try:
        from astroturf.config import ScanParams
        from astroturf.pipeline import scan
    except ImportError:  # pipeline not there yet
        return out
    out.append(("whole scan (all signals)",
                lambda: scan(data, ScanParams(window=window), progress=_STAGES.mark)))
    return out


class _StageClock:
    """Progress callback that times the pipeline's stages (each call starts the next one)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float]] = []
        self._label: str | None = None
        self._start = 0.0

    def mark(self, message: str) -> None:
        now = time.perf_counter()
        if self._label is not None:
            self.rows.append((self._label, now - self._start))
        self._label, self._start = message.removesuffix(" ..."), now

    def stop(self) -> None:
        self.mark("")
        self._label = None


_STAGES = _StageClock()


def run(args: argparse.Namespace) -> list[dict]:
    from astroturf.simulate import simulate

    rows = []
    t = time.perf_counter()
    sim = simulate(n_accounts=args.accounts, n_posts=args.posts, n_groups=args.groups,
                   seed=args.seed)
    rows.append({"stage": "simulate", "seconds": time.perf_counter() - t,
                 "rows": len(sim.posts), "peak_rss_mb": peak_rss_mb()})
    t = time.perf_counter()
    data = to_dataset(sim.posts)
    del sim
    gc.collect()
    rows.append({"stage": "to canonical tables", "seconds": time.perf_counter() - t,
                 "rows": len(data.posts), "peak_rss_mb": peak_rss_mb()})
    for name, thunk in stages(data, args.window):
        if (args.only is not None and name not in args.only
                and not name.startswith("whole")):
            continue
        if args.skip_scan and name.startswith("whole"):
            continue
        t = time.perf_counter()
        result = thunk()
        seconds = time.perf_counter() - t
        if name.startswith("whole"):
            _STAGES.stop()
        n = len(result.edges) if hasattr(result, "edges") else len(result)
        rows.append({"stage": name, "seconds": seconds, "rows": n,
                     "peak_rss_mb": peak_rss_mb()})
        del result
        gc.collect()
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--groups", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--window", type=float, default=60.0)
    ap.add_argument("--only", nargs="*", default=None,
                    help="signal stages to time separately (none given: only the whole scan)")
    ap.add_argument("--skip-scan", action="store_true", help="do not time the whole scan")
    args = ap.parse_args(argv)
    rows = run(args)
    signal_rows = [r for r in rows[2:] if not r["stage"].startswith("whole")]
    print(f"# {args.posts:,} posts, {args.accounts:,} accounts, {args.groups} groups, "
          f"seed {args.seed}, window {args.window:g}s; python {platform.python_version()}, "
          f"pandas {pd.__version__}")
    print(f"| {'stage':<26} | {'seconds':>8} | {'rows out':>10} | {'peak RSS MiB':>12} |")
    print(f"|{'-' * 28}|{'-' * 10}:|{'-' * 11}:|{'-' * 13}:|")
    for r in rows:
        print(f"| {r['stage']:<26} | {r['seconds']:8.2f} | {r['rows']:>10,} | "
              f"{r['peak_rss_mb']:12,.0f} |")
    if signal_rows:
        total = sum(r["seconds"] for r in signal_rows)
        print(f"| {'sum of signal stages':<26} | {total:8.2f} | {'':>10} | {'':>12} |")
    inside = _STAGES.rows
    if inside:
        print("\n# inside the whole scan (pipeline stages)")
        print(f"| {'stage':<34} | {'seconds':>8} |")
        print(f"|{'-' * 36}|{'-' * 10}:|")
        for label, sec in inside:
            print(f"| {label:<34} | {sec:8.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
