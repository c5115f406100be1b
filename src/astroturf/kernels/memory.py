"""Memory handed back to the system between stages.

Arrow's allocator keeps the memory of freed arrays to reuse for later Arrow arrays; NumPy
allocates elsewhere and cannot use it. After the Arrow-heavy stages (reading, encoding), that
kept memory would sit under the NumPy-heavy signals that follow: at 10M posts it was several
GB of the scan's peak. Releasing it costs milliseconds.

The C heap does the same on a smaller scale: glibc serves large NumPy arrays from its heap
once its mmap threshold has risen, and keeps the freed pages (and Python's freed small
objects leave holes) until ``malloc_trim`` hands them back. Between stages that garbage sat
under the next stage's peak (simulator 1M: 2.39 -> 2.16 GiB with a trim after each stage).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

import numpy as np
import pyarrow as pa


def release_arrow_memory() -> None:
    """Return the memory Arrow's pool holds but no array uses (the pool stays usable)."""
    pa.default_memory_pool().release_unused()


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` from the process's own C library; None elsewhere (macOS,
    Windows, musl), where there is nothing to call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release_heap_memory() -> None:
    """Return the C heap's free pages to the system (a no-op without glibc)."""
    if _TRIM is not None:
        _TRIM(0)


def prefer_small_pages() -> bool:
    """Stop NumPy asking Linux for transparent huge pages on its large arrays, unless the user
    chose with ``NUMPY_MADVISE_HUGEPAGE`` (NumPy's own switch; read only when NumPy is
    imported, so a running process needs this call). True when the setting changed.

    Why: a scan allocates and frees arrays of tens of MB stage after stage. Where huge pages
    are granted on request (``/sys/kernel/mm/transparent_hugepage``: enabled and defrag
    ``madvise``, the usual default), each fresh array can make the kernel compact memory to
    find 2 MB pages before the first write. On this machine kind that was a third of the
    scan's system time: simulator 1M posts 42.4 -> 39.0 s wall (3 paired runs, all faster),
    system time 13.3 -> 9.4 s, the same peak. Outputs do not depend on it.
    """
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return False
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    setter = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if setter is None:  # a NumPy without the switch: nothing to change
        return False
    return bool(setter(False))
