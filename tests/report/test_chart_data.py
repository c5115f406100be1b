import numpy as np
import pandas as pd

from astroturf.report.chart_data import (
    DAY,
    HOUR,
    chart_data,
    creation_burst,
    hour_of_week,
    time_bins,
)

T0 = pd.Timestamp("2024-03-04 00:00", tz="UTC")  # a Monday


def test_bins_are_nice_aligned_and_bounded():
    s = np.array([T0.timestamp(), (T0 + pd.Timedelta("29D")).timestamp(), np.nan])
    b = time_bins(s, max_bins=120)
    assert b["width_s"] == 6 * HOUR and b["start_s"] % b["width_s"] == 0 and b["n"] <= 120
    assert time_bins(np.array([np.nan]))["n"] == 0


def test_hour_of_week_starts_monday_utc():
    t = np.array([T0.timestamp(), (T0 + pd.Timedelta("1D 5h")).timestamp(), np.nan])
    assert hour_of_week(t).tolist() == [0, 29, -1]


def test_creation_burst_finds_the_tightest_crowd():
    t = T0.timestamp() + np.array([0, 600, 3 * 3600, 40 * DAY, np.nan])
    b = creation_burst(t, window_s=24 * HOUR)
    assert (b["n"], b["of"], b["span_s"]) == (3, 4, 3 * 3600)
    assert creation_burst(np.array([1.0]), window_s=10) is None


def test_chart_data_counts_members_and_sync_moments():
    posts = pd.DataFrame({"account_id": ["a", "b", "c", "a"],
                          "created_at": [T0, T0 + pd.Timedelta("30s"), T0, T0 + pd.Timedelta(
                              "2D")]})
    accounts = pd.DataFrame({"account_id": ["a", "b", "c"],
                             "created_at": [T0 - pd.Timedelta("300D"),
                                            T0 - pd.Timedelta("300D 1h"), pd.NaT]})
    membership = pd.DataFrame({"account_id": ["a", "b"], "cluster_id": ["1", "1"]})
    evidence = pd.DataFrame({"cluster_id": ["1", "1"], "time_a": [T0, pd.NaT],
                             "time_b": [T0 + pd.Timedelta("30s"), pd.NaT]})
    d = chart_data(posts, accounts, membership, evidence, cluster_ids=["1", "9"])
    c = d["clusters"]["1"]
    assert set(d["clusters"]) == {"1"}
    assert c["n_posts"] == 3 and c["n_accounts"] == 2 and sum(c["sync"]) == 1
    assert sum(d["timeline"]["all"]) == 4 and sum(c["timeline"]) == 3
    assert sum(c["hours"]) == 3 and c["hours"][0] == 2
    assert d["creation"]["n_accounts"] == 2 and sum(c["creation"]) == 2
    assert c["burst"]["n"] == 2 and c["burst"]["span_s"] == 3600
