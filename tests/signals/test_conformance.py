"""One conformance suite run against every signal's public function (CONVENTIONS.md): empty
input gives empty edges with EDGE_COLUMNS; shuffled input rows give identical output; input is
not mutated; every post id in the evidence exists in the input and belongs to the right account.

Data: 200 organic accounts and one planted group of 8 that does everything at once (same texts,
near-duplicate variants, reposts, replies, URLs and hashtag sets within seconds; one creation
batch, templated handles, names and bios, one profile URL and location, a rare client, office
hours), plus 20 users of one app's boilerplate. Every signal must find something here.
"""

from __future__ import annotations

import string
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from astroturf.schema import EDGE_COLUMNS, coerce_accounts, coerce_posts, empty_edges
from astroturf.signals.bios import bio_similarity_edges
from astroturf.signals.bursts import creation_burst_edges
from astroturf.signals.catalog import SIGNALS
from astroturf.signals.clients import client_edges
from astroturf.signals.coactions import (
    co_hashtag_edges,
    co_reply_edges,
    co_repost_edges,
    co_text_edges,
    co_url_edges,
    near_dup_sync_edges,
)
from astroturf.signals.handles import handle_pattern_edges
from astroturf.signals.lockstep import lockstep_edges
from astroturf.signals.rhythm import rhythm_edges
from astroturf.signals.templates import app_boilerplate_edges, template_reuse_edges

T0 = pd.Timestamp("2024-03-04", tz="UTC")  # a Monday
DAY = 86400.0
NAMES = ["Rick", "Leona", "Joe", "Mary", "Sam", "Ana", "Tom", "Lia"]
SCRIPT = ("Honestly the new warehouse jobs are {} and the pay is better than anywhere else "
          "in town")
ADJ = ["great", "amazing", "excellent", "fantastic", "wonderful", "superb", "brilliant", "fine"]


def _word(rng: np.random.Generator, lo: int, hi: int) -> str:
    return "".join(rng.choice(list(string.ascii_lowercase), rng.integers(lo, hi)))


def _organic(rng: np.random.Generator, words: list[str]) -> tuple[list[dict], list[dict]]:
    acc, posts = [], []
    for i in range(200):
        aid = f"o{i:03d}"
        acc.append({"account_id": aid, "handle": _word(rng, 5, 12),
                    "display_name": _word(rng, 4, 9).title(),
                    "bio": " ".join(rng.choice(words, 6)),
                    "url": f"https://{_word(rng, 4, 9)}.example/" if i % 2 else None,
                    "location": f"town {rng.integers(400)}",
                    "created_at": T0 - pd.Timedelta(seconds=float(rng.uniform(0, 3 * 365 * DAY)))})
        tz = rng.integers(-8, 9)
        for _ in range(12):
            kind = str(rng.choice(["post", "post", "repost", "reply"]))
            sec = float(rng.integers(0, 28) * DAY + ((rng.normal(20, 3) + tz) % 24) * 3600)
            posts.append({"account_id": aid, "kind": kind, "sec": sec,
                          "client": ["Twitter for iPhone", "Twitter Web App"][i % 2],
                          "text": " ".join(rng.choice(words, 8)) if kind != "repost" else None,
                          "target_post_id": None if kind == "post" else f"bg{rng.integers(500)}",
                          "urls": f"https://site{rng.integers(300)}.org/x" if kind == "post"
                          else None,
                          "hashtags": f"t{rng.integers(50)} t{rng.integers(50)}"})
    return acc, posts


