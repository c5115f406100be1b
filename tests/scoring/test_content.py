import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from astroturf.schema import coerce_posts
from astroturf.scoring.content import distinctive_terms, phrase_items

T0 = pd.Timestamp("2024-03-01 12:00", tz="UTC")


def _posts() -> pd.DataFrame:
    """Members m1..m3 push a talking point, a hashtag and a domain, and repost one account;
    the crowd c0..c59 says other things (and some of the common words)."""
    rows = []
    for i in range(12):
        for m in ("m1", "m2", "m3"):
            rows.append((f"{m}-{i}", m, "post", f"Honestly the starting pay is great. #proudfc "
                         f"day {i}", "proudfc", f"https://news.example-fc.com/a{i}", None))
        rows.append((f"r{i}", "m1", "repost", None, None, None, "boss"))
        rows.append((f"r2{i}", "m2", "repost", None, None, None, "boss"))
    for c in range(60):
        rows.append((f"c{c}", f"c{c}", "post", f"the weather is great today {c} #news", "news",
                     "https://bbc.co.uk/x", None))
        rows.append((f"cr{c}", f"c{c}", "repost", None, None, None, f"c{(c + 1) % 60}"))
    df = pd.DataFrame(rows, columns=["post_id", "account_id", "kind", "text", "hashtags",
                                     "urls", "target_account_id"])
    df["created_at"] = T0
    return coerce_posts(df)


def test_members_talking_points_stand_out_and_the_crowds_do_not():
    posts = _posts()
    membership = pd.DataFrame({"account_id": ["m1", "m2", "m3"], "cluster_id": "1"})
    t = distinctive_terms(posts, membership, pd.Series({"boss": "the_boss"}))
    got = {k: t.loc[t["kind"] == k, "term"].tolist() for k in t["kind"].unique()}
    assert "starting pay" in got["phrase"]
    assert not any(p in ("the weather", "weather is great") for p in got["phrase"])
    assert got["hashtag"] == ["proudfc"] and got["domain"] == ["example-fc.com"]
    assert t.loc[t["kind"] == "repost_target", "label"].tolist() == ["the_boss"]
    assert (t["z"] >= 3).all() and (t["n_accounts"] >= 2).all() and set(t["cluster_id"]) == {"1"}
    # row order does not matter
    again = distinctive_terms(posts.sample(frac=1, random_state=1), membership,
                              pd.Series({"boss": "the_boss"}))
    pd.testing.assert_frame_equal(t, again)


def test_one_prolific_member_is_not_a_group_talking_point():
    posts = _posts()
    solo = posts[~((posts["account_id"] == "m2") | (posts["account_id"] == "m3"))
                 | (posts["kind"] == "repost")]
    membership = pd.DataFrame({"account_id": ["m1", "m2", "m3"], "cluster_id": "1"})
    t = distinctive_terms(solo, membership)
    assert "starting pay" not in t["term"].tolist()


def test_phrases_skip_stopword_edges_links_and_sentence_breaks():
    items, decode = phrase_items(pa.array(["The pay. Is good at https://x.y/z @bob really good",
                                           None, ""], pa.large_string()))
    phrases = {(n, p) for n in (2, 3)
               for p in decode(n, items.loc[items["n"] == n, "key"].to_numpy())}
    assert (2, "really good") in phrases
    assert not any("pay is" in p or "https" in p or "bob" in p or p.startswith("the ")
                   for _, p in phrases)


def test_no_clusters_gives_empty_table():
    t = distinctive_terms(_posts(), pd.DataFrame({"account_id": [], "cluster_id": []}))
    assert len(t) == 0 and {"cluster_id", "kind", "term", "z"} <= set(t.columns)


def test_distinct_rows_is_drop_duplicates():
    """The vectorised distinct keeps exactly pandas' rows, order and index."""
    from astroturf.scoring.content import distinct_rows

    rng = np.random.default_rng(1)
    for _ in range(100):
        n = int(rng.integers(0, 60))
        df = pd.DataFrame({"post": rng.integers(0, 5, n), "n": rng.integers(2, 4, n),
                           "key": rng.integers(0, 4, n)})
        assert distinct_rows(df).equals(df.drop_duplicates())


def test_background_of_long_posts_is_sampled_by_text_not_only_by_count(monkeypatch):
    """The background's cost is per token: long posts are sampled more sparsely, tweet-sized
    ones as before; members' posts are always all kept, and the weights count every post."""
    from astroturf.scoring import content

    monkeypatch.setattr(content, "BACKGROUND_SAMPLE", 100)
    monkeypatch.setattr(content, "BACKGROUND_CHARS", 100 * 280)
    n = 1000
    cluster = np.full(n, -1)
    cluster[:10] = 0
    rows = np.arange(n)
    for length, limit in ((80, 100), (280, 100), (2800, 10)):
        texts = pd.Series(["x" * length] * n, dtype="str")
        keep, weight = content._with_sampled_background(rows, cluster, texts)
        assert set(range(10)) <= set(keep.tolist())
        background = len(keep) - 10
        assert limit * 0.9 <= background <= limit
        assert weight[10:].sum() == pytest.approx(n - 10)
    short, _ = content._with_sampled_background(rows, cluster,
                                                pd.Series(["x" * 80] * n, dtype="str"))
    assert short.tolist() == list(range(10)) + list(range(10, n, 10))  # the count cap alone
