"""Organic look-alikes: genuine crowds that resemble coordination on one signal only.

They are the false positives a detector must survive: a viral retweet wave (bursty, but one
target), share-button texts (identical, but spread over days and once per user), boilerplate
bios, a platform-migration signup week, and a fan community replying to one star.
"""

from __future__ import annotations

import re

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

SHARE_TEMPLATES = ['I just signed the petition "<title>" <url>', "Check out this article <url>",
                   "I just supported <title> on @gofundme <url>", "<title> <url> via @youtube",
                   "I liked a @YouTube video <url> <title>"]
PETITION_DOMAINS = ["change.org", "gofundme.com", "youtube.com", "medium.com", "bbc.co.uk"]


def _popular_time(rng: np.random.Generator, acc: pd.DataFrame, author: int, *, start: int,
                  days: int, n: int = 1) -> np.ndarray:
    t = local_times(rng, np.full(n, acc.loc[author, "tz"]), np.zeros(n, bool), start=start,
                    days=days)
    return np.minimum(t, start + days * DAY - 6 * HOUR)


def viral_wave(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray, author: int,
               *, pool: Pool, start: int, days: int) -> Block:
    """Hundreds of ordinary accounts repost one viral post within minutes to hours."""
    t0 = _popular_time(rng, acc, author, start=start, days=days)
    text, urls, tags, ment = decorate(rng, V.random_texts(rng, 1, min_words=10), pool,
                                      p_url=0.5)
    lag = np.clip(rng.lognormal(np.log(25 * 60), 1.3, len(members)), 3, 3 * DAY)
    src = make_block(np.array([author]), t0, POST, text=text, urls=urls, hashtags=tags,
                     mentions=ment)
    quote = rng.random(len(members)) < 0.05
    body = V.maybe(V.random_texts(rng, len(members), max_words=10), quote)
    waves = make_block(members, t0 + lag.astype(np.int64), np.where(quote, 3, REPOST),
                       target=np.zeros(len(members), np.int64), text=body)
    return attach(src, waves)


