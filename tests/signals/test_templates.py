"""Near-duplicate templating: variants found, short/boilerplate texts do not dominate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astroturf.schema import EDGE_COLUMNS, coerce_posts, empty_edges
from astroturf.signals.neardup import near_duplicate_pairs
from astroturf.signals.templates import TEMPLATE_COLUMNS, near_duplicate_edges, template_groups

T0 = pd.Timestamp("2024-06-01T00:00:00Z")
DAY = 86400.0

SCRIPTS = [
    "The new warehouse jobs are {adj} and the pay is better than anywhere in town",
    "Honestly our union does nothing for us, I am {adj} with my managers here",
    "I love working at the fulfillment center, breaks are {adj} and people are kind",
    "Everyone saying conditions are bad has never worked a shift here, it is {adj}",
    "My team lead is {adj} and I get paid every single week without any problems",
    "Stop spreading lies about the company, the benefits are {adj} for all of us",
]
ADJ = ["great", "amazing", "excellent", "fantastic", "wonderful", "really good"]
EXTRA = ["", " 🙂", " totally", " !!!", " #proud", " for real"]


def _posts(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words = ["".join(rng.choice(letters, rng.integers(3, 9))) for _ in range(500)]
    for i in range(1560):  # organic background (planted accounts post some too)
        w = rng.choice(words, 7)
        acc = f"u{rng.integers(200):03d}" if i < 1500 else f"g{i % 6}"
        rows.append({"account_id": acc, "kind": "post",
                     "text": " ".join(w),
                     "sec": float(rng.uniform(0, 7 * DAY))})
    for _ in range(400):  # short common texts
        rows.append({"account_id": f"u{rng.integers(200):03d}", "kind": "post",
                     "text": str(rng.choice(["thanks!", "so true", "lol", "agreed 100%"])),
                     "sec": float(rng.uniform(0, 7 * DAY))})
    venues = [f"{''.join(rng.choice(letters, 6))} {kind}" for kind in ("cafe", "gym", "mall")
              for _ in range(10)]
    for i in range(60 * 15):  # app-generated check-ins: 60 users share look-alike texts a lot
        rows.append({"account_id": f"a{i % 60:02d}", "kind": "post",
                     "text": f"I'm at {rng.choice(venues)} in Springfield w/ "
                             f"{rng.integers(2, 9)} others http://4sq.com/{rng.integers(1e6)}",
                     "sec": float(rng.uniform(0, 7 * DAY))})
    for i in range(150):  # share-button boilerplate, one per account, over days
        rows.append({"account_id": f"s{i:03d}", "kind": "post",
                     "text": "I just read this article on the news site, check it out",
                     "sec": float(rng.uniform(0, 7 * DAY))})
    for k, script in enumerate(SCRIPTS):  # planted: 6 accounts paste variants within 40 s
        t = float(rng.uniform(0, 7 * DAY))
        for g in range(6):
            text = f"@target{rng.integers(50)} " + script.format(adj=ADJ[(g + k) % 6]) + EXTRA[g]
            rows.append({"account_id": f"g{g}", "kind": "post", "text": text,
                         "sec": t + float(rng.uniform(0, 40))})
    frame = pd.DataFrame(rows)
    frame["created_at"] = T0 + pd.to_timedelta(frame.pop("sec"), unit="s")
    frame["post_id"] = [f"p{i:05d}" for i in range(len(frame))]
    return coerce_posts(frame)


def _group_pairs(edges: pd.DataFrame) -> pd.DataFrame:
    return edges[edges["account_a"].str.startswith("g") & edges["account_b"].str.startswith("g")]


def test_pairs_find_variants_not_unrelated():
    texts = pd.Series(sorted([
        "the pay is great and the managers are kind to everyone here",
        "the pay is amazing and the managers are kind to everyone here totally",
        "completely different sentence about trains and the weather today",
    ]), dtype="str")
    pairs = near_duplicate_pairs(texts, threshold=70.0)
    got = {(texts[x], texts[y]) for x, y in zip(pairs["x"], pairs["y"], strict=True)}
    assert len(got) == 1
    assert all("pay" in a and "pay" in b for a, b in got)


@pytest.mark.parametrize("window", [60.0, None])
def test_planted_template_group_found_and_significant(window):
    posts = _posts()
    edges = near_duplicate_edges(posts, window=window)
    assert list(edges.columns) == EDGE_COLUMNS
    group = _group_pairs(edges)
    assert len(group) == 15
    assert (group["n_events"] >= 5).all()
    n = posts["account_id"].nunique()
    bonferroni = 0.05 / (n * (n - 1) / 2)
    # whole-period reuse has no timing to lean on and its null is floored by each account's
    # sharing propensity (app users), so its bar is 1e-6 rather than the Bonferroni 6e-7
    assert (group["p_value"] < (bonferroni if window else 1e-6)).all()
    others = edges.drop(group.index)
    # short texts, boilerplate and heavy users of one app's look-alike texts stay quiet
    assert (others["p_value"] >= bonferroni).all()
    assert not edges["account_a"].str.startswith("s").any()  # boilerplate makes no pairs


def test_conformance_shuffle_mutation_evidence_empty():
    posts = _posts(1)
    before = posts.copy()
    edges = near_duplicate_edges(posts, window=60.0)
    pd.testing.assert_frame_equal(posts, before)
    shuffled = posts.sample(frac=1.0, random_state=7).reset_index(drop=True)
    pd.testing.assert_frame_equal(near_duplicate_edges(shuffled, window=60.0), edges)
    owner = dict(zip(posts["post_id"], posts["account_id"], strict=True))
    text = dict(zip(posts["post_id"], posts["text"], strict=True))
    for a, b, ev in edges[["account_a", "account_b", "evidence"]].itertuples(index=False):
        for item in ev.split(" "):
            pa, pb = item.split(">")
            assert owner[pa] == a and owner[pb] == b
            assert text[pa] != text[pb]  # sync channel leaves identical texts to co_text
    pd.testing.assert_frame_equal(near_duplicate_edges(posts.iloc[0:0], window=60.0),
                                  empty_edges())
    pd.testing.assert_frame_equal(near_duplicate_edges(posts.iloc[0:0], window=None),
                                  empty_edges())


def test_template_groups():
    posts = _posts(2)
    groups = template_groups(posts, min_accounts=3)
    assert list(groups.columns) == TEMPLATE_COLUMNS
    planted = groups[groups["accounts"] == "g0 g1 g2 g3 g4 g5"]
    assert len(planted) >= len(SCRIPTS) - 1  # one group per script (one may split)
    assert (planted["n_posts"] >= 3).all()
    boiler = groups[groups["canonical_text"].str.contains("article", regex=False)]
    assert boiler["n_accounts"].tolist() == [150]
    assert not groups["canonical_text"].isin(["thanks!", "so true", "lol"]).any()
    shuffled = posts.sample(frac=1.0, random_state=1).reset_index(drop=True)
    pd.testing.assert_frame_equal(template_groups(shuffled, min_accounts=3), groups)
