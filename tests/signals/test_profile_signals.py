"""Profile signals on one hand-made population: planted group found, look-alikes not, conformance.

Population: 2000 organic accounts (random handles, varied bios, creation spread over 3 years,
evening posting in many time zones), an organic sign-up wave (200 accounts in one week), 80
accounts with boilerplate bios, and one planted profile-only group of 12: created within 2 hours,
templated handles/names/bios, office-hours posting, a rare client, no co-posting.
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pytest

from astroturf.schema import EDGE_COLUMNS, coerce_accounts, coerce_posts, empty_accounts
from astroturf.signals.bios import bio_similarity_edges
from astroturf.signals.bursts import creation_burst_edges
from astroturf.signals.clients import client_edges
from astroturf.signals.handles import handle_pattern_edges
from astroturf.signals.rhythm import rhythm_edges

T0 = pd.Timestamp("2016-01-01", tz="UTC")
SITES = ["BHM1", "SAT2", "PHX3", "LGB8", "TPA1", "MDW2", "ONT8", "BFI4", "DFW7", "JFK8", "MKE1",
         "CLE2"]
WORDS = ["love", "music", "coffee", "dogs", "cats", "travel", "football", "family", "writer",
         "teacher", "mom", "dad", "nurse", "gamer", "art", "film", "books", "tea", "runner",
         "chef", "hiking", "photography", "jazz", "vegan", "science", "history"]
FIRST = ["Rick", "Leona", "Joe", "Mary", "Sam", "Ana", "Tom", "Lia", "Ben", "Eva", "Max", "Ivy"]


def _word(rng: np.random.Generator, lo: int, hi: int) -> str:
    return "".join(rng.choice(list(string.ascii_lowercase), rng.integers(lo, hi)))


def make_population(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accounts, posts) canonical tables; planted ids start with 'g', wave 'w', boiler 'b'."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(2000):
        created = T0 + pd.Timedelta(seconds=float(rng.uniform(0, 3 * 365 * 86400)))
        rows.append((f"o{i:03d}", _word(rng, 5, 12), _word(rng, 4, 9).title(),
                     " ".join(rng.choice(WORDS, rng.integers(4, 9))), created))
    for i in range(200):
        created = T0 + pd.Timedelta(days=500, seconds=float(rng.uniform(0, 7 * 86400)))
        rows.append((f"w{i:03d}", _word(rng, 5, 12), _word(rng, 4, 9).title(),
                     " ".join(rng.choice(WORDS, rng.integers(4, 9))), created))
    for i in range(80):
        created = T0 + pd.Timedelta(seconds=float(rng.uniform(0, 3 * 365 * 86400)))
        rows.append((f"b{i:03d}", _word(rng, 5, 12), _word(rng, 4, 9).title(),
                     ["Opinions are my own.", "RT ≠ endorsement", "Just me."][i % 3], created))
    homoglyph = {"o": "0", "e": "3"}
    for i, (site, name) in enumerate(zip(SITES, FIRST, strict=True)):
        handle = f"AmazonFC{name}"
        if i % 3 == 1:  # homoglyph variants of the template
            handle = "".join(homoglyph.get(c, c) for c in handle)
        created = T0 + pd.Timedelta(days=800, hours=9) + pd.Timedelta(minutes=5 * i)
        bio = f"Proud Amazon FC ambassador at {site}. I love my job and my coworkers!"
        rows.append((f"g{i:02d}", handle, f"{name} | Amazon FC", bio, created))
    acc = pd.DataFrame(rows, columns=["account_id", "handle", "display_name", "bio", "created_at"])
    return coerce_accounts(acc), _posts(acc["account_id"], rng)


def _posts(ids: pd.Series, rng: np.random.Generator, n: int = 30) -> pd.DataFrame:
    """n posts per account: planted accounts on weekdays 14-21 UTC via a rare client, others
    around 20:00 in a random time zone via mainstream apps."""
    ids = ids.to_numpy(dtype=object)
    planted = np.char.startswith(ids.astype(str), "g")
    acc = np.repeat(ids, n)
    is_g = np.repeat(planted, n)
    days = rng.integers(0, 90, len(acc))
    days = np.where(is_g, days - days % 7 + rng.integers(0, 5, len(acc)), days)
    tz = np.repeat(rng.integers(-10, 11, len(ids)), n)
    hours = np.where(is_g, rng.uniform(14, 21, len(acc)), (rng.normal(20, 3, len(acc)) + tz) % 24)
    apps = np.array(["Twitter for iPhone", "Twitter for Android", "Twitter Web App"])
    client = np.where(is_g, "FC Buzz Poster 1.2", np.repeat(apps[rng.integers(0, 3, len(ids))], n))
    t = T0 + pd.to_timedelta(900 + days, unit="D") + pd.to_timedelta(hours, unit="h")
    post_id = pd.Series(acc).astype(str) + "-" + pd.Series(np.tile(np.arange(n), len(ids))).astype(
        str)
    posts = pd.DataFrame({"post_id": post_id, "account_id": acc, "created_at": t, "kind": "post",
                          "client": client})
    return coerce_posts(posts)


@pytest.fixture(scope="module")
def population() -> tuple[pd.DataFrame, pd.DataFrame]:
    return make_population()


def _run(name: str, accounts: pd.DataFrame, posts: pd.DataFrame, *,
         full: bool = False) -> pd.DataFrame:
    """Run one signal; ``full`` returns every pair (no max_p_value filter) to compare p-values."""
    cap = {"max_p_value": 1.0} if full else {}
    return {
        "creation_burst": lambda: creation_burst_edges(accounts, **cap),
        "handle_pattern": lambda: handle_pattern_edges(accounts, **cap),
        "name_pattern": lambda: handle_pattern_edges(accounts, field="display_name", **cap),
        "bio_similar": lambda: bio_similarity_edges(accounts, **cap),
        "rhythm": lambda: rhythm_edges(posts, **cap),
        "client": lambda: client_edges(posts, accounts, **cap),
    }[name]()


SIGNALS = ["creation_burst", "handle_pattern", "name_pattern", "bio_similar", "rhythm", "client"]


def _kind(edges: pd.DataFrame) -> pd.Series:
    return edges["account_a"].str[0] + edges["account_b"].str[0]


@pytest.mark.parametrize("name", SIGNALS)
def test_planted_group_is_strong(name, population):
    accounts, posts = population
    edges = _run(name, accounts, posts, full=True)
    assert list(edges.columns) == EDGE_COLUMNS
    assert (edges["signal"] == name).all()
    assert ((edges["p_value"] > 0) & (edges["p_value"] <= 1)).all()
    kind = _kind(edges)
    planted = edges[kind == "gg"]
    lookalike = edges[kind.isin(["ww", "bb"])]  # sign-up wave, boilerplate bios
    assert len(planted) >= (20 if name == "rhythm" else 60)  # of the 66 planted pairs
    assert planted["p_value"].median() < (1e-2 if name == "rhythm" else 2e-4)
    if len(lookalike) and name != "rhythm":  # wave/boilerplate are no rhythm look-alikes here
        assert lookalike["p_value"].median() > 5 * planted["p_value"].median()


def test_wave_and_boilerplate_are_weak(population):
    accounts, _ = population
    burst = creation_burst_edges(accounts, max_p_value=1.0)
    wave = burst[_kind(burst) == "ww"]
    planted = burst[_kind(burst) == "gg"]
    assert len(wave) > 100
    # an organic wave behaves like chance: hardly any pair as close as the planted batch
    assert (wave["p_value"] <= planted["p_value"].median()).mean() < 0.01
    assert wave["p_value"].median() > 30 * planted["p_value"].median()
    bios = bio_similarity_edges(accounts, max_p_value=1.0)
    boiler = bios[_kind(bios) == "bb"]
    assert len(boiler) > 0
    planted_max = bios[_kind(bios) == "gg"]["p_value"].max()
    assert boiler["p_value"].min() > 2 * planted_max
    assert boiler["p_value"].median() > 5 * planted_max
    assert not bios["evidence"].str.contains("Just me").any()  # too short to be evidence
    kept = bio_similarity_edges(accounts)  # default max_p_value drops the weakest boilerplate
    assert len(kept[_kind(kept) == "bb"]) < len(boiler) and len(kept[_kind(kept) == "gg"]) == 66


@pytest.mark.parametrize("name", SIGNALS)
def test_shuffled_input_gives_identical_output_and_input_untouched(name, population):
    accounts, posts = population
    acc_copy, posts_copy = accounts.copy(), posts.copy()
    first = _run(name, accounts, posts)
    pd.testing.assert_frame_equal(accounts, acc_copy)
    pd.testing.assert_frame_equal(posts, posts_copy)
    shuf_acc = accounts.sample(frac=1.0, random_state=7).reset_index(drop=True)
    shuf_posts = posts.sample(frac=1.0, random_state=7).reset_index(drop=True)
    second = _run(name, shuf_acc, shuf_posts)
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.parametrize("name", SIGNALS)
def test_empty_and_absent_fields_give_empty_edges(name, population):
    accounts, posts = population
    empty = _run(name, empty_accounts(), posts.iloc[:0])
    assert empty.empty and list(empty.columns) == EDGE_COLUMNS
    bare_acc = accounts[["account_id"]]
    bare_posts = posts[["post_id", "account_id"]]
    absent = _run(name, bare_acc, bare_posts)
    assert absent.empty and list(absent.columns) == EDGE_COLUMNS
    all_na = accounts.assign(handle=pd.NA, display_name=pd.NA, bio=pd.NA, created_at=pd.NaT)
    out = _run(name, all_na, posts.assign(client=pd.NA).iloc[:0])
    assert out.empty and list(out.columns) == EDGE_COLUMNS


@pytest.mark.parametrize("name", SIGNALS)
def test_edges_are_canonical(name, population):
    accounts, posts = population
    edges = _run(name, accounts, posts)
    assert (edges["account_a"] < edges["account_b"]).all()
    assert not edges.duplicated(["account_a", "account_b", "signal"]).any()
    known = set(accounts["account_id"])
    assert set(edges["account_a"]) <= known and set(edges["account_b"]) <= known
    assert edges["evidence"].str.len().gt(0).all()