def share_button(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray, *,
                 start: int, days: int) -> Block:
    """Many users post the identical share-button text once each, spread over hours/days."""
    k = int(rng.integers(0, len(SHARE_TEMPLATES)))
    words = rng.choice(V.WORDS[40:400], int(rng.integers(3, 7)))
    title = " ".join(w.capitalize() for w in words)
    url = f"https://{PETITION_DOMAINS[k]}/{'-'.join(words)}?utm_source=share"
    text = SHARE_TEMPLATES[k].replace("<title>", title).replace("<url>", url)
    t0 = start + int(rng.integers(0, max(1, days * DAY // 2)))
    lag = rng.exponential(1.5 * DAY, len(members)) + rng.integers(30, 600, len(members))
    t = np.minimum(t0 + lag.astype(np.int64), start + days * DAY - 1)
    n = len(members)
    low = text.lower()
    mention = next((m for m in ("gofundme", "youtube") if f"@{m}" in low), None)
    return make_block(members, t, POST, text=pa.array([text] * n), urls=pa.array([url] * n),
                      mentions=pa.array([mention] * n, pa.string()))


def boilerplate_bio(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray) -> None:
    """Ordinary users whose bios are the same stock phrases (or empty). In place."""
    bios = np.array(V.BOILERPLATE_BIOS, dtype=object)[
        rng.integers(0, len(V.BOILERPLATE_BIOS), len(members))]
    bios[bios == ""] = np.nan
    acc.loc[members, "bio"] = bios


def signup_burst(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray, *,
                 start: int) -> None:
    """A platform-migration week: accounts created within a few days, then organic. In place."""
    t0 = start - int(rng.integers(20, 700)) * DAY
    span = int(rng.integers(2, 6)) * DAY
    acc.loc[members, "created"] = t0 + rng.integers(0, span, len(members))


def fan_community(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray, star: int,
                  *, pool: Pool, start: int, days: int) -> Block:
    """Fans reply to one account's posts, each on their own schedule (hours apart)."""
    n_star = max(5, days)
    t_star = np.sort(local_times(rng, np.full(n_star, acc.loc[star, "tz"]),
                                 np.zeros(n_star, bool), start=start, days=days))
    text, urls, tags, ment = decorate(rng, V.random_texts(rng, n_star), pool)
    src = make_block(np.full(n_star, star), t_star, POST, text=text, urls=urls, hashtags=tags,
                     mentions=ment)
    p_fan = rng.uniform(0.05, 0.3, len(members))
    hit = rng.random((n_star, len(members))) < p_fan
    ev, mem = np.nonzero(hit)
    lag = np.clip(rng.lognormal(np.log(2.5 * HOUR), 1.4, len(ev)), 60, 5 * DAY)
    cheer = V.take(["", " ❤️", " 😍", " 🙌", " so true", " love this", " 👏"],
                   rng.integers(0, 7, len(ev)))
    body = V.concat(V.random_texts(rng, len(ev), max_words=12), cheer)
    replies = make_block(members[mem], t_star[ev] + lag.astype(np.int64), REPLY, target=ev,
                         text=body)
    return attach(src, replies)


# App-generated posts: one skeleton per app, the slots filled by each user (venues, badges,
# songs, statistics), posted at the user's own times. Like foursquare, Shazam and follower-stats
# apps in real timelines; several templates per app, as real apps have.
APP_TEMPLATES = [
    "I'm at <venue> in <city>",
    "I just unlocked the \"<badge>\" badge on @checkapp!",
    "I just became the mayor of <venue> on @checkapp!",
    "#NowPlaying <song> by <artist> via @tunetag",
    "My daily stats: <n> new followers and <m> unfollowers via <url>",
    "I just finished a <n> km run with @runlog in <m> minutes",
]
_PLACES = ["Cafe", "Bar", "Station", "Library", "Gym", "Park", "Hotel", "Market", "Cinema",
           "Pizzeria", "Museum", "Square", "Bakery", "Office", "Stadium"]
_PLACE_WORDS = [w.capitalize() for w in V.WORDS[50:150]]
APP_SLOTS = {
    # real venues number in the thousands, a few of them (stations, airports) very popular
    "venue": [f"{w} {p}" for w in _PLACE_WORDS for p in _PLACES],
    "city": ["Milano", "Roma", "Torino", "Napoli", "Bologna", "Firenze", "Genova", "Bari",
             "Palermo", "Verona", "Padova", "Trieste", "Brescia", "Parma", "Modena", "Lecce"],
    "badge": ["Adventurer", "Local", "Explorer", "Shutterbug", "Newbie", "Trainspotter",
              "Foodie", "Jetsetter", "Bookworm", "Night Owl", "Gym Rat", "Photogenic"],
    "song": [f"{a} {b}" for a in ("Blue", "Night", "Paper", "Golden", "Neon", "Slow", "Wild",
                                  "Late", "Silver", "Broken", "Summer", "Electric")
             for b in ("Skies", "Drive", "Hearts", "Hour", "Rain", "Motion", "Roads", "Train",
                       "Lights", "Dreams", "Waves", "Echoes")],
    "artist": ["The Lanterns", "Mira Vale", "Cold Harbor", "Sol y Mar", "Kite Club",
               "Nova Lines", "The Quiet Ones", "June Atlas", "Red Canary", "Polar Sun",
               "The Drifters", "Lena Moss"],
    "url": ["https://stats.example/u/a1", "https://stats.example/u/b2",
            "https://stats.example/u/c3"],
}
_ZIPF = {"venue", "song"}


_SLOT = re.compile(r"<(\w+)>")


def _render(rng: np.random.Generator, template: str, n: int) -> pa.Array:
    """``n`` renders of an app template, every <slot> drawn per row (vectorised concat)."""
    parts: list[pa.Array | str] = []
    pos = 0
    for m in _SLOT.finditer(template):
        parts.append(template[pos:m.start()])
        values = APP_SLOTS.get(m.group(1)) or [str(k) for k in range(1, 60)]
        idx = (rng.choice(len(values), n, p=V.zipf_p(len(values))) if m.group(1) in _ZIPF
               else rng.integers(0, len(values), n))
        parts.append(V.take(values, idx))
        pos = m.end()
    parts.append(template[pos:])
    if not any(isinstance(p, pa.Array) for p in parts):
        return pa.array([template] * n, pa.string())
    return V.concat(*parts)


def app_users(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray, *,
              start: int, days: int) -> Block:
    """Ordinary people whose apps post for them: each uses one to three app templates, posts a
    heavy-tailed number of them (some are heavy users of one app) at their own times."""
    n_apps = rng.integers(1, 4, len(members))
    per_user = np.minimum(np.ceil(rng.pareto(1.2, len(members)) * 3 + 1), 80).astype(np.int64)
    rows = np.repeat(np.arange(len(members)), per_user)
    # each user's templates: a random start and its next n_apps - 1 templates
    first = rng.integers(0, len(APP_TEMPLATES), len(members))
    which = (first[rows] + rng.integers(0, n_apps[rows])) % len(APP_TEMPLATES)
    acc_rows = members[rows]
    t = local_times(rng, acc.loc[acc_rows, "tz"].to_numpy(), np.zeros(len(rows), bool),
                    start=start, days=days)
    text = pa.nulls(len(rows), pa.string())
    for k, template in enumerate(APP_TEMPLATES):  # a handful of templates
        sel = np.flatnonzero(which == k)
        if len(sel):
            rendered = _render(rng, template, len(sel))
            idx = np.full(len(rows), -1, np.int64)
            idx[sel] = np.arange(len(sel))
            text = pc.if_else(pa.array(idx >= 0), rendered.take(pa.array(np.maximum(idx, 0))),
                              text)
    return make_block(acc_rows, t, POST, text=text)


COMMON_FIRST = ["Giuseppe", "Maria", "Marco", "Anna", "Luca", "Francesca", "Andrea", "Sara"]


def common_names(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray) -> None:
    """A population where a few first names are very common (as in any one country): display
    names 'First Last', handles built from the first name. In place."""
    first = np.array(COMMON_FIRST, dtype=object)[rng.integers(0, len(COMMON_FIRST),
                                                              len(members))]
    last = np.array(V.LAST_NAMES, dtype=object)[rng.integers(0, len(V.LAST_NAMES),
                                                              len(members))]
    digits = rng.integers(0, 100, len(members)).astype(str)
    style = rng.integers(0, 3, len(members))
    low = np.char.lower(first.astype(str))
    handle = np.where(style == 0, np.char.add(low, np.char.lower(last.astype(str))),
                      np.where(style == 1, np.char.add(np.char.add(low, "_"), digits),
                               np.char.add(low, digits)))
    acc.loc[members, "display_name"] = np.char.add(np.char.add(first.astype(str), " "),
                                                   last.astype(str))
    acc.loc[members, "handle"] = handle
