"""Report tests; ``make_result`` builds a small hand-made ScanResult shared by the modules."""

from __future__ import annotations

import pandas as pd

from astroturf.report.evidence import build_evidence
from astroturf.schema import ScanResult, coerce_posts
from astroturf.signals.base import finish_edges

SCRIPT = "<script>alert(1)</script>"
T0 = pd.Timestamp("2024-03-01 12:00:00", tz="UTC")


def make_posts() -> pd.DataFrame:
    """Four accounts; a1/a2/a3 post the same talking point seconds apart, a4 is organic."""
    rows = [
        ("p1", "a1", 0, "Amazon treats us great! =HYPERLINK(\"x\")", "https://amzn.to/x"),
        ("p2", "a2", 12, "Amazon treats us great!", "https://amzn.to/x"),
        ("p3", "a3", 40, SCRIPT + " Amazon treats us great!", None),
        ("p4", "a1", 3600, "Unions are not needed here", None),
        ("p5", "a2", 3630, "Unions are not needed here", None),
        ("p6", "a4", 90, "+1 had a nice lunch", None),
    ]
    df = pd.DataFrame(rows, columns=["post_id", "account_id", "secs", "text", "urls"])
    df["created_at"] = T0 + pd.to_timedelta(df["secs"], unit="s")
    return coerce_posts(df.drop(columns="secs"))


def make_edges() -> pd.DataFrame:
    raw = pd.DataFrame({
        "account_a": ["a1", "a1", "a2", "a1", "a3"],
        "account_b": ["a2", "a3", "a3", "a2", "a4"],
        "signal": ["co_text", "co_text", "co_text", "bio_similar", "co_url"],
        "weight": [2.0, 1.0, 1.0, 0.93, 0.1],
        "n_events": [2, 1, 1, 1, 1],
        "first_seen": [T0, T0, T0, pd.NaT, T0],
        "last_seen": [T0 + pd.Timedelta("3630s"), T0, T0, pd.NaT, T0],
        "expected": [0.01, 0.01, 0.01, 0.05, 0.5],
        "p_value": [1e-6, 1e-3, 1e-3, 1e-4, 0.4],
        "evidence": ["p1>p2 p4>p5", "p1>p3", "p2>p3", f"bios 93% alike: '{SCRIPT}' / '-2+3'",
                     "p3>p6"],
    })
    edges = finish_edges(raw)
    edges["q_value"] = edges["p_value"] * 3
    edges["cluster_id"] = edges["account_b"].map({"a2": "1", "a3": "1", "a4": ""})
    return edges


def make_result() -> ScanResult:
    posts = make_posts()
    edges = make_edges()
    accounts = pd.DataFrame({
        "account_id": ["a1", "a2", "a3", "a4"],
        "handle": ["fc_ambassador_1", "fc_ambassador_2", SCRIPT, "=cmd|' /C calc'!A0"],
        "score": [0.97, 0.95, -0.5, 0.02],
        "flagged": [True, True, True, False],
        "cluster_id": ["1", "1", "1", ""],
        "reasons": ["same text within 12 s", "same text", "same text; bio alike", ""],
        "bio": ["Proud FC worker", "Proud FC worker!", SCRIPT, "@SUM(1+1) gardener"],
        "n_posts": pd.array([2, 2, 1, 1], dtype="Int64"),
    })
    clusters = pd.DataFrame({
        "cluster_id": ["1", "2"],
        "size": [3, 2],
        "score": [0.96, 0.1],
        "flagged": [True, False],
        "members": ["a1 a2 a3", "a3 a4"],
        "reasons": ["3 accounts posted the same talking point within 40 s; bios 93% alike",
                    "one shared link"],
        "p_value": [1e-7, 0.3],
        "q_value": [3e-7, 0.6],
        "channels": ["co_text,bio_similar", "co_url"],
        "first_seen": [T0, T0],
        "last_seen": [T0 + pd.Timedelta("3630s"), T0],
    })
    manifest = {"version": "test", "parameters": {"fdr": 0.05, "window": 60.0}, "seed": 0,
                "counts": {"posts": len(posts), "accounts": 4},
                "inputs": [{"name": "export.csv", "size": 10, "sha256": "ab" * 32,
                            "format": "generic_csv"}]}
    return ScanResult(accounts=accounts, clusters=clusters, edges=edges,
                      evidence=build_evidence(edges, posts), manifest=manifest,
                      signals={"co_text": "ran: 4 edges", "co_url": "ran: 1 edge",
                               "bio_similar": "ran: 1 edge",
                               "client": "skipped: no client column in the input"})


__all__ = ["SCRIPT", "T0", "make_edges", "make_posts", "make_result"]
