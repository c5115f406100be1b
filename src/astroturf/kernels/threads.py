"""Independent NumPy work items run on the machine's cores, results in input order.

NumPy releases the GIL inside its sorts, takes and ufunc loops, so kernels whose work splits
into independent blocks (MinHash chunks, LSH bands) use every core from one process without
copying their inputs. Each item writes only its own output (or returns it), and results come
back in the order of the items: the outcome never depends on scheduling.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def n_threads() -> int:
    """Cores this process may use; ``ASTROTURF_THREADS`` (a positive integer) caps it."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    cap = os.environ.get("ASTROTURF_THREADS", "")
    if cap.strip().isdigit() and int(cap) > 0:
        cores = min(cores, int(cap))
    return max(1, cores)


def thread_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(item) for item in items]``, the items spread over ``n_threads()`` threads."""
    items = list(items)
    workers = min(n_threads(), len(items))
    if workers <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="astroturf") as pool:
        return list(pool.map(fn, items))


def spans(n: int, *, min_size: int = 1) -> list[slice]:
    """``range(n)`` cut into one slice per thread, none under ``min_size`` (so that small
    inputs stay one block and pay no thread start-up)."""
    step = max(min_size, -(-n // n_threads()), 1)
    return [slice(lo, min(lo + step, n)) for lo in range(0, n, step)]


class Job:
    """The outcome of one function that may run on a thread of its own (see ``side_jobs``)."""

    def __init__(self, fn: Callable[[], R], future=None) -> None:
        self._fn, self._future = fn, future

    def result(self) -> R:
        """The function's value (its error raised here); computed now if it did not run yet."""
        if self._future is None:
            self._future = _Done(self._fn())
        return self._future.result()


class _Done:
    def __init__(self, value) -> None:
        self.value = value

    def result(self):
        return self.value


@contextmanager
def side_jobs() -> Iterator[Callable[[Callable[[], R]], Job]]:
    """``submit(fn) -> Job``: whole independent stages run beside the caller's own work.

    Why: most of a scan's stages are single-threaded, so a second core sits idle while, say,
    the HTML report is rendered (Python) or a randomised copy is sorted (NumPy); a stage that
    depends on neither can run meanwhile. Jobs run one after the other on one extra thread, in
    submission order; with one core they run when their result is asked for. Either way each
    job computes the same value, so outputs never depend on scheduling. Leaving the block waits
    for jobs already started and drops the others.
    """
    pool = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="astroturf-side")
            if n_threads() > 1 else None)

    def submit(fn: Callable[[], R]) -> Job:
        return Job(fn, pool.submit(fn) if pool is not None else None)

    try:
        yield submit
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
