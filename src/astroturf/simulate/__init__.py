"""Synthetic exports with planted campaigns and organic look-alikes (tests, docs, benchmarks).

``simulate`` returns a flat export (one row per post, profile columns repeated) and the ground
truth per account. Planted campaigns (label 'coordinated', groups 'G01'...) cycle through
``CAMPAIGN_KINDS``; organic look-alikes (label 'genuine', groups 'O01'...) are the crowds that
resemble coordination on one signal only. Everything is drawn from one seeded numpy Generator,
so the same arguments give a byte-identical export.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from astroturf.errors import UsageError
from astroturf.simulate import campaigns as C
from astroturf.simulate import lookalikes as L
from astroturf.simulate import profiles as P
from astroturf.simulate import vocab as V
from astroturf.simulate.export import (
    EXPORT_COLUMNS,
    FORMATS,
    assemble,
    ids,
    shuffle_times,
    write_table,
)
from astroturf.simulate.organic import DAY, Block, concat_blocks, mention_pool, organic_block

__all__ = ["CAMPAIGN_KINDS", "EXPORT_COLUMNS", "LOOKALIKE_KINDS", "SimulatedExport",
           "shuffle_times", "simulate", "write_export"]

log = logging.getLogger("astroturf.simulate")

CAMPAIGN_KINDS = ("templated_replies", "retweet_ring", "copypasta", "url_push", "profile_only",
                  "hashtag_push")
LOOKALIKE_KINDS = ("viral_wave", "share_button", "boilerplate_bio", "signup_burst",
                   "fan_community", "app_users", "common_names")
# look-alike group size as a share of all accounts, and (min, max)
LOOKALIKE_SIZE = {"viral_wave": (0.12, 30, 600), "share_button": (0.05, 15, 400),
                  "boilerplate_bio": (0.08, 20, 800), "signup_burst": (0.05, 15, 500),
                  "fan_community": (0.04, 10, 300), "app_users": (0.10, 20, 3000),
                  "common_names": (0.08, 20, 2000)}


@dataclass
class SimulatedExport:
    """A flat export and its ground truth.

    posts: EXPORT_COLUMNS, all str except account_created_at/created_at (datetime64[ns, UTC]).
    labels: account_id, label ('coordinated'|'genuine'), group ('G01', 'O01' or ''),
    group_kind (campaign kind, look-alike kind, or 'organic'); one row per account in posts.
    """

    posts: pd.DataFrame
    labels: pd.DataFrame


@dataclass
class _Group:
    gid: str
    kind: str
    members: np.ndarray
    brand: str = ""


def _plan(rng: np.random.Generator, n_accounts: int, n_groups: int, size: tuple[int, int],
          camp_kinds: list[str], look_kinds: list[str]) -> tuple[list[_Group], np.ndarray]:
    """Disjoint random member sets (no id ranges) and the accounts left for organic roles."""
    perm = rng.permutation(n_accounts)
    groups, pos = [], 0
    for g in range(n_groups if camp_kinds else 0):
        k = int(rng.integers(size[0], size[1] + 1))
        groups.append(_Group(f"G{g + 1:02d}", camp_kinds[g % len(camp_kinds)],
                             np.sort(perm[pos:pos + k])))
        pos += k
    per_kind = max(1, round(n_accounts / 25_000))
    room = max(0, int(0.6 * (n_accounts - pos)))
    want = {k: int(np.clip(LOOKALIKE_SIZE[k][0] * n_accounts / per_kind, *LOOKALIKE_SIZE[k][1:]))
            for k in look_kinds}
    scale = min(1.0, room / max(1, per_kind * sum(want.values())))
    for i, kind in enumerate(kind for _ in range(per_kind) for kind in look_kinds):
        k = max(3, int(want[kind] * scale))
        groups.append(_Group(f"O{i + 1:02d}", kind, np.sort(perm[pos:pos + k])))
        pos += k
    if pos > n_accounts - 10:
        raise UsageError(f"{n_accounts} accounts are too few for {n_groups} groups of "
                         f"{size[0]}-{size[1]}", hint="raise n_accounts or lower n_groups")
    return groups, np.sort(perm[pos:])


def _campaign_profiles(rng: np.random.Generator, acc: pd.DataFrame, g: _Group, *,
                       start: int) -> None:
    """Profile side of a campaign (before any post is generated, so mentions stay valid)."""
    g.brand = str(rng.choice(V.BRANDS))
    g.members = rng.permutation(g.members)  # random seed/lead order, not id order
    m = g.members
    if g.kind in ("templated_replies", "profile_only") or rng.random() < 0.35:
        P.templated_profiles(rng, acc, m, brand=g.brand, start=start,
                             burst_hours=float(rng.uniform(2, 48)))
    elif rng.random() < 0.5:
        P.burst_created(rng, acc, m, start=start, hours=float(rng.uniform(6, 96)))
    if g.kind == "templated_replies" or rng.random() < 0.5:
        P.shared_client(rng, acc, m)
    acc.loc[m, "tz"] = acc.loc[m[0], "tz"]
    acc.loc[m, "weight"] *= 0.3 if g.kind == "profile_only" else 0.6
    if g.kind == "templated_replies":
        acc.loc[m, "office"] = True
    if g.kind == "retweet_ring":  # the seeds have an audience
        acc.loc[m[:3], "followers"] = np.floor(rng.lognormal(7.5, 1.0, 3)).astype(np.int64)


def _lookalike_profiles(rng: np.random.Generator, acc: pd.DataFrame, g: _Group, *,
                        start: int) -> None:
    if g.kind == "boilerplate_bio":
        L.boilerplate_bio(rng, acc, g.members)
    elif g.kind == "signup_burst":
        L.signup_burst(rng, acc, g.members, start=start)
    elif g.kind == "common_names":
        L.common_names(rng, acc, g.members)


def _group_posts(rng: np.random.Generator, acc: pd.DataFrame, g: _Group, free: np.ndarray,
                 top: np.ndarray, **kw) -> Block | None:
    """Behaviour side of a group: its planted posts (None for profile-only kinds)."""
    if g.kind == "templated_replies":
        return C.templated_replies(rng, acc, g.members, top[:40], brand=g.brand, **kw)
    if g.kind in ("retweet_ring", "copypasta", "url_push", "hashtag_push"):
        return getattr(C, g.kind)(rng, acc, g.members, brand=g.brand, **kw)
    if g.kind == "viral_wave":
        return L.viral_wave(rng, acc, g.members, int(rng.choice(top)), **kw)
    if g.kind == "fan_community":
        return L.fan_community(rng, acc, g.members, int(rng.choice(top)), **kw)
    if g.kind == "share_button":
        return L.share_button(rng, acc, g.members, start=kw["start"], days=kw["days"])
    if g.kind == "app_users":
        return L.app_users(rng, acc, g.members, start=kw["start"], days=kw["days"])
    return None


def _desync(block: Block, members: np.ndarray, window: int = 60) -> Block:
    """Drop posts of ``members`` that hit a target another such post hit <= ``window`` s
    before, so 'profile_only' groups never co-act (their only signal is the profile)."""
    rows = np.flatnonzero(np.isin(block.acc, members) & (block.target >= 0))
    if len(rows) < 2:
        return block
    rows = rows[np.lexsort((block.t[rows], block.target[rows]))]
    same = block.target[rows[1:]] == block.target[rows[:-1]]
    close = (block.t[rows[1:]] - block.t[rows[:-1]]) <= window
    drop = rows[1:][same & close]
    if len(drop) == 0:
        return block
    keep = np.ones(len(block), bool)
    keep[drop] = False
    return _subset(block, keep)


def _subset(block: Block, keep: np.ndarray) -> Block:
    """Rows where ``keep``; posts whose target is dropped are dropped too (reactions are
    always later than their targets, so dropped rows never strand a kept one's target)."""
    keep = keep & ((block.target < 0) | keep[np.maximum(block.target, 0)])
    new_index = np.cumsum(keep) - 1
    take = np.flatnonzero(keep)
    tgt = block.target[take]
    return Block(acc=block.acc[take], t=block.t[take], kind=block.kind[take],
                 target=np.where(tgt >= 0, new_index[np.maximum(tgt, 0)], -1),
                 text=block.text.take(take), urls=block.urls.take(take),
                 hashtags=block.hashtags.take(take), mentions=block.mentions.take(take))


def _check(n_accounts: int, n_posts: int, n_groups: int, group_size: tuple[int, int],
           days: int, kinds: tuple[str, ...] | None) -> tuple[list[str], list[str]]:
    if n_accounts < 50 or n_posts < 1 or n_groups < 0 or days < 1:
        raise UsageError("simulate needs n_accounts >= 50, n_posts >= 1, n_groups >= 0, "
                         "days >= 1")
    if not 3 <= group_size[0] <= group_size[1]:
        raise UsageError(f"group_size {group_size} must be (lo, hi) with 3 <= lo <= hi")
    wanted = tuple(kinds) if kinds is not None else CAMPAIGN_KINDS + LOOKALIKE_KINDS
    unknown = sorted(set(wanted) - set(CAMPAIGN_KINDS) - set(LOOKALIKE_KINDS))
    if unknown:
        raise UsageError(f"unknown simulation kind(s): {', '.join(unknown)}",
                         hint=f"choose from {', '.join(CAMPAIGN_KINDS + LOOKALIKE_KINDS)}")
    camp = [k for k in wanted if k in CAMPAIGN_KINDS]
    look = [k for k in LOOKALIKE_KINDS if k in wanted]
    if camp and 0 < n_groups < len(camp):
        log.warning("n_groups=%d < %d campaign kinds: only the first %d are planted",
                    n_groups, len(camp), n_groups)
    return list(dict.fromkeys(camp)), look


def simulate(*, n_accounts: int = 2000, n_posts: int = 20000, n_groups: int = 6,
             group_size: tuple[int, int] = (6, 15), days: int = 30,
             start: str = "2024-03-01", seed: int = 0,
             kinds: tuple[str, ...] | None = None) -> SimulatedExport:
    """A synthetic platform export with ``n_groups`` planted campaigns and organic look-alikes.

    ``kinds`` selects campaign kinds (cycled over the groups, in the order given) and look-alike
    kinds (one group each per 25k accounts); None = all. Organic posts fill the budget up to
    ``n_posts`` (planted posts come first, so tiny budgets can exceed it; planted reactions
    that would fall after the ``days`` window are dropped, so the total can be a little lower).
    Accounts left without any post are not in the export nor in ``labels``.
    """
    camp, look = _check(n_accounts, n_posts, n_groups, group_size, days, kinds)
    rng = np.random.default_rng(seed)
    t_start = int(pd.Timestamp(start, tz="UTC").timestamp()) if pd.Timestamp(
        start).tzinfo is None else int(pd.Timestamp(start).timestamp())
    acc = P.organic_accounts(rng, n_accounts, start=t_start)
    acc.insert(0, "account_id", pd.Series(ids("u", n_accounts, 6), dtype="str"))
    groups, free = _plan(rng, n_accounts, n_groups, group_size, camp, look)
    for g in groups:
        edit = _campaign_profiles if g.gid.startswith("G") else _lookalike_profiles
        edit(rng, acc, g, start=t_start)
    acc["handle"] = P.unique_handles(rng, acc["handle"])
    pool = mention_pool(acc)
    top = free[np.argsort(-acc["followers"].to_numpy()[free], kind="stable")[:100]]
    blocks = [b for g in groups if (b := _group_posts(
        rng, acc, g, free, top, pool=pool, start=t_start, days=days)) is not None]
    planted = sum(len(b) for b in blocks)
    if planted > n_posts:
        log.warning("planted activity (%d posts) exceeds n_posts=%d", planted, n_posts)
    blocks.append(organic_block(rng, acc, max(0, n_posts - planted), pool=pool, start=t_start,
                                days=days))
    block = concat_blocks(blocks)
    block = _subset(block, block.t < t_start + days * DAY)  # the collection window ends
    for g in groups:
        if g.kind == "profile_only":
            block = _desync(block, g.members)
    posts = assemble(rng, acc, block)
    return SimulatedExport(posts=posts, labels=_labels(acc, groups, block.acc))


def _labels(acc: pd.DataFrame, groups: list[_Group], acc_of_posts: np.ndarray) -> pd.DataFrame:
    group = np.full(len(acc), "", dtype=object)
    kind = np.full(len(acc), "organic", dtype=object)
    for g in groups:
        group[g.members], kind[g.members] = g.gid, g.kind
    label = np.where(pd.Series(group).str.startswith("G"), "coordinated", "genuine")
    out = pd.DataFrame({"account_id": acc["account_id"], "label": label, "group": group,
                        "group_kind": kind}).astype("str")
    seen = np.bincount(acc_of_posts, minlength=len(acc)) > 0
    return out[seen].reset_index(drop=True)


def write_export(sim: SimulatedExport, outdir: str | Path, *, fmt: str = "csv",
                 name: str = "export", labels_name: str = "labels") -> list[Path]:
    """Write ``<name>.<fmt>`` (csv, csv.gz, jsonl, parquet) and ``<labels_name>.csv``
    atomically (temporary file + os.replace) into ``outdir``; returns both paths."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    posts_path, labels_path = out / f"{name}.{fmt}", out / f"{labels_name}.csv"
    write_table(sim.posts, posts_path, fmt)
    write_table(sim.labels, labels_path, "csv")
    return [posts_path, labels_path]
