"""Profile signals on ``astroturf.simulate`` output: planted profile-only groups are found,
organic look-alikes (sign-up bursts, boilerplate bios) are not, on several seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astroturf.schema import coerce_accounts, coerce_posts

simulate_mod = pytest.importorskip("astroturf.simulate")

ACCOUNT_MAP = {"account_created_at": "created_at", "profile_url": "url"}


def split_export(flat: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flat simulated export -> canonical (accounts, posts) (until the reader exists)."""
    acc = flat.drop_duplicates("account_id").drop(columns=["created_at"]).rename(
        columns=ACCOUNT_MAP)
    acc["created_at"] = pd.to_datetime(acc["created_at"], utc=True, format="ISO8601")
    posts = flat.assign(created_at=pd.to_datetime(flat["created_at"], utc=True, format="ISO8601"))
    return coerce_accounts(acc), coerce_posts(posts)


def _within_group(edges: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Best (smallest) p per account pair over all profile signals, for pairs in one group."""
    best = edges.groupby(["account_a", "account_b"], as_index=False)["p_value"].min()
    group = labels.set_index("account_id")["group"]
    kind = labels.set_index("account_id")["group_kind"]
    ga = group.reindex(best["account_a"]).to_numpy()
    gb = group.reindex(best["account_b"]).to_numpy()
    best["kind"] = kind.reindex(best["account_a"]).to_numpy()
    return best[(ga == gb) & (best["kind"] != "organic")]


@pytest.mark.parametrize("seed", [1, 2])
def test_profile_only_groups_found_lookalikes_not(seed):
    from astroturf.signals.bios import bio_similarity_edges
    from astroturf.signals.bursts import creation_burst_edges
    from astroturf.signals.handles import handle_pattern_edges

    sim = simulate_mod.simulate(n_accounts=1500, n_posts=8000, n_groups=2, seed=seed,
                                kinds=("profile_only", "boilerplate_bio", "signup_burst"))
    accounts, _ = split_export(sim.posts)
    full = {"max_p_value": 1.0}  # every pair, to compare p-values
    edges = pd.concat([creation_burst_edges(accounts, **full),
                       handle_pattern_edges(accounts, **full),
                       handle_pattern_edges(accounts, field="display_name", **full),
                       bio_similarity_edges(accounts, **full)], ignore_index=True)
    labels = sim.labels.astype({"account_id": "str"})
    pairs = _within_group(edges, labels)
    score = -np.log10(pairs["p_value"].clip(lower=1e-300))
    planted = (pairs["kind"] == "profile_only").to_numpy()
    looks = pairs["kind"].isin(["boilerplate_bio", "signup_burst"]).to_numpy()
    sizes = labels[labels["group_kind"] == "profile_only"].groupby("group").size()
    n_planted_pairs = int((sizes * (sizes - 1) // 2).sum())
    assert planted.sum() >= 0.9 * n_planted_pairs  # nearly every member pair has an edge
    assert looks.sum() > 0
    # planted member pairs carry much stronger evidence than pairs inside look-alike crowds
    assert np.median(score[planted]) > np.median(score[looks]) + 1
