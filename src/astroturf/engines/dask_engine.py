"""The Dask engine: the scan's expensive stages as tasks on a Dask cluster.

What runs on the workers: the template families (MinHash/LSH), one task; each windowed
co-action signal split by key over the workers (one part each, ``signals.windowed``: the
driver gets pairs, (pair, key) groups and null terms back); every other signal, one task
each; and each randomised copy of the calibration (its signals, fusion, and the pairs it
keeps), one task each. The driver then fuses the real pairs, finds communities, tests and
reports. The functions are the
single-process ones, called with the same arguments, so the outputs are byte-identical to
``--engine pandas`` (tests/test_dask_engine.py checks it on a LocalCluster). What does not
(yet) run on the workers is reading and encoding: the driver holds the encoded posts and
ships them (``ScanData.for_workers``: the integer codes, not the texts) to every worker once,
for the signals and the calibration alike (``DaskEngine``; docs/scaling.md says what that
costs and the plan past it).

Connect to an existing cluster with ``--scheduler ADDRESS`` or ``DASK_SCHEDULER_ADDRESS``;
without either, a LocalCluster of two single-threaded worker processes runs for the scan.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from astroturf.errors import UsageError

log = logging.getLogger("astroturf.engines.dask")

INSTALL = "pip install 'astroturf-scan[dask]'"
CONNECT_TIMEOUT = 20.0  # seconds to reach a given scheduler before saying it cannot be reached


@contextmanager
def dask_client(address: str = "", *, debug: bool = False) -> Iterator[Any]:
    """A ``DaskEngine`` on a distributed Client for ``address`` (or DASK_SCHEDULER_ADDRESS, else
    a LocalCluster).

    Dask's own logging stays off stderr unless ``debug``.
    """
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError("the dask engine needs the 'distributed' package",
                         hint=f"{INSTALL}, or run with --engine pandas") from None
    quiet = logging.DEBUG if debug else logging.ERROR
    for name in ("distributed", "dask", "bokeh", "tornado"):
        logging.getLogger(name).setLevel(quiet)
    with warnings.catch_warnings():
        if not debug:  # Dask's advice to its own users is not the scan's business on stderr
            warnings.filterwarnings("ignore", module=r"distributed(\.|$)")
        yield from _client(address or os.environ.get("DASK_SCHEDULER_ADDRESS", ""), quiet)


def _client(address: str, quiet: int) -> Iterator[Any]:
    """The engine on the client of ``address``, or of a LocalCluster of two single-threaded
    workers."""
    from distributed import Client, LocalCluster

    if address:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}",
                             hint="check --scheduler / DASK_SCHEDULER_ADDRESS, or drop it to "
                                  "run a local cluster") from None
        with client:
            yield DaskEngine(client)
        return
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=quiet) as cluster, \
            Client(cluster) as client:
        yield DaskEngine(client)


class DaskEngine:
    """A Dask client and what this scan has shipped to it: the scan data goes to the workers
    once (broadcast), the template families are built by one task and passed from worker to
    worker; the signals and every randomised copy reuse both."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._sd = None
        self._remote: Any = None
        self._templates: Any = None

    def ship(self, sd) -> Any:
        """The workers' copy of ``sd`` (``ScanData.for_workers``), scattered on first use.

        hash=False: a content-keyed scatter could share its key with another scan's, and
        releasing one would drop the data under the other's tasks. Data goes by scatter,
        never inside a task graph (Dask warns about large graphs)."""
        if self._sd is not sd:
            self._remote = self.client.scatter(sd.for_workers(), broadcast=True, hash=False)
            self._sd, self._templates = sd, None
        return self._remote

    def templates(self, sd) -> Any:
        """A future of the template families, built by one task; the driver's copy is set
        on ``sd`` (template groups and evidence read it)."""
        remote = self.ship(sd)
        if self._templates is None:
            self._templates = self.client.submit(_templates, remote, pure=False)
            sd._templates = self._templates.result()
        return self._templates


def _templates(sd):
    return sd.templates()


def _with_templates(sd, templates):
    """The worker's scan data with the families built by the templates task (the object is
    shared by the tasks on one worker; every task sets the same value)."""
    if templates is not None and sd._templates is None:
        sd._templates = templates
    return sd


