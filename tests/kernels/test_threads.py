"""Kernels spread over threads give the same bytes as on one thread (results never depend on
scheduling), and the thread count honours ASTROTURF_THREADS."""

from __future__ import annotations

import numpy as np
import pytest

from astroturf.kernels import minhash as mh
from astroturf.kernels import neardup as nd
from astroturf.kernels.threads import n_threads, thread_map


def _texts(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    words = np.array(["vote", "now", "people", "truth", "city", "jobs", "café", "🔥", "stop",
                      "the", "lies", "join", "us", "economy", "share", "again"])
    out = [" ".join(rng.choice(words, int(rng.integers(4, 14)))) for _ in range(n)]
    out += [out[i] + " today" for i in range(0, n, 7)]  # near-duplicates to find
    return np.array(out, dtype=object)


def test_thread_map_keeps_the_order_of_the_items():
    assert thread_map(lambda v: v * v, range(50)) == [v * v for v in range(50)]
    assert thread_map(str, []) == []


def test_thread_count_is_capped_by_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASTROTURF_THREADS", "1")
    assert n_threads() == 1
    monkeypatch.setenv("ASTROTURF_THREADS", "not a number")
    assert n_threads() >= 1


def test_near_duplicates_are_the_same_on_one_and_on_several_threads(
        monkeypatch: pytest.MonkeyPatch):
    texts = _texts(3000)
    params = nd.NearDupParams()
    monkeypatch.setattr(nd, "_JACCARD_BLOCK", 50)  # several blocks of pairs
    monkeypatch.setattr("astroturf.kernels.threads.n_threads", lambda: 3)
    common = mh.common_slots(texts, k=params.k, max_df=params.max_df, sample=1000)
    sig = mh.minhash(texts, common=common, chunk=128)
    many = (common, sig, mh.lsh_candidates(sig, min_agree=8),
            nd.near_duplicate_pairs(texts, params, common=common))
    monkeypatch.setattr("astroturf.kernels.threads.n_threads", lambda: 1)
    common1 = mh.common_slots(texts, k=params.k, max_df=params.max_df, sample=1000)
    sig1 = mh.minhash(texts, common=common1, chunk=128)
    one = (common1, sig1, mh.lsh_candidates(sig1, min_agree=8),
           nd.near_duplicate_pairs(texts, params, common=common1))
    np.testing.assert_array_equal(many[0], one[0])
    np.testing.assert_array_equal(many[1], one[1])
    for a, b in zip(many[2], one[2], strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(one[3]) > 0
    assert many[3].equals(one[3])


@pytest.mark.parametrize("threads", [1, 2])
def test_side_jobs_give_their_values_and_errors_on_any_core_count(
        monkeypatch: pytest.MonkeyPatch, threads: int):
    from astroturf.kernels.threads import side_jobs

    monkeypatch.setattr("astroturf.kernels.threads.n_threads", lambda: threads)
    ran: list[str] = []
    with side_jobs() as submit:
        first = submit(lambda: ran.append("first") or 1)
        second = submit(lambda: ran.append("second") or 2)
        assert (first.result(), second.result()) == (1, 2)
        failing = submit(lambda: 1 // 0)
        with pytest.raises(ZeroDivisionError):
            failing.result()
    assert ran == ["first", "second"]  # one extra thread, jobs in submission order


def test_a_job_left_behind_does_not_outlive_its_block(monkeypatch: pytest.MonkeyPatch):
    import threading

    from astroturf.kernels.threads import side_jobs

    monkeypatch.setattr("astroturf.kernels.threads.n_threads", lambda: 2)
    gate = threading.Event()
    with side_jobs() as submit:
        submit(gate.wait)
        gate.set()  # the caller never asks for the value; leaving the block waits for it
    assert not any(t.name.startswith("astroturf-side") for t in threading.enumerate())
