"""The simulator: deterministic, well-formed, and the planted behaviours are really there."""

from __future__ import annotations

import pandas as pd
import pytest

from astroturf.errors import UsageError
from astroturf.simulate import (
    CAMPAIGN_KINDS,
    EXPORT_COLUMNS,
    LOOKALIKE_KINDS,
    shuffle_times,
    simulate,
    write_export,
)

SMALL = {"n_accounts": 600, "n_posts": 5000, "n_groups": 6, "group_size": (6, 10)}


@pytest.fixture(scope="module")
def sim():
    return simulate(**SMALL, seed=3)


@pytest.fixture(scope="module")
def merged(sim):
    return sim.posts.merge(sim.labels, on="account_id", how="left")


def test_same_seed_is_byte_identical(tmp_path, sim):
    again = simulate(**SMALL, seed=3)
    a = write_export(sim, tmp_path / "a")
    b = write_export(again, tmp_path / "b")
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[1].read_bytes() == b[1].read_bytes()


def test_different_seeds_differ(sim):
    other = simulate(**SMALL, seed=4)
    assert not sim.posts["text"].head(200).equals(other.posts["text"].head(200))
    assert set(sim.posts["handle"]) != set(other.posts["handle"])


def test_columns_and_dtypes(sim):
    posts = sim.posts
    assert list(posts.columns) == EXPORT_COLUMNS
    for col in EXPORT_COLUMNS:
        want = "datetime64[ns, UTC]" if col in ("created_at", "account_created_at") else "str"
        assert str(posts[col].dtype) == want, col
    assert posts["post_id"].is_unique
    assert set(posts["kind"]) == {"post", "repost", "reply", "quote"}
    assert posts["post_id"].str.fullmatch(r"p\d{7}").all()
    assert posts["account_id"].str.fullmatch(r"u\d{6}").all()
    # hashtags / mentions are lower-case, without '#'/'@'
    for col in ("hashtags", "mentions"):
        vals = posts[col].dropna()
        assert (vals == vals.str.lower()).all()
        assert not vals.str.contains(r"[#@]").any()
    # every target exists, is earlier, and its author is target_account_id
    has = posts["target_post_id"].notna()
    assert (has == posts["kind"].isin(["repost", "reply", "quote"])).all()
    tgt = posts.set_index("post_id").loc[posts.loc[has, "target_post_id"]]
    assert (tgt["account_id"].to_numpy() == posts.loc[has, "target_account_id"].to_numpy()).all()
    assert (tgt["created_at"].to_numpy() < posts.loc[has, "created_at"].to_numpy()).all()
    assert (tgt["kind"] != "repost").all()
    # account columns are constant per account
    per_acc = posts.groupby("account_id")[["handle", "bio", "account_created_at"]].nunique(
        dropna=False)
    assert (per_acc <= 1).all().all()
    assert posts["handle"].str.lower().groupby(posts["account_id"]).first().is_unique


def test_labels_cover_every_account_once(sim):
    labels = sim.labels
    assert list(labels.columns) == ["account_id", "label", "group", "group_kind"]
    assert labels["account_id"].is_unique
    assert set(labels["account_id"]) == set(sim.posts["account_id"])
    coord = labels["label"] == "coordinated"
    assert labels.loc[coord, "group"].str.fullmatch(r"G\d\d").all()
    assert labels.loc[~coord, "group"].str.fullmatch(r"(O\d\d)?").all()
    assert set(labels.loc[coord, "group_kind"]) <= set(CAMPAIGN_KINDS)
    assert (labels.loc[labels["group"] == "", "group_kind"] == "organic").all()


def test_every_requested_kind_is_present(sim):
    kinds = set(sim.labels["group_kind"])
    assert set(CAMPAIGN_KINDS) <= kinds
    assert set(LOOKALIKE_KINDS) <= kinds
    picked = simulate(**{**SMALL, "n_groups": 2}, kinds=("copypasta", "viral_wave"), seed=1)
    assert set(picked.labels["group_kind"]) == {"copypasta", "viral_wave", "organic"}


