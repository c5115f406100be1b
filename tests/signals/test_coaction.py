"""Windowed co-action signals end to end: brute-force parity on posts, window semantics, keys of
each channel, a planted group found, hot keys bounded. (Shared conformance: test_conformance.py;
the kernel alone: tests/kernels/test_sweep.py.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astroturf.schema import coerce_posts
from astroturf.signals.coactions import (
    co_hashtag_edges,
    co_reply_edges,
    co_repost_edges,
    co_text_edges,
    co_url_edges,
    near_dup_sync_edges,
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


def brute_force(posts: pd.DataFrame, window: float) -> dict[tuple[str, str], tuple]:
    """(a, b) -> (n_events, first, last): per text, min of distinct posts of each side that
    have a partner within the window (inclusive); summed over texts."""
    per: dict[tuple[str, str], dict[str, tuple[set, set, list]]] = {}
    recs = posts.to_dict("records")
    for x in recs:
        for y in recs:
            if x["text"] != y["text"] or x["account_id"] >= y["account_id"]:
                continue
            if abs((x["created_at"] - y["created_at"]).total_seconds()) <= window:
                sa, sb, ts = per.setdefault((x["account_id"], y["account_id"]), {}).setdefault(
                    x["text"], (set(), set(), []))
                sa.add(x["post_id"])
                sb.add(y["post_id"])
                ts += [x["created_at"], y["created_at"]]
    return {p: (sum(min(len(a), len(b)) for a, b, _ in g.values()),
                min(t for *_, ts in g.values() for t in ts),
                max(t for *_, ts in g.values() for t in ts)) for p, g in per.items()}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(0, 200)),
                max_size=40), st.sampled_from([0.0, 10.0, 60.0]))
def test_co_text_equals_brute_force(rows, window):
    posts = make_posts([{"account_id": f"a{a}", "text": f"message number {k}", "sec": s}
                        for k, a, s in rows] or [{"account_id": "a", "text": "x", "sec": 0}])
    edges = co_text_edges(posts, window=window)
    ref = brute_force(posts, window)
    got = {(r.account_a, r.account_b): (r.n_events, r.first_seen, r.last_seen)
           for r in edges.itertuples(index=False)}
    assert got == ref
    assert (edges["weight"] == edges["n_events"]).all()  # no hot key: no discount


def test_window_is_inclusive():
    posts = make_posts([
        {"account_id": "a", "text": "Vote for X today", "sec": 0},
        {"account_id": "b", "text": "vote for x today", "sec": 60},
        {"account_id": "c", "text": "Another message", "sec": 0},
        {"account_id": "d", "text": "another   MESSAGE", "sec": 60.001},
    ])
    edges = co_text_edges(posts, window=60.0)
    assert set(zip(edges["account_a"], edges["account_b"], strict=True)) == {("a", "b")}


def test_repeated_self_posts_count_once():
    posts = make_posts(
        [{"account_id": "a", "text": "same words here", "sec": s} for s in (0, 5, 10, 15)]
        + [{"account_id": "b", "text": "same words here", "sec": 7}])
    edges = co_text_edges(posts)
    assert len(edges) == 1
    assert edges.loc[0, "weight"] == 1.0 and edges.loc[0, "n_events"] == 1


def _campaign_posts(seed: int = 0) -> pd.DataFrame:
    """150 background accounts over 3 days; 6 planted accounts co-post 8 talking points (text,
    URL, hashtags) within 20 s, and co-repost / co-reply 8 targets within 30 s."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(1260):  # background; the planted accounts also post ordinary content
        acc = f"u{rng.integers(150):03d}" if i < 1200 else f"g{i % 6}"
        rows.append({"account_id": acc, "text": f"my own thought number {rng.integers(400)}",
                     "kind": "post", "urls": f"https://site{rng.integers(300)}.org/x",
                     "hashtags": f"t{rng.integers(40)} t{rng.integers(40)}",
                     "sec": float(rng.uniform(0, 3 * 86400))})
        rows.append({"account_id": acc, "kind": str(rng.choice(["repost", "reply"])),
                     "target_post_id": f"bg{rng.integers(300)}",
                     "sec": float(rng.uniform(0, 3 * 86400))})
    for k in range(8):
        t = float(rng.uniform(0, 3 * 86400))
        for g in range(6):
            rows.append({"account_id": f"g{g}", "text": f"Talking point {k}: support the bill!",
                         "kind": "post", "urls": f"https://www.campaign.org/p{k}?utm_source=g{g}",
                         "hashtags": f"billnow point{k}", "sec": t + float(rng.uniform(0, 20))})
    for k in range(8):
        t = float(rng.uniform(0, 3 * 86400))
        for g in range(6):
            for kind in ("repost", "reply"):
                rows.append({"account_id": f"g{g}", "text": None, "kind": kind,
                             "target_post_id": f"target{k}", "sec": t + float(rng.uniform(0, 30))})
    return make_posts(rows)


