"""Windowed co-action signals: same text, repost, reply target, URL or hashtag set within seconds.

Each signal only defines the *key* of its actions; the kernel (``kernels.sweep``) does the
window sweep and the aggregation, ``stats.nulls.timing_terms`` the analytic null. Reposts are
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

from astroturf.scandata import ScanData, encode
from astroturf.schema import Dataset, coerce_accounts, coerce_posts, empty_accounts
from astroturf.signals.base import ChannelEdges, channel_to_schema, empty_channel
from astroturf.signals.windowed import LocalParts, Part, Sweep, channel_of_parts, sweep_part


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
    columns: trials, p_hit (binomial null, see stats.nulls.timing_terms). One key
    partition of ``signals.windowed``, held here.
    """
    if len(actions.post) < 2:
        return empty_channel(signal, "binomial")
    times, ranks = sd.post_times(times, ranks)
    how = sweep_of(sd, window=window, bandwidth=bandwidth, max_key_accounts=max_key_accounts,
                   max_fanout=max_fanout)
    part = sweep_part(actions.post, actions.key, times, ranks, sd.acc, how, keep=pair_filter)
    return channel_of_parts([part], LocalParts(), signal=signal, how=how, evidence=evidence,
                            max_evidence=max_evidence)


def sweep_of(sd: ScanData, *, window: float, bandwidth: float, max_key_accounts: int,
             max_fanout: int) -> Sweep:
    """The sweep of a windowed channel on ``sd`` (seconds to ns)."""
    return Sweep(window_ns=round(window * 1e9), bandwidth_ns=round(bandwidth * 1e9),
                 max_key_accounts=max_key_accounts, max_fanout=max_fanout,
                 n_acc=sd.n_accounts, grid_ns=sd.time_grid)


def windowed_part(sd: ScanData, signal: str, how: Sweep, *, part: int, parts: int) -> Part:
    """Key partition ``part`` of ``parts`` of a windowed signal on the real times, swept
    (``signals.windowed`` round 1; run where ``sd`` is held, e.g. a Dask worker)."""
    times, ranks = sd.post_times()
    actions = actions_for(sd, signal)
    keep = different_texts(sd) if signal == "near_dup_sync" else None
    return sweep_part(actions.post, actions.key, times, ranks, sd.acc, how, part=part,
                      parts=parts, keep=keep)


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
