"""Randomised copies of the data that keep what organic behaviour explains and destroy
coordination (the empirical null; see docs/interpreting.md, "Calibration").

Three randomisations, one per kind of evidence:

- windowed channels (same key within seconds): every post is moved to a uniform random time
  inside its own hour (hour bins with a random phase per copy). Each account keeps its keys and
  its activity at the scale of hours (daily rhythm, news cycles, live events); only minute-scale
  synchrony between accounts is destroyed.
- key channels (texts, templates shared at any time): the account x key stubs are rewired at
  random. Each account keeps how many keys it uses (and how often), each key keeps how many
  accounts use it; who shares with whom is destroyed.
- profile channels (names, bios, creation times, rhythm, clients): each family of profile
  fields is permuted across accounts as a unit, so fields that belong together (a handle and a
  display name) stay together while their alignment with other accounts is destroyed.

Every copy is seeded from the scan seed and the copy number, and every channel draws from its
own stream (seeded by its name), so results do not depend on the order channels run in.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from astroturf.kernels.sweep import time_rank

HOUR_NS = 3_600 * 10**9


@dataclass(frozen=True)
class NullCopy:
    """One randomised copy: re-timed posts and per-channel random streams."""

    index: int
    seed: int
    t: np.ndarray  # re-timed post times (ScanData order)
    n_accounts: int
    rank: np.ndarray  # kernels.sweep.time_rank of t (every windowed channel sorts by it)

    def rng(self, channel: str) -> np.random.Generator:
        """The random stream of one channel in this copy."""
        return np.random.default_rng([self.seed, self.index, zlib.crc32(channel.encode())])

    def permutation(self, family: str) -> np.ndarray:
        """A random permutation of account codes for one profile family."""
        return self.rng(f"perm:{family}").permutation(self.n_accounts)


def retime(t: np.ndarray, rng: np.random.Generator, *, bandwidth_ns: int = HOUR_NS,
           grid_ns: int = 1) -> np.ndarray:
    """Each time moved uniformly inside its own bandwidth bin (bins start at a random phase),
    on the grid the times were recorded on (``kernels.sweep.time_grid_ns``; 1: continuous):
    times known only to the minute stay on whole minutes, as in the data."""
    steps = max(bandwidth_ns // grid_ns, 1)
    phase = int(rng.integers(0, steps)) * grid_ns
    start = t - phase  # in place from here: two arrays of len(t) at once (80 MB each at 10M)
    start //= bandwidth_ns
    start *= bandwidth_ns
    start += phase
    moved = rng.integers(0, steps, len(t))
    if grid_ns > 1:
        moved *= grid_ns
    moved += start
    return moved


def make_copies(t: np.ndarray, *, n_accounts: int, n_copies: int, seed: int,
                bandwidth_ns: int = HOUR_NS, grid_ns: int = 1) -> list[NullCopy]:
    """``n_copies`` null copies of posts with times ``t`` (one re-timing each, on the times'
    grid ``grid_ns``)."""
    out = []
    for k in range(n_copies):
        rng = np.random.default_rng([seed, k, 0x7E71])
        moved = retime(t, rng, bandwidth_ns=bandwidth_ns, grid_ns=grid_ns)
        out.append(NullCopy(index=k, seed=seed, t=moved, n_accounts=n_accounts,
                            rank=time_rank(moved)))
    return out


def rewire_stubs(stub_acc: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Accounts of key stubs shuffled: degrees of accounts and of keys are both kept.

    Stub matching (the configuration model): an account can land on a key twice, which then
    counts once; the loss is a fraction of a percent of stubs on real data.
    """
    return stub_acc[rng.permutation(len(stub_acc))]


PROFILE_FAMILIES = (("handle", "display_name"), ("bio", "url", "location"), ("created_at",))


def randomised_dataset(data, *, seed: int = 0, bandwidth_ns: int = HOUR_NS):
    """A randomised copy of a whole Dataset, for tests and audits (the scan's own copies work
    on integer codes; this one is a real export): post times moved inside their hour, post
    contents (text, targets, URLs, hashtags) dealt out again to the same posting slots (each
    account keeps how many posts it made, each content how often it was posted), and each
    family of profile fields permuted across accounts. Coordination is destroyed; volume,
    rhythm at the scale of hours, popularity of content and profile values are kept.
    """
    import pandas as pd

    from astroturf.kernels.sweep import time_grid_ns, time_ns
    from astroturf.schema import Dataset

    rng = np.random.default_rng([seed, 0xC0FF])
    posts = data.posts.copy()
    t = time_ns(posts["created_at"])
    t = retime(t, rng, bandwidth_ns=bandwidth_ns, grid_ns=time_grid_ns(t))
    posts["created_at"] = pd.to_datetime(t, utc=True)
    content = [c for c in ("text", "kind", "target_post_id", "target_account_id", "urls",
                           "hashtags", "mentions", "lang", "client") if c in posts.columns]
    order = rng.permutation(len(posts))
    for c in content:
        posts[c] = posts[c].iloc[order].array
    accounts = data.accounts.copy()
    for fam in PROFILE_FAMILIES:
        cols = [c for c in fam if c in accounts.columns]
        if cols and len(accounts):
            perm = rng.permutation(len(accounts))
            for c in cols:
                accounts[c] = accounts[c].iloc[perm].array
    return Dataset(posts=posts.reset_index(drop=True), accounts=accounts, meta=dict(data.meta))
