"""Memory handed back between stages: safe to call anywhere, a no-op without glibc."""

from __future__ import annotations

import subprocess
import sys

import pytest

from astroturf.kernels import memory

# Run in a fresh interpreter, whose heap state is known (in a long test process glibc's
# thresholds have moved with earlier tests): glibc is told not to trim the heap's top by
# itself (M_TRIM_THRESHOLD = -1), so all freed pages stay until release_heap_memory.
_FRESH = """
import ctypes, os
import numpy as np
from astroturf.kernels import memory
ctypes.CDLL(None).mallopt(-1, 1 << 30)
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
keep = [np.ones(1 << 13) for _ in range(8_000)]  # 8,000 x 64 KiB from the heap: 500 MiB
del keep
before = rss()
memory.release_heap_memory()
print(before - rss())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or memory._TRIM is None,
                    reason="malloc_trim is glibc's (Linux)")
def test_freed_heap_pages_go_back_to_the_system():
    out = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True,
                         check=True, timeout=120)
    assert float(out.stdout.strip()) > 400  # MiB handed back of the 500 freed


def test_without_glibc_there_is_nothing_to_call(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory._malloc_trim() is None
    monkeypatch.setattr(memory, "_TRIM", None)
    memory.release_heap_memory()  # a no-op, no error
