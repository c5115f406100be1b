"""The hour-scale null of the windowed channels: posting the same key in the same hour is organic,
only minute-scale synchrony beyond it is evidence. Organic look-alikes and randomised copies stay
quiet; a minute-synchronised group does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from astroturf.schema import coerce_posts
from astroturf.signals.coactions import co_repost_edges, co_text_edges, run_windowed, scan_data
from astroturf.stats.nulls import configuration_null
from astroturf.stats.randomise import retime

T0 = pd.Timestamp("2024-05-01T00:00:00Z")
DAY = 86400.0
W, H = 60.0, 3600.0


def _background(rng: np.random.Generator, n_accounts: int = 400, n_posts: int = 4000) -> list:
    rows = []
    for _ in range(n_posts):
        acc = f"u{rng.integers(n_accounts):04d}"
        kind = str(rng.choice(["post", "repost"]))
        rows.append({"account_id": acc, "kind": kind, "sec": float(rng.uniform(0, 5 * DAY)),
                     "text": f"own words {rng.integers(1500)}" if kind == "post" else None,
                     "target_post_id": f"bg{rng.integers(800)}" if kind == "repost" else None})
    return rows


def _frame(rows: list) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["created_at"] = T0 + pd.to_timedelta(frame.pop("sec"), unit="s")
    frame["post_id"] = [f"p{i:06d}" for i in range(len(frame))]
    return coerce_posts(frame)


def _bonferroni(posts: pd.DataFrame) -> float:
    n = posts["account_id"].nunique()
    return 0.05 / (n * (n - 1) / 2)


def _group(edges: pd.DataFrame, prefix: str = "g") -> pd.DataFrame:
    return edges[edges["account_a"].str.startswith(prefix)
                 & edges["account_b"].str.startswith(prefix)]


@pytest.mark.parametrize("frac", [0.0, 1e-7])
def test_single_co_action_has_the_hour_scale_chance(frac: float) -> None:
    """Two posts d apart land within W of each other, when each moves uniformly inside its own
    hour, with probability (1 - d/H) (2W/H - (W/H)^2) for continuous times (``frac``: a tenth
    of a microsecond, no grid), and ((2k + 1) m - k (k + 1)) / m^2 instead of the second factor
    for times recorded to the second (m = H / 1 s points, k = W / 1 s): |dt| <= W then holds
    for 2k + 1 steps of the grid."""
    posts = _frame([{"account_id": "a", "text": "same words here", "sec": 100.0},
                    {"account_id": "b", "text": "same words here", "sec": 130.0 + frac},
                    {"account_id": "a", "text": "other words", "sec": 900.0}])
    edges = co_text_edges(posts)
    m, k = H, W
    in_bin = (2 * W / H - (W / H) ** 2) if frac else ((2 * k + 1) * m - k * (k + 1)) / m**2
    q = (1 - (30 + frac) / H) * in_bin
    assert edges["expected"].tolist() == pytest.approx([q], rel=1e-9)
    assert edges["p_value"].tolist() == pytest.approx([q], rel=1e-9)


def _planted_keys(rng: np.random.Generator, *, spread: float, n_keys: int = 20,
                  n_group: int = 8) -> pd.DataFrame:
    """Background, plus a group posting the same n_keys texts, each inside one clock hour,
    ``spread`` seconds apart at most; the group also posts ordinary texts."""
    rows = []
    for _ in range(2000):
        rows.append({"account_id": f"u{rng.integers(200):03d}", "kind": "post",
                     "text": f"own words {rng.integers(5000)}", "sec": rng.uniform(0, 10 * DAY)})
    for k in range(n_keys):
        hour = float(rng.integers(0, 10 * 24) * H)
        for g in range(n_group):
            rows.append({"account_id": f"g{g}", "kind": "post",
                         "text": f"talking point number {k} for today",
                         "sec": hour + rng.uniform(0, spread)})
    for g in range(n_group):
        for _ in range(20):
            rows.append({"account_id": f"g{g}", "kind": "post", "sec": rng.uniform(0, 10 * DAY),
                         "text": f"own words {rng.integers(5000)}"})
    return _frame(rows)


@pytest.mark.parametrize("seed", [0, 1])
def test_same_hour_at_random_minutes_is_not_evidence_minute_synchrony_is(seed):
    same_hour = _planted_keys(np.random.default_rng(seed), spread=H)
    edges = _group(co_text_edges(same_hour))
    assert len(edges) > 0  # chance co-posts within the minute do happen ...
    assert (edges["p_value"] >= _bonferroni(same_hour)).all()  # ... and are not evidence
    # as often as the null expects: every one of the 28 group pairs has about the same
    # expectation (same keys in the same hours), pairs without a chance co-post have no edge
    assert 0.5 < edges["n_events"].sum() / (28 * edges["expected"].mean()) < 2.0
    synced = _planted_keys(np.random.default_rng(seed), spread=30.0)
    edges = _group(co_text_edges(synced))
    assert len(edges) == 28 and (edges["n_events"] == 20).all()
    assert (edges["p_value"] < _bonferroni(synced)).all()


def test_viral_wave_and_share_button_not_significant():
    rng = np.random.default_rng(1)
    rows = _background(rng)
    wave_start = float(rng.uniform(0, 4 * DAY))
    for i in range(300):  # 300 accounts retweet one post within 30 minutes
        rows.append({"account_id": f"w{i:03d}", "kind": "repost", "target_post_id": "viral",
                     "sec": wave_start + float(rng.uniform(0, 1800))})
    for i in range(200):  # share-button text posted once by 200 accounts over 5 days
        rows.append({"account_id": f"s{i:03d}", "kind": "post",
                     "text": "I just signed the petition to save the park! https://x.org/p",
                     "sec": float(rng.uniform(0, 5 * DAY))})
    posts = _frame(rows)
    edges = pd.concat([co_repost_edges(posts), co_text_edges(posts)])
    assert len(_group(edges, "w")) > 0  # the wave does produce weak edges ...
    assert edges["p_value"].min() >= 1e-3  # ... but none looks significant


def _planted_posts(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = _background(rng)
    for k in range(10):  # planted group: 8 accounts, 10 texts each within 30 s
        t = float(rng.uniform(0, 5 * DAY))
        for g in range(8):
            rows.append({"account_id": f"g{g}", "kind": "post", "text": f"campaign line {k}",
                         "sec": t + float(rng.uniform(0, 30))})
    return _frame(rows)


def test_shuffled_own_times_give_no_bonferroni_survivor():
    posts = _planted_posts(2)
    cut = _bonferroni(posts)
    assert (co_text_edges(posts)["p_value"] < cut).sum() == 28  # 8 choose 2
    rng = np.random.default_rng(0)
    shuffled = posts.copy()
    by_account = posts.sort_values("account_id", kind="stable").index
    randomised = posts.assign(r=rng.random(len(posts))).sort_values(["account_id", "r"]).index
    shuffled.loc[by_account, "created_at"] = posts.loc[randomised, "created_at"].to_numpy()
    assert not shuffled["created_at"].equals(posts["created_at"])
    null = pd.concat([co_text_edges(shuffled), co_repost_edges(shuffled)])
    assert (null["p_value"] < cut).sum() == 0


@pytest.mark.parametrize("copy", range(3))
def test_hour_scale_null_copies_give_no_survivor(copy):
    posts = _planted_posts(3)
    sd = scan_data(posts)
    cut = _bonferroni(posts)
    real = run_windowed(sd, "co_text", window=W)
    assert (real.frame["p_value"] < cut).sum() == 28
    t = retime(sd.t, np.random.default_rng([7, copy]))
    assert ((t - sd.t) != 0).mean() > 0.99 and np.abs(t - sd.t).max() < H * 1e9
    for signal in ("co_text", "co_repost"):
        null = run_windowed(sd, signal, window=W, times=t, evidence=False)
        assert (null.frame["p_value"] < cut).sum() == 0
        assert len(null.ev_edge) == 0


def test_configuration_null_weighs_heavy_users_and_popular_keys_down():
    k_a, k_b = np.array([1, 1, 20]), np.array([1, 1, 20])
    expected, p = configuration_null(np.array([1, 2, 2]), k_a, k_b, pair_mass=200.0,
                                     n_stubs=1000.0)
    assert expected.tolist() == pytest.approx([2e-4, 2e-4, 0.08])
    assert p[0] == pytest.approx(1 - np.exp(-2e-4))
    assert p[1] < p[0] < p[2]  # more shared keys: stronger; heavy users: weaker
    more_mass, _ = configuration_null(np.array([1]), k_a[:1], k_b[:1], pair_mass=2000.0,
                                      n_stubs=1000.0)
    assert more_mass[0] > expected[0]  # popular keys raise every pair's expectation
    assert binom.sf(0, 1, 0.5) == 0.5  # (scipy sanity: sf(k - 1) is P(X >= k))
