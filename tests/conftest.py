"""Shared fixtures: the committed sample and small simulated exports."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "sample.csv"
SAMPLE_LABELS = ROOT / "data" / "samples" / "labels.csv"


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_labels_path() -> Path:
    return SAMPLE_LABELS

