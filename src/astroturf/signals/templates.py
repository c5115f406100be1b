"""Templates: near-duplicate texts grouped into families; copypasta versus app boilerplate.

Why: campaigns hand out a script and accounts paste it (copypasta); apps post their own
boilerplate for users (check-ins, badges, game scores, follower statistics) with the user's
slots filled in. Both make many accounts post alike. What tells them apart is stated in
docs/interpreting.md and implemented here:

- A *family* is a connected group of near-duplicate texts (``kernels.neardup``) - one skeleton.
- A family is *boilerplate* when it has more distinct variants than accounts using it: its
  users fill slots (venues, songs, numbers, names), each posting different fills, which is how
  software templates are used. Copied talking points have fewer variants than copiers.
- ``template_reuse``: accounts posting the *same* text (after lower-casing and removing links,
  mentions, punctuation and emoji) at any time, outside boilerplate families. Each family counts
  once per pair, however many of its texts the pair shares, and the configuration-model null
  (``stats.nulls.configuration_null``) makes popular texts and heavy users weak evidence.
- ``app_boilerplate``: accounts using the same boilerplate family. That is evidence of a shared
  app, not of shared content, so it belongs with the posting-client family in fusion, each app
  family counting once.

Reposts never count (copying is what a repost is). ``templates.csv`` lists the families.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from astroturf.kernels.keys import auto_max_p, key_pairs, rarity_tail
from astroturf.kernels.neardup import near_duplicate_pairs
from astroturf.kernels.sweep import (
    NAT,
    in_sorted,
    lexsort_ints,
    run_starts,
    unique_sorted,
    utc_index,
)
from astroturf.scandata import ScanData, Templates
from astroturf.signals.base import ChannelEdges, channel_to_schema, empty_channel
from astroturf.stats.nulls import configuration_null
from astroturf.stats.randomise import rewire_stubs

log = logging.getLogger("astroturf.signals.templates")

TEMPLATE_COLUMNS = ["template_id", "canonical_text", "kind", "n_variants", "n_posts",
                    "n_accounts", "accounts", "post_ids", "first_seen", "last_seen"]


def build_templates(sd: ScanData) -> Templates:
    """Families of the scan's distinct fuzzy texts and which of them are boilerplate."""
    texts = sd.fuzzy_texts
    n = len(texts)
    pairs = near_duplicate_pairs(texts, sd.neardup)
    graph = coo_matrix((np.ones(len(pairs)), (pairs["x"].to_numpy(), pairs["y"].to_numpy())),
                       shape=(n, n))
    _, family = connected_components(graph, directed=False) if n else (0, np.zeros(0, int))
    family = family.astype(np.int64)
    n_fam = int(family.max()) + 1 if n else 0
    variants = np.bincount(family, minlength=n_fam)
    use = sd.fuzzy >= 0
    fam_post = family[sd.fuzzy[use]]
    packed = unique_sorted(fam_post * np.int64(sd.n_accounts) + sd.acc[use])
    accounts = np.bincount(packed // sd.n_accounts, minlength=n_fam)
    boiler = (variants >= 2) & (variants > accounts)
    log.debug("templates: %d texts, %d near-duplicate pairs, %d families, %d boilerplate", n,
              len(pairs), n_fam, int(boiler.sum()))
    return Templates(family=family, boilerplate=boiler, pairs=pairs)


def _stubs(sd: ScanData, key: np.ndarray, mask: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (account, key) stubs of the masked posts, sorted by (key, account), with the
    position of each stub's earliest post."""
    pos = np.flatnonzero(mask)
    packed = key[pos] * np.int64(sd.n_accounts) + sd.acc[pos]
    order = np.argsort(packed, kind="stable")  # posts are in (account, time) order
    packed, pos = packed[order], pos[order]
    first = run_starts(packed)
    return sd.acc[pos[first]], key[pos[first]], pos[first]


def shared_key_channel(sd: ScanData, *, signal: str, key: np.ndarray, mask: np.ndarray,
                       unit: np.ndarray, max_key_accounts: int,
                       rng: np.random.Generator | None = None,
                       max_p: float | None = None) -> ChannelEdges:
    """Pairs of accounts sharing keys at any time; each *unit* (family) counts once per pair.

    ``key`` per post (what must be identical), ``unit[key]`` (what counts once), ``mask`` the
    posts that take part. With ``rng`` the stubs are rewired first (a null copy). Null:
    ``stats.nulls.configuration_null`` over distinct stubs; keys used by more than
    ``max_key_accounts`` accounts are hot: no pairs, and left out of the expectation too.
    ``max_p`` (the scan passes fusion's cap): only edges with p <= max_p are kept, the others
    counted in ``pruned`` (fusion would drop them, ``stats.fusion.collect``); a pair sharing one
    unit can pass only if its expectation is small, so most p-values are never computed.
    """
    s_acc, s_key, s_pos = _stubs(sd, key, mask & (key >= 0))
    if rng is not None:
        s_acc = rewire_stubs(s_acc, rng)
        order = lexsort_ints((s_acc, s_key))
        s_acc, s_key, s_pos = s_acc[order], s_key[order], s_pos[order]
        dup = np.zeros(len(s_acc), bool)
        dup[1:] = (s_acc[1:] == s_acc[:-1]) & (s_key[1:] == s_key[:-1])
        s_acc, s_key, s_pos = s_acc[~dup], s_key[~dup], s_pos[~dup]
    if len(s_acc) < 2:
        return empty_channel(signal, "poisson")
    k_acc = np.bincount(s_acc, minlength=sd.n_accounts)
    m_key = np.bincount(s_key)
    pairable = (m_key >= 2) & (m_key <= max_key_accounts)
    pair_mass = float((m_key[pairable] * (m_key[pairable] - 1.0)).sum())
    a, b, kk = key_pairs(s_acc, s_key, max_key_accounts=max_key_accounts)
    if len(a) == 0:
        return empty_channel(signal, "poisson")
    pruned = 0
    if max_p is not None:  # pairs of one key and a large expectation go before the grouping
        keep = ~_weak_single_pairs(a, b, k_acc, pair_mass, float(len(s_acc)), max_p,
                                   sd.n_accounts)
        pruned = len(a) - int(keep.sum())
        a, b, kk = a[keep], b[keep], kk[keep]
    rows = _unit_rows(a, b, kk, unit, sd.n_accounts)
    if max_p is not None:
        rows, dropped = _passing_rows(rows, k_acc, pair_mass, float(len(s_acc)), max_p)
        pruned += dropped
    pa_, pb, n_shared, r_edge, r_unit, r_key = rows
    expected, p_value = configuration_null(n_shared, k_acc[pa_], k_acc[pb],
                                           pair_mass=pair_mass, n_stubs=float(len(s_acc)))
    if max_p is not None:  # the exact test on the few that may pass
        ok = p_value <= max_p
        pruned += int((~ok).sum())
        (pa_, pb, n_shared, r_edge, r_unit, r_key), expected, p_value = _select_edges(
            (pa_, pb, n_shared, r_edge, r_unit, r_key), ok), expected[ok], p_value[ok]
    out = ChannelEdges(signal=signal, null="poisson", frame=pd.DataFrame({
        "a": pa_, "b": pb, "n_events": n_shared, "weight": n_shared.astype(float),
        "expected": expected, "p_value": p_value, "first": NAT, "last": NAT}),
        ki_edge=r_edge, ki_key=r_unit, ki_events=np.ones(len(r_edge), np.int64), pruned=pruned)
    if rng is None:
        _attach_evidence(out, sd, s_acc, s_key, s_pos, r_edge, r_key)
    return out


def _unit_rows(a: np.ndarray, b: np.ndarray, key: np.ndarray, unit: np.ndarray, n_acc: int):
    """Per pair: distinct units shared; one row per (pair, unit) with a representative key."""
    pair = a * np.int64(n_acc) + b
    u = unit[key]
    order = lexsort_ints((key, u, pair))
    pair, u, key = pair[order], u[order], key[order]
    first = run_starts(pair, u)
    pair, u, key = pair[first], u[first], key[first]
    p_start = run_starts(pair)
    n_shared = np.diff(np.r_[p_start, len(pair)]).astype(np.int64)
    edge = np.repeat(np.arange(len(p_start), dtype=np.int64), n_shared)
    pc = pair[p_start]
    return pc // n_acc, pc % n_acc, n_shared, edge, u, key


def _small_expectation(pa_: np.ndarray, pb: np.ndarray, k_acc: np.ndarray, pair_mass: float,
                       n_stubs: float, max_p: float) -> np.ndarray:
    """Is the pair's expectation so small that one shared unit, P(X >= 1) = 1 - exp(-E), may
    reach p <= max_p (with a margin of a millionth for rounding; the exact test follows)?"""
    e = k_acc[pa_].astype(float) * k_acc[pb] * (pair_mass / n_stubs ** 2)
    return -np.expm1(-e) <= max_p * (1.0 + 1e-6)


def _weak_single_pairs(a: np.ndarray, b: np.ndarray, k_acc: np.ndarray, pair_mass: float,
                       n_stubs: float, max_p: float, n_acc: int) -> np.ndarray:
    """Rows (``key_pairs`` output) of pairs that share one key only and whose expectation is
    not small: one shared unit at most, so ``_passing_rows`` would drop them. Dropping them
    first spares the grouping by unit millions of rows (on a null copy nearly every pair
    shares one key). A pair's rows are all kept or all dropped, so the grouping of the
    others is unchanged; each dropped row is one dropped pair."""
    weak = np.flatnonzero(~_small_expectation(a, b, k_acc, pair_mass, n_stubs, max_p))
    pair = a[weak] * np.int64(n_acc) + b[weak]
    s = np.sort(pair)
    repeated = unique_sorted(s[1:][s[1:] == s[:-1]])
    out = np.zeros(len(a), bool)
    out[weak[~in_sorted(pair, repeated)]] = True
    return out


def _passing_rows(rows: tuple, k_acc: np.ndarray, pair_mass: float, n_stubs: float,
                  max_p: float) -> tuple[tuple, int]:
    """The pairs that can reach p <= max_p: several shared units, or one unit and a small
    expectation (``_small_expectation``). Returns (rows, number left out)."""
    pa_, pb, n_shared = rows[0], rows[1], rows[2]
    ok = (n_shared >= 2) | _small_expectation(pa_, pb, k_acc, pair_mass, n_stubs, max_p)
    return _select_edges(rows, ok), int((~ok).sum())


def _select_edges(rows: tuple, ok: np.ndarray) -> tuple:
    """(pair a, pair b, n_shared, unit rows: edge, unit, key) restricted to the edges ``ok``,
    unit rows renumbered to the kept edges."""
    pa_, pb, n_shared, r_edge, r_unit, r_key = rows
    new = np.cumsum(ok) - 1
    keep_r = ok[r_edge]
    return (pa_[ok], pb[ok], n_shared[ok], new[r_edge[keep_r]], r_unit[keep_r],
            r_key[keep_r])


def _attach_evidence(out: ChannelEdges, sd: ScanData, s_acc: np.ndarray, s_key: np.ndarray,
                     s_pos: np.ndarray, r_edge: np.ndarray, r_key: np.ndarray) -> None:
    """Evidence: per shared unit, the earliest post of each account with the shared text."""
    f = out.frame
    packed = s_key * np.int64(sd.n_accounts) + s_acc  # sorted (stubs are sorted by key, acc)
    a = f["a"].to_numpy()[r_edge]
    b = f["b"].to_numpy()[r_edge]
    pa_ = s_pos[np.searchsorted(packed, r_key * np.int64(sd.n_accounts) + a)]
    pb = s_pos[np.searchsorted(packed, r_key * np.int64(sd.n_accounts) + b)]
    first = np.minimum(sd.t[pa_], sd.t[pb])
    order = lexsort_ints((first, r_edge))
    out.ev_edge, out.ev_a, out.ev_b = r_edge[order], pa_[order], pb[order]
    lo = np.full(len(f), np.iinfo(np.int64).max)
    hi = np.full(len(f), np.iinfo(np.int64).min)
    np.minimum.at(lo, r_edge, first)
    np.maximum.at(hi, r_edge, np.maximum(sd.t[pa_], sd.t[pb]))
    f["first"], f["last"] = lo, hi


def template_reuse(sd: ScanData, *, max_key_accounts: int = 1000,
                   rng: np.random.Generator | None = None,
                   max_p: float | None = None) -> ChannelEdges:
    """Identical texts at any time, outside boilerplate families (see the module docstring)."""
    tpl = sd.templates()
    fam, boiler = tpl.of_posts(sd.fuzzy)
    mask = (fam >= 0) & ~boiler
    return shared_key_channel(sd, signal="template_reuse", key=sd.fuzzy, mask=mask,
                              unit=tpl.family, max_key_accounts=max_key_accounts, rng=rng,
                              max_p=max_p)


def app_boilerplate(sd: ScanData, *, max_key_accounts: int = 1000,
                    rng: np.random.Generator | None = None,
                    max_p: float | None = None) -> ChannelEdges:
    """The same boilerplate family used by two accounts: evidence of a shared app.

    Like posting clients, an app is evidence only when it is rare: families whose rarity
    tail (``kernels.keys.rarity_tail`` over the accounts posting any text) is too weak to
    survive the pair-level FDR (``kernels.keys.auto_max_p``) make no pairs.
    """
    tpl = sd.templates()
    fam, boiler = tpl.of_posts(sd.fuzzy)
    mask = (fam >= 0) & boiler
    used = sd.fuzzy >= 0
    n_pop = len(unique_sorted(sd.acc[used]))
    fam_acc = unique_sorted(fam[mask] * np.int64(sd.n_accounts) + sd.acc[mask])
    size = np.bincount(fam_acc // sd.n_accounts, minlength=len(tpl.boilerplate))
    tail = np.ones(max(len(size), 1))
    live = size > 0
    tail[: len(size)][live] = rarity_tail(size[live], n_pop)
    mask &= tail[np.maximum(fam, 0)] <= auto_max_p(n_pop)
    ident = np.arange(len(tpl.boilerplate), dtype=np.int64)
    return shared_key_channel(sd, signal="app_boilerplate", key=fam, mask=mask, unit=ident,
                              max_key_accounts=max_key_accounts, rng=rng, max_p=max_p)


def template_groups(sd: ScanData, *, min_accounts: int = 3) -> pd.DataFrame:
    """Families used by at least ``min_accounts`` accounts, for templates.csv.

    canonical_text: the earliest raw post of the family's most used text; kind: 'copypasta'
    or 'app boilerplate'; post_ids: the first 50 by time.
    """
    tpl = sd.templates()
    use = np.flatnonzero(sd.fuzzy >= 0)
    if len(use) == 0:
        return _empty_templates()
    fam = tpl.family[sd.fuzzy[use]]
    n_fam = len(tpl.boilerplate)
    acc_fam = unique_sorted(fam * np.int64(sd.n_accounts) + sd.acc[use])
    n_acc = np.bincount(acc_fam // sd.n_accounts, minlength=n_fam)
    big = np.flatnonzero(n_acc >= min_accounts)
    if len(big) == 0:
        return _empty_templates()
    sel = np.isin(fam, big)
    use, fam = use[sel], fam[sel]
    t = pd.DataFrame({"fam": fam, "text": sd.fuzzy[use], "pos": use, "t": sd.t[use],
                      "acc": sd.acc[use]})
    t = t.sort_values(["fam", "t", "pos"], kind="stable")
    g = t.groupby("fam", sort=True)
    top_text = t.groupby(["fam", "text"], sort=True).size().reset_index(name="n").sort_values(
        ["fam", "n", "text"], ascending=[True, False, True], kind="stable").drop_duplicates("fam")
    lead = t.merge(top_text[["fam", "text"]], on=["fam", "text"]).drop_duplicates("fam")
    raw = sd.posts["text"].iloc[sd.row[lead["pos"].to_numpy()]].to_numpy(dtype=object)
    out = pd.DataFrame({"n_posts": g.size(), "n_accounts": n_acc[g.size().index],
                        "n_variants": g["text"].nunique(),
                        "first_seen": g["t"].min(), "last_seen": g["t"].max()})
    out["canonical_text"] = pd.Series(raw, index=lead["fam"].to_numpy())
    out["kind"] = np.where(tpl.boilerplate[out.index], "app boilerplate", "copypasta")
    accs = t[["fam", "acc"]].drop_duplicates().sort_values(["fam", "acc"], kind="stable")
    out["accounts"] = pd.Series(sd.ids[accs["acc"].to_numpy()], index=accs["fam"].to_numpy()
                                ).groupby(level=0).agg(" ".join)
    firsts = t.groupby("fam", sort=True).head(50)
    out["post_ids"] = pd.Series(sd.post_id.take(pa.array(firsts["pos"].to_numpy()))
                                .to_numpy(zero_copy_only=False),
                                index=firsts["fam"].to_numpy()).groupby(level=0).agg(" ".join)
    out = out.sort_values(["n_accounts", "n_posts", "first_seen", "canonical_text"],
                          ascending=[False, False, True, True], kind="stable")
    out["template_id"] = np.arange(1, len(out) + 1, dtype=np.int64)
    for col in ("first_seen", "last_seen"):
        out[col] = utc_index(out[col].to_numpy(dtype=np.int64))
    return out[TEMPLATE_COLUMNS].reset_index(drop=True).astype(
        {"canonical_text": "str", "kind": "str", "accounts": "str", "post_ids": "str"})


def _empty_templates() -> pd.DataFrame:
    return pd.DataFrame({
        "template_id": pd.Series([], dtype="int64"), "canonical_text": pd.Series([], dtype="str"),
        "kind": pd.Series([], dtype="str"), "n_variants": pd.Series([], dtype="int64"),
        "n_posts": pd.Series([], dtype="int64"), "n_accounts": pd.Series([], dtype="int64"),
        "accounts": pd.Series([], dtype="str"), "post_ids": pd.Series([], dtype="str"),
        "first_seen": pd.Series([], dtype="datetime64[ns, UTC]"),
        "last_seen": pd.Series([], dtype="datetime64[ns, UTC]")})


def template_reuse_edges(posts: pd.DataFrame, *, min_text_chars: int = 20,
                         max_key_accounts: int = 1000) -> pd.DataFrame:
    """Schema edges of 'template_reuse' for a canonical posts table."""
    from astroturf.signals.coactions import scan_data

    sd = scan_data(posts, min_text_chars=min_text_chars)
    return channel_to_schema(template_reuse(sd, max_key_accounts=max_key_accounts), sd)


def app_boilerplate_edges(posts: pd.DataFrame, *, min_text_chars: int = 20,
                          max_key_accounts: int = 1000) -> pd.DataFrame:
    """Schema edges of 'app_boilerplate' for a canonical posts table."""
    from astroturf.signals.coactions import scan_data

    sd = scan_data(posts, min_text_chars=min_text_chars)
    return channel_to_schema(app_boilerplate(sd, max_key_accounts=max_key_accounts), sd)
