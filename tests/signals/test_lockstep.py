"""Lockstep signal: brute-force parity, planted lock-step group, same-hours organic null,
determinism, evidence, empty input."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from astroturf.errors import UsageError
from astroturf.schema import EDGE_COLUMNS, coerce_posts, empty_edges
from astroturf.signals.lockstep import lockstep_edges

T0 = pd.Timestamp("2024-03-04T00:00:00Z")  # a Monday
DAY = 86400.0


def make_posts(accounts: list[str], secs: list[float]) -> pd.DataFrame:
    frame = pd.DataFrame({"account_id": accounts,
                          "created_at": T0 + pd.to_timedelta(np.asarray(secs), unit="s")})
    frame["post_id"] = [f"p{i:05d}" for i in range(len(frame))]
    frame["text"] = "x"
    return coerce_posts(frame)


def all_pairs(accounts) -> pd.DataFrame:
    """Candidate edges: every pair (as if every pair had co-acted once)."""
    pairs = list(combinations(sorted(set(accounts)), 2))
    return pd.DataFrame({"account_a": [a for a, _ in pairs], "account_b": [b for _, b in pairs],
                         "signal": "co_hashtag"})


def waking_times(rng: np.random.Generator, n: int, days: int = 30) -> np.ndarray:
    """n times on random days between 08:00 and 23:00 UTC."""
    return rng.integers(0, days, n) * DAY + rng.uniform(8 * 3600, 23 * 3600, n)


def planted_posts(seed: int = 0) -> pd.DataFrame:
    """40 organic accounts; 6 accounts that post within 40 s of each other 30 times in a
    month and otherwise post like everybody else."""
    rng = np.random.default_rng(seed)
    acc: list[str] = []
    sec: list[float] = []
    for i in range(40):
        acc += [f"o{i:02d}"] * 60
        sec += waking_times(rng, 60).tolist()
    events = waking_times(rng, 30)
    for g in range(6):
        acc += [f"g{g}"] * 60
        sec += (events + rng.uniform(0, 40, 30)).tolist() + waking_times(rng, 30).tolist()
    return make_posts(acc, sec)


def bonferroni(posts: pd.DataFrame) -> float:
    n = posts["account_id"].nunique()
    return 0.05 / (n * (n - 1) / 2)


def brute_force(posts: pd.DataFrame, window: float) -> dict[tuple[str, str], tuple[int, ...]]:
    """(a, b) -> (n_events, first_seen ns, last_seen ns) by explicit loops."""
    t = {a: g["created_at"].astype("int64").to_numpy() for a, g in posts.groupby("account_id")}
    out = {}
    w = int(window * 1e9)
    for a, b in combinations(sorted(t), 2):
        close = np.abs(t[a][:, None] - t[b][None, :]) <= w
        if close.any():
            ia, ib = np.nonzero(close)
            times = np.r_[t[a][ia], t[b][ib]]
            n = min(close.any(axis=1).sum(), close.any(axis=0).sum())
            out[(a, b)] = (int(n), int(times.min()), int(times.max()))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 300
    acc = [f"a{i}" for i in rng.integers(0, 12, n)]
    sec = np.round(rng.uniform(0, 3 * 3600, n)).tolist()  # whole seconds: no boundary rounding
    posts = make_posts(acc, sec)
    edges = lockstep_edges(posts, all_pairs(acc), window=60.0)
    ref = brute_force(posts, 60.0)
    got = {(r.account_a, r.account_b): (r.n_events, r.first_seen.value, r.last_seen.value)
           for r in edges.itertuples(index=False)}
    assert got == ref
    assert (edges["weight"] == edges["n_events"]).all()


def test_planted_lockstep_group_is_significant_others_not():
    posts = planted_posts()
    edges = lockstep_edges(posts, all_pairs(posts["account_id"]))
    group = edges["account_a"].str.startswith("g") & edges["account_b"].str.startswith("g")
    assert group.sum() == 15
    cut = bonferroni(posts)
    assert (edges.loc[group, "p_value"] < cut).all()
    assert (edges.loc[group, "p_value"] < 1e-12).all()
    assert (edges.loc[group, "n_events"] >= 28).all()
    assert (edges.loc[~group, "p_value"] >= cut).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_office_hours_at_random_minutes_is_not_evidence(seed):
    """Everybody active 09-17 UTC on weekdays only, many posts: same hours, random minutes."""
    rng = np.random.default_rng(seed)
    acc: list[str] = []
    sec: list[float] = []
    weekdays = np.array([d for d in range(28) if d % 7 < 5])
    for i in range(30):
        acc += [f"w{i:02d}"] * 300
        sec += (rng.choice(weekdays, 300) * DAY
                + rng.uniform(9 * 3600, 17 * 3600, 300)).tolist()
    posts = make_posts(acc, sec)
    edges = lockstep_edges(posts, all_pairs(acc))
    assert len(edges) == 30 * 29 // 2  # every pair co-occurs by chance, none significantly
    assert (edges["p_value"] >= bonferroni(posts)).all()
    # no selection (all pairs present): the null's expectation matches the chance count
    assert 0.7 < edges["n_events"].sum() / edges["expected"].sum() < 1.3


def test_same_one_hour_sessions_are_not_evidence():
    """Everybody posts only inside the same 20:00-21:00 slot (a live show), random minutes.

    Activity confined to slots about H long makes |dt| pile up near 0 (a triangle, twice the
    uniform density at 0): the null's shell extrapolation must absorb that.
    """
    rng = np.random.default_rng(5)
    acc: list[str] = []
    sec: list[float] = []
    for i in range(30):
        acc += [f"v{i:02d}"] * 100
        sec += (rng.integers(0, 20, 100) * DAY + 20 * 3600 + rng.uniform(0, 3600, 100)).tolist()
    posts = make_posts(acc, sec)
    edges = lockstep_edges(posts, all_pairs(acc))
    assert len(edges) == 30 * 29 // 2
    assert (edges["p_value"] >= bonferroni(posts)).all()
    assert 0.8 < edges["n_events"].sum() / edges["expected"].sum() < 1.2


def test_only_candidate_pairs_are_tested():
    posts = planted_posts()
    cand = pd.DataFrame({"account_a": ["g1", "g0", "o01", "zz"], "account_b": ["g0", "g1", "g2",
                         "g0"], "signal": ["co_url", "co_text", "co_url", "co_url"]})
    edges = lockstep_edges(posts, cand)
    assert set(zip(edges["account_a"], edges["account_b"], strict=True)) <= {("g0", "g1"),
                                                                             ("g2", "o01")}
    assert ("g0", "g1") in set(zip(edges["account_a"], edges["account_b"], strict=True))


def test_conformance_shuffle_evidence_empty():
    posts = planted_posts(seed=3)
    cand = all_pairs(posts["account_id"])
    before = posts.copy()
    edges = lockstep_edges(posts, cand, max_evidence=5)
    pd.testing.assert_frame_equal(posts, before)
    assert list(edges.columns) == EDGE_COLUMNS
    assert (edges["signal"] == "lockstep").all()
    shuffled = posts.sample(frac=1.0, random_state=7).reset_index(drop=True)
    cand_shuffled = cand.sample(frac=1.0, random_state=8).rename(
        columns={"account_a": "account_b", "account_b": "account_a"})
    pd.testing.assert_frame_equal(lockstep_edges(shuffled, cand_shuffled, max_evidence=5), edges)
    owner = posts.set_index("post_id")["account_id"]
    when = posts.set_index("post_id")["created_at"]
    for a, b, n, ev in edges[["account_a", "account_b", "n_events", "evidence"]].itertuples(
            index=False):
        items = ev.split(" ")
        assert min(5, n) <= len(items) <= 5
        for item in items:
            pa, pb = item.split(">")
            assert owner[pa] == a and owner[pb] == b
            assert abs((when[pa] - when[pb]).total_seconds()) <= 60
    pd.testing.assert_frame_equal(lockstep_edges(posts.iloc[0:0], cand), empty_edges())
    pd.testing.assert_frame_equal(lockstep_edges(posts, cand.iloc[0:0]), empty_edges())


def test_window_must_be_below_bandwidth():
    posts = planted_posts()
    with pytest.raises(UsageError):
        lockstep_edges(posts, all_pairs(posts["account_id"]), window=60, bandwidth=100)
