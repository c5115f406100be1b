"""Full scans of the real labelled dev sets (slow; skipped when ../shared/data is absent).

These guard against regressions on real data; the figures themselves are reported by
benchmarks/eval_real.py and docs/evaluation.md. Bounds are loose on purpose: nothing is tuned
to these files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from astroturf.config import ScanParams
from astroturf.evaluate import evaluate
from astroturf.io import read_dataset
from astroturf.pipeline import scan

pytestmark = pytest.mark.slow
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_dataset(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"real dataset {name} not found at {path} (../shared/data is not beside "
                    "the project)")
    return path


def _scan(name: str, accounts: list[str]) -> dict:
    folder = shared_dataset(name)
    data = read_dataset([str(folder / "posts.parquet")],
                        accounts=[str(folder / a) for a in accounts])
    result = scan(data, ScanParams())
    labels = pd.read_csv(folder / "labels.csv", dtype=str, keep_default_na=False)
    return evaluate(result.accounts, labels)


def test_honeypot_genuine_accounts_rarely_flagged() -> None:
    figures = _scan("honeypot2011_dev_aligned", ["legitimate_users.csv", "content_polluters.csv"])
    assert figures["false_positive_rate"] <= 0.01
    assert figures["auc"] > 0.5


def test_ira_trolls_recalled() -> None:
    figures = _scan("ira_dev", ["authors.csv"])
    assert figures["recall"] >= 0.5
    assert figures["precision"] == 1.0


def _cresci_export(tmp_path: Path, *, genuine_only: bool) -> Path:
    folder = shared_dataset("cresci2015_dev")
    acc = pd.read_csv(folder / "accounts.csv", dtype=str, keep_default_na=False)
    lab = pd.read_csv(folder / "labels.csv", dtype=str)
    posts = pd.read_parquet(folder / "posts.parquet")
    if genuine_only:
        posts = posts[posts["user_id"].isin(set(lab.loc[lab["label"] == "genuine",
                                                        "account_id"]))]
    acc = acc.rename(columns={"uid": "user_id", "Screen Name": "screen_name", "Name": "name"})
    df = posts.rename(columns={"tid": "tweet_id", "time": "tweet_time", "tweet": "text"}).merge(
        acc[["user_id", "screen_name", "name"]], on="user_id", how="left")
    path = tmp_path / "cresci.csv"
    df.to_csv(path, index=False)
    return path


def test_cresci_genuine_users_are_not_accused(tmp_path: Path) -> None:
    """Real people's timelines (app posts, shared news, common names): at most 1 % flagged."""
    result = scan(read_dataset([str(_cresci_export(tmp_path, genuine_only=True))]), ScanParams())
    assert result.accounts["flagged"].mean() <= 0.01


def test_cresci_fakes_rank_above_genuine_and_flags_are_precise(tmp_path: Path) -> None:
    folder = shared_dataset("cresci2015_dev")
    result = scan(read_dataset([str(_cresci_export(tmp_path, genuine_only=False))]),
                  ScanParams())
    labels = pd.read_csv(folder / "labels.csv", dtype=str, keep_default_na=False)
    figures = evaluate(result.accounts, labels)
    assert figures["auc"] > 0.51  # the peers' level
    assert figures["false_positive_rate"] <= 0.01
    assert figures["precision"] is None or figures["precision"] >= 0.8
