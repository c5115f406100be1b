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


def _affix_reference(folded: list[str], *, suffix: bool, min_affix: int, max_group: int,
                     max_p: float) -> dict[tuple[int, int], tuple[str, int, float]]:
    """The affix family by its definition: each pair's longest shared affix (<= 32) whose key
    has <= max_group members and whose length's pair mass is <= max_p."""
    words = [w[::-1] if suffix else w for w in folded]
    n = len(words)
    members: dict[str, set[int]] = {}
    for i, w in enumerate(words):
        for length in range(min_affix, min(len(w), 32) + 1):
            members.setdefault(w[:length], set()).add(i)
    mass: dict[int, float] = {}
    for key, m in members.items():
        mass[len(key)] = mass.get(len(key), 0.0) + len(m) * (len(m) - 1) / (n * (n - 1.0))
    out = {}
    for i in range(n):
        for j in range(i + 1, n):
            best = None
            for length in range(min_affix, min(len(words[i]), len(words[j]), 32) + 1):
                key = words[i][:length]
                if words[j][:length] != key:
                    break
                if len(members[key]) <= max_group and min(mass[length], 1.0) <= max_p:
                    best = (key[::-1] if suffix else key, len(members[key]),
                            min(mass[length], 1.0))
            if best is not None:
                out[(i, j)] = best
    return out


@pytest.mark.parametrize("suffix", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_affix_pairs_are_the_longest_shared_affix_by_definition(suffix: bool, seed: int):
    """The runs of the sorted names give each pair its longest shared affix that passes the
    group-size and pair-mass limits, as enumerating every affix of every name does."""
    from astroturf.signals.handles import _affix_pairs

    rng = np.random.default_rng(seed)
    stems = ["amazonfc", "amazon", "bob", "zz" * 20]
    folded = ["".join([rng.choice(stems), *rng.choice(list("ab1"), rng.integers(0, 8))])
              for _ in range(70)]
    for max_group, max_p in [(200, 1.0), (6, 1.0), (200, 0.05)]:
        ref = _affix_reference(folded, suffix=suffix, min_affix=4, max_group=max_group,
                               max_p=max_p)
        got = _affix_pairs(np.arange(len(folded)), pd.Series(folded, dtype="str"),
                           suffix=suffix, min_affix=4, max_group=max_group, n_pop=len(folded),
                           max_p_value=max_p)
        mine = {(int(a), int(b)): (k, int(s), p) for a, b, k, s, p in zip(
            got["a"], got["b"], got["key"], got["size"], got["p_value"], strict=True)}
        assert mine.keys() == ref.keys()
        for pair, (key, size, p) in ref.items():
            assert mine[pair][:2] == (key, size)
            assert mine[pair][2] == pytest.approx(p, rel=1e-12)


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
                          # the middle post to the second: times recorded to the second, not
                          # dates only (which would rule rhythm out: test_coarse_times.py)
                          "created_at": [T0, T0 + pd.Timedelta(days=2, seconds=37),
                                         T0 + pd.Timedelta(days=4), T0],
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
    # from the scan's codes (posts without a time skipped, as encoding skips them): the same
    from astroturf.signals.coactions import scan_data

    untimed = pd.DataFrame({"account_id": ["d"], "created_at": [pd.NaT], "kind": ["post"]})
    with_untimed = pd.concat([posts, untimed], ignore_index=True)
    sd = scan_data(with_untimed, accounts)
    pd.testing.assert_frame_equal(account_features(sd.posts, sd.accounts, sd=sd),
                                  account_features(sd.posts, sd.accounts))
    why = availability(posts, accounts)
    assert "creation_burst" not in why and "rhythm" not in why
    assert why["bio_similar"] == "no account has a bio"
    assert "client" in why["client"]


def test_hour_counts_are_scipys_canonical_matrix():
    from scipy.sparse import csr_matrix

    from astroturf.signals import rhythm

    rng = np.random.default_rng(7)
    for n, n_acc in [(0, 4), (1, 1), (5_000, 300), (800, 2_000)]:  # accounts without posts too
        acc = rng.integers(0, n_acc, n)  # any order: the caller's need not be sorted
        t = rng.integers(-10**18, 2 * 10**18, n)  # before 1970 too (floor division)
        hours = t // (3_600 * 10**9)
        how = ((hours // 24 + 3) % 7) * 24 + hours % 24
        ref = csr_matrix((np.ones(n), (acc, how)), shape=(n_acc, 168))
        got = rhythm.hour_counts(acc, t, n_acc)
        assert ref.has_canonical_format and got.has_canonical_format
        for part in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(got, part), getattr(ref, part)), (n, part)


def test_account_features_from_the_scan_in_blocks_equal_the_posts_path(monkeypatch):
    from astroturf.signals import rhythm
    from astroturf.signals.coactions import scan_data

    rng = np.random.default_rng(3)
    n = 4_000
    posts = pd.DataFrame({
        "post_id": [f"p{i}" for i in range(n)],
        "account_id": [f"u{i:03d}" for i in rng.integers(0, 250, n)],
        "created_at": T0 + pd.to_timedelta(rng.integers(0, 40 * 86_400, n), unit="s"),
        "kind": rng.choice(["post", "reply", "repost"], n)})
    accounts = pd.DataFrame({"account_id": [f"u{i:03d}" for i in range(0, 300, 2)],
                             "created_at": T0 - pd.Timedelta(days=30),
                             "followers": 5, "following": 2})  # some never post
    sd = scan_data(posts, accounts)
    whole = account_features(sd.posts, sd.accounts)
    monkeypatch.setattr(rhythm, "_SUMMARY_ROWS", 17)  # many blocks, the last one partial
    pd.testing.assert_frame_equal(account_features(sd.posts, sd.accounts, sd=sd), whole,
                                  check_exact=True)
    pd.testing.assert_frame_equal(account_features(sd.posts, sd.accounts), whole,
                                  check_exact=True)