@pytest.mark.parametrize("fn", SIGNALS)
def test_planted_group_is_significant(fn):
    posts = _campaign_posts()
    edges = fn(posts)
    group = edges[edges["account_a"].str.startswith("g") & edges["account_b"].str.startswith("g")]
    assert len(group) == 15  # all pairs of the 6 planted accounts
    assert (group["n_events"] == 8).all()
    n_accounts = posts["account_id"].nunique()
    bonferroni = 0.05 / (n_accounts * (n_accounts - 1) / 2)
    assert (group["p_value"] < bonferroni).all()
    assert (edges.drop(group.index)["p_value"] >= bonferroni).all()


def test_url_normalisation_and_empty_cells():
    posts = make_posts([
        {"account_id": "a", "urls": "https://WWW.Example.com/a?utm_source=x", "sec": 0},
        {"account_id": "b", "urls": "http://example.com/a#top", "sec": 10},
        {"account_id": "c", "urls": "", "sec": 5},
        {"account_id": "d", "urls": None, "sec": 5},
        {"account_id": "e", "urls": "https://example.com/a", "sec": 5, "kind": "repost"},
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


def test_reposts_count_only_as_reposts():
    posts = make_posts([
        {"account_id": "a", "text": "hello there friends", "kind": "repost", "sec": 0},
        {"account_id": "b", "text": "hello there friends", "kind": "repost", "sec": 1},
        {"account_id": "c", "text": "hello there friends", "kind": "repost", "sec": 2,
         "target_post_id": "t1"},
        {"account_id": "d", "kind": "repost", "sec": 3, "target_post_id": "t1"},
        {"account_id": "e", "kind": "reply", "sec": 3, "target_post_id": "t1"},
    ])
    assert len(co_text_edges(posts)) == 0
    edges = co_repost_edges(posts)  # by target id, else by the reposted text
    assert set(zip(edges["account_a"], edges["account_b"], strict=True)) == {("a", "b"),
                                                                            ("c", "d")}
    assert len(co_reply_edges(posts)) == 0  # one reply has no partner


def test_near_dup_sync_links_variants_and_leaves_identical_texts_to_co_text():
    script = "the new warehouse jobs are {} and the pay is better than anywhere in town"
    posts = make_posts([
        {"account_id": "a", "text": script.format("great"), "sec": 0},
        {"account_id": "b", "text": script.format("amazing"), "sec": 20},
        {"account_id": "c", "text": script.format("great"), "sec": 30},
        {"account_id": "d", "text": script.format("superb"), "sec": 4000},
    ])
    edges = near_dup_sync_edges(posts)
    assert set(zip(edges["account_a"], edges["account_b"], strict=True)) == {("a", "b"),
                                                                            ("b", "c")}
    text = dict(zip(posts["post_id"], posts["text"], strict=True))
    for ev in edges["evidence"]:
        for item in ev.split(" "):
            pa, pb = item.split(">")
            assert text[pa] != text[pb]
    assert list(zip(co_text_edges(posts)["account_a"], co_text_edges(posts)["account_b"],
                    strict=True)) == [("a", "c")]


def test_hot_key_alone_links_nobody():
    """A viral key (more accounts than max_key_accounts) is what popularity explains: on its
    own it makes no pair, however many co-act on it within the window."""
    rng = np.random.default_rng(3)
    n = 1500
    posts = make_posts([{"account_id": f"w{i:04d}", "kind": "repost", "target_post_id": "viral",
                         "sec": float(s)} for i, s in enumerate(rng.uniform(0, 3600, n))])
    assert len(co_repost_edges(posts, max_key_accounts=1000, max_fanout=10)) == 0
    cold = co_repost_edges(posts, max_key_accounts=2000, max_fanout=10)  # not hot: no cap
    assert pd.concat([cold["account_a"], cold["account_b"]]).value_counts().max() > 40
    assert (cold["weight"] == 1.0).all()


def test_hot_key_counts_for_pairs_linked_elsewhere_bounded_and_discounted():
    rng = np.random.default_rng(4)
    n = 1500
    wave = [{"account_id": f"w{i:04d}", "kind": "repost", "target_post_id": "viral",
             "sec": float(s)} for i, s in enumerate(rng.uniform(0, 3600, n))]
    # w0000 and w0001 also co-repost an ordinary post: their viral co-action then counts too
    wave[1]["sec"] = wave[0]["sec"] + 5.0
    pair = [{"account_id": a, "kind": "repost", "target_post_id": "quiet", "sec": 7200.0 + d}
            for a, d in (("w0000", 0.0), ("w0001", 3.0))]
    edges = co_repost_edges(make_posts(wave + pair), max_key_accounts=1000, max_fanout=10)
    assert set(zip(edges["account_a"], edges["account_b"], strict=True)) == {("w0000", "w0001")}
    row = edges.iloc[0]
    assert row["n_events"] == 2 and row["weight"] < 2.0  # popularity discount on the hot event
