"""Small hand-made channels for the statistics tests (integer account codes)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from astroturf.kernels.sweep import NAT
from astroturf.signals.base import ChannelEdges


def channel(signal: str, rows: list[tuple[int, int, float]], *, n_events: int = 1,
            keys: list[int] | None = None, null: str = "single",
            posts: list[tuple[int, int]] | None = None) -> ChannelEdges:
    """A channel with one row per (a, b, p); optional key per row and evidence posts."""
    rows = sorted((min(a, b), max(a, b), p) for a, b, p in rows)
    a = np.array([r[0] for r in rows], np.int64)
    b = np.array([r[1] for r in rows], np.int64)
    p = np.array([r[2] for r in rows], float)
    m = len(rows)
    frame = pd.DataFrame({"a": a, "b": b, "n_events": np.full(m, n_events, np.int64),
                          "weight": np.ones(m), "expected": np.full(m, 0.1), "p_value": p,
                          "first": np.full(m, NAT, np.int64), "last": np.full(m, NAT, np.int64),
                          "trials": np.full(m, float(n_events)), "p_hit": np.full(m, 0.1)})
    ch = ChannelEdges(signal=signal, frame=frame, null=null)
    if keys is not None:
        ch.ki_edge = np.arange(m, dtype=np.int64)
        ch.ki_key = np.asarray(keys, np.int64)
        ch.ki_events = np.full(m, n_events, np.int64)
    if posts is not None:
        ch.ev_edge = np.arange(m, dtype=np.int64)
        ch.ev_a = np.array([x for x, _ in posts], np.int64)
        ch.ev_b = np.array([y for _, y in posts], np.int64)
    return ch


def clique(members, p: float) -> list[tuple[int, int, float]]:
    return [(a, b, p) for a, b in itertools.combinations(sorted(members), 2)]
