"""Shared fixtures: the committed sample and small simulated exports."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "sample.csv"
SAMPLE_LABELS = ROOT / "data" / "samples" / "labels.csv"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_labels_path() -> Path:
    return SAMPLE_LABELS


def shared_dataset(name: str) -> Path:
    """Path of a real dataset in ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"real dataset {name} not found at {path} (../shared/data is not beside "
                    "the project)")
    return path
