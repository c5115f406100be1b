"""Organic background activity, and the post ``Block`` every generator returns.

Organic users post with heavy-tailed volume, on a diurnal rhythm in their own time zone,
repost and quote popular accounts' recent posts (preferential attachment), reply to recent
posts, and write original texts from a Zipf vocabulary with hashtags, links and mentions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from astroturf.simulate import vocab as V

DAY = 86_400
HOUR = 3_600
POST, REPOST, REPLY, QUOTE = 0, 1, 2, 3
KIND_NAMES = np.array(["post", "repost", "reply", "quote"], dtype=object)
DIURNAL = np.array([3, 2, 1.2, 0.8, 0.6, 0.8, 1.5, 3, 4.5, 5, 5, 5.2, 5.5, 5.2, 5, 5, 5.2,
                    5.5, 6, 6.5, 7, 6.5, 5.5, 4.2])


@dataclass
class Block:
    """Posts from one generator. ``target`` indexes rows of the same block (-1 = none).

    ``text`` is the body as typed (reply '@handle' prefixes and 'RT @handle:' texts are added
    when the export is assembled; repost bodies are ignored). Times are Unix seconds.
    """

    acc: np.ndarray
    t: np.ndarray
    kind: np.ndarray
    target: np.ndarray
    text: pa.Array
    urls: pa.Array
    hashtags: pa.Array
    mentions: pa.Array

    def __len__(self) -> int:
        return len(self.acc)


def make_block(acc: np.ndarray, t: np.ndarray, kind: np.ndarray | int, *,
               target: np.ndarray | None = None, text: pa.Array | None = None,
               urls: pa.Array | None = None, hashtags: pa.Array | None = None,
               mentions: pa.Array | None = None) -> Block:
    """A Block with defaults: no target, null text/urls/hashtags/mentions."""
    n = len(acc)
    null = pa.nulls(n, pa.string())
    return Block(acc=np.asarray(acc, dtype=np.int64), t=np.asarray(t, dtype=np.int64),
                 kind=np.broadcast_to(np.asarray(kind, dtype=np.int8), (n,)).copy(),
                 target=(np.full(n, -1, np.int64) if target is None
                         else np.asarray(target, dtype=np.int64)),
                 text=null if text is None else text, urls=null if urls is None else urls,
                 hashtags=null if hashtags is None else hashtags,
                 mentions=null if mentions is None else mentions)


def concat_blocks(blocks: list[Block]) -> Block:
    """One Block; targets are shifted to index the concatenation."""
    offsets = np.cumsum([0] + [len(b) for b in blocks])
    tgt = [np.where(b.target >= 0, b.target + o, -1) for b, o in zip(blocks, offsets, strict=False)]
    cat = pa.concat_arrays
    return Block(acc=np.concatenate([b.acc for b in blocks]),
                 t=np.concatenate([b.t for b in blocks]),
                 kind=np.concatenate([b.kind for b in blocks]), target=np.concatenate(tgt),
                 text=cat([b.text for b in blocks]), urls=cat([b.urls for b in blocks]),
                 hashtags=cat([b.hashtags for b in blocks]),
                 mentions=cat([b.mentions for b in blocks]))


def attach(sources: Block, reactions: Block) -> Block:
    """One Block of ``sources`` followed by ``reactions`` whose targets index ``sources``."""
    out = concat_blocks([sources, reactions])
    out.target[len(sources):] = reactions.target
    return out


def local_times(rng: np.random.Generator, tz: np.ndarray, office: np.ndarray, *, start: int,
                days: int) -> np.ndarray:
    """One timestamp per row: diurnal local hours, or weekday office hours when ``office``."""
    n = len(tz)
    day = rng.integers(0, days, n)
    hour = rng.choice(24, size=n, p=DIURNAL / DIURNAL.sum()).astype(np.float64)
    if office.any():
        weekdays = np.flatnonzero(((start // DAY + np.arange(days) + 3) % 7) < 5)
        k = int(office.sum())
        if len(weekdays):
            day[office] = weekdays[rng.integers(0, len(weekdays), k)]
        hour[office] = rng.uniform(9, 17.5, k)
    local = day * DAY + (hour * HOUR).astype(np.int64) + rng.integers(0, HOUR, n)
    utc = local - (tz * HOUR).astype(np.int64)
    return start + np.mod(utc, days * DAY)


def sample_targets(rng: np.random.Generator, t: np.ndarray, cand_t: np.ndarray,
                   cand_w: np.ndarray, *, median_lag: float, span: float) -> np.ndarray:
    """For each time in ``t``, index of an earlier candidate (sorted ``cand_t``), weighted by
    ``cand_w`` within ``span`` seconds before ``t - lag`` (lag lognormal). -1 when none.
    """
    if len(cand_t) == 0:
        return np.full(len(t), -1, np.int64)
    lag = np.clip(rng.lognormal(np.log(median_lag), 1.3, len(t)), 20, 10 * DAY)
    tau = t - lag.astype(np.int64)
    lo = np.searchsorted(cand_t, tau - span, "left")
    hi = np.searchsorted(cand_t, tau, "right")
    cum = np.r_[0.0, np.cumsum(cand_w)]
    empty = hi <= lo
    lo = np.where(empty, 0, lo)  # no candidate in the window: any earlier candidate
    u = cum[lo] + rng.random(len(t)) * (cum[hi] - cum[lo])
    idx = np.clip(np.searchsorted(cum, u, "right") - 1, lo, np.maximum(hi - 1, lo))
    return np.where(hi > 0, idx, -1)


@dataclass
class Pool:
    """Who gets mentioned: lower-case handles, probabilities (by reach), most-followed first."""

    handles: pa.Array
    p: np.ndarray
    top: np.ndarray


def mention_pool(acc: pd.DataFrame) -> Pool:
    """The mention pool of the final account table (call after all profile edits)."""
    pop = acc["followers"].to_numpy().astype(np.float64) + 5.0
    return Pool(handles=pa.array(acc["handle"].str.lower().to_numpy(object), pa.string()),
                p=pop / pop.sum(), top=np.argsort(-pop, kind="stable")[:200])


def decorate(rng: np.random.Generator, body: pa.Array, pool: Pool, *, p_tag: float = 0.2,
             p_url: float = 0.18, p_mention: float = 0.07
             ) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    """Add hashtags, links and mentions to texts; returns (text, urls, hashtags, mentions)."""
    n = len(body)
    k = rng.choice([1, 2, 3], size=n, p=[0.6, 0.3, 0.1])
    tag_p = V.zipf_p(len(V.HASHTAGS), 0.9)
    tags = V.join_lists(V.take(V.HASHTAGS, rng.choice(len(V.HASHTAGS), int(k.sum()), p=tag_p)),
                        k)
    tags = V.maybe(tags, rng.random(n) < p_tag)
    dom = V.take(V.DOMAINS, rng.choice(len(V.DOMAINS), n, p=V.zipf_p(len(V.DOMAINS), 0.8)))
    slug = V.concat(V.take(V.WORDS, rng.integers(0, len(V.WORDS), n)), "-",
                    V.take(V.WORDS, rng.integers(0, len(V.WORDS), n)), "-",
                    pa.array(rng.integers(10_000, 10_000_000, n).astype(str).astype(object)))
    urls = V.maybe(V.concat("https://", dom, "/", slug), rng.random(n) < p_url)
    ment = V.take(pool.handles, rng.choice(len(pool.p), n, p=pool.p))
    ment = V.maybe(ment, rng.random(n) < p_mention)
    tag_text = V.maybe(V.concat("#", pc.replace_substring(tags, " ", " #")), pc.is_valid(tags))
    text = V.concat(body, V.maybe(V.concat("@", ment), pc.is_valid(ment)), urls, tag_text,
                    sep=" ")
    return text, urls, tags, ment


def organic_block(rng: np.random.Generator, acc: pd.DataFrame, n_posts: int, *, pool: Pool,
                  start: int, days: int) -> Block:
    """``n_posts`` organic posts over all accounts of ``acc`` (each gets at least one when
    ``n_posts`` allows), with reposts/quotes/replies pointing at earlier organic posts.
    """
    n_acc = len(acc)
    w = acc["weight"].to_numpy()
    base = 1 if n_posts >= n_acc else 0
    counts = base + rng.multinomial(n_posts - base * n_acc, w / w.sum())
    a = np.repeat(np.arange(n_acc), counts)
    t = local_times(rng, acc["tz"].to_numpy()[a], acc["office"].to_numpy()[a], start=start,
                    days=days)
    order = np.argsort(t, kind="stable")
    a, t = a[order], t[order]
    u = rng.random(len(a))
    c1 = acc["p_repost"].to_numpy()[a]
    c2 = c1 + acc["p_reply"].to_numpy()[a]
    c3 = c2 + acc["p_quote"].to_numpy()[a]
    kind = np.select([u < c1, u < c2, u < c3], [REPOST, REPLY, QUOTE], POST).astype(np.int8)
    pop = acc["followers"].to_numpy().astype(np.float64) + 5.0
    orig = np.flatnonzero(kind == POST)
    target = np.full(len(a), -1, np.int64)
    for kinds, lag, power in (((REPOST, QUOTE), 1.5 * HOUR, 0.85), ((REPLY,), 0.6 * HOUR, 0.6)):
        rows = np.flatnonzero(np.isin(kind, kinds))
        idx = sample_targets(rng, t[rows], t[orig], pop[a[orig]] ** power, median_lag=lag,
                             span=8 * HOUR)
        target[rows] = np.where(idx >= 0, orig[np.maximum(idx, 0)], -1)
    bad = (kind != POST) & ((target < 0) | (a[np.maximum(target, 0)] == a))
    kind[bad], target[bad] = POST, -1
    body = V.random_texts(rng, len(a))
    text, urls, tags, ment = decorate(rng, body, pool)
    not_rt = pa.array(kind != REPOST)
    return make_block(a, t, kind, target=target, text=V.maybe(text, not_rt),
                      urls=V.maybe(urls, not_rt), hashtags=V.maybe(tags, not_rt),
                      mentions=V.maybe(ment, not_rt))
