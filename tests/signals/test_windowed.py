"""A windowed channel split by key gives the same bytes as one pass over every key.

The parts exchange only pairs, (pair, key) groups and null terms (signals.windowed); these
tests split real channels into 2-5 key partitions, with hot keys that pair only accounts
linked on an ordinary key of another partition, and compare every array bit for bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astroturf.scandata import ScanData
from astroturf.signals.base import ChannelEdges
from astroturf.signals.coactions import (
    actions_for,
    different_texts,
    run_windowed,
    scan_data,
    sweep_of,
    windowed_part,
)
from astroturf.signals.windowed import (
    LocalParts,
    channel_of_parts,
    part_groups,
    part_pairs,
    sweep_part,
)
from astroturf.stats.randomise import retime

SIGNALS = ["co_text", "co_repost", "co_url", "co_reply", "co_hashtag", "near_dup_sync"]


@pytest.fixture(scope="module")
def sd() -> ScanData:
    from astroturf.simulate import simulate

    sim = simulate(n_accounts=300, n_posts=5000, n_groups=6, group_size=(6, 9), seed=7)
    return scan_data(sim.posts)


def _bits(ch: ChannelEdges) -> dict[str, bytes]:
    cols = {f"frame.{c}": ch.frame[c].to_numpy().tobytes() for c in ch.frame.columns}
    arrays = {k: getattr(ch, k).tobytes() for k in ("ev_edge", "ev_a", "ev_b", "ki_edge",
                                                     "ki_key", "ki_events")}
    return {**cols, **arrays, "null": ch.null.encode(), "columns": str(list(ch.frame)).encode()}


def _split(sd: ScanData, signal: str, parts: int, *, max_key_accounts: int,
           times: np.ndarray | None = None, evidence: bool = True) -> ChannelEdges:
    how = sweep_of(sd, window=60.0, bandwidth=3600.0, max_key_accounts=max_key_accounts,
                   max_fanout=3)
    t, ranks = sd.post_times(times)
    act = actions_for(sd, signal)
    keep = different_texts(sd) if signal == "near_dup_sync" else None
    held = [sweep_part(act.post, act.key, t, ranks, sd.acc, how, part=k, parts=parts, keep=keep)
            for k in range(parts)]
    return channel_of_parts(held, LocalParts(), signal=signal, how=how, evidence=evidence,
                            max_evidence=2)


@pytest.mark.parametrize("signal", SIGNALS)
def test_key_partitions_give_the_same_bytes(sd: ScanData, signal: str) -> None:
    found = 0
    for max_key_accounts in (6, 1000):  # 6: the campaigns' keys are hot
        whole = run_windowed(sd, signal, window=60.0, max_key_accounts=max_key_accounts,
                             max_fanout=3, max_evidence=2)
        found += len(whole)
        for parts in (2, 3, 5):
            assert _bits(_split(sd, signal, parts, max_key_accounts=max_key_accounts)) == \
                _bits(whole), f"{signal} differs with {parts} key partitions"
    assert found > 0  # channels with pairs, not empty comparisons


def test_hot_keys_pair_accounts_linked_in_another_partition() -> None:
    """Two keys, so two parts hold one each: a and b co-post an ordinary text (part of one
    key) and, with ten others, a viral one (hot: more than 6 accounts). Their viral
    co-action counts only because the pairs of every part reach the hot key's part."""
    t0 = pd.Timestamp("2024-05-01T00:00:00Z")
    rows = [("a", "ordinary words that two share", 0), ("b", "ordinary words that two share", 9)]
    rows += [(f"u{k}", "viral words everybody is posting", 1000 + 5 * k) for k in range(10)]
    rows += [("a", "viral words everybody is posting", 1020), ("b", "viral words everybody is "
                                                              "posting", 1022)]
    posts = pd.DataFrame(rows, columns=["account_id", "text", "sec"])
    posts["created_at"] = t0 + pd.to_timedelta(posts.pop("sec"), unit="s")
    posts["post_id"] = [f"p{i}" for i in range(len(posts))]
    small = scan_data(posts)
    whole = run_windowed(small, "co_text", window=60.0, max_key_accounts=6, max_fanout=3)
    assert whole.frame["n_events"].tolist() == [2]  # the ordinary and the viral co-action
    split = _split(small, "co_text", 2, max_key_accounts=6)
    assert _bits(split) == _bits(whole)
    how = sweep_of(small, window=60.0, bandwidth=3600.0, max_key_accounts=6, max_fanout=3)
    t, ranks = small.post_times()
    act = actions_for(small, "co_text")
    held = [sweep_part(act.post, act.key, t, ranks, small.acc, how, part=k, parts=2)
            for k in range(2)]
    own = [part_groups(p, part_pairs(p, how), how) for p in held]  # no exchange
    assert sum(len(g.code) for g in own) == 1


def test_a_null_copy_splits_the_same_way(sd: ScanData) -> None:
    times = retime(sd.t, np.random.default_rng(3))
    whole = run_windowed(sd, "co_text", window=60.0, times=times, evidence=False,
                         max_key_accounts=6, max_fanout=3, max_evidence=2)
    split = _split(sd, "co_text", 3, max_key_accounts=6, times=times, evidence=False)
    assert _bits(split) == _bits(whole)


def test_a_part_without_actions_adds_nothing(sd: ScanData) -> None:
    """More parts than keys of a channel: the empty parts give no pairs, groups or terms."""
    how = sweep_of(sd, window=60.0, bandwidth=3600.0, max_key_accounts=1000, max_fanout=50)
    p = windowed_part(sd, "co_repost", how, part=0, parts=1)
    assert len(p.key) > 0
    n_keys = int(p.key.max()) + 1
    whole = run_windowed(sd, "co_repost", window=60.0)
    split = _split(sd, "co_repost", n_keys + 7, max_key_accounts=1000)
    split_frame, whole_frame = split.frame, whole.frame
    pd.testing.assert_frame_equal(split_frame, whole_frame, check_exact=True)
