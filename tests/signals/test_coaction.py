"""Co-action kernel: brute-force parity, window semantics, determinism, evidence, null model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astroturf.schema import EDGE_COLUMNS, coerce_posts, empty_edges
from astroturf.signals.coaction import coaction_edges
from astroturf.signals.coactions import (
    co_hashtag_edges,
    co_reply_edges,
    co_repost_edges,
    co_text_edges,
    co_url_edges,
)

T0 = pd.Timestamp("2024-03-01T12:00:00Z")
SIGNALS = [co_text_edges, co_repost_edges, co_url_edges, co_reply_edges, co_hashtag_edges]


def make_posts(rows: list[dict]) -> pd.DataFrame:
    """Canonical posts from dicts with 'sec' (seconds after T0) instead of created_at."""
    frame = pd.DataFrame(rows)
    frame["created_at"] = T0 + pd.to_timedelta(frame.pop("sec"), unit="s")
    if "post_id" not in frame:
        frame["post_id"] = [f"p{i:04d}" for i in range(len(frame))]
    return coerce_posts(frame)


def brute_force(actions: pd.DataFrame, window: float) -> pd.DataFrame:
    """All pairs per key with |dt| <= window; per (pair, key) min of distinct posts each side.

    Below the hot-key threshold weight and n_events are both the sum of those minima.
    """
    rows = []
    for key, grp in actions.groupby("key"):
        recs = grp.to_dict("records")
        per: dict[tuple[str, str], tuple[set, set, list]] = {}
        for x in recs:
            for y in recs:
                if x["account_id"] >= y["account_id"]:
                    continue
                dt = abs((x["created_at"] - y["created_at"]).total_seconds())
                if dt <= window:
                    sa, sb, ts = per.setdefault((x["account_id"], y["account_id"]),
                                                (set(), set(), []))
                    sa.add(x["post_id"])
                    sb.add(y["post_id"])
                    ts += [x["created_at"], y["created_at"]]
        for (a, b), (sa, sb, ts) in per.items():
            rows.append((a, b, key, min(len(sa), len(sb)), min(ts), max(ts)))
    if not rows:
        return pd.DataFrame(columns=["account_a", "account_b", "weight", "n_events"])
    df = pd.DataFrame(rows, columns=["account_a", "account_b", "key", "w", "first", "last"])
    out = df.groupby(["account_a", "account_b"], sort=True).agg(
        weight=("w", "sum"), n_events=("w", "sum"), first=("first", "min"),
        last=("last", "max")).reset_index()
    return out


action_rows = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(0, 200)),
    min_size=0, max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(action_rows, st.sampled_from([0.0, 10.0, 30.0, 60.0]))
def test_sweep_equals_brute_force(rows, window):
    actions = pd.DataFrame({
        "key": [f"k{k}" for k, _, _ in rows],
        "account_id": [f"a{a}" for _, a, _ in rows],
        "post_id": [f"p{i}" for i in range(len(rows))],
        "created_at": [T0 + pd.Timedelta(seconds=s) for _, _, s in rows],
    })
    got = coaction_edges(actions, signal="t", window=window, max_key_accounts=1000)
    ref = brute_force(actions, window) if len(rows) else pd.DataFrame()
    assert len(got) == len(ref)
    if len(ref):
        assert got["account_a"].tolist() == ref["account_a"].tolist()
        assert got["account_b"].tolist() == ref["account_b"].tolist()
        np.testing.assert_allclose(got["weight"].to_numpy(), ref["weight"].to_numpy(float))
        assert got["n_events"].tolist() == ref["n_events"].tolist()
        assert (got["first_seen"] == pd.to_datetime(ref["first"], utc=True)).all()
        assert (got["last_seen"] == pd.to_datetime(ref["last"], utc=True)).all()


def test_window_is_inclusive():
    posts = make_posts([
        {"account_id": "a", "text": "Vote for X today", "sec": 0},
        {"account_id": "b", "text": "vote for x today", "sec": 60},
        {"account_id": "c", "text": "Another message", "sec": 0},
        {"account_id": "d", "text": "another   MESSAGE", "sec": 60.001},
    ])
    edges = co_text_edges(posts, window=60.0)
    pairs = set(zip(edges["account_a"], edges["account_b"], strict=True))
    assert pairs == {("a", "b")}


def test_repeated_self_posts_count_once():
    posts = make_posts(
        [{"account_id": "a", "text": "same words here", "sec": s} for s in (0, 5, 10, 15)]
        + [{"account_id": "b", "text": "same words here", "sec": 7}])
    edges = co_text_edges(posts)
    assert len(edges) == 1
    assert edges.loc[0, "weight"] == 1.0
    assert edges.loc[0, "n_events"] == 1


def _campaign_posts(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    # background: 150 accounts, random texts/targets/urls over 3 days
    for i in range(1260):  # background; the planted accounts also post ordinary content
        acc = f"u{rng.integers(150):03d}" if i < 1200 else f"g{i % 6}"
        rows.append({"account_id": acc, "text": f"my own thought number {rng.integers(400)}",
                     "kind": "post", "urls": f"https://site{rng.integers(300)}.org/x",
                     "hashtags": f"t{rng.integers(40)} t{rng.integers(40)}",
                     "sec": float(rng.uniform(0, 3 * 86400))})
        rows.append({"account_id": acc, "kind": str(rng.choice(["repost", "reply"])),
                     "target_post_id": f"bg{rng.integers(300)}",
                     "sec": float(rng.uniform(0, 3 * 86400))})
    # planted group: 6 accounts, 8 talking points, each posted by all within ~20 s
    for k in range(8):
        t = float(rng.uniform(0, 3 * 86400))
        for g in range(6):
            rows.append({"account_id": f"g{g}", "text": f"Talking point {k}: support the bill!",
                         "kind": "post", "urls": f"https://www.campaign.org/p{k}?utm_source=g{g}",
                         "hashtags": f"billnow point{k}", "sec": t + float(rng.uniform(0, 20))})
    # repost/reply actions
    for k in range(8):
        t = float(rng.uniform(0, 3 * 86400))
        for g in range(6):
            for kind in ("repost", "reply"):
                rows.append({"account_id": f"g{g}", "text": None, "kind": kind,
                             "target_post_id": f"target{k}", "sec": t + float(rng.uniform(0, 30))})
    return make_posts(rows)


@pytest.mark.parametrize("fn", SIGNALS)
def test_conformance(fn):
    posts = _campaign_posts()
    before = posts.copy()
    edges = fn(posts)
    pd.testing.assert_frame_equal(posts, before)  # not mutated
    assert list(edges.columns) == EDGE_COLUMNS
    assert len(edges) > 0
    shuffled = posts.sample(frac=1.0, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(fn(shuffled), edges)
    owner = dict(zip(posts["post_id"], posts["account_id"], strict=True))
    for a, b, ev in edges[["account_a", "account_b", "evidence"]].itertuples(index=False):
        items = ev.split(" ")
        assert 1 <= len(items) <= 20
        for item in items:
            pa, pb = item.split(">")
            assert owner[pa] == a and owner[pb] == b
    empty = fn(posts.iloc[0:0])
    pd.testing.assert_frame_equal(empty, empty_edges())


@pytest.mark.parametrize("fn", SIGNALS)
def test_planted_group_is_significant(fn):
    posts = _campaign_posts()
    edges = fn(posts)
    group = edges[edges["account_a"].str.startswith("g") & edges["account_b"].str.startswith("g")]
    assert len(group) == 15  # all pairs of the 6 planted accounts
    n_accounts = posts["account_id"].nunique()
    bonferroni = 0.05 / (n_accounts * (n_accounts - 1) / 2)
    assert (group["p_value"] < bonferroni).all()
    others = edges.drop(group.index)
    assert (others["p_value"] >= bonferroni).all()


def test_url_normalisation_and_empty_cells():
    posts = make_posts([
        {"account_id": "a", "urls": "https://WWW.Example.com/a?utm_source=x", "sec": 0},
        {"account_id": "b", "urls": "http://example.com/a#top", "sec": 10},
        {"account_id": "c", "urls": "", "sec": 5},
        {"account_id": "d", "urls": None, "sec": 5},
    ])
    edges = co_url_edges(posts)
    assert list(zip(edges["account_a"], edges["account_b"], strict=True)) == [("a", "b")]


def test_hashtag_set_order_insensitive_and_min():
    posts = make_posts([
        {"account_id": "a", "hashtags": "x y", "sec": 0},
        {"account_id": "b", "hashtags": "y x x", "sec": 1},
        {"account_id": "c", "hashtags": "x", "sec": 1},
        {"account_id": "d", "hashtags": "x", "sec": 2},
    ])
    edges = co_hashtag_edges(posts)
    assert list(zip(edges["account_a"], edges["account_b"], strict=True)) == [("a", "b")]


def test_reposts_excluded_from_same_text():
    posts = make_posts([
        {"account_id": "a", "text": "hello there friends", "kind": "repost", "sec": 0},
        {"account_id": "b", "text": "hello there friends", "kind": "repost", "sec": 1},
    ])
    assert len(co_text_edges(posts)) == 0
