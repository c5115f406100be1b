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



HOSTILE_BIO = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>"


@pytest.fixture(scope="session")
def hostile_bio() -> str:
    """The bio planted in ``small_scan``: HTML that would run if the report did not escape it."""
    return HOSTILE_BIO


@pytest.fixture(scope="session")
def small_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Outputs of `astroturf scan` (CLI, report included) on a small simulated export: an
    ambassador group answering critics and a repost ring are planted; one ambassador's bio is
    hostile HTML. The export is ``export.csv`` beside the returned directory."""
    from click.testing import CliRunner

    from astroturf.cli import main
    from astroturf.simulate import simulate

    root = tmp_path_factory.mktemp("small_scan")
    sim = simulate(n_accounts=300, n_posts=3000, n_groups=2, group_size=(6, 9), seed=3,
                   kinds=("templated_replies", "retweet_ring", "viral_wave"))
    labels = sim.labels
    victim = labels.loc[labels["group_kind"] == "templated_replies", "account_id"].iloc[0]
    sim.posts.loc[sim.posts["account_id"] == victim, "bio"] = HOSTILE_BIO
    sim.posts.to_csv(root / "export.csv", index=False)
    result = CliRunner().invoke(main, ["scan", str(root / "export.csv"), "-o", str(root / "out"),
                                       "-q"])
    assert result.exit_code == 0, result.output
    return root / "out"
