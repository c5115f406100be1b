"""Unit tests of the profile signals' building blocks, on tiny hand-made frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astroturf.schema import EDGE_COLUMNS
from astroturf.signals.bios import bio_similarity_edges
from astroturf.signals.bursts import burst_group_pvalue, creation_burst_edges
from astroturf.signals.catalog import availability
from astroturf.signals.clients import client_edges
from astroturf.signals.features import account_features
from astroturf.signals.handles import fold_names, handle_pattern_edges, name_shapes
from astroturf.signals.rhythm import rhythm_features

T0 = pd.Timestamp("2020-03-02", tz="UTC")  # a Monday


def _ids(n: int, prefix: str = "u") -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(n)]


def test_homoglyph_handles_fold_together():
    folded = fold_names(pd.Series(["AmazonFCRick", "Amaz0nFCLe0na", "Аmazon_FC_Joe", "Zoë", ""]))
    assert folded.tolist()[:4] == ["amazonfcrick", "amazonfcleona", "amazonfcjoe", "zoe"]
    assert pd.isna(folded.iloc[4])
    assert name_shapes(pd.Series(["JohnSmith1987"])).iloc[0] == "AaAa9999"


def test_homoglyph_pair_matches_and_common_prefix_is_weak():
    rng = np.random.default_rng(3)
    letters = list("abcdefghijklmnopqrstuvwxyz")
    john = ["john" + "".join(rng.choice(letters, 5)) for _ in range(60)]  # 2 % 'john...'
    rand = ["".join(rng.choice(letters, rng.integers(6, 11))) for _ in range(2940)]
    handles = [*john, *rand, "AmazonFCRick", "Amaz0nFCLe0na"]
    acc = pd.DataFrame({"account_id": _ids(len(handles)), "handle": handles})
    edges = handle_pattern_edges(acc, max_p_value=1.0)
    pair = edges[(edges["account_a"] == "u3000") & (edges["account_b"] == "u3001")]
    assert len(pair) == 1 and "amazonfc" in pair["evidence"].iloc[0]
    john_pairs = edges[edges["account_a"].isin(_ids(60)) & edges["account_b"].isin(_ids(60))]
    assert len(john_pairs) > 1000
    assert john_pairs["p_value"].median() > 100 * pair["p_value"].iloc[0]
    kept = handle_pattern_edges(acc)  # default cap keeps the strong pair
    assert ((kept["account_a"] == "u3000") & (kept["account_b"] == "u3001")).sum() == 1


def test_display_names_use_their_own_signal():
    acc = pd.DataFrame({"account_id": ["a", "b", "c"],
                        "display_name": ["Rick | Amazon FC", "Leona | Amazon FC", "Bob"]})
    edges = handle_pattern_edges(acc, field="display_name", max_p_value=1.0)
    assert edges["signal"].unique().tolist() == ["name_pattern"]
    assert (edges["account_a"] == "a").all() and (edges["account_b"] == "b").all()


def test_burst_group_pvalue_separates_batch_from_spread():
    rng = np.random.default_rng(0)
    spread = T0 + pd.to_timedelta(rng.uniform(0, 1000, 2000), unit="D")
    batch = T0 + pd.Timedelta(days=400) + pd.to_timedelta(rng.uniform(0, 30, 14), unit="h")
    population = pd.Series([*spread, *batch])
    p_batch, text = burst_group_pvalue(pd.Series(batch), population, hours=36)
    p_random, _ = burst_group_pvalue(pd.Series(spread[:14]), population, hours=36)
    assert p_batch < 1e-20 and text.startswith("14 of 14 created within 36 h")
    assert p_random > 0.05
    assert burst_group_pvalue(pd.Series(batch[:1]), population, hours=36)[0] == 1.0


def test_day_resolution_creation_dates_are_not_same_second():
    acc = pd.DataFrame({"account_id": _ids(40),
                        "created_at": [T0 + pd.Timedelta(days=i // 4) for i in range(40)]})
    day = creation_burst_edges(acc, max_p_value=1.0)
    acc_sec = acc.assign(created_at=acc["created_at"] + pd.to_timedelta(np.arange(40), unit="s"))
    sec = creation_burst_edges(acc_sec, max_p_value=1.0)
    same_day = day[day["evidence"].str.contains(r"\(0 s apart")]
    assert len(same_day) > 0
    # a shared calendar day counts as a day-wide coincidence, not a same-second one
    assert same_day["p_value"].min() > 10 * sec["p_value"].min()


def test_bio_fields_url_location_and_empty():
    acc = pd.DataFrame({
        "account_id": _ids(6),
        "bio": ["", None, "Proud FC ambassador, love my job!!", "Proud FC ambassador, love my job",
                "hi", "Gardening, cats and bad puns"],
        "url": ["https://www.Example.com/", "http://example.com", None, "https://other.org/x",
                None, None],
        "location": ["Seattle, WA", "seattle wa", None, None, "Paris", None]})
    assert bio_similarity_edges(acc).empty  # 2 of 3 sharing is no evidence (p > 0.01)
    bios = bio_similarity_edges(acc, max_p_value=1.0)
    assert bios[["account_a", "account_b"]].values.tolist() == [["u0002", "u0003"]]
    assert "sim 0.9" in bios["evidence"].iloc[0]
    url = bio_similarity_edges(acc, field="url", max_p_value=1.0)
    assert url["signal"].tolist() == ["profile_url"]
    assert url[["account_a", "account_b"]].values.tolist() == [["u0000", "u0001"]]
    loc = bio_similarity_edges(acc, field="location", max_p_value=1.0)
    assert loc[["account_a", "account_b"]].values.tolist() == [["u0000", "u0001"]]
    assert list(bio_similarity_edges(acc[["account_id"]]).columns) == EDGE_COLUMNS


def test_common_clients_never_make_edges_rare_ones_do():
    ids = _ids(60)
    client = ["Twitter for iPhone"] * 50 + ['<a href="x">FC Poster</a>'] * 3 + ["Hootsuite"] * 7
    posts = pd.DataFrame({"post_id": [f"p{i}" for i in range(60)], "account_id": ids,
                          "created_at": T0, "client": client})
    edges = client_edges(posts, max_p_value=1.0)
    assert set(edges["evidence"].str.extract(r"via '([^']+)'")[0]) == {"fc poster", "hootsuite"}
    fc = edges[edges["evidence"].str.contains("fc poster")]
    assert len(fc) == 3 and fc["p_value"].max() < edges["p_value"].max()
    # default cap (kernels.keys.auto_max_p): a client of 7 in 60 accounts is too common
    default = client_edges(posts)
    assert set(default["evidence"].str.extract(r"via '([^']+)'")[0]) == {"fc poster"}
    few = client_edges(posts, max_group=5, max_p_value=1.0)  # larger clients make no pairs
    assert set(few["evidence"].str.extract(r"via '([^']+)'")[0]) == {"fc poster"}


def test_rhythm_features_office_hours_in_any_time_zone():
    # weekdays 09-17 local in UTC+2 = 07-15 UTC
    times = [T0 + pd.Timedelta(days=d, hours=h) for d in range(5) for h in range(7, 15)]
    posts = pd.DataFrame({"account_id": "a", "created_at": times})
    feats = rhythm_features(posts)
    row = feats.iloc[0]
    assert row["office_hours_share"] == 1.0 and row["weekday_share"] == 1.0
    assert row["active_hours"] == "07-14 UTC" and row["n_posts_rhythm"] == 40


def test_account_features_and_availability():
    posts = pd.DataFrame({"account_id": ["a", "a", "a", "b"],
                          "created_at": [T0, T0 + pd.Timedelta(days=2), T0 + pd.Timedelta(days=4),
                                         T0],
                          "kind": ["post", "reply", "repost", "post"]})
    accounts = pd.DataFrame({"account_id": ["a", "c"],
                             "created_at": [T0 - pd.Timedelta(days=10), T0],
                             "followers": [10, 3], "following": [5, 0]})
    f = account_features(posts, accounts).set_index("account_id")
    assert f.index.tolist() == ["a", "b", "c"]
    assert f.loc["a", "account_age_days"] == 10 and f.loc["a", "posts_per_day"] == 0.75
    assert f.loc["a", "reply_share"] == pytest.approx(1 / 3)
    assert f.loc["a", "followers_following_ratio"] == 2.0
    assert f.loc["c", "n_posts"] == 0 and np.isnan(f.loc["b", "account_age_days"])
    why = availability(posts, accounts)
    assert "creation_burst" not in why and "rhythm" not in why
    assert why["bio_similar"] == "no account has a bio"
    assert "client" in why["client"]
