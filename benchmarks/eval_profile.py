"""Account-level AUC of a profile-only score on the real honeypot 2011 (aligned) data.

Score per account = -log10 of the smallest p-value among its profile edges (0 when it has none).
Only creation times and post times exist in this source (no handles, bios or clients), so the
profile signals that can run are creation_burst and rhythm. Defaults only: nothing is tuned here.

    PYTHONPATH=src python benchmarks/eval_profile.py [DATA_DIR]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from astroturf.schema import coerce_accounts, coerce_posts
from astroturf.signals.bursts import creation_burst_edges
from astroturf.signals.features import profile_signal_availability
from astroturf.signals.rhythm import rhythm_edges

DEFAULT = Path("/work/shared/data/honeypot2011_dev_aligned")


def load(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    frames = [pd.read_csv(folder / name, dtype=str)
              for name in ("content_polluters.csv", "legitimate_users.csv")]
    raw = pd.concat(frames, ignore_index=True)
    accounts = coerce_accounts(pd.DataFrame({
        "account_id": raw["UserID"],
        "created_at": pd.to_datetime(raw["CreatedAt"], utc=True, format="%Y-%m-%d %H:%M:%S"),
        "followers": raw["NumberOfFollowers"], "following": raw["NumerOfFollowings"],
        "posts_count": raw["NumberOfTweets"]}))
    p = pd.read_parquet(folder / "posts.parquet")
    posts = coerce_posts(pd.DataFrame({
        "post_id": "p" + pd.Series(np.arange(len(p))).astype(str),
        "account_id": p["user_id"].astype(str),
        "created_at": pd.to_datetime(p["time"], utc=True, format="%Y-%m-%d %H:%M:%S"),
        "text": p["tweet"]}))
    labels = pd.read_csv(folder / "labels.csv", dtype=str).set_index("account_id")["label"]
    return accounts, posts, (labels == "coordinated").astype(int)


def score(edges: pd.DataFrame, ids: pd.Index) -> pd.Series:
    both = pd.concat([edges[["account_a", "p_value"]].rename(columns={"account_a": "id"}),
                      edges[["account_b", "p_value"]].rename(columns={"account_b": "id"})])
    best = both.groupby("id")["p_value"].min().reindex(ids, fill_value=1.0)
    return -np.log10(best.clip(lower=1e-300))


def main(folder: Path) -> int:
    if not (folder / "labels.csv").exists():
        print(f"skipped: {folder} not found (honeypot2011_dev_aligned data is not available)")
        return 0
    accounts, posts, y = load(folder)
    ids = y.index
    print(f"honeypot2011_dev_aligned: {len(ids)} accounts ({int(y.sum())} coordinated), "
          f"{len(posts)} posts")
    for name, why in profile_signal_availability(posts, accounts).items():
        print(f"  {name:15s} {'available' if why is None else 'skipped: ' + why}")
    runs = {"creation_burst": lambda: creation_burst_edges(accounts),
            "rhythm": lambda: rhythm_edges(posts),
            "rhythm(min_posts=5, not default)": lambda: rhythm_edges(posts, min_posts=5)}
    scores = {}
    for name, run in runs.items():
        t0 = time.perf_counter()
        edges = run()
        dt = time.perf_counter() - t0
        scores[name] = score(edges, ids)
        auc = roc_auc_score(y, scores[name]) if len(edges) else float("nan")
        print(f"{name:34s} edges={len(edges):7d} accounts_with_edge="
              f"{int((scores[name] > 0).sum()):6d} AUC={auc:.3f} ({dt:.1f} s)")
    combined = scores["creation_burst"] + scores["rhythm"]
    print(f"{'profile score (burst + rhythm)':34s} AUC={roc_auc_score(y, combined):.3f}")
    created = accounts.set_index("account_id")["created_at"].reindex(ids)
    base = roc_auc_score(y, created.astype("int64"))
    print(f"{'reference: creation date alone':34s} AUC={base:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
