"""Windowed co-action signals: same text, repost, reply target, URL or hashtag set within seconds.

Each signal only defines the *key* of its actions; the kernel (``kernels.sweep``) does the
window sweep and the aggregation, ``stats.nulls.timing_null`` the analytic null. Reposts are
excluded from every channel except ``co_repost`` (one retweet is not also a same-text, same-URL
or same-hashtag co-action). A null copy runs the very same code on re-timed posts.

Public functions (``co_text_edges`` ...) take a canonical posts table and return schema edges;
the pipeline calls ``windowed_channel`` on the scan's ScanData directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from astroturf.kernels.sweep import (
    aggregate_pairs,
    key_account_counts,
    lexsort_ints,
    sweep_with_hot_keys,
)
from astroturf.scandata import ScanData, encode
from astroturf.schema import Dataset, coerce_accounts, coerce_posts, empty_accounts
from astroturf.signals.base import ChannelEdges, channel_to_schema, empty_channel
from astroturf.stats.nulls import timing_null


@dataclass(frozen=True)
class Actions:
    """The actions of one windowed channel: post positions (ScanData order) and key codes."""

    post: np.ndarray
    key: np.ndarray


def actions_for(sd: ScanData, signal: str) -> Actions:
    """The actions each windowed signal looks at."""
    if signal == "co_url":
        return Actions(sd.url_post, sd.url_key)
    if signal == "near_dup_sync":
        tpl = sd.templates()
        fam, _ = tpl.of_posts(sd.fuzzy)
        size = np.bincount(tpl.family[tpl.family >= 0]) if len(tpl.family) else np.zeros(0)
        ok = fam >= 0
        ok[ok] = size[fam[ok]] > 1  # a family of one text has no near-duplicates
        return Actions(np.flatnonzero(ok), fam[ok])
    key = {"co_text": sd.text_key, "co_repost": sd.repost_key, "co_reply": sd.reply_key,
           "co_hashtag": sd.tag_key}[signal]
    post = np.flatnonzero(key >= 0)
    return Actions(post, key[post])


def windowed_channel(sd: ScanData, actions: Actions, *, signal: str, window: float,
                     times: np.ndarray | None = None, max_key_accounts: int = 1000,
                     max_fanout: int = 50, max_evidence: int = 20,
                     pair_filter: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                     evidence: bool = True, bandwidth: float = 3600.0,
                     ranks: np.ndarray | None = None) -> ChannelEdges:
    """Pairs of accounts acting on the same key within ``window`` seconds.

    ``times``: post times to use (a null copy's re-timed ones; default the real ones), and
    ``ranks`` their ``time_rank`` (computed here when not given).
    ``pair_filter(post_i, post_j)`` may drop co-action pairs (boolean mask). Frame extra
    columns: trials, p_hit (binomial null, see stats.nulls.timing_null).
    """
    if len(actions.post) < 2:
        return empty_channel(signal, "binomial")
    times, ranks = sd.post_times(times, ranks)
    t = times[actions.post]
    order = lexsort_ints((ranks[actions.post], actions.key))  # by key, time, then post
    post, key, time = actions.post[order], actions.key[order], t[order]
    account = sd.acc[post]
    n_acc = sd.n_accounts
    n_key_acc, _ = key_account_counts(key, account, n_acc)
    hot_key = n_key_acc > max_key_accounts
    window_ns, bandwidth_ns = round(window * 1e9), round(bandwidth * 1e9)
    i, j = sweep_with_hot_keys(key, time, account, window_ns=window_ns, hot=hot_key[key],
                               max_fanout=max_fanout)
    if pair_filter is not None and len(i):
        keep = pair_filter(post[i], post[j])
        i, j = i[keep], j[keep]
    if len(i) == 0:
        return empty_channel(signal, "binomial")
    with np.errstate(divide="ignore"):
        discount = np.minimum(1.0, np.log2(1 + max_key_accounts) / np.log2(1 + n_key_acc))
    agg = aggregate_pairs(i, j, key=key, time=time, account=account, discount=discount,
                          n_acc=n_acc)
    expected, p_value, trials = timing_null(
        agg.a, agg.b, agg.n_events, key=key, account=account, time=time, window_ns=window_ns,
        bandwidth_ns=bandwidth_ns)
    frame = pd.DataFrame({"a": agg.a, "b": agg.b, "n_events": agg.n_events,
                          "weight": agg.weight, "expected": expected, "p_value": p_value,
                          "first": agg.first, "last": agg.last, "trials": trials,
                          "p_hit": np.clip(expected / np.maximum(trials, 1), 0.0, 1.0)})
    out = ChannelEdges(signal=signal, frame=frame, null="binomial", ki_edge=agg.g_pair,
                       ki_key=agg.g_key, ki_events=agg.g_events)
    if evidence:
        ev = lexsort_ints((agg.g_first, agg.g_pair))
        g = agg.g_pair[ev]
        starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1] if len(g) else np.zeros(0, np.int64)
        rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
        keep = ev[rank < max_evidence]
        out.ev_edge = agg.g_pair[keep]
        out.ev_a, out.ev_b = post[agg.g_a[keep]], post[agg.g_b[keep]]
    return out


def different_texts(sd: ScanData) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Pair filter of near_dup_sync: the two posts are not the same normalised text."""
    def keep(pi: np.ndarray, pj: np.ndarray) -> np.ndarray:
        return sd.text_key[pi] != sd.text_key[pj]
    return keep


def run_windowed(sd: ScanData, signal: str, *, window: float, times: np.ndarray | None = None,
                 ranks: np.ndarray | None = None, evidence: bool = True, **kw) -> ChannelEdges:
    """One windowed signal on ScanData (real times, or a null copy's ``times``)."""
    pf = different_texts(sd) if signal == "near_dup_sync" else None
    return windowed_channel(sd, actions_for(sd, signal), signal=signal, window=window,
                            times=times, ranks=ranks, pair_filter=pf, evidence=evidence, **kw)


def scan_data(posts: pd.DataFrame, accounts: pd.DataFrame | None = None, *,
              min_text_chars: int = 20) -> ScanData:
    """ScanData of loose tables (for the public per-signal functions and tests)."""
    acc = coerce_accounts(accounts) if accounts is not None else empty_accounts()
    return encode(Dataset(posts=coerce_posts(posts), accounts=acc),
                  min_text_chars=min_text_chars)


def _public(signal: str):
    def edges(posts: pd.DataFrame, *, window: float = 60.0, max_key_accounts: int = 1000,
              max_fanout: int = 50, max_evidence: int = 20, min_text_chars: int = 20
              ) -> pd.DataFrame:
        sd = scan_data(posts, min_text_chars=min_text_chars)
        ch = run_windowed(sd, signal, window=window, max_key_accounts=max_key_accounts,
                          max_fanout=max_fanout, max_evidence=max_evidence)
        return channel_to_schema(ch, sd)
    edges.__name__ = f"{signal}_edges"
    edges.__doc__ = (f"Schema edges of '{signal}' for a canonical posts table (see the module "
                     "docstring); the window is inclusive, in seconds.")
    return edges


co_text_edges = _public("co_text")
co_repost_edges = _public("co_repost")
co_reply_edges = _public("co_reply")
co_url_edges = _public("co_url")
co_hashtag_edges = _public("co_hashtag")
near_dup_sync_edges = _public("near_dup_sync")