def _signal(sd, templates, params, name: str, sources=()):
    from astroturf.signals.catalog import SIGNALS

    sd = _with_templates(sd, templates)
    spec = next(s for s in SIGNALS if s.name == name)
    return spec.run(sd, params, sources=list(sources)) if spec.derived_from else spec.run(
        sd, params)


TEMPLATE_READERS = ("near_dup_sync", "template_reuse", "app_boilerplate")


def run_signals(engine: DaskEngine, sd, params, names: list[str]) -> dict:
    """Signals by name, computed on the workers; derived ones after their sources.

    A windowed signal runs split by key over as many parts as there are workers
    (``signals.windowed``: only pairs, groups and null terms come back); the others are one
    task each. The driver follows each windowed signal's rounds on a thread of its own, so
    every signal's tasks are on the cluster at once."""
    from astroturf.signals.catalog import SIGNALS

    specs = {s.name: s for s in SIGNALS}
    client = engine.client
    remote = engine.ship(sd)
    tpl = engine.templates(sd) if any(n in TEMPLATE_READERS for n in names) else None
    base = [n for n in names if not specs[n].derived_from]
    futures = {n: client.submit(_signal, remote, tpl, params, n, pure=False) for n in base
               if specs[n].kind != "windowed"}
    windowed = [n for n in base if specs[n].kind == "windowed"]
    parts = max(1, len(client.scheduler_info().get("workers", {})))
    with ThreadPoolExecutor(max_workers=max(1, len(windowed))) as pool:
        flows = {n: pool.submit(_windowed_signal, engine, sd, remote, tpl, params, n, parts)
                 for n in windowed}
        done = {n: f.result() for n, f in flows.items()}
    done.update({n: f.result() for n, f in futures.items()})
    out = {n: done[n] for n in base}
    for n in names:
        if specs[n].derived_from:
            sources = [out[s] for s in specs[n].derived_from if s in out]
            out[n] = client.submit(_signal, remote, tpl, params, n, sources,
                                   pure=False).result()
    return out


class DaskParts:
    """Key partitions held by Dask workers (``signals.windowed.Parts``): results stay on
    the worker that made them until gathered; shared values are broadcast once."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def map(self, fn, parts: list, *args: Any) -> list:
        return [self.client.submit(fn, p, *args, pure=False) for p in parts]

    def share(self, value: Any) -> Any:
        # a one-item list: scatter would split a tuple into one future per item
        return self.client.scatter([value], broadcast=True, hash=False)[0]

    def gather(self, results: list) -> list:
        return self.client.gather(results)


def _part(sd, templates, signal: str, how, part: int, parts: int):
    from astroturf.signals.coactions import windowed_part

    return windowed_part(_with_templates(sd, templates), signal, how, part=part, parts=parts)


def _windowed_signal(engine: DaskEngine, sd, remote, tpl, params, name: str, parts: int):
    """One windowed signal on the real times, split by key over ``parts`` worker tasks."""
    from astroturf.signals.coactions import sweep_of
    from astroturf.signals.windowed import channel_of_parts

    how = sweep_of(sd, window=params.window, bandwidth=params.null_bandwidth,
                   max_key_accounts=params.max_key_accounts, max_fanout=params.max_fanout)
    held = [engine.client.submit(_part, remote, tpl, name, how, k, parts, pure=False)
            for k in range(parts)]
    return channel_of_parts(held, DaskParts(engine.client), signal=name, how=how,
                            evidence=True, max_evidence=params.max_evidence)


def _copy_task(sd, templates, task, params, real, copy):
    return task(_with_templates(sd, templates), params, real, copy)


def run_null_copies(engine: DaskEngine, sd, params, real: dict, copies: list, task) -> list:
    """``task(sd, params, real, copy)`` for every copy, on the workers, in copy order (the
    scan data and template families already shipped for the signals are reused)."""
    client = engine.client
    remote = engine.ship(sd)
    tpl = engine._templates if sd._templates is not None else None
    remote_real = client.scatter(real, broadcast=True, hash=False)
    futures = [client.submit(_copy_task, remote, tpl, task, params, remote_real,
                             client.scatter(c, hash=False), pure=False) for c in copies]
    return [f.result() for f in futures]
