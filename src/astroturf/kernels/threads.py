"""Independent NumPy work items run on the machine's cores, results in input order.

NumPy releases the GIL inside its sorts, takes and ufunc loops, so kernels whose work splits
into independent blocks (MinHash chunks, LSH bands) use every core from one process without
copying their inputs. Each item writes only its own output (or returns it), and results come
back in the order of the items: the outcome never depends on scheduling.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
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
