"""The Dask engine gives the same edges as the single-process kernel."""

from __future__ import annotations

import pandas as pd
import pytest

from .test_coaction import _campaign_posts

pytest.importorskip("distributed")


@pytest.mark.slow
def test_dask_engine_matches_single_process():
    from distributed import Client, LocalCluster

    from astroturf.signals.coactions import co_repost_edges, co_text_edges, co_url_edges

    posts = _campaign_posts(seed=4)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster):
        for fn in (co_text_edges, co_repost_edges, co_url_edges):
            single = fn(posts)
            assert len(single) > 0
            pd.testing.assert_frame_equal(fn(posts, engine="dask"), single)


def test_dask_sweep_equals_sweep_with_fake_client():
    """Partitioning logic checked without starting workers (synchronous stand-in client)."""
    import numpy as np
    from astroturf.signals.coaction import sweep_pairs

    from astroturf.signals.distributed import dask_sweep

    class Now:
        def result(self):
            return self.value

    class SyncClient:
        def scheduler_info(self):
            return {"workers": {"a": 1, "b": 2}}

        def submit(self, fn, *args, pure=True):
            done = Now()
            done.value = fn(*args)
            return done

        def gather(self, futures):
            return [f.value for f in futures]

    rng = np.random.default_rng(0)
    n = 500
    key = np.sort(rng.integers(0, 40, n))
    time = rng.integers(0, 600, n) * 1_000_000_000
    order = np.lexsort((time, key))
    key, time = key[order], time[order]
    account = rng.integers(0, 30, n)
    i1, j1 = sweep_pairs(key, time, account, window_ns=60_000_000_000)
    i2, j2 = dask_sweep(key, time, account, window_ns=60_000_000_000, client=SyncClient())
    pairs1 = sorted(zip(i1.tolist(), j1.tolist(), strict=True))
    pairs2 = sorted(zip(i2.tolist(), j2.tolist(), strict=True))
    assert len(pairs1) > 0
    assert pairs1 == pairs2
