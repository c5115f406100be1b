import numpy as np
import pandas as pd

from astroturf.report.evidence import build_evidence, empty_evidence
from astroturf.schema import EVIDENCE_OUT_COLUMNS

from . import SCRIPT, make_edges, make_posts


def test_explodes_pairs_with_times_texts_and_dt():
    ev = build_evidence(make_edges(), make_posts())
    assert list(ev.columns) == EVIDENCE_OUT_COLUMNS
    co = ev[(ev["signal"] == "co_text") & (ev["account_a"] == "a1") & (ev["account_b"] == "a2")]
    assert co[["post_a", "post_b"]].values.tolist() == [["p1", "p2"], ["p4", "p5"]]
    assert co["dt_seconds"].tolist() == [12.0, 30.0]
    assert co["urls_b"].iloc[0] == "https://amzn.to/x"
    assert co["text_b"].iloc[1] == "Unions are not needed here"
    assert (co["time_b"] - co["time_a"]).dt.total_seconds().tolist() == co["dt_seconds"].tolist()
    assert set(ev["cluster_id"]) == {"1", ""}
    assert ev["cluster_id"].iloc[-1] == ""  # unclustered rows last


def test_profile_edge_gives_one_text_row():
    ev = build_evidence(make_edges(), make_posts())
    bio = ev[ev["signal"] == "bio_similar"]
    assert len(bio) == 1
    assert pd.isna(bio["post_a"].iloc[0]) and pd.isna(bio["time_a"].iloc[0])
    assert SCRIPT in bio["text_a"].iloc[0]


def test_cap_per_edge_and_swapped_pairs_repaired():
    edges = make_edges()
    posts = make_posts()
    one = build_evidence(edges, posts, max_per_edge=1)
    assert one.groupby(["signal", "account_a", "account_b"]).size().max() == 1
    # a signal that wrote 'post of b > post of a' is put right: post_a belongs to account_a
    edges.loc[edges["signal"] == "co_url", "evidence"] = "p6>p3"
    row = build_evidence(edges, posts).query("signal == 'co_url'").iloc[0]
    assert (row["post_a"], row["post_b"], row["dt_seconds"]) == ("p3", "p6", 50.0)


def test_row_order_independent_and_inputs_not_mutated():
    edges, posts = make_edges(), make_posts()
    e0, p0 = edges.copy(), posts.copy()
    ref = build_evidence(edges, posts)
    pd.testing.assert_frame_equal(edges, e0)
    pd.testing.assert_frame_equal(posts, p0)
    rng = np.random.default_rng(3)
    shuffled = build_evidence(edges.sample(frac=1, random_state=rng),
                              posts.sample(frac=1, random_state=rng))
    pd.testing.assert_frame_equal(ref, shuffled)


def test_empty_and_missing_posts():
    assert list(build_evidence(make_edges().iloc[:0], make_posts()).columns) == \
        EVIDENCE_OUT_COLUMNS
    pd.testing.assert_frame_equal(build_evidence(make_edges().iloc[:0], make_posts()),
                                  empty_evidence())
    ev = build_evidence(make_edges(), make_posts().iloc[:0])
    co = ev[ev["signal"] == "co_text"]
    assert len(co) == 4 and co["text_a"].isna().all() and co["dt_seconds"].isna().all()


def test_repaired_text_keeps_the_original_beside_it():
    """A journalist quotes exactly: where read-time repair changed a post, both texts show."""
    posts = make_posts()
    posts["text_original"] = pd.Series(pd.NA, index=posts.index, dtype="string")
    posts.loc[posts["post_id"] == "p2", "text_original"] = "Unions are not needed â€\x9d here"
    ev = build_evidence(make_edges(), posts)
    co = ev[(ev["signal"] == "co_text") & (ev["post_b"] == "p2")].iloc[0]
    assert co["text_b_original"] == "Unions are not needed â€\x9d here"
    assert pd.isna(co["text_a_original"])
    # the same pair written the other way round keeps each original with its own post
    edges = make_edges()
    edges.loc[edges["signal"] == "co_text", "evidence"] = "p2>p1"
    row = build_evidence(edges, posts).query("signal == 'co_text' and post_b == 'p2'").iloc[0]
    assert row["text_b_original"] == "Unions are not needed â€\x9d here"
    # an input without the column still gives the columns, empty
    assert build_evidence(make_edges(), make_posts())["text_a_original"].isna().all()
