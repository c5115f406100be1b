"""Planted campaigns: what coordinated groups actually do, one generator per kind.

Each generator takes the member account rows, may edit their profiles in ``acc`` (in place)
and returns a ``Block`` of the group's campaign posts (their organic filler comes from the
organic generator). Loops run per group or per event, never per post.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from astroturf.simulate import vocab as V
from astroturf.simulate.organic import (
    DAY,
    HOUR,
    POST,
    REPLY,
    REPOST,
    Block,
    Pool,
    attach,
    decorate,
    local_times,
    make_block,
)

TALKING_POINTS = [
    "{Honestly, |Truthfully, |Tbh |}{working|being} at <Brand> has been {great|amazing|really "
    "good|awesome}{.|!|!!} The {pay|wages} {are|is} {good|solid|fair} and {my managers|the "
    "managers|my supervisors} {really |actually |}care about {us|our safety|safety}{.|!|} "
    "{😊|👍|💯|}",
    "{I've|I have} {worked|been working} at <Brand> for {two|three|2|3} years and {love|enjoy} "
    "{it|every day}, {great|amazing} team{.|!} {Happy|Proud} to be here and {really |truly |}"
    "proud of {our|my} {team|work}{.|!|!!} {😊|👍|💯}",
    "{Not true|Honestly not true|Not the case|Simply not true}{!|.|!!} {I|We} get {great breaks|"
    "plenty of breaks|good breaks} and {the|our} {warehouse|building|site} is {clean and safe|"
    "comfortable and safe|safe and cool}{.|!} {#<Brand>Proud|#Proud<Brand>|}",
    "{As|Speaking as} a <Brand> {associate|employee|worker}{,|} I {can say|can tell you} {the "
    "benefits are|our benefits are} {great|excellent|the best}{.|!} {Health care|Healthcare} from"
    " day one{.|!|!!} {💪|🙌|}",
    "{Why|How come} {does|do} {the media|media|journalists} {never|not} {talk|write} about the "
    "{good|positive} {side|stories}? {I|We} {love|enjoy} {my|our} {job|jobs} at <Brand>"
    "{.|!| ❤️}",
    "{The|Our} {starting pay|starting wage} at <Brand> is {great, |excellent, |}{way higher|much "
    "better} than {retail|other jobs|minimum wage}{.|!} {Love it here|Happy here|Proud to work "
    "here}{.|!|!!}",
]
# What the critics say (the posts the ambassadors answer): negative, about working conditions.
# Rendered with free variation and followed by the critic's own words, so that unrelated critics
# never share a template.
CRITICISMS = [
    "{Workers|Staff|People} at <Brand> are {collapsing|fainting|getting hurt} in the heat. "
    "{Horrible|Awful|Disgusting|Terrible} and {dangerous|cruel|unsafe}{.|!|!!}",
    "{Another|Yet another|One more} {injury|ambulance|accident} at the <Brand> {warehouse|site|"
    "fulfilment centre} {today|this week}. {Shameful|Disgraceful|Sickening} and {sad|tragic|"
    "awful}{.|!}",
    "{Timed|Monitored|Tracked} {toilet|bathroom} breaks at <Brand>? That is {inhumane|cruel|"
    "abusive} and {disgusting|horrible|wrong}{.|!}",
    "<Brand> pays {poverty|miserable|pathetic} wages while {profits|the CEO's pay} {soar|"
    "explode}. {Greedy|Shameful|Disgusting} and {cruel|wrong|sad}{.|!}",
    "{My cousin|A friend|My neighbour} {was injured|got hurt|was fired} at <Brand> after "
    "{twelve-hour|endless|brutal} shifts. {Angry|Furious|Heartbroken} and {exhausted|sad|"
    "disgusted}{.|!|...}",
    "{Unsafe|Dangerous|Brutal} conditions at <Brand> {warehouses|sites} and nobody cares. "
    "{Terrible|Awful|Horrible}{.|!}",
]
# tracking parameters; True = followed by a per-copy token
TRACKING = [("", False), ("?utm_source=twitter", False),
            ("?utm_source=tw&utm_medium=social", False),
            ("?utm_source=x&utm_medium=", True), ("?utm_campaign=spring&utm_source=", True),
            ("?ref=", True), ("?fbclid=IwAR", True), ("?s=21", False),
            ("?utm_medium=social&utm_source=twitter", False)]


def n_events(rng: np.random.Generator, lo: int, hi: int, days: int) -> int:
    """Number of campaign actions, scaled to the simulated period."""
    return max(3, round(int(rng.integers(lo, hi + 1)) * days / 30))


def participation(rng: np.random.Generator, n_ev: int, n_mem: int) -> np.ndarray:
    """Bool (events x members): who joins each action; at least two members every time."""
    q = rng.uniform(0.55, 0.95)
    part = rng.random((n_ev, n_mem)) < q
    for col in (0, 1):  # two guaranteed, chosen at random per event
        pick = rng.permuted(np.tile(np.arange(n_mem), (n_ev, 1)), axis=1)[:, col]
        part[np.arange(n_ev), pick] = True
    return part


def group_tags(rng: np.random.Generator, brand: str, k: int) -> list[str]:
    """Campaign hashtags: brand slogans first, then a popular generic tag."""
    own = [f"standwith{brand}", f"{brand}facts", f"{brand}proud", f"truthabout{brand}",
           f"support{brand}", f"{brand}works"]
    picks = [own[i].lower() for i in rng.choice(len(own), size=k - 1, replace=False)]
    return [*picks, str(rng.choice(V.HASHTAGS[:40]))]


def _times_after(rng: np.random.Generator, t0: np.ndarray, part: np.ndarray, lo: float,
                 hi: float) -> tuple[np.ndarray, np.ndarray]:
    """(event index, member index, time) for every participation, delays uniform [lo, hi] s."""
    ev, mem = np.nonzero(part)
    t = t0[ev] + rng.uniform(lo, hi, len(ev)).astype(np.int64)
    return ev, mem, t


def templated_replies(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray,
                      critics: np.ndarray, *, pool: Pool, brand: str, start: int,
                      days: int) -> Block:
    """Ambassador style: reply within minutes to the same critical posts, in office hours,
    with near-duplicate talking points (one template per event, synonym/emoji edits).
    """
    n_ev = n_events(rng, 8, 20, days)
    authors = critics[rng.integers(0, len(critics), n_ev)]
    tz = np.full(n_ev, acc.loc[members[0], "tz"])
    t0 = local_times(rng, tz, np.ones(n_ev, bool), start=start, days=days)
    t0 = np.minimum(t0, start + days * DAY - 2 * HOUR)
    # The complaint is drawn from a child generator so that the main stream (and with it the
    # rest of the export) does not depend on it.
    complaint = _complaints(rng.spawn(1)[0], n_ev, brand)
    src_text, src_urls, src_tags, src_ment = decorate(
        rng, V.concat(complaint, V.random_texts(rng, n_ev, min_words=12), sep=" "), pool)
    part = participation(rng, n_ev, len(members))
    react = rng.uniform(3 * 60, 25 * 60, n_ev)
    ev, mem, _ = _times_after(rng, t0, part, 0, 1)
    t = t0[ev] + (react[ev] + rng.exponential(150, len(ev))).astype(np.int64)
    point = rng.choice(len(TALKING_POINTS), size=min(len(TALKING_POINTS), 4), replace=False)
    ev_point = point[rng.integers(0, len(point), n_ev)]
    texts = pa.nulls(len(ev), pa.string())
    for p in np.unique(ev_point):
        rows = np.isin(ev, np.flatnonzero(ev_point == p))
        rendered = V.render_template(rng, TALKING_POINTS[p], int(rows.sum()),
                                     fill={"Brand": brand}, vary=0.6)
        texts = _put(texts, rows, rendered)
    src = make_block(authors, t0, POST, text=src_text, urls=src_urls, hashtags=src_tags,
                     mentions=src_ment)
    replies = make_block(members[mem], t, REPLY, target=ev, text=texts)
    return attach(src, replies)


def retweet_ring(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray, *,
                 pool: Pool, brand: str, start: int, days: int) -> Block:
    """Members repost a few seed members' (the first ones) and each other's posts within
    seconds to a minute, over many targets."""
    n_seed = min(len(members) - 2, int(rng.integers(2, 4)))
    n_ev = n_events(rng, 15, 40, days)
    from_seed = rng.random(n_ev) < 0.65
    author_pos = np.where(from_seed, rng.integers(0, n_seed, n_ev),
                          rng.integers(0, len(members), n_ev))
    t0 = local_times(rng, acc["tz"].to_numpy()[members[author_pos]], np.zeros(n_ev, bool),
                     start=start, days=days)
    t0 = np.minimum(t0, start + days * DAY - HOUR)
    tags = group_tags(rng, brand, 2)
    body = V.concat(V.random_texts(rng, n_ev, min_words=8),
                    V.maybe(pa.array([f"#{tags[0]}"] * n_ev), rng.random(n_ev) < 0.5), sep=" ")
    text, urls, htags, ment = decorate(rng, body, pool, p_tag=0.0)
    htags = V.maybe(pa.array([tags[0]] * n_ev), pc.match_substring(text, "#" + tags[0]))
    part = participation(rng, n_ev, len(members))
    part[np.arange(n_ev), author_pos] = False
    ev, mem, t = _times_after(rng, t0, part, 1, 60)
    src = make_block(members[author_pos], t0, POST, text=text, urls=urls, hashtags=htags,
                     mentions=ment)
    return attach(src, make_block(members[mem], t, REPOST, target=ev))


def copypasta(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray, *,
              pool: Pool, brand: str, start: int, days: int) -> Block:
    """Identical long texts posted by members within minutes, many times; some copies carry a
    different @target, a trailing link or a changed ending."""
    n_txt = int(rng.integers(2, 5))
    tags = group_tags(rng, brand, 2)
    base = V.concat(V.random_texts(rng, n_txt, min_words=30, max_words=45),
                    pa.array([f"#{tags[0]} #{tags[1]}"] * n_txt), sep=" ")
    n_ev = n_events(rng, 10, 25, days)
    t0 = local_times(rng, np.full(n_ev, acc.loc[members[0], "tz"]), np.zeros(n_ev, bool),
                     start=start, days=days)
    ev, mem, t = _times_after(rng, t0, participation(rng, n_ev, len(members)), 0, 300)
    n = len(ev)
    ev_text = rng.integers(0, n_txt, n_ev)
    body = base.take(pa.array(ev_text[ev]))
    at = V.maybe(V.take(pool.handles, pool.top[rng.integers(0, 50, n) % len(pool.top)]),
                 rng.random(n) < 0.3)
    link = f"https://{V.DOMAINS[int(rng.integers(0, 30))]}/{brand.lower()}-{rng.integers(1e5)}"
    urls = V.maybe(pa.array([link] * n), rng.random(n) < 0.25)
    tail = V.maybe(V.take(V.EMOJI, rng.integers(0, len(V.EMOJI), n)), rng.random(n) < 0.1)
    text = V.concat(V.maybe(V.concat("@", at), pc.is_valid(at)), body, urls, tail, sep=" ")
    return make_block(members[mem], t, POST, text=text, urls=urls, mentions=at,
                      hashtags=pa.array([f"{tags[0]} {tags[1]}"] * n))


def url_push(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray, *,
             pool: Pool, brand: str, start: int, days: int) -> Block:
    """Members share the same article (tracking parameters vary per copy) within a minute,
    with the group's hashtag sequence; texts around the link differ."""
    domains = [f"{w}{b}-news.com" for w, b in zip(
        rng.choice(["daily", "true", "real", "free", "patriot", "metro"], 3),
        rng.choice(["freedom", "report", "voice", "wire", "times", "post"], 3), strict=True)]
    n_url = int(rng.integers(3, 9))
    articles = [f"https://{domains[int(rng.integers(0, len(domains)))]}/2024/"
                f"{'-'.join(rng.choice(V.WORDS[60:400], 4))}-{int(rng.integers(1000, 99999))}"
                for _ in range(n_url)]
    tags = group_tags(rng, brand, int(rng.integers(2, 4)))
    n_ev = n_events(rng, 10, 25, days)
    t0 = local_times(rng, np.full(n_ev, acc.loc[members[0], "tz"]), np.zeros(n_ev, bool),
                     start=start, days=days)
    ev, mem, t = _times_after(rng, t0, participation(rng, n_ev, len(members)), 0, 60)
    n = len(ev)
    url = V.take(articles, rng.integers(0, n_url, n_ev)[ev])
    which = rng.integers(0, len(TRACKING), n)
    token = pa.array(rng.integers(10**5, 10**9, n).astype(str).astype(object))
    with_token = np.array([tok for _, tok in TRACKING])[which]
    track = V.concat(V.take([q for q, _ in TRACKING], which), V.maybe(token, with_token))
    urls = V.concat(url, track)
    seq = " ".join(f"#{x}" for x in tags)
    text = V.concat(V.random_texts(rng, n, min_words=4, max_words=12), urls,
                    pa.array([seq] * n), sep=" ")
    return make_block(members[mem], t, POST, text=text, urls=urls,
                      hashtags=pa.array([" ".join(tags)] * n))