def test_members_not_separable_by_account_id(sim):
    ids = sim.labels["account_id"].str.slice(1).astype(int)
    for _, g in sim.labels[sim.labels["label"] == "coordinated"].groupby("group"):
        span = ids[g.index].max() - ids[g.index].min()
        assert span > 3 * len(g)  # scattered, not a consecutive id range


def _pairs_within(df: pd.DataFrame, key: str, window: float) -> pd.DataFrame:
    """Pairs of different accounts acting on the same ``key`` within ``window`` seconds."""
    d = df[["account_id", key, "created_at"]].dropna()
    m = d.merge(d, on=key)
    dt = (m["created_at_x"] - m["created_at_y"]).dt.total_seconds().abs()
    return m[(m["account_id_x"] < m["account_id_y"]) & (dt <= window)]


def test_templated_replies_hit_shared_targets_within_minutes(merged):
    rep = merged[(merged["group_kind"] == "templated_replies") & (merged["kind"] == "reply")]
    for _, g in rep.groupby("group"):
        per_target = g.groupby("target_post_id")["account_id"].nunique()
        assert (per_target >= 2).sum() >= 3
        busiest = g[g["target_post_id"] == per_target.idxmax()]
        assert (busiest["created_at"].max() - busiest["created_at"].min()) < pd.Timedelta("1h")
        texts = busiest["text"].str.replace(r"^@\S+ ", "", regex=True)
        assert texts.nunique() > 1  # near-duplicates, not copies
        assert g["client"].nunique() == 1


def test_retweet_ring_reposts_within_a_minute(merged):
    ring = merged[(merged["group_kind"] == "retweet_ring") & (merged["kind"] == "repost")]
    pairs = _pairs_within(ring, "target_post_id", 60)
    for gid, g in ring.groupby("group"):
        members = set(g["account_id"])
        mine = pairs[pairs["account_id_x"].isin(members)]
        assert mine["target_post_id"].nunique() >= 5, gid


def test_copypasta_identical_long_texts(merged):
    cp = merged[(merged["group_kind"] == "copypasta") & (merged["kind"] == "post")]
    for gid, g in cp.groupby("group"):
        body = g["text"].str.replace(r"^@\S+ ", "", regex=True)
        top = body.value_counts()
        assert top.iloc[0] >= 5 and len(top.index[0]) > 120, gid


def test_url_push_same_article_within_a_minute(merged):
    up = merged[merged["group_kind"] == "url_push"].copy()
    up["article"] = up["urls"].str.replace(r"\?.*$", "", regex=True)
    for gid, g in up.groupby("group"):
        pairs = _pairs_within(g, "article", 60)
        assert pairs["article"].nunique() >= 3, gid
        same_article = g.dropna(subset=["article"]).groupby("article")["urls"].nunique()
        assert same_article.max() > 1  # tracking parameters vary


def test_hashtag_push_same_tag_set(merged):
    hp = merged[(merged["group_kind"] == "hashtag_push") & (merged["kind"] == "post")].copy()
    hp["tagset"] = hp["hashtags"].str.split(" ").map(lambda t: " ".join(sorted(t)),
                                                     na_action="ignore")
    for gid, g in hp.groupby("group"):
        pairs = _pairs_within(g, "tagset", 180)
        assert len(pairs) >= 20, gid
        assert g["text"].is_unique


def test_profile_only_never_coacts(merged, sim):
    po = merged[merged["group_kind"] == "profile_only"]
    assert len(po) > 0
    for _, g in po.groupby("group"):
        assert len(_pairs_within(g, "target_post_id", 60)) == 0
        prof = sim.posts[sim.posts["account_id"].isin(g["account_id"])].drop_duplicates(
            "account_id")
        span = prof["account_created_at"].max() - prof["account_created_at"].min()
        assert span <= pd.Timedelta("48h")


