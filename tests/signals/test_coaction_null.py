"""Null model of the co-action channels: organic look-alikes and shuffled times stay quiet."""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.schema import coerce_posts
from astroturf.signals.coaction import coaction_edges
from astroturf.signals.coactions import co_repost_edges, co_text_edges

T0 = pd.Timestamp("2024-05-01T00:00:00Z")
DAY = 86400.0


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
    assert len(edges) > 0  # the wave does produce weak edges ...
    assert edges["p_value"].min() >= 1e-6  # ... but none looks significant


def test_shuffled_times_give_no_bonferroni_survivor():
    rng = np.random.default_rng(2)
    rows = _background(rng)
    for k in range(10):  # planted group: 8 accounts, 10 texts each within 30 s
        t = float(rng.uniform(0, 5 * DAY))
        for g in range(8):
            rows.append({"account_id": f"g{g}", "kind": "post", "text": f"campaign line {k}",
                         "sec": t + float(rng.uniform(0, 30))})
    posts = _frame(rows)
    n = posts["account_id"].nunique()
    bonferroni = 0.05 / (n * (n - 1) / 2)
    planted = co_text_edges(posts)
    assert (planted["p_value"] < bonferroni).sum() == 28  # 8 choose 2
    # shuffle each account's timestamps among its own posts
    shuffled = posts.copy()
    by_account = posts.sort_values("account_id", kind="stable").index
    randomised = posts.assign(r=rng.random(len(posts))).sort_values(["account_id", "r"]).index
    shuffled.loc[by_account, "created_at"] = posts.loc[randomised, "created_at"].to_numpy()
    assert not shuffled["created_at"].equals(posts["created_at"])
    null_edges = pd.concat([co_text_edges(shuffled), co_repost_edges(shuffled)])
    assert (null_edges["p_value"] < bonferroni).sum() == 0


def test_hot_key_fanout_bounded_but_small_group_inside_found():
    rng = np.random.default_rng(3)
    n_wave = 1500
    key = ["viral"] * n_wave
    acc = [f"w{i:04d}" for i in range(n_wave)]
    sec = list(rng.uniform(0, 3600, n_wave))
    actions = pd.DataFrame({"key": key, "account_id": acc, "post_id": [f"p{i}" for i in
                                                                       range(n_wave)],
                            "created_at": T0 + pd.to_timedelta(sec, unit="s")})
    edges = coaction_edges(actions, signal="co_repost", window=60.0, max_key_accounts=1000,
                           max_fanout=10)
    degree = pd.concat([edges["account_a"], edges["account_b"]]).value_counts()
    assert degree.max() <= 20  # at most 2 * max_fanout neighbours per action
    assert edges["weight"].max() < 1.0  # popularity discount applies on the hot key