def hashtag_push(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray, *,
                 pool: Pool, brand: str, start: int, days: int) -> Block:
    """The same hashtag set posted by members within a few minutes, many times; texts differ."""
    tags = group_tags(rng, brand, int(rng.integers(2, 5)))
    n_ev = n_events(rng, 15, 30, days)
    t0 = local_times(rng, np.full(n_ev, acc.loc[members[0], "tz"]), np.zeros(n_ev, bool),
                     start=start, days=days)
    ev, mem, t = _times_after(rng, t0, participation(rng, n_ev, len(members)), 0, 180)
    n = len(ev)
    orders = [" ".join(tags), " ".join(tags[::-1]), " ".join(tags[1:] + tags[:1])]
    which = rng.integers(0, len(orders), n)
    tag_str = V.take(orders, which)
    tag_text = V.concat("#", pc.replace_substring(tag_str, " ", " #"))
    text = V.concat(V.random_texts(rng, n, min_words=6, max_words=18), tag_text, sep=" ")
    return make_block(members[mem], t, POST, text=text, hashtags=tag_str)


def _complaints(rng: np.random.Generator, n: int, brand: str) -> pa.Array:
    """``n`` critical posts about ``brand``'s working conditions, templates varied freely."""
    which = rng.integers(0, len(CRITICISMS), n)
    out = pa.nulls(n, pa.string())
    for k in np.unique(which):
        rows = which == k
        out = _put(out, rows, V.render_template(rng, CRITICISMS[k], int(rows.sum()),
                                                fill={"Brand": brand}))
    return out


def _put(arr: pa.Array, rows: np.ndarray, values: pa.Array) -> pa.Array:
    return pc.replace_with_mask(arr, pa.array(rows), values)

