"""Combining inputs: the row order taken one column per thread is ``iloc``'s."""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.io.combine import take_rows


def test_take_rows_equals_iloc_for_every_dtype(monkeypatch):
    monkeypatch.setenv("ASTROTURF_THREADS", "2")
    rng = np.random.default_rng(0)
    n = 50
    frame = pd.DataFrame({
        "post_id": pd.array([f"p{i}" if i % 7 else None for i in range(n)], dtype="str"),
        "created_at": pd.to_datetime(rng.integers(0, 10**9, n), unit="s", utc=True),
        "n": pd.array([i if i % 5 else None for i in range(n)], dtype="Int64"),
        "flag": pd.array([bool(i % 2) if i % 3 else None for i in range(n)], dtype="boolean"),
        "x": rng.random(n),
        "obj": pd.Series([{"a": i} for i in range(n)], dtype=object),
    }, index=pd.RangeIndex(100, 100 + n))
    rows = rng.permutation(n)[:40]
    got = take_rows(frame, rows)
    pd.testing.assert_frame_equal(got, frame.iloc[rows])
    pd.testing.assert_frame_equal(take_rows(frame, rows[:0]), frame.iloc[rows[:0]])
