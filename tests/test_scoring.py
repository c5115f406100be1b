"""assess(): flagged clusters, canonical ids, fixed-scale scores, computed reasons, determinism."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest

from astroturf.schema import ACCOUNT_OUT_COLUMNS, CLUSTER_OUT_COLUMNS, EDGE_COLUMNS
from astroturf.scoring import assess, evidence_to_score

N = 1500
IDS = [f"u{i:05d}" for i in range(N)]
T0 = pd.Timestamp("2024-03-01", tz="UTC")


def edges_of(rows: list[tuple[str, str, str, float, int]]) -> pd.DataFrame:
    e = pd.DataFrame(rows, columns=["account_a", "account_b", "signal", "p_value", "n_events"])
    e["weight"], e["expected"] = 1.0, 0.1
    e["evidence"] = "p" + e.index.astype(str) + ">q" + e.index.astype(str)
    e["first_seen"] = T0 + pd.to_timedelta(e.index % 97, unit="min")
    e["last_seen"] = e["first_seen"] + pd.Timedelta("30s")
    return e[EDGE_COLUMNS]


def clique(members, signal: str, p: float, n_events: int = 1) -> list[tuple]:
    return [(a, b, signal, p, n_events) for a, b in itertools.combinations(sorted(members), 2)]


def accounts_of(rng: np.random.Generator) -> pd.DataFrame:
    created = T0 - pd.to_timedelta(rng.uniform(100, 3000, N), unit="D")
    return pd.DataFrame({"account_id": IDS, "handle": [f"h_{i}" for i in IDS],
                         "created_at": created})


@pytest.fixture(scope="module")
def scenario():
    rng = np.random.default_rng(7)
    planted = IDS[:12]
    profile = IDS[12:20]
    repost_only = IDS[20:26]
    rows = clique(planted, "co_reply", 1e-7, n_events=4) + clique(planted, "bio_similar", 1e-4)
    rows += clique(profile, "creation_burst", 1e-4) + clique(profile, "handle_pattern", 1e-4)
    rows += clique(profile, "bio_similar", 1e-4)
    rows += clique(repost_only, "co_repost", 1e-12, n_events=9)
    for _ in range(10):  # viral waves: thousands of weak pairs
        rows += clique(rng.choice(IDS[30:], 35, replace=False), "co_repost", 1e-3)
    for a, b in rng.integers(30, N, (3000, 2)):  # chance pairs
        if a != b:
            rows.append((IDS[a], IDS[b], "co_hashtag", float(rng.uniform()), 1))
    accounts = accounts_of(rng)
    accounts.loc[12:19, "created_at"] = T0 - pd.Timedelta("40D") + pd.to_timedelta(
        np.arange(8) * 2, unit="h")
    feats = pd.DataFrame({"account_id": IDS, "account_age_days": rng.uniform(100, 3000, N),
                          "weekday_share": rng.uniform(0.5, 0.8, N)})
    feats.loc[:11, "weekday_share"] = 1.0
    edges = edges_of(rows).drop_duplicates(["account_a", "account_b", "signal"])
    return edges, accounts, feats, planted, profile, repost_only


@pytest.fixture(scope="module")
def result(scenario):
    edges, accounts, feats, *_ = scenario
    return assess(edges, accounts, features=feats)


def members(acc: pd.DataFrame, cid: str) -> list[str]:
    return sorted(acc.loc[acc["cluster_id"] == cid, "account_id"])


def test_planted_groups_flagged_waves_not(scenario, result):
    _, _, _, planted, profile, repost_only = scenario
    acc, clu, _ = result
    flagged = clu[clu["flagged"]]
    assert sorted(members(acc, c) for c in flagged["cluster_id"]) == sorted(
        [planted, profile, repost_only])
    assert set(acc.loc[acc["flagged"], "account_id"]) == set(planted + profile + repost_only)


def test_columns_ids_and_scores(result):
    acc, clu, edges_out = result
    assert list(acc.columns[:6]) == ACCOUNT_OUT_COLUMNS
    assert list(clu.columns[:6]) == CLUSTER_OUT_COLUMNS
    assert {"p_value", "q_value", "top_signal", "account_age_days"} <= set(acc.columns)
    assert len(acc) == N and acc["account_id"].is_unique
    assert clu["cluster_id"].tolist() == [str(i) for i in range(1, len(clu) + 1)]
    key = list(zip(~clu["flagged"], -clu["size"], strict=True))
    assert key == sorted(key)  # flagged first, then larger first
    for s in (acc["score"], clu["score"]):
        assert s.between(0, 1).all()
    assert (acc.loc[acc["flagged"], "score"] >= 0.5).all()
    assert acc["score"].iloc[0] == acc["score"].max()
    no_edge = ~acc["account_id"].isin(pd.concat([edges_out["account_a"],
                                                 edges_out["account_b"]]))
    assert no_edge.any()
    assert list(edges_out.columns) == [*EDGE_COLUMNS, "q_value", "cluster_id"]


def test_reasons_are_computed(scenario, result):
    edges, _, _, planted, profile, repost_only = scenario
    acc, clu, _ = result
    by_members = {tuple(members(acc, c)): r for c, r in zip(clu["cluster_id"], clu["reasons"],
                                                             strict=True)}
    r_planted = by_members[tuple(planted)]
    n_replies = edges.loc[(edges["signal"] == "co_reply"), "n_events"].sum()
    assert f"{len(planted)} accounts" in r_planted
    assert f"{n_replies} co-replies within 60 s among 12 accounts (66 pairs)" in r_planted
    assert "12 bios near-duplicate" in r_planted
    assert "100% of posts on weekdays" in r_planted
    assert re.search(r"cluster p=\d+e-\d+, q=\d+e-\d+", r_planted)
    r_profile = by_members[tuple(profile)]
    assert re.search(r"8 of 8 created within 24 h .*\(p=\d+e-\d+\)", r_profile)
    assert "8 handles share a pattern" in r_profile and "8 bios near-duplicate" in r_profile
    assert "single channel" not in r_profile
    r_single = by_members[tuple(repost_only)]
    assert "single channel: co_repost" in r_single
    assert f"{9 * 15} co-reposts" in r_single
    one = acc.set_index("account_id").loc[planted[0], "reasons"]
    assert one.startswith("cluster ") and "strongest link: h_" in one


def test_identical_output_for_any_row_order(scenario, result):
    edges, accounts, feats, *_ = scenario
    again = assess(edges.sample(frac=1, random_state=11),
                   accounts.sample(frac=1, random_state=12),
                   features=feats.sample(frac=1, random_state=13))
    for x, y in zip(result, again, strict=True):
        assert x.to_csv(index=False) == y.to_csv(index=False)


def test_score_scale_is_fixed_and_monotone():
    s = evidence_to_score(np.array([-np.inf, -5, 0, -np.log10(0.05), 3, 40, 400]))
    assert s[0] == 0 and s[3] == pytest.approx(0.5)
    assert np.all(np.diff(s) > 0) and s[-1] < 1


def test_no_edges():
    acc_in = pd.DataFrame({"account_id": ["b", "a"], "handle": ["B", None]})
    acc, clu, e = assess(edges_of([]), acc_in)
    assert acc["account_id"].tolist() == ["a", "b"] and (acc["score"] == 0).all()
    assert not acc["flagged"].any() and len(clu) == 0 and len(e) == 0
    assert acc["handle"].tolist() == ["a", "B"]


# --- calibration on simulated exports (needs astroturf.simulate, io and pipeline) -------------

SYNC_SIGNALS = "co_repost,co_reply,co_url,co_hashtag,co_text"


def scan_simulation(tmp_path, seed: int, *, shuffle: bool, signals: str = "all"):
    from astroturf.config import ScanParams
    from astroturf.io import read_dataset
    from astroturf.pipeline import scan
    from astroturf.simulate import SimulatedExport, shuffle_times, simulate, write_export

    sim = simulate(n_accounts=300, n_posts=1500, n_groups=3, group_size=(6, 10), seed=seed)
    if shuffle:
        sim = SimulatedExport(posts=shuffle_times(sim.posts, seed=seed), labels=sim.labels)
    paths = write_export(sim, tmp_path / f"sim{seed}")
    result = scan(read_dataset([str(paths[0])]), ScanParams(seed=seed, signals=signals))
    return result, sim.labels


def shuffled_flags(tmp_path, seeds) -> int:
    """Seeds whose time-shuffled simulation flags any cluster on the synchrony signals.

    Shuffling each account's times among its own posts destroys synchrony only; texts,
    templates and profiles are untouched (a campaign's copied bios are still real evidence),
    and so are the minute-level coincidences of 'lockstep' (the shuffle keeps each account's
    set of times), so the null is tested on the signals that content synchrony drives.
    """
    hits = 0
    for seed in seeds:
        result, _ = scan_simulation(tmp_path, seed, shuffle=True, signals=SYNC_SIGNALS)
        hits += bool(result.clusters["flagged"].astype(bool).any())
    return hits


def test_calibration_fast(tmp_path):
    assert shuffled_flags(tmp_path, range(3)) == 0
    result, labels = scan_simulation(tmp_path, 0, shuffle=False)
    flagged = set(result.accounts.loc[result.accounts["flagged"].astype(bool), "account_id"])
    planted = labels.loc[labels["label"] == "coordinated", "account_id"]
    assert planted.isin(flagged).mean() >= 0.8


@pytest.mark.slow
def test_calibration_100_seeds(tmp_path):
    assert shuffled_flags(tmp_path, range(100)) <= 5
