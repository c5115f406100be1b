"""Optional Dask engine for the co-action kernel: partition by key hash, sweep in parallel.

Why: on a machine with many cores (or a cluster) the window sweep is the part that scales with
the data. Every key lands in exactly one partition (key code modulo the partition count), so
each partition runs the unchanged ``sweep_pairs`` on its own (key, time)-sorted slice; the
co-action pairs are mapped back to global positions and aggregated per account pair once, by
the same code as the single-process engine. The edges are therefore identical by
construction. On the 2-core development machine this is slower than one process (see
MEASUREMENTS.md: Dask 76 s vs 13.5 s); it is for bigger machines.

Needs the optional ``dask[distributed]`` dependency (``pip install astroturf-scan[dask]``).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from astroturf.errors import UsageError
from astroturf.signals.coaction import coaction_edges, sweep_pairs

logger = logging.getLogger("astroturf.signals.distributed")


@contextmanager
def _client(client: Any = None):
    """The given Dask client, or a local 2-worker cluster for the duration of the call."""
    if client is not None:
        yield client
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("the dask engine needs the 'distributed' package",
                         hint="pip install 'astroturf-scan[dask]' or use --engine pandas"
                         ) from None
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as local:
        yield local


def _partition_sweep(key: np.ndarray, time: np.ndarray, account: np.ndarray,
                     hot: np.ndarray | None, window_ns: int, max_fanout: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    i, j = sweep_pairs(key, time, account, window_ns=window_ns, hot=hot, max_fanout=max_fanout)
    return i, j


def dask_sweep(key: np.ndarray, time: np.ndarray, account: np.ndarray, *, window_ns: int,
               hot: np.ndarray | None = None, max_fanout: int = 50, client: Any = None,
               n_partitions: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Drop-in for ``sweep_pairs``: the same (i, j) pairs, computed per key-hash partition."""
    if len(key) < 2:
        return sweep_pairs(key, time, account, window_ns=window_ns, hot=hot,
                           max_fanout=max_fanout)
    with _client(client) as cl:
        n_parts = n_partitions or max(1, 2 * len(cl.scheduler_info().get("workers", {})))
        futures, positions = [], []
        for part in range(n_parts):
            pos = np.flatnonzero(key % n_parts == part)
            if len(pos) < 2:
                continue
            positions.append(pos)
            futures.append(cl.submit(
                _partition_sweep, key[pos], time[pos], account[pos],
                None if hot is None else hot[pos], window_ns, max_fanout, pure=False))
        results = cl.gather(futures)
    out_i = [pos[i] for pos, (i, _) in zip(positions, results, strict=True)]
    out_j = [pos[j] for pos, (_, j) in zip(positions, results, strict=True)]
    if not out_i:
        return np.array([], np.int64), np.array([], np.int64)
    logger.debug("dask sweep: %d partitions, %d pairs", len(out_i), sum(map(len, out_i)))
    return np.concatenate(out_i), np.concatenate(out_j)


def run_coaction_dask(actions: pd.DataFrame, *, client: Any = None,
                      n_partitions: int | None = None, **kwargs: Any) -> pd.DataFrame:
    """``coaction_edges`` with the window sweep run on Dask; same arguments, same edges.

    ``client``: an existing ``distributed.Client`` (default: a LocalCluster with 2 workers and
    1 thread each, started and stopped for this call).
    """
    def sweep(key, time, account, *, window_ns, hot=None, max_fanout=50):
        return dask_sweep(key, time, account, window_ns=window_ns, hot=hot,
                          max_fanout=max_fanout, client=client, n_partitions=n_partitions)

    return coaction_edges(actions, sweep=sweep, **kwargs)
