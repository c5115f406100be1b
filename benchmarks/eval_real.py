"""Evaluate a full scan on the real labelled sets in ../shared/data and print the figures.

Usage: python benchmarks/eval_real.py [--data ../shared/data]
Prints, per dataset: posts, accounts, scan seconds, AUC, average precision, precision/recall of
flagged accounts, share of genuine accounts flagged, ARI against the source label. Nothing is
tuned to these files; they are dev halves (the other halves are held back).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from astroturf.config import ScanParams
from astroturf.evaluate import evaluate
from astroturf.io import read_dataset
from astroturf.pipeline import scan

SETS = {
    "honeypot2011_dev_aligned": ("posts.parquet",
                                 ["legitimate_users.csv", "content_polluters.csv"]),
    "ira_dev": ("posts.parquet", ["authors.csv"]),
}


def run(folder: Path, posts: str, accounts: list[str], params: ScanParams) -> dict:
    start = time.perf_counter()
    data = read_dataset([str(folder / posts)], accounts=[str(folder / a) for a in accounts])
    result = scan(data, params)
    seconds = time.perf_counter() - start
    labels = pd.read_csv(folder / "labels.csv", dtype=str, keep_default_na=False)
    figures = evaluate(result.accounts, labels, group_column="source_label")
    figures.update(posts=len(data.posts), accounts=len(data.accounts), seconds=round(seconds, 1),
                   clusters=len(result.clusters),
                   flagged_clusters=int(result.clusters["flagged"].sum()))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared"
                                               / "data"))
    args = parser.parse_args()
    root = Path(args.data)
    keys = ["posts", "accounts", "seconds", "clusters", "flagged_clusters", "auc",
            "average_precision", "precision", "recall", "false_positive_rate", "ari"]
    for name, (posts, accounts) in SETS.items():
        folder = root / name
        if not folder.exists():
            print(f"{name}: skipped, {folder} not found")
            continue
        figures = run(folder, posts, accounts, ScanParams())
        print(name)
        for key in keys:
            value = figures.get(key)
            if isinstance(value, float):
                value = f"{value:.3f}"
            print(f"  {key:<24} {value}")


if __name__ == "__main__":
    main()
