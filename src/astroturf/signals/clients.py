"""Shared rare posting clients: accounts run from the same small tool.

An operator running a batch of accounts often posts through one scheduler or a home-made app
("FC Buzz Poster 1.2"). Clients used by few accounts are evidence; the official apps used by
everyone are not. p = rarity tail of client popularity in the population (``minhash.rarity_tail``):
the probability that two random accounts share a client at most this popular. Clients too popular
to be evidence at the pair FDR (``kernels.keys.auto_max_p``), and the platforms' own apps named in
``common_clients``, never make edges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.kernels.keys import auto_max_p, shared_key_pairs
from astroturf.signals.base import ChannelEdges, channel_to_schema, empty_channel, profile_channel

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


def _distinct_uses(frame: pd.DataFrame) -> pd.DataFrame:
    """The distinct (account_id, client) rows of ``frame`` in first-seen order, missing dropped.

    A million posts carry a few hundred thousand distinct pairs and a few dozen clients: the
    string work (normalising, deduplicating) is done on those, not once per post.
    """
    f = frame.dropna()
    aid, auniq = pd.factorize(f["account_id"])
    cid, cuniq = pd.factorize(f["client"])
    _, first = np.unique(aid.astype(np.int64) * max(len(cuniq), 1) + cid, return_index=True)
    first = np.sort(first)
    return pd.DataFrame({"account_id": np.asarray(auniq, dtype=object)[aid[first]],
                         "client": np.asarray(cuniq, dtype=object)[cid[first]]})


def client_channel(sd, *, max_group: int = 200, max_p_value: float | None = None,
                   common_clients: tuple[str, ...] = COMMON_CLIENTS) -> ChannelEdges:
    """Pairs of accounts that both posted through the same rare client.

    Clients come from posts (and from an accounts ``client`` column when present). n_events =
    rare clients shared; weight = 1 / (accounts using the client - 1); evidence e.g. "both post
    via 'FC Buzz 1.2' (12 of 900 accounts with a known client)". Clients whose rarity-tail
    p-value exceeds ``max_p_value`` (None: ``kernels.keys.auto_max_p``) make no pairs.
    """
    frames = []
    posts, accounts = sd.posts, sd.accounts
    if {"account_id", "client"} <= set(posts.columns):
        frames.append(posts[["account_id", "client"]])
    if {"account_id", "client"} <= set(accounts.columns):
        frames.append(accounts[["account_id", "client"]])
    if not frames:
        return empty_channel("client")
    use = pd.concat([_distinct_uses(f) for f in frames], ignore_index=True)
    cid, cuniq = pd.factorize(use["client"])
    norm = normalise_clients(pd.Series(np.asarray(cuniq, dtype=object))).to_numpy(dtype=object)
    use = use.assign(client=norm[cid]).dropna().drop_duplicates()
    codes = sd.codes_of(use["account_id"].astype("str"))
    use, codes = use[codes >= 0], codes[codes >= 0]
    n_pop = len(np.unique(codes))
    if n_pop < 2:
        return empty_channel("client")
    key = use["client"].mask(use["client"].isin({c.casefold() for c in common_clients}))
    pairs = shared_key_pairs(codes, key.reset_index(drop=True), n_population=n_pop,
                             max_group=max_group, max_p_value=auto_max_p(n_pop, max_p_value))
    if pairs.empty:
        return empty_channel("client")
    size = pairs["size"].astype(np.int64).to_numpy()

    def render(f: pd.DataFrame) -> np.ndarray:
        return ("both post via '" + pd.Series(f["key"].to_numpy()).astype(str) + "' ("
                + pd.Series(f["size"].to_numpy()).astype(str)
                + f" of {n_pop} accounts with a known client)").to_numpy(dtype=object)

    return profile_channel("client", pairs["a"].to_numpy(), pairs["b"].to_numpy(),
                           p_value=pairs["p_value"].to_numpy(float),
                           weight=1.0 / np.maximum(size - 1, 1),
                           n_events=pairs["n_keys"].to_numpy(np.int64),
                           key=pairs["kid"].to_numpy(np.int64), render=render,
                           extra={"key": pairs["key"].to_numpy(dtype=object), "size": size})


def client_edges(posts: pd.DataFrame, accounts: pd.DataFrame | None = None, *,
                 max_group: int = 200, max_p_value: float | None = None,
                 common_clients: tuple[str, ...] = COMMON_CLIENTS) -> pd.DataFrame:
    """Schema edges of ``client_channel`` for loose tables (see there)."""
    from astroturf.signals.coactions import scan_data

    sd = scan_data(posts, accounts)
    return channel_to_schema(client_channel(sd, max_group=max_group, max_p_value=max_p_value,
                                            common_clients=common_clients), sd)
