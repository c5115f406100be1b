"""Account profiles: varied organic people, and templated sock-puppet batches.

The account table is internal to the simulator (columns below); the flat export repeats the
profile columns on every post row. Times are int64 Unix seconds until the export is built.

Columns: account_id, handle, display_name, bio, location, profile_url (str, NA allowed),
created (int64 s), followers, following (int64), tz (float hours), office (bool: posts in
office hours on weekdays), weight (float activity), client_main, client_alt (str),
p_main (float), p_repost, p_reply, p_quote (float).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from astroturf.simulate import vocab as V

DAY = 86_400
TZS = np.array([-8, -7, -6, -5, -4, -3, 0, 1, 2, 3, 5.5, 8, 9, 10])
TZ_W = np.array([9, 3, 8, 14, 2, 3, 14, 12, 4, 3, 7, 5, 4, 3], dtype=float)

HANDLE_TEMPLATES = ["<Brand>FC<First>", "<first>_<brand><d2>", "<First><L><d8>",
                    "<first><suffix><d3>", "<Brand><First><d2>", "<first>.<last>_<suffix>"]
SUFFIXES = ["_amb", "4truth", "_voice", "_real", "_news", "_usa", "_official", "xo"]
BIO_TEMPLATES = [
    "{Proud|Happy|Proud to be a} <Brand> {associate|team member|employee}{.|!| ✨}"
    " {Love|Loving|Really love} my job{!|.| 😊}{ Views my own.|| #<Brand>}",
    "<Brand> FC Ambassador{ 📦| 🚚|}{ | }| {Here to share|Sharing} my {real|honest|own}"
    " experience{.|!}{| Ask me anything!}",
    "{Mom|Dad|Parent} of {two|three|2}{.|,} {Patriot|Proud American|Local voice}{.|!}"
    " {Standing|Stand} for {truth|freedom|common sense}{ 🇺🇸|!|.}",
    "{Just a|A} {regular|normal|simple} {guy|girl|person} who {loves|likes} <Brand>"
    "{ ❤️|!|.}{| Follow back!}",
    "{News|Updates|Facts} {about|on} <Brand> {and more|& more|}{.| 📰|}"
    " {Independent|Unbiased|Honest} {voice|view}{.|!}",
    "{Working|Worker} at <Brand>{ | · }{Shift|Team} {lead|member}{.|} {Great|Good} {pay|benefits}"
    "{ & | and }{safe|friendly} {workplace|place to work}{!|.}",
]
SPECIAL_CLIENTS = ["SocialPilot.co", "Sprinklr Publishing", "FC Poster", "postcron app",
                   "Cheap Bots, Done Quick!", "dlvr.it", "Zapier.com"]


def _digits(rng: np.random.Generator, n: int, k: int) -> pa.Array:
    vals = rng.integers(0, 10**k, size=n)
    return pa.array(pd.Series(vals).astype("str").str.zfill(k).to_numpy(dtype=object))


def _names(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array]:
    first = V.take(V.FIRST_NAMES, rng.integers(0, len(V.FIRST_NAMES), size=n))
    last = V.take(V.LAST_NAMES, rng.integers(0, len(V.LAST_NAMES), size=n))
    return first, last


def _pick(rng: np.random.Generator, options: list[pa.Array], p: list[float]) -> pa.Array:
    """Per row, take the value of one of ``options`` (chosen with probabilities ``p``)."""
    n = len(options[0])
    which = rng.choice(len(options), size=n, p=np.asarray(p) / np.sum(p))
    out = options[0]
    for k in range(1, len(options)):
        out = pc.if_else(pa.array(which == k), options[k], out)
    return out


def _organic_handles(rng: np.random.Generator, first: pa.Array, last: pa.Array) -> pa.Array:
    n = len(first)
    w1 = V.take(V.WORDS, rng.integers(0, len(V.WORDS), size=n))
    w2 = V.take(V.WORDS, rng.integers(0, len(V.WORDS), size=n))
    cap_f, cap_l = pc.utf8_capitalize(first), pc.utf8_capitalize(last)
    initial = pc.utf8_slice_codeunits(first, 0, 1)
    opts = [V.concat(first, last), V.concat(first, "_", last),
            V.concat(first, _digits(rng, n, 2)), V.concat(w1, w2),
            V.concat(w1, _digits(rng, n, 3)), V.concat(initial, last, _digits(rng, n, 2)),
            V.concat(cap_f, cap_l), V.concat(first, "_", w2), V.concat("the", cap_l),
            V.concat(cap_f, _digits(rng, n, 4))]
    return pc.utf8_slice_codeunits(_pick(rng, opts, [14, 8, 12, 8, 8, 8, 8, 6, 3, 6]), 0, 15)


def unique_handles(rng: np.random.Generator, handles: pd.Series) -> pd.Series:
    """Make handles unique (case-insensitively) by re-suffixing duplicates with digits."""
    handles = handles.copy()
    for _ in range(20):
        dup = handles.str.lower().duplicated(keep="first").to_numpy()
        if not dup.any():
            break
        tail = pd.Series(rng.integers(10, 10_000, size=int(dup.sum()))).astype("str").to_numpy()
        handles[dup] = handles[dup].str.slice(0, 11).to_numpy() + tail
    return handles


def _organic_bios(rng: np.random.Generator, n: int) -> pa.Array:
    k = rng.choice([1, 2, 3, 4], size=n, p=[0.3, 0.35, 0.25, 0.1])
    seps = V.BIO_SEPARATORS
    sep = rng.integers(0, len(seps), size=n)
    out = pa.nulls(n, pa.string())
    for j, s in enumerate(seps):  # one join per separator style, not per account
        rows = sep == j
        if not rows.any():
            continue
        kj = k[rows]
        frags = V.take(V.BIO_FRAGMENTS, rng.integers(0, len(V.BIO_FRAGMENTS), int(kj.sum())))
        out = pc.replace_with_mask(out, pa.array(rows), V.join_lists(frags, kj, s))
    out = pc.utf8_capitalize(out)
    emo = V.take(V.EMOJI, rng.integers(0, len(V.EMOJI), size=n))
    out = V.concat(out, V.maybe(emo, rng.random(n) < 0.2), sep=" ")
    return V.maybe(out, rng.random(n) >= 0.14)


def organic_accounts(rng: np.random.Generator, n: int, *, start: int) -> pd.DataFrame:
    """``n`` organic accounts: diverse handles/bios, creation over years, heavy-tailed reach."""
    first, last = _names(rng, n)
    handles = unique_handles(rng, pd.Series(_organic_handles(rng, first, last), dtype="str"))
    cap_f, cap_l = pc.utf8_capitalize(first), pc.utf8_capitalize(last)
    emo = V.take(V.EMOJI, rng.integers(0, len(V.EMOJI), size=n))
    display = _pick(rng, [V.concat(cap_f, " ", cap_l), cap_f, V.concat(first, " ", emo),
                          V.concat(pc.utf8_slice_codeunits(cap_f, 0, 1), ". ", cap_l),
                          pa.array(handles.to_numpy(dtype=object))], [45, 20, 10, 10, 15])
    age = np.where(rng.random(n) < 0.5, rng.uniform(40, 16 * 365, n),
                   rng.exponential(2 * 365, n) + 40)
    loc = V.maybe(V.take(V.LOCATIONS, rng.integers(0, len(V.LOCATIONS), size=n)),
                  rng.random(n) < 0.55)
    url = V.maybe(_pick(rng, [V.concat("https://", handles.str.lower().to_numpy(), ".com"),
                              V.concat("https://linktr.ee/", handles.to_numpy()),
                              V.concat("https://", handles.str.lower().to_numpy(),
                                       ".substack.com")], [3, 2, 1]), rng.random(n) < 0.15)
    cw = V.CLIENT_WEIGHTS / V.CLIENT_WEIGHTS.sum()
    return pd.DataFrame({
        "handle": handles,
        "display_name": pd.Series(display, dtype="str"),
        "bio": pd.Series(_organic_bios(rng, n), dtype="str"),
        "location": pd.Series(loc, dtype="str"),
        "profile_url": pd.Series(url, dtype="str"),
        "created": start - (age * DAY).astype(np.int64) - rng.integers(0, DAY, n),
        "followers": np.floor(rng.lognormal(5.0, 1.8, n)).astype(np.int64),
        "following": np.floor(rng.lognormal(5.6, 1.1, n)).astype(np.int64),
        "tz": rng.choice(TZS, size=n, p=TZ_W / TZ_W.sum()),
        "office": np.zeros(n, dtype=bool),
        "weight": rng.lognormal(0.0, 1.25, n),
        "client_main": pd.Series(V.take(V.CLIENTS, rng.choice(len(V.CLIENTS), n, p=cw)),
                                 dtype="str"),
        "client_alt": pd.Series(V.take(V.CLIENTS, rng.choice(len(V.CLIENTS), n, p=cw)),
                                dtype="str"),
        "p_main": rng.uniform(0.7, 1.0, n),
        "p_repost": rng.beta(2.0, 3.0, n) * 0.8,
        "p_reply": rng.beta(1.5, 6.0, n),
        "p_quote": rng.uniform(0.0, 0.06, n),
    })


def templated_profiles(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray, *,
                       brand: str, start: int, burst_hours: float) -> None:
    """Overwrite ``members`` rows of ``acc`` with one operator's batch: templated handles,
    templated bios with small edits, creation within ``burst_hours``, low reach. In place.
    """
    n = len(members)
    first, last = _names(rng, n)
    fill = {"Brand": brand, "brand": brand.lower(), "suffix": str(rng.choice(SUFFIXES))}
    tpl = str(rng.choice(HANDLE_TEMPLATES))
    for key, value in fill.items():
        tpl = tpl.replace(f"<{key}>", value)
    parts: list[pa.Array | str] = []
    names = {"<First>": pc.utf8_capitalize(first), "<first>": first, "<last>": last,
             "<L>": pc.utf8_upper(pc.utf8_slice_codeunits(last, 0, 1)),
             "<d2>": _digits(rng, n, 2), "<d3>": _digits(rng, n, 3), "<d8>": _digits(rng, n, 8)}
    for piece in pd.Series([tpl]).str.split(r"(<\w+>)", regex=True).iloc[0]:
        if piece:
            parts.append(names.get(piece, piece))
    handles = pc.utf8_slice_codeunits(V.concat(*parts), 0, 15)
    acc.loc[members, "handle"] = pd.Series(handles, dtype="str").to_numpy()
    cap = pc.utf8_capitalize(first)
    style = int(rng.integers(0, 3))
    display = [V.concat(cap, " @ ", brand), V.concat(cap, " | ", brand, " FC"),
               V.concat(cap, " ", pc.utf8_upper(pc.utf8_slice_codeunits(last, 0, 1)), ".")][style]
    acc.loc[members, "display_name"] = pd.Series(display, dtype="str").to_numpy()
    bio_tpl = str(rng.choice(BIO_TEMPLATES))
    bios = V.render_template(rng, bio_tpl, n, fill=fill, vary=0.35)
    acc.loc[members, "bio"] = pd.Series(bios, dtype="str").to_numpy()
    burst_start = start - int(rng.integers(3, 400)) * DAY - int(rng.integers(0, DAY))
    acc.loc[members, "created"] = burst_start + np.sort(
        rng.integers(0, int(burst_hours * 3600), n))
    acc.loc[members, "followers"] = np.floor(rng.lognormal(2.8, 1.0, n)).astype(np.int64)
    acc.loc[members, "following"] = np.floor(rng.lognormal(4.8, 0.9, n)).astype(np.int64)
    acc.loc[members, "profile_url"] = np.nan
    if rng.random() < 0.5:
        acc.loc[members, "location"] = str(rng.choice(V.LOCATIONS))


def shared_client(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray) -> None:
    """One posting client for the whole batch: sometimes a rare tool, usually a common app."""
    special = rng.random() < 0.4
    client = str(rng.choice(SPECIAL_CLIENTS if special else V.CLIENTS[:3]))
    acc.loc[members, ["client_main", "client_alt"]] = client
    acc.loc[members, "p_main"] = 1.0


def burst_created(rng: np.random.Generator, acc: pd.DataFrame, members: np.ndarray, *,
                  start: int, hours: float) -> None:
    """Accounts created within ``hours`` of each other at a random point before ``start``."""
    t0 = start - int(rng.integers(3, 900)) * DAY - int(rng.integers(0, DAY))
    acc.loc[members, "created"] = t0 + rng.integers(0, int(hours * 3600), len(members))
