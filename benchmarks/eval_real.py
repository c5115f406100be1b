"""Evaluate full scans on the real labelled sets in ../shared/data and print the figures.

Usage: python benchmarks/eval_real.py [--data ../shared/data] [--null-copies K] [--only NAME..]

Per set: posts, accounts, seconds, AUC, average precision, precision/recall of flagged
accounts, share of genuine accounts flagged, ARI against the source label, and what the
null copies produced (null clusters passing the analytic test per copy, strongest null
cluster). cresci2015_dev is also scanned on its genuine accounts alone (the headline figure:
real people wrongly flagged). kaggle_bots_profiles reports, per profile signal, how many pairs
of genuine accounts it links. Nothing here is tuned to these files: they are dev halves.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from astroturf.config import ScanParams, load_params
from astroturf.errors import AstroturfError
from astroturf.evaluate import evaluate
from astroturf.io import read_dataset
from astroturf.pipeline import scan

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def cresci_export(folder: Path, tmp: Path, *, genuine_only: bool) -> tuple[list[str], list[str]]:
    """The cresci posts as a flat export (posts + handle/name), as a user would hand it over."""
    acc = pd.read_csv(folder / "accounts.csv", dtype=str, keep_default_na=False)
    lab = pd.read_csv(folder / "labels.csv", dtype=str)
    posts = pd.read_parquet(folder / "posts.parquet")
    if genuine_only:
        posts = posts[posts["user_id"].isin(set(lab.loc[lab["label"] == "genuine",
                                                        "account_id"]))]
    acc = acc.rename(columns={"uid": "user_id", "Screen Name": "screen_name", "Name": "name"})
    df = posts.rename(columns={"tid": "tweet_id", "time": "tweet_time", "tweet": "text"}).merge(
        acc[["user_id", "screen_name", "name"]], on="user_id", how="left")
    path = tmp / ("cresci_genuine.csv" if genuine_only else "cresci.csv")
    df.to_csv(path, index=False)
    return [str(path)], []


SETS = {
    "cresci2015_dev (genuine only)": ("cresci2015_dev", lambda f, t: cresci_export(
        f, t, genuine_only=True)),
    "cresci2015_dev": ("cresci2015_dev", lambda f, t: cresci_export(f, t, genuine_only=False)),
    "honeypot2011_dev_aligned": ("honeypot2011_dev_aligned", lambda f, t: (
        [str(f / "posts.parquet")], [str(f / "legitimate_users.csv"),
                                     str(f / "content_polluters.csv")])),
    "ira_dev": ("ira_dev", lambda f, t: ([str(f / "posts.parquet")], [str(f / "authors.csv")])),
    "kaggle_bots_profiles": ("kaggle_bots_profiles", lambda f, t: (
        [str(f / "posts.csv")], [str(f / "accounts.csv")])),
    "coortweet russian_coord_tweets": ("coortweet", lambda f, t: (
        [str(f / "russian_coord_tweets.parquet")], [])),
}


def run(name: str, root: Path, params: ScanParams) -> dict | None:
    folder_name, make = SETS[name]
    folder = root / folder_name
    if not folder.exists():
        print(f"{name}: skipped, {folder} not found")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        posts, accounts = make(folder, Path(tmp))
        start = time.perf_counter()
        data = read_dataset(posts, accounts=accounts)
        result = scan(data, params)
        seconds = time.perf_counter() - start
    figures: dict = {"posts": len(data.posts), "accounts": len(result.accounts),
                     "seconds": round(seconds, 1), "clusters": len(result.clusters),
                     "flagged_clusters": int(result.clusters["flagged"].sum())
                     if len(result.clusters) else 0,
                     "flagged_share": float(result.accounts["flagged"].mean())
                     if len(result.accounts) else 0.0}
    cal = result.manifest.get("calibration", {})
    per_copy = cal.get("null_max_per_copy", [])
    figures["null_strongest"] = max(per_copy) if per_copy else 0.0
    figures["null_passing_per_copy"] = max(
        [c["null_clusters_per_copy"] for c in cal.get("channels", {}).values()] or [0.0])
    figures["expected_false_flagged"] = cal.get("expected_false_flagged")
    labels_path = folder / "labels.csv"
    if labels_path.exists() and "coortweet" not in name:
        labels = pd.read_csv(labels_path, dtype=str, keep_default_na=False)
        ids = set(result.accounts["account_id"])
        if "genuine only" in name:
            labels = labels[labels["label"] == "genuine"]
        labels = labels[labels["account_id"].isin(ids) | (labels["label"] == "coordinated")]
        figures.update(evaluate(result.accounts, labels, group_column="source_label"))
    if name == "kaggle_bots_profiles":
        figures["profile_links"] = profile_links(result, pd.read_csv(
            labels_path, dtype=str, keep_default_na=False))
    return figures


def profile_links(result, labels: pd.DataFrame) -> dict[str, str]:
    """Per profile signal: reported edges between two genuine accounts / all its edges."""
    gen = set(labels.loc[labels["label"] == "genuine", "account_id"])
    e = result.edges
    out = {}
    for sig, g in e.groupby("signal"):
        both = g["account_a"].isin(gen) & g["account_b"].isin(gen)
        out[str(sig)] = f"{int(both.sum())} of {len(g)} reported edges link two genuine accounts"
    return out


KEYS = ["posts", "accounts", "seconds", "clusters", "flagged_clusters", "flagged_share", "auc",
        "average_precision", "precision", "recall", "false_positive_rate", "ari",
        "expected_false_flagged", "null_passing_per_copy", "null_strongest"]


def main() -> None:
    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--null-copies", type=int, default=None,
                        help="default: the scan's (auto, or astroturf.toml / environment)")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    # the scan's own precedence: astroturf.toml, then ASTROTURF_<SETTING> variables (e.g.
    # ASTROTURF_NEAR_DUP_BUCKET=300), then this script's flags
    try:  # a bad setting: the scan's one-line error, no traceback
        params = load_params(overrides={"null_copies": args.null_copies})
    except AstroturfError as err:
        print(f"Error: {err.render()}", file=sys.stderr)
        raise SystemExit(err.exit_code) from None
    for name in SETS:
        if args.only and not any(o in name for o in args.only):
            continue
        figures = run(name, Path(args.data), params)
        if figures is None:
            continue
        print(name)
        for key in KEYS:
            value = figures.get(key)
            if value is None:
                continue
            print(f"  {key:<24} {value:.3f}" if isinstance(value, float) else
                  f"  {key:<24} {value}")
        groups = figures.get("per_group") or {}
        if name == "ira_dev" and groups:
            print("  recall by category       " + ", ".join(
                f"{g} {v['flagged_share']:.2f}" for g, v in groups.items()))
        for sig, text in (figures.get("profile_links") or {}).items():
            print(f"  {sig:<24} {text}")
        np.seterr(all="ignore")


if __name__ == "__main__":
    main()
