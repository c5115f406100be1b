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
