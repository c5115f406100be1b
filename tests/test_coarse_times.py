"""Exports whose times are recorded only to the minute or to the day: no false accusations.

A dates-only export puts every post of a day on one instant, and whole minutes make posts a
minute apart look as close as posts a second apart. Synchrony finer than the grid is
unknowable (the windowed signals and lock-step stop, saying why), and chance co-occurrence on
a grid is what the nulls and the calibration's copies now model (docs/interpreting.md,
"Coarse times").
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from astroturf.config import ScanParams
from astroturf.io import read_dataset
from astroturf.kernels.sweep import NAT, time_grid_ns
from astroturf.pipeline import scan
from astroturf.schema import coerce_posts
from astroturf.signals.lockstep import lockstep_edges
from astroturf.simulate import simulate, write_export
from astroturf.stats.nulls import grid_window_ns, in_bin_chance
from astroturf.stats.randomise import retime

S = 10**9


@pytest.mark.parametrize(("step", "grid"), [(86_400 * S, 86_400 * S), (7_200 * S, 3_600 * S),
                                            (60 * S, 60 * S), (S, S), (S // 1000, 10**6),
                                            (1_000, 1_000), (7, 1)])
def test_time_grid_is_the_coarsest_unit_of_every_time(step: int, grid: int) -> None:
    rng = np.random.default_rng(1)
    t = rng.integers(-10**4, 10**4, 5000) * step  # before and after 1970
    t[::7] = NAT  # untimed posts do not count
    assert time_grid_ns(t) == grid


def test_dates_at_local_midnight_are_a_day_grid() -> None:
    t = pd.to_datetime(["2024-03-01T00:00:00+02:00", "2024-03-05T00:00:00+02:00",
                        "2024-02-11T00:00:00+02:00"], utc=True)
    assert time_grid_ns(t.as_unit("ns").asi8) == 86_400 * S


def test_time_grid_of_no_time_is_continuous() -> None:
    assert time_grid_ns(np.array([NAT, NAT], np.int64)) == 1
    assert time_grid_ns(np.zeros(0, np.int64)) == 1


@pytest.mark.parametrize(("window", "grid", "bins"), [(60, 60, 60), (60, 3, 1200), (90, 60, 60),
                                                    (5, 2, 50), (30, 7, 100)])
def test_in_bin_chance_counts_the_grid_points_within_the_window(window: int, grid: int,
                                                                bins: int) -> None:
    """Every pair of the m grid points of a bin, counted: the share at most W apart."""
    pts = np.arange(bins) * grid
    want = (np.abs(pts[:, None] - pts[None, :]) <= window).mean()
    assert in_bin_chance(window, bins * grid, grid) == pytest.approx(want, rel=1e-12)
    # the continuous window with the same chance, for the densities lock-step estimates
    assert grid_window_ns(window, grid) == (window // grid + 0.5) * grid


def test_in_bin_chance_on_a_fine_grid_tends_to_the_continuous_one() -> None:
    w, h = 60 * S, 3600 * S
    continuous = in_bin_chance(w, h)
    assert continuous == 2 * w / h - (w / h) ** 2
    assert in_bin_chance(w, h, 10**6) == pytest.approx(continuous, rel=1e-4)
    assert grid_window_ns(w, 1) == w


def test_retime_keeps_times_on_their_grid_inside_their_bin() -> None:
    rng = np.random.default_rng(3)
    t = rng.integers(0, 10**6, 20_000) * 60 * S
    moved = retime(t, np.random.default_rng(4), bandwidth_ns=3600 * S, grid_ns=60 * S)
    assert not (moved % (60 * S)).any()
    assert (np.abs(moved - t) < 3600 * S).all()
    # on the grid, every one of the 60 minutes of a bin is drawn about as often
    minute = (moved // (60 * S)) % 60
    counts = np.bincount(minute, minlength=60)
    assert counts.min() > 0.8 * counts.mean()


def _organic(unit: str | None) -> pd.DataFrame:
    """30 accounts posting at random seconds of the same two evening hours for ten days."""
    rng = np.random.default_rng(5)
    t0 = pd.Timestamp("2024-05-01", tz="UTC")
    day = rng.integers(0, 10, (30, 200))
    sec = rng.uniform(0, 7200, (30, 200)) + 18 * 3600
    posts = pd.DataFrame({
        "account_id": np.repeat([f"u{a:02d}" for a in range(30)], 200),
        "created_at": t0 + pd.to_timedelta((day * 86400 + sec).ravel(), unit="s")})
    if unit:
        posts["created_at"] = posts["created_at"].dt.floor(unit)
    posts["post_id"] = [f"p{i}" for i in range(len(posts))]
    posts["text"] = "own words"
    return coerce_posts(posts)


@pytest.mark.parametrize("unit", [None, "min"])
def test_lockstep_of_organic_accounts_on_whole_minutes_stays_at_chance(unit: str | None) -> None:
    """On whole minutes, posts in the same or the next minute are within 60 s: half again
    what continuous times give. Before the grid entered the null, 305 of these 435 organic
    pairs came out at p < 0.01 (co-occurrences 1.35 times the expectation)."""
    posts = _organic(unit)
    ids = sorted(posts["account_id"].unique())
    pairs = pd.DataFrame(list(itertools.combinations(ids, 2)), columns=["account_a", "account_b"])
    edges = lockstep_edges(posts, pairs)
    assert len(edges) > 400
    assert 0.85 < edges["n_events"].sum() / edges["expected"].sum() < 1.15
    assert (edges["p_value"] < 0.01).mean() < 0.02


def test_dates_only_export_skips_what_needs_the_minute_and_flags_no_one(tmp_path: Path) -> None:
    """The simulator's export with every time cut to its day: every post of a day shares an
    instant. Before, 186 of 1,133 genuine accounts were flagged (lock-step of whole days)."""
    sim = simulate(n_accounts=1200, n_posts=12000, n_groups=6, seed=1)
    sim.posts["created_at"] = sim.posts["created_at"].dt.floor("D")
    write_export(sim, tmp_path, fmt="csv")
    export = next(p for p in tmp_path.iterdir() if p.name.startswith("export"))
    result = scan(read_dataset([str(export)]), ScanParams(seed=0))
    why = "skipped: post times are recorded only to the day, coarser than the 60 s window"
    for name in ("co_text", "co_repost", "co_url", "co_reply", "near_dup_sync", "lockstep"):
        assert result.signals[name] == why
    assert result.signals["rhythm"].startswith("skipped: post times are recorded only to the day")
    from astroturf.report.summary import format_summary

    head = format_summary(result).splitlines()[:3]  # said before any cluster
    assert any(x.startswith("Note: post times are recorded only to the day") and "lockstep" in x
               for x in head)
    from astroturf.report.html import render_html

    page = render_html(result)  # near the top of the report too, not only in its signal table
    at = page.find('<p class="note">Note: post times are recorded only to the day')
    assert 0 < at < page.find("In short")
    merged = sim.labels.merge(result.accounts[["account_id", "flagged"]], on="account_id",
                              how="left")
    merged["flagged"] = merged["flagged"].fillna(False).astype(bool)
    assert not merged.loc[merged["label"] == "genuine", "flagged"].any()
    # what the day still shows (copied texts, profiles) still finds campaigns
    assert merged.loc[merged["label"] == "coordinated", "flagged"].mean() > 0.3


def test_inspect_says_what_dates_only_rule_out() -> None:
    from astroturf.io.inspect import signals_unavailable
    from astroturf.schema import Dataset, coerce_accounts

    posts = _organic("D").assign(text="the same words, every day")
    data = Dataset(posts=posts, accounts=coerce_accounts(
        pd.DataFrame({"account_id": posts["account_id"].unique()})))
    gone = signals_unavailable(data)
    assert gone["co_text"].startswith("post times are recorded only to the day")
    assert gone["lockstep"] == gone["co_text"]
    assert "template_reuse" not in gone  # texts reused at any time need no clock
    minutes = Dataset(posts=_organic("min"), accounts=data.accounts)
    assert "co_text" not in signals_unavailable(minutes)  # a minute is the window: it runs
