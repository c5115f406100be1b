"""Channel fusion: families, Fisher across families, BH over all account pairs."""

from __future__ import annotations

from math import comb, log

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from astroturf.graph.fusion import PAIR_COLUMNS, benjamini_hochberg, fuse_pairs
from astroturf.schema import EDGE_COLUMNS


def edges_of(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    e = pd.DataFrame(rows, columns=["account_a", "account_b", "signal", "p_value"])
    e["weight"] = 1.0
    e["n_events"] = np.arange(1, len(e) + 1)
    e["first_seen"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(e.index, unit="h")
    e["last_seen"] = e["first_seen"] + pd.Timedelta("1min")
    e["expected"] = 0.1
    e["evidence"] = "p" + e.index.astype(str) + ">q" + e.index.astype(str)
    return e[EDGE_COLUMNS]


ROWS = [("a", "b", "co_text", 1e-5), ("a", "b", "bio_similar", 1e-3),
        ("b", "a", "near_dup_sync", 1e-6), ("c", "d", "rhythm", 0.5),
        ("a", "c", "creation_burst", 1.0)]


def test_families_bonferroni_then_fisher_with_subset_correction():
    out = fuse_pairs(edges_of(ROWS), n_accounts=100).set_index(["account_a", "account_b"])
    # families that ran: text (2 signals present), bio, rhythm, creation_burst -> F = 4
    p_text = min(1e-5, 1e-6) * 2
    p_bio = 1e-3
    fisher = chi2.sf(-2 * (log(p_text) + log(p_bio)), 4)
    assert out.loc[("a", "b"), "p_combined"] == pytest.approx(comb(4, 2) * fisher, rel=1e-9)
    assert out.loc[("a", "b"), "channels"] == "bio_similar,co_text,near_dup_sync"
    assert out.loc[("a", "b"), "families"] == "bio,text"
    assert out.loc[("a", "b"), "strongest_signal"] == "near_dup_sync"
    assert out.loc[("a", "b"), "n_channels"] == 3
    assert out.loc[("a", "b"), "n_events"] == 1 + 2 + 3
    # one family at p=0.5 costs a factor F=4 -> capped at 1; untested edges stay at 1
    assert out.loc[("c", "d"), "p_combined"] == 1.0
    assert out.loc[("a", "c"), "p_combined"] == 1.0
    assert list(out.reset_index().columns) == PAIR_COLUMNS


def test_q_value_counts_all_account_pairs():
    rows = [(f"x{i}", f"y{i}", "co_url", p) for i, p in enumerate([1e-9, 1e-8, 1e-3])]
    n = 50
    out = fuse_pairs(edges_of(rows), n_accounts=n)
    m = n * (n - 1) / 2
    p = out["p_combined"].to_numpy()
    assert p == pytest.approx([1e-9, 1e-8, 1e-3])  # one family ran: no correction
    expected = np.minimum(1, [m * 1e-9 / 1, m * 1e-8 / 2, m * 1e-3 / 3])
    assert out["q_value"].to_numpy() == pytest.approx(expected)


def test_bh_ties_and_order():
    p = np.array([0.04, 0.01, 0.04, 0.5])
    q = benjamini_hochberg(p)
    assert q == pytest.approx([0.04 * 4 / 3, 0.04, 0.04 * 4 / 3, 0.5])
    perm = np.array([3, 1, 0, 2])
    assert benjamini_hochberg(p[perm]) == pytest.approx(q[perm])


def test_row_order_and_tiny_p_values():
    rows = [*ROWS, ("e", "f", "co_repost", 0.0), ("e", "f", "co_reply", 1e-200)]
    e = edges_of(rows)
    a = fuse_pairs(e, n_accounts=10)
    b = fuse_pairs(e.sample(frac=1, random_state=3), n_accounts=10)
    pd.testing.assert_frame_equal(a, b)
    ef = a.set_index(["account_a", "account_b"]).loc[("e", "f")]
    assert ef["log10_p"] < -300  # exact strength below the float floor
    assert ef["p_combined"] > 0


def test_families_sharing_evidence_posts_count_once():
    rows = [("a", "b", "co_text", 1e-6), ("a", "b", "co_url", 1e-5), ("a", "b", "co_hashtag", 1e-4),
            ("c", "d", "co_text", 1e-6), ("c", "d", "co_url", 1e-5), ("x", "y", "rhythm", 0.5)]
    e = edges_of(rows)
    e.loc[1, "evidence"] = "p0>q0 p9>q9"  # a-b: the URL was shared in the same copied posts
    e.loc[2, "evidence"] = "p9>q9"  # ... and so was the hashtag
    out = fuse_pairs(e, n_accounts=100).set_index(["account_a", "account_b"])
    n_fam = 4  # text, co_url, co_hashtag, rhythm ran
    # a-b: one merged family: min p * 3 families, then F choose 1
    assert out.loc[("a", "b"), "p_combined"] == pytest.approx(1e-6 * 3 * n_fam)
    assert out.loc[("a", "b"), "n_families"] == 3  # still listed as seen
    # c-d: distinct posts -> two independent families, Fisher
    fisher = chi2.sf(-2 * (log(1e-6) + log(1e-5)), 4)
    assert out.loc[("c", "d"), "p_combined"] == pytest.approx(comb(n_fam, 2) * fisher)


def test_empty_edges():
    out = fuse_pairs(edges_of([]), n_accounts=5)
    assert len(out) == 0 and list(out.columns) == PAIR_COLUMNS