def test_viral_wave_hundreds_of_reposts_of_one_post():
    sim = simulate(n_accounts=2000, n_posts=12000, n_groups=0, kinds=("viral_wave",), seed=2)
    m = sim.posts.merge(sim.labels, on="account_id")
    wave = m[(m["group_kind"] == "viral_wave") & (m["kind"] == "repost")]
    counts = wave["target_post_id"].value_counts()
    assert counts.iloc[0] >= 200
    g = wave[wave["target_post_id"] == counts.index[0]]
    assert g["account_id"].is_unique
    assert (g["created_at"].max() - g["created_at"].min()) < pd.Timedelta("4D")


def test_share_button_identical_text_spread_out(merged):
    sb = merged[merged["group_kind"] == "share_button"]
    top = sb["text"].value_counts()
    same = sb[sb["text"] == top.index[0]]
    assert len(same) >= 10 and same["account_id"].is_unique
    assert (same["created_at"].max() - same["created_at"].min()) > pd.Timedelta("6h")


def test_shuffle_times_keeps_volume_and_texts(sim):
    null = shuffle_times(sim.posts, seed=1)
    assert list(null.columns) == list(sim.posts.columns)
    assert null["account_id"].equals(sim.posts["account_id"])
    assert null["text"].equals(sim.posts["text"])
    assert (null["created_at"] != sim.posts["created_at"]).mean() > 0.5
    by_acc = lambda d: d.groupby("account_id")["created_at"].apply(  # noqa: E731
        lambda s: tuple(sorted(s)))
    assert by_acc(null).equals(by_acc(sim.posts))
    shuffled = sim.posts.sample(frac=1.0, random_state=0)
    again = shuffle_times(shuffled, seed=1).sort_index()
    assert again["created_at"].equals(null["created_at"])
    assert not shuffle_times(sim.posts, seed=2)["created_at"].equals(null["created_at"])


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "jsonl", "parquet"])
def test_write_export_round_trips(tmp_path, sim, fmt):
    paths = write_export(sim, tmp_path, fmt=fmt)
    assert [p.name for p in paths] == [f"export.{fmt}", "labels.csv"]
    assert not list(tmp_path.glob("*.tmp"))
    want = sim.posts.copy()
    if fmt == "parquet":
        back = pd.read_parquet(paths[0])
    elif fmt == "jsonl":
        back = pd.read_json(paths[0], lines=True, dtype=False)
    else:
        back = pd.read_csv(paths[0], dtype=str)
    assert list(back.columns) == EXPORT_COLUMNS
    for col in ("created_at", "account_created_at"):
        if fmt != "parquet":
            assert back[col].str.endswith("Z").all()
        back[col] = pd.to_datetime(back[col], utc=True)
    back = back.astype({c: "str" for c in EXPORT_COLUMNS if c not in (
        "created_at", "account_created_at")})
    pd.testing.assert_frame_equal(back, want, check_dtype=False)
    labels = pd.read_csv(paths[1], dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(labels, sim.labels, check_dtype=False)


def test_bad_arguments_raise_usage_error():
    with pytest.raises(UsageError, match="unknown simulation kind"):
        simulate(kinds=("nope",))
    with pytest.raises(UsageError):
        simulate(n_accounts=60, n_groups=10, group_size=(10, 15))
    with pytest.raises(UsageError, match="format"):
        write_export(simulate(**SMALL), "/tmp", fmt="xls")


def test_sample_is_the_documented_call(tmp_path):
    from pathlib import Path
    sample = Path(__file__).parents[1] / "data" / "samples" / "sample.csv"
    if not sample.exists():
        pytest.skip("data/samples/sample.csv not present")
    sim = simulate(seed=7, n_accounts=1500, n_posts=10000)
    paths = write_export(sim, tmp_path, name="sample")
    assert paths[0].read_bytes() == sample.read_bytes()
    assert paths[1].read_bytes() == (sample.parent / "labels.csv").read_bytes()


@pytest.mark.slow
def test_one_million_posts():
    sim = simulate(n_accounts=100_000, n_posts=1_000_000, n_groups=50, seed=0)
    assert 0.99e6 <= len(sim.posts) <= 1_000_000
    assert (sim.labels["label"] == "coordinated").sum() >= 50 * 6
    assert set(CAMPAIGN_KINDS + LOOKALIKE_KINDS) <= set(sim.labels["group_kind"])
