"""Templates: families of near-duplicate texts; copypasta (template_reuse) versus app boilerplate
(app_boilerplate); each family counts once per pair; near-duplicate variants posted in sync."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from astroturf.schema import coerce_posts
from astroturf.signals.coactions import near_dup_sync_edges, scan_data
from astroturf.signals.templates import (
    TEMPLATE_COLUMNS,
    app_boilerplate_edges,
    template_groups,
    template_reuse_edges,
)

T0 = pd.Timestamp("2024-06-01T00:00:00Z")
DAY = 86400.0
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))
BADGE = ("I just unlocked the {} badge on Swarm for checking in at {} with my friends tonight! "
         "http://4sq.com/{}")
STOCK = "Berharap besok ada keajaiban :)"


def _word(rng: np.random.Generator) -> str:
    return "".join(rng.choice(LETTERS, rng.integers(3, 9)))


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["created_at"] = T0 + pd.to_timedelta(frame.pop("sec"), unit="s")
    frame["post_id"] = [f"p{i:05d}" for i in range(len(frame))]
    if "kind" not in frame:
        frame["kind"] = "post"
    return coerce_posts(frame)


def _organic(rng: np.random.Generator, n_accounts: int = 300, n_posts: int = 3000) -> list[dict]:
    words = [_word(rng) for _ in range(2000)]
    return [{"account_id": f"u{rng.integers(n_accounts):03d}", "text": " ".join(
        rng.choice(words, 8)), "sec": float(rng.uniform(0, 7 * DAY))} for _ in range(n_posts)]


def _app_users(rng: np.random.Generator, n: int = 40, each: int = 4) -> list[dict]:
    """One app's skeleton, slots filled per post (badge, venue), each user at their own times;
    two users once post exactly the same fill."""
    venues = [f"{_word(rng).title()} {_word(rng).title()}" for _ in range(40)]
    badges = ["Local", "Adventurer", "Foodie", "Night Owl", "Trainspotter"]
    rows = [{"account_id": f"a{i:02d}", "sec": float(rng.uniform(0, 7 * DAY)),
             "text": BADGE.format(rng.choice(badges), rng.choice(venues), rng.integers(10**6))}
            for i in range(n) for _ in range(each)]
    rows[1]["text"] = rows[each + 1]["text"]  # a00 and a01 share one exact fill
    return rows


def _stock_phrase(rng: np.random.Generator, n: int = 30) -> list[dict]:
    """Light accounts (two posts each) post one identical stock phrase at their own times."""
    return [r for i in range(n) for r in (
        {"account_id": f"c{i:02d}", "text": STOCK, "sec": float(rng.uniform(0, 7 * DAY))},
        {"account_id": f"c{i:02d}", "text": f"{_word(rng)} {_word(rng)} {_word(rng)} today",
         "sec": float(rng.uniform(0, 7 * DAY))})]


@pytest.fixture(scope="module")
def mixed() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return _frame(_organic(rng) + _app_users(rng) + _stock_phrase(rng))


def _kind(edges: pd.DataFrame) -> pd.Series:
    return edges["account_a"].str[0] + edges["account_b"].str[0]


def test_app_boilerplate_is_classified_and_makes_no_template_reuse(mixed):
    groups = template_groups(scan_data(mixed), min_accounts=3).set_index("kind")
    app = groups.loc[["app boilerplate"]]
    assert len(app) == 1 and app["n_accounts"].iloc[0] == 40
    assert app["n_variants"].iloc[0] > 40 and app["canonical_text"].str.contains("Swarm").all()
    reuse = template_reuse_edges(mixed)
    assert not reuse["account_a"].str.startswith("a").any()  # not even a00-a01's exact copy
    # an app used by 40 of ~370 accounts is too common to link anyone (as a posting client
    # would be); the same app among a few of 3,000 accounts does, each app counted once
    assert app_boilerplate_edges(mixed).empty
    rng = np.random.default_rng(1)
    rare = _frame(_organic(rng, n_accounts=3000, n_posts=6000) + _app_users(rng, n=6, each=8))
    apps = app_boilerplate_edges(rare)
    assert set(_kind(apps)) == {"aa"} and len(apps) == 6 * 5 // 2
    assert (apps["n_events"] == 1).all()


def test_identical_stock_phrase_of_light_accounts_is_template_reuse(mixed):
    reuse = template_reuse_edges(mixed)
    stock = reuse[_kind(reuse) == "cc"]
    assert len(stock) == 30 * 29 // 2 and (stock["n_events"] == 1).all()
    others = reuse[_kind(reuse) != "cc"]
    assert len(others) == 0 or stock["p_value"].max() < others["p_value"].min()
    assert (stock["first_seen"] <= stock["last_seen"]).all()
    text = dict(zip(mixed["post_id"], mixed["text"], strict=True))
    for ev in stock["evidence"]:
        pa, pb = ev.split(">")
        assert text[pa] == text[pb] == STOCK
    groups = template_groups(scan_data(mixed), min_accounts=3)
    row = groups[groups["canonical_text"] == STOCK]
    assert row[["kind", "n_variants", "n_accounts", "n_posts"]].values.tolist() == [
        ["copypasta", 1, 30, 30]]


SCRIPT = "Our union does nothing for us and the managers at the {} site are {} to every worker"


def test_a_family_counts_once_per_pair_distinct_families_each_count():
    rng = np.random.default_rng(1)
    rows = _organic(rng)
    variants = [SCRIPT.format(site, adj) for site, adj in
                [("north", "kind"), ("south", "fair"), ("east", "nice"), ("west", "good"),
                 ("main", "great")]]
    points = [" ".join(_word(rng) for _ in range(9)) for _ in range(5)]
    for g in range(6):
        for k in range(5):  # f-group: 5 texts of ONE family; d-group: 5 unrelated texts
            for acc, text in ((f"f{g}", variants[k]), (f"d{g}", points[k])):
                rows.append({"account_id": acc, "text": text, "sec": rng.uniform(0, 7 * DAY)})
    posts = _frame(rows)
    sd = scan_data(posts)
    tpl = sd.templates()
    fam = {tpl.family[sd.fuzzy_texts.to_pylist().index(v.lower())] for v in variants}
    assert len(fam) == 1 and not tpl.boilerplate[fam.pop()]  # one copypasta family
    reuse = template_reuse_edges(posts)
    same, distinct = reuse[_kind(reuse) == "ff"], reuse[_kind(reuse) == "dd"]
    assert len(same) == len(distinct) == 15
    assert (same["n_events"] == 1).all() and (distinct["n_events"] == 5).all()
    # evidence: one post pair per shared family
    assert same["evidence"].str.split(" ").str.len().eq(1).all()
    assert distinct["evidence"].str.split(" ").str.len().eq(5).all()
    assert distinct["p_value"].max() < same["p_value"].min()


def test_heavy_users_sharing_a_text_are_weaker_than_light_ones():
    rng = np.random.default_rng(2)
    rows = _organic(rng)
    shared = "the council vote on the new bus lanes is tomorrow at nine"
    for acc, n_own in (("l1", 1), ("l2", 1), ("h1", 300), ("h2", 300)):
        rows.append({"account_id": acc, "text": shared + f" {acc[0]}", "sec": 0.0})
        rows += [{"account_id": acc, "text": f"{_word(rng)} {_word(rng)} {_word(rng)} {i}",
                  "sec": float(rng.uniform(0, 7 * DAY))} for i in range(n_own)]
    reuse = template_reuse_edges(_frame(rows)).set_index(["account_a", "account_b"])
    light, heavy = reuse.loc[("l1", "l2")], reuse.loc[("h1", "h2")]
    assert heavy["expected"] > 100 * light["expected"]
    assert heavy["p_value"] > 100 * light["p_value"]


@pytest.mark.parametrize("kind, text", [("repost", STOCK), ("post", "so true lol")])
def test_reposts_and_short_texts_never_count(kind, text):
    """Reposts are not reuse, texts under min_text_chars are not templates; a scan with no
    other text must still run (it used to raise IndexError)."""
    posts = _frame([{"account_id": f"r{i}", "kind": kind, "text": text, "sec": float(i)}
                    for i in range(10)])
    for fn in (template_reuse_edges, app_boilerplate_edges, near_dup_sync_edges):
        assert fn(posts).empty
    assert template_groups(scan_data(posts)).empty


def test_template_groups_columns_order_and_row_order_independence(mixed):
    groups = template_groups(scan_data(mixed), min_accounts=3)
    assert list(groups.columns) == TEMPLATE_COLUMNS
    assert groups["template_id"].tolist() == list(range(1, len(groups) + 1))
    assert (groups["n_accounts"] >= 3).all() and groups["n_accounts"].is_monotonic_decreasing
    assert set(groups["kind"]) <= {"copypasta", "app boilerplate"}
    shuffled = mixed.sample(frac=1.0, random_state=1).reset_index(drop=True)
    pd.testing.assert_frame_equal(template_groups(scan_data(shuffled), min_accounts=3), groups)


@pytest.mark.xfail(strict=True, reason="design: boilerplate = more variants than accounts. A "
                   "one-post-per-user app whose slot comes from a popular pool (Shazam: songs "
                   "repeat) has fewer variants than users, is called copypasta, and users who "
                   "tagged the same song get template_reuse edges")
def test_one_post_per_user_app_with_repeating_slots_is_boilerplate():
    rng = np.random.default_rng(3)
    songs = [f"{_word(rng).title()} {_word(rng).title()} di {_word(rng).title()}"
             for _ in range(40)]
    rows = _organic(rng) + [
        {"account_id": f"z{i:03d}", "sec": float(rng.uniform(0, 7 * DAY)),
         "text": f"Ho appena usato Shazam per taggare {rng.choice(songs)} "
                 f"http://shz.am/t{rng.integers(10**6)}"} for i in range(80)]
    posts = _frame(rows)
    groups = template_groups(scan_data(posts), min_accounts=3)
    shazam = groups[groups["canonical_text"].str.contains("Shazam")]
    assert shazam["kind"].tolist() == ["app boilerplate"]
    assert not template_reuse_edges(posts)["account_a"].str.startswith("z").any()


@pytest.mark.xfail(strict=True, reason="design: a campaign whose members all post the same "
                   "numbered talking points from one skeleton has more variants (points) than "
                   "members, so its exact copies are called app boilerplate, not copypasta")
def test_group_copying_numbered_talking_points_is_copypasta():
    rng = np.random.default_rng(4)
    rows = _organic(rng)
    for k in range(12):
        for g in range(8):
            rows.append({"account_id": f"g{g}", "sec": float(rng.uniform(0, 7 * DAY)),
                         "text": f"Point {k}: the warehouse jobs pay well, ask anyone who works "
                                 "there"})
    reuse = template_reuse_edges(_frame(rows))
    assert len(reuse[_kind(reuse) == "gg"]) == 28


# near-duplicate variants posted in sync (near_dup_sync): planted scripts among look-alikes
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


def _sync_posts(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = _organic(rng, n_accounts=200, n_posts=1500)
    rows += [{"account_id": f"g{g}", "text": r["text"], "sec": r["sec"]}
             for g, r in zip(range(60), _organic(rng, n_posts=60), strict=False)]
    for _ in range(400):  # short common texts
        rows.append({"account_id": f"u{rng.integers(200):03d}", "sec": rng.uniform(0, 7 * DAY),
                     "text": str(rng.choice(["thanks!", "so true", "lol", "agreed 100%"]))})
    rows += _app_users(rng, n=60, each=15)
    for k, script in enumerate(SCRIPTS):  # planted: 6 accounts paste variants within 40 s
        t = float(rng.uniform(0, 7 * DAY))
        for g in range(6):
            text = f"@target{rng.integers(50)} " + script.format(adj=ADJ[(g + k) % 6]) + EXTRA[g]
            rows.append({"account_id": f"g{g}", "text": text, "sec": t + rng.uniform(0, 40)})
    return _frame(rows)


def test_planted_variants_in_sync_found_look_alikes_quiet():
    posts = _sync_posts()
    edges = near_dup_sync_edges(posts)
    group = edges[_kind(edges) == "gg"]
    assert len(group) == 15 and (group["n_events"] >= 5).all()
    n = posts["account_id"].nunique()
    bonferroni = 0.05 / (n * (n - 1) / 2)
    assert (group["p_value"] < bonferroni).all()
    assert (edges.drop(group.index)["p_value"] >= bonferroni).all()
    groups = template_groups(scan_data(posts), min_accounts=3)
    planted = groups[groups["accounts"] == "g0 g1 g2 g3 g4 g5"]
    assert len(planted) >= len(SCRIPTS) - 1  # one family per script (one may split)
    assert not groups["canonical_text"].isin(["thanks!", "so true", "lol"]).any()
    assert {a for a, _ in combinations(sorted(set(group["account_a"])), 2)} <= {
        f"g{g}" for g in range(6)}


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_the_channel_makes_only_what_fusion_keeps(mixed, seed):
    """With max_p (the scan and its null copies: seed None is the scan itself) the channel
    holds exactly the edges of the full channel with p <= max_p, the same values, the key
    rows and the evidence of those edges; the rest are counted."""
    from astroturf.signals.templates import template_reuse
    from astroturf.stats.fusion import collect

    sd = scan_data(mixed)

    def rng():
        return None if seed is None else np.random.default_rng(seed)

    full = template_reuse(sd, rng=rng())
    ps = np.sort(full.frame["p_value"].to_numpy())
    assert len(ps) > 10
    for max_p in (ps[len(ps) // 3], ps[0] / 2, 1.0):  # some, none, all pass
        cut = template_reuse(sd, rng=rng(), max_p=max_p)
        ok = full.frame["p_value"].to_numpy() <= max_p
        pd.testing.assert_frame_equal(cut.frame, full.frame[ok].reset_index(drop=True))
        assert cut.pruned == int((~ok).sum())
        if seed is None:  # the scan's evidence: the same posts, for the kept edges only
            assert len(full.ev_edge) > 0
            new = np.cumsum(ok) - 1
            kept = ok[full.ev_edge]
            np.testing.assert_array_equal(cut.ev_edge, new[full.ev_edge[kept]])
            np.testing.assert_array_equal(cut.ev_a, full.ev_a[kept])
            np.testing.assert_array_equal(cut.ev_b, full.ev_b[kept])
        keys = pd.DataFrame({"a": full.frame["a"].to_numpy()[full.ki_edge],
                             "b": full.frame["b"].to_numpy()[full.ki_edge],
                             "key": full.ki_key})[ok[full.ki_edge]].reset_index(drop=True)
        got = pd.DataFrame({"a": cut.frame["a"].to_numpy()[cut.ki_edge],
                            "b": cut.frame["b"].to_numpy()[cut.ki_edge], "key": cut.ki_key})
        pd.testing.assert_frame_equal(got, keys)
        # fusion sees the same evidence, and the channel still counts as run when none passed
        a, b = collect([full], sd.n_accounts, max_p=max_p), collect([cut], sd.n_accounts,
                                                                      max_p=max_p)
        assert a.signals == b.signals == ["template_reuse"]
        pd.testing.assert_frame_equal(a.rows.drop(columns="chan_row"),
                                      b.rows.drop(columns="chan_row"))
        pd.testing.assert_frame_equal(a.keys, b.keys)


def test_the_scan_keeps_fusions_edges_and_counts_all_it_found():
    """run_signals: the template channel holds only edges fusion can use, and its status
    still says how many it found (kept + pruned), the count the full channel has."""
    from astroturf.config import ScanParams
    from astroturf.kernels.keys import auto_max_p
    from astroturf.pipeline import run_signals
    from astroturf.signals.templates import template_reuse

    rng = np.random.default_rng(3)
    # 400 accounts each posting 5 of 300 shared texts: one shared text is weak evidence
    texts = [" ".join(_word(rng) for _ in range(6)) for _ in range(300)]
    sd = scan_data(_frame([{"account_id": f"u{i:03d}", "text": texts[j],
                            "sec": float(rng.uniform(0, 7 * DAY))}
                           for i in range(400) for j in rng.choice(300, 5, replace=False)]))
    full = template_reuse(sd)
    cap = auto_max_p(sd.n_accounts)
    assert (full.frame["p_value"] > cap).any()  # something to leave out
    chans, status = run_signals(sd, ScanParams(signals="template_reuse"))
    got = chans["template_reuse"]
    assert (got.frame["p_value"] <= cap).all()
    assert len(got) == int((full.frame["p_value"] <= cap).sum())
    assert status["template_reuse"] == f"ran: {len(full)} edges"


def test_weak_single_pairs_are_the_rows_passing_rows_would_drop():
    """The prefilter marks exactly the rows whose pair has one row and a large expectation
    (checked pair by pair against a dictionary count)."""
    from collections import Counter

    from astroturf.signals.templates import _small_expectation, _weak_single_pairs

    rng = np.random.default_rng(5)
    n_acc = 50
    a = rng.integers(0, n_acc - 1, 400)
    b = a + rng.integers(1, 3, 400)  # few distinct pairs: many repeat
    b = np.minimum(b, n_acc - 1)
    k_acc = rng.integers(1, 40, n_acc)
    got = _weak_single_pairs(a, b, k_acc, 5_000.0, 2_000.0, 1e-3, n_acc)
    small = _small_expectation(a, b, k_acc, 5_000.0, 2_000.0, 1e-3)
    count = Counter(zip(a.tolist(), b.tolist(), strict=True))
    want = np.array([count[(x, y)] == 1 and not s for x, y, s in
                     zip(a.tolist(), b.tolist(), small.tolist(), strict=True)])
    assert want.any() and (~want).any()
    np.testing.assert_array_equal(got, want)
