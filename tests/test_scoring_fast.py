"""The vectorised scoring helpers compute exactly what the per-cluster versions computed, and
edges.csv holds the edges worth reporting."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from astroturf.schema import EDGE_COLUMNS, coerce_posts
from astroturf.scoring.reasons import _segment_sums, burst_phrase, burst_phrases, fmt_p
from astroturf.scoring.verdicts import reported_edges
from astroturf.signals.bursts import burst_group_pvalue
from astroturf.signals.coactions import run_windowed, scan_data
from astroturf.stats.fusion import FAMILIES, collect, family_of


def _groups(seed: int) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2021-01-01", tz="UTC")
    pop = pd.Series(base + pd.to_timedelta(rng.integers(0, 86_400 * 700, 3_000), unit="s"))
    rows = []
    for c in range(120):
        size = int(rng.integers(1, 25))
        if c % 2:  # a batch: created within ~30 h
            start = pop.iloc[int(rng.integers(0, len(pop)))]
            times = start + pd.to_timedelta(rng.integers(0, 3_600 * 30, size), unit="s")
        else:
            times = pop.sample(size, random_state=c).to_numpy()
        times = pd.Series(pd.to_datetime(times, utc=True))
        if c % 7 == 0:
            times.iloc[0] = pd.NaT
        rows += [(c, t) for t in times]
    members = pd.DataFrame(rows, columns=["cluster", "created_at"])
    members["created_at"] = pd.to_datetime(members["created_at"], utc=True)
    return members, pd.concat([pop, members["created_at"].dropna()], ignore_index=True)


def test_burst_phrases_match_per_cluster_test_in_any_row_order():
    members, pop = _groups(3)
    fast = burst_phrases(members.sample(frac=1.0, random_state=1), pop, hours=24)
    slow = {}
    for c, g in members.groupby("cluster"):
        t = g["created_at"].dropna().sort_values().reset_index(drop=True)
        if len(t) < 2:
            continue
        p, text = burst_group_pvalue(t, pop.sort_values().reset_index(drop=True), hours=24)
        if p <= 0.05:
            lp = math.log10(max(p, 1e-300))
            slow[int(c)] = (lp, f"{text} (p={fmt_p(lp)})")
    assert len(slow) > 10
    assert fast == slow
    one = members[members["cluster"] == next(iter(slow))]["created_at"]
    assert burst_phrase(one, pop, hours=24) == slow[next(iter(slow))]


def test_segment_sums_are_bit_identical_to_numpy_sum():
    rng = np.random.default_rng(0)
    sizes = rng.integers(1, 300, 400)
    x = rng.random(int(sizes.sum())) * np.exp(rng.normal(0, 15, int(sizes.sum())))
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    expect = np.array([x[s:s + n].sum() for s, n in zip(starts, sizes, strict=True)])
    assert np.array_equal(_segment_sums(x, starts, sizes), expect)


def test_family_of_maps_known_and_unknown_names():
    assert family_of("co_text") == family_of("near_dup_sync") == family_of("lockstep") == "sync"
    assert family_of("template_reuse") == "reuse"
    assert family_of("app_boilerplate") == family_of("client") == "client"
    assert family_of("mystery") == "mystery"  # an unknown signal is a family of its own
    assert set(FAMILIES) >= {"co_text", "co_url", "template_reuse", "rhythm"}


def test_reported_edges_keep_cluster_and_significant_pairs_clusters_first():
    """a-b co-post a text and a URL (cluster 1), c-d and e-f co-post a text (no cluster): the
    pair q decides for c-d (kept) and e-f (dropped)."""
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    rows = []
    for k, (x, y) in enumerate([("b", "a"), ("a", "b"), ("d", "c"), ("e", "f")]):
        for acc, dt in ((x, 0), (y, 5)):
            rows.append({"post_id": f"{acc}{k}", "account_id": acc, "text": f"same words {k}",
                         "urls": f"https://x.org/{k}" if k < 2 else None,
                         "created_at": t0 + pd.Timedelta(seconds=3600 * k + dt)})
    sd = scan_data(coerce_posts(pd.DataFrame(rows)))
    ev = collect([run_windowed(sd, s, window=60.0) for s in ("co_url", "co_text")],
                 sd.n_accounts)
    code = {a: i for i, a in enumerate(sd.ids)}
    q = {("a", "b"): 0.2, ("c", "d"): 1e-3, ("e", "f"): 0.5}
    pairs = pd.DataFrame({"pair": [code[a] * sd.n_accounts + code[b] for a, b in q],
                          "q_value": list(q.values())})
    cid = np.array([1, 1, 0, 0, 0, 0])  # account codes a..f
    out, items = reported_edges(sd, ev, pairs, cid, fdr=0.05, max_evidence=20)
    assert list(out.columns) == [*EDGE_COLUMNS, "q_value", "cluster_id"]
    assert out[["account_a", "account_b", "signal"]].values.tolist() == [
        ["a", "b", "co_text"], ["a", "b", "co_url"], ["c", "d", "co_text"]]
    assert out["cluster_id"].tolist() == ["1", "1", ""]
    assert out["q_value"].tolist() == [0.2, 0.2, 1e-3]
    ab_text = out.iloc[0]["evidence"].split(" ")
    assert sorted(ab_text) == ["a0>b0", "a1>b1"]  # both co-posts, by account a first
    # the positions behind the text name the same posts, in the same order, edge by edge
    post_ids = sd.posts["post_id"].to_numpy(dtype=object)
    spelled = [f"{post_ids[a]}>{post_ids[b]}" for a, b in zip(items.row_a, items.row_b,
                                                                strict=True)]
    order = np.lexsort((items.rank, items.edge))
    assert [spelled[i] for i in order] == " ".join(out["evidence"].dropna()).split(" ")
    assert sorted(set(items.edge)) == list(np.flatnonzero(out["evidence"].notna()))
    empty, none = reported_edges(sd, collect([], sd.n_accounts), pairs, cid, fdr=0.05,
                                 max_evidence=20)
    assert empty.empty and list(empty.columns) == list(out.columns) and len(none.edge) == 0


def test_member_preview_is_the_per_cluster_join_it_replaced():
    from astroturf.scoring.clusters import _member_preview
    from astroturf.scoring.verdicts import MEMBERS_PREVIEW

    rng = np.random.default_rng(3)
    cluster = rng.integers(1, 120, 900)  # 7.5 members a cluster: some past the preview
    name = np.array([f"user{int(i)}" for i in rng.integers(0, 5_000, 900)], dtype=object)
    got = _member_preview(cluster, name)
    frame = pd.DataFrame({"cluster": cluster, "name": name}).sort_values(
        ["cluster", "name"], kind="stable")
    want = frame.groupby("cluster")["name"].agg(
        lambda s: " ".join(s.iloc[:MEMBERS_PREVIEW])
        + (f" +{len(s) - MEMBERS_PREVIEW} more" if len(s) > MEMBERS_PREVIEW else ""))
    assert got.to_dict() == want.to_dict()
    assert any(v.endswith("more") for v in got) and any(not v.endswith("more") for v in got)
    assert _member_preview(cluster[:0], name[:0]).empty
