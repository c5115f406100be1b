"""End to end: planted campaigns are found, organic look-alikes are not (several seeds)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from astroturf.config import ScanParams
from astroturf.io import read_dataset
from astroturf.pipeline import scan
from astroturf.simulate import simulate, write_export

LOOKALIKES = ("viral_wave", "share_button", "boilerplate_bio", "signup_burst", "fan_community",
              "app_users", "common_names")


def _scan_sim(tmp_path: Path, seed: int, *, n_groups: int = 6,
              signals: str = "all") -> tuple[pd.DataFrame, pd.DataFrame]:
    sim = simulate(n_accounts=1200, n_posts=12000, n_groups=n_groups, seed=seed)
    write_export(sim, tmp_path, fmt="csv")
    export = next(p for p in tmp_path.iterdir() if p.name.startswith("export"))
    result = scan(read_dataset([str(export)]), ScanParams(seed=0, signals=signals))
    merged = sim.labels.merge(result.accounts[["account_id", "flagged", "score", "cluster_id"]],
                              on="account_id", how="left")
    merged["flagged"] = merged["flagged"].fillna(False).astype(bool)
    return merged, result.clusters


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_groups_found_lookalikes_not(tmp_path: Path, seed: int) -> None:
    merged, _ = _scan_sim(tmp_path, seed)
    planted = merged[merged["label"] == "coordinated"]
    assert len(planted), "simulation planted no group"
    recall = planted.groupby("group")["flagged"].mean()
    missed = recall[recall < 0.5]
    assert missed.empty, f"planted groups found at < 50%: {missed.to_dict()}"
    looks = merged[merged["group_kind"].isin(LOOKALIKES)]
    assert len(looks)
    assert looks["flagged"].mean() <= 0.02, looks.groupby("group_kind")["flagged"].mean()
    genuine = merged[merged["label"] == "genuine"]
    assert genuine["flagged"].mean() <= 0.01


def test_randomised_copy_flags_nothing(tmp_path: Path) -> None:
    """The same export with coordination destroyed (stats.randomise.randomised_dataset: times
    moved inside their hour, contents dealt out again, profiles permuted per family) keeps
    volume, hour-scale rhythm, popularity and profile values: nothing may be flagged."""
    from astroturf.stats.randomise import randomised_dataset

    sim = simulate(n_accounts=1200, n_posts=12000, n_groups=6, seed=4)
    write_export(sim, tmp_path, fmt="csv")
    export = next(p for p in tmp_path.iterdir() if p.name.startswith("export"))
    null = randomised_dataset(read_dataset([str(export)]), seed=4)
    result = scan(null, ScanParams(seed=0))
    assert not result.clusters["flagged"].any()
    assert not result.accounts["flagged"].any()