def _planted(rng: np.random.Generator, words: list[str]) -> tuple[list[dict], list[dict]]:
    acc, posts = [], []
    points = [" ".join(rng.choice(words, 9)) for _ in range(12)]
    for g, name in enumerate(NAMES):
        acc.append({"account_id": f"g{g}", "handle": f"AmazonFC{name}",
                    "display_name": f"{name} | Amazon FC",
                    "bio": "Proud Amazon FC ambassador, I love my job and my coworkers!",
                    "url": "https://www.amazon-fc-stories.example/", "location": "Bessemer, AL",
                    "created_at": T0 - pd.Timedelta(days=300) + pd.Timedelta(minutes=9 * g)})
    for k in range(12):  # weekdays, office hours UTC
        t = float((k // 5) * 7 * DAY + (k % 5) * DAY + rng.uniform(9, 16) * 3600)
        for g in range(8):
            base = {"account_id": f"g{g}", "client": "FC Buzz Poster 1.2"}
            posts.append({**base, "kind": "post", "sec": t + rng.uniform(0, 20),
                          "text": f"{points[k]} #fc",
                          "urls": f"https://www.fc-facts.example/p{k}?utm_source=g{g}",
                          "hashtags": f"fcjobs point{k}"})
            posts.append({**base, "kind": "post", "sec": t + 60 + rng.uniform(0, 20),
                          "text": SCRIPT.format(ADJ[(g + k) % 8]) + f" {k}"})
            posts.append({**base, "kind": "repost", "sec": t + 120 + rng.uniform(0, 20),
                          "target_post_id": f"push{k}"})
            posts.append({**base, "kind": "reply", "sec": t + 180 + rng.uniform(0, 20),
                          "target_post_id": f"critic{k}", "text": f"@critic{k} not true at all"})
    return acc, posts


def _app_users(rng: np.random.Generator) -> tuple[list[dict], list[dict]]:
    venues = [f"{_word(rng, 4, 9).title()} {kind}" for kind in ("Cafe", "Gym", "Bar")
              for _ in range(8)]
    acc, posts = [], []
    for i in range(20):
        aid = f"a{i:02d}"
        acc.append({"account_id": aid, "handle": _word(rng, 5, 12), "display_name": None,
                    "bio": None, "url": None, "location": None,
                    "created_at": T0 - pd.Timedelta(seconds=float(rng.uniform(0, 900 * DAY)))})
        for _ in range(4):
            posts.append({"account_id": aid, "kind": "post", "client": "Swarm",
                          "sec": float(rng.uniform(0, 28 * DAY)),
                          "text": f"I just unlocked the {rng.choice(['Local', 'Adventurer'])} "
                                  f"badge on Swarm for checking in at {rng.choice(venues)}! "
                                  f"http://4sq.com/{rng.integers(10**6)}"})
    return acc, posts


def make_data(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    words = [_word(rng, 3, 9) for _ in range(3000)]
    parts = [_organic(rng, words), _planted(rng, words), _app_users(rng)]
    accounts = pd.DataFrame([a for acc, _ in parts for a in acc])
    posts = pd.DataFrame([p for _, ps in parts for p in ps])
    posts["created_at"] = T0 + pd.to_timedelta(posts.pop("sec"), unit="s")
    posts["post_id"] = [f"p{i:05d}" for i in range(len(posts))]
    return coerce_accounts(accounts), coerce_posts(posts)


Runner = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]
RUNNERS: dict[str, Runner] = {
    "co_text": lambda p, a: co_text_edges(p),
    "co_repost": lambda p, a: co_repost_edges(p),
    "co_url": lambda p, a: co_url_edges(p),
    "co_reply": lambda p, a: co_reply_edges(p),
    "co_hashtag": lambda p, a: co_hashtag_edges(p),
    "near_dup_sync": lambda p, a: near_dup_sync_edges(p),
    "template_reuse": lambda p, a: template_reuse_edges(p),
    "app_boilerplate": lambda p, a: app_boilerplate_edges(p),
    "lockstep": lambda p, a: lockstep_edges(p, co_text_edges(p)),
    "creation_burst": lambda p, a: creation_burst_edges(a),
    "handle_pattern": lambda p, a: handle_pattern_edges(a),
    "name_pattern": lambda p, a: handle_pattern_edges(a, field="display_name"),
    "bio_similar": lambda p, a: bio_similarity_edges(a),
    "profile_url": lambda p, a: bio_similarity_edges(a, field="url"),
    "location": lambda p, a: bio_similarity_edges(a, field="location"),
    "rhythm": lambda p, a: rhythm_edges(p),
    "client": lambda p, a: client_edges(p, a),
}
POST_EVIDENCE = {s.name for s in SIGNALS if s.kind in ("windowed", "key", "derived")}


def test_every_catalogued_signal_is_covered():
    assert set(RUNNERS) == {s.name for s in SIGNALS}


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    return make_data()


@pytest.fixture(scope="module")
def outputs(data) -> dict[str, pd.DataFrame]:
    """Every signal's edges; the input is checked unchanged after each run."""
    accounts, posts = data
    before_acc, before_posts = accounts.copy(), posts.copy()
    out = {}
    for name, run in RUNNERS.items():
        out[name] = run(posts, accounts)
        pd.testing.assert_frame_equal(accounts, before_acc, obj=f"accounts after {name}")
        pd.testing.assert_frame_equal(posts, before_posts, obj=f"posts after {name}")
    return out


@pytest.mark.parametrize("name", sorted(RUNNERS))
def test_edges_are_canonical_and_not_empty(name, data, outputs):
    accounts, _ = data
    edges = outputs[name]
    assert list(edges.columns) == EDGE_COLUMNS
    pd.testing.assert_series_equal(edges.dtypes, empty_edges().dtypes)
    assert len(edges) > 0
    assert (edges["signal"] == name).all()
    assert (edges["account_a"] < edges["account_b"]).all()
    assert not edges.duplicated(["account_a", "account_b"]).any()
    assert set(edges["account_a"]) | set(edges["account_b"]) <= set(accounts["account_id"])
    assert edges["p_value"].between(0, 1).all() and (edges["n_events"] >= 1).all()
    timed = edges["first_seen"].notna()
    assert (edges.loc[timed, "first_seen"] <= edges.loc[timed, "last_seen"]).all()
    assert edges["evidence"].str.len().gt(0).all()


@pytest.mark.parametrize("name", sorted(RUNNERS))
def test_shuffled_rows_give_identical_output(name, data, outputs):
    """(The ``outputs`` fixture also checks that no signal mutates its input.)"""
    accounts, posts = data
    shuffled = RUNNERS[name](posts.sample(frac=1.0, random_state=7).reset_index(drop=True),
                             accounts.sample(frac=1.0, random_state=8).reset_index(drop=True))
    pd.testing.assert_frame_equal(shuffled, outputs[name])


@pytest.mark.parametrize("name", sorted(POST_EVIDENCE))
def test_evidence_post_ids_exist_and_belong_to_the_pair(name, data, outputs):
    _, posts = data
    owner = dict(zip(posts["post_id"], posts["account_id"], strict=True))
    for a, b, ev in outputs[name][["account_a", "account_b", "evidence"]].itertuples(
            index=False):
        for item in ev.split(" "):
            pa, pb = item.split(">")
            assert owner[pa] == a and owner[pb] == b


@pytest.mark.parametrize("name", sorted(RUNNERS))
def test_empty_input_gives_empty_edges(name, data):
    accounts, posts = data
    pd.testing.assert_frame_equal(RUNNERS[name](posts.iloc[:0], accounts.iloc[:0]),
                                  empty_edges())
