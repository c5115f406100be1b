"""Shared rare posting clients: accounts run from the same small tool.

An operator running a batch of accounts often posts through one scheduler or a home-made app
("FC Buzz Poster 1.2"). Clients used by few accounts are evidence; the official apps used by
everyone are not. p = rarity tail of client popularity in the population (``minhash.rarity_tail``):
the probability that two random accounts share a client at most this popular. Clients used by more
than ``max_client_accounts`` accounts, or named in ``common_clients``, never make edges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.signals.base import account_codes, finish_edges
from astroturf.signals.minhash import shared_key_pairs

COMMON_CLIENTS = (
    "twitter for iphone", "twitter for android", "twitter for ipad", "twitter web app",
    "twitter web client", "web", "mobile web", "mobile web (m2)", "tweetdeck",
    "tweetdeck web app", "twitter for mac", "twitter for windows", "twitter lite",
    "facebook", "instagram", "ios", "android",
)


def normalise_clients(clients: pd.Series) -> pd.Series:
    """Client names without HTML anchors ('<a href=..>X</a>' -> 'x'), casefolded, squeezed."""
    s = clients.astype("str").str.replace(r"<[^>]*>", "", regex=True)
    s = s.str.normalize("NFKC").str.casefold().str.replace(r"\s+", " ", regex=True).str.strip()
    return s.mask(s.str.len() == 0)


def client_edges(posts: pd.DataFrame, accounts: pd.DataFrame | None = None, *,
                 max_client_accounts: int = 20,
                 common_clients: tuple[str, ...] = COMMON_CLIENTS) -> pd.DataFrame:
    """Pairs of accounts that both posted through the same rare client.

    In: posts with ``account_id``, ``client``; optional ``accounts`` with a ``client`` column
    (some exports give the app per account) adds those. Out: EDGE columns, signal 'client';
    n_events = number of rare clients shared; weight = 1 / (accounts using the client - 1);
    ``expected`` = ``p_value``; evidence e.g. "both post via 'FC Buzz 1.2' (12 of 900 accounts
    with a known client)".
    """
    frames = [posts[["account_id", "client"]] if {"account_id", "client"} <= set(posts.columns)
              else None]
    if accounts is not None and {"account_id", "client"} <= set(accounts.columns):
        frames.append(accounts[["account_id", "client"]])
    frames = [f for f in frames if f is not None]
    if not frames:
        return finish_edges(None)
    use = pd.concat(frames, ignore_index=True).dropna()
    use = use.assign(client=normalise_clients(use["client"])).dropna().drop_duplicates()
    if use["account_id"].nunique() < 2:
        return finish_edges(None)
    n_pop = int(use["account_id"].nunique())
    codes, ids = account_codes(use["account_id"])
    key = use["client"].mask(use["client"].isin({c.casefold() for c in common_clients}))
    pairs = shared_key_pairs(codes, key.reset_index(drop=True), n_population=n_pop,
                             max_group=max_client_accounts)
    if pairs.empty:
        return finish_edges(None)
    a, b = pairs["a"].to_numpy(dtype=np.int64), pairs["b"].to_numpy(dtype=np.int64)
    size = pairs["size"].astype(np.int64)
    evidence = ("both post via '" + pairs["key"].astype(str) + "' ("
                + size.astype(str) + f" of {n_pop} accounts with a known client)")
    edges = pd.DataFrame({
        "account_a": ids[a], "account_b": ids[b], "signal": "client",
        "weight": 1.0 / np.maximum(size - 1, 1), "n_events": pairs["n_keys"].astype(np.int64),
        "first_seen": pd.NaT, "last_seen": pd.NaT, "expected": pairs["p_value"],
        "p_value": pairs["p_value"], "evidence": evidence})
    return finish_edges(edges)
