"""Near-duplicate templated texts: MinHash-LSH candidates verified with rapidfuzz.

Why: campaigns hand out a script and accounts paste it with small edits (a synonym, an emoji,
an extra word, a different @target). Exact same-text matching misses these. Candidate text
pairs come from ``signals.neardup`` (MinHash-LSH + rapidfuzz ratio). Text pairs are aggregated
into *account-pair* weights; texts are never chained into connected components (organic
phrases chain into giant blobs that way).

Texts are compared after ``fuzzy_texts`` (lower-case, no RT prefix, URLs, @mentions,
punctuation or emoji); texts shorter than ``min_text_chars`` after that are ignored ('thanks!',
'so true'); reposts are ignored (copying is what a repost is).

Channels (both built on the co-action kernel, keys = verified text pairs):

- ``near_dup_sync`` (``window`` in seconds): accounts posting *different but near-duplicate*
  texts within the window of each other. Identical texts are co_text's business and are left
  out so that fused channels do not count the same fact twice. Timing null of the kernel.
- ``template_reuse`` (``window=None``): accounts posting the same or near-duplicate texts at
  any time. Texts used by more than ``max_template_accounts`` accounts are boilerplate
  (share buttons, greetings) and make no pairs, though they still raise every pair's
  expectation in the kernel's random-assignment null.

``n_events`` counts distinct text pairs (or identical texts) behind an edge.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from astroturf.signals.base import finish_edges
from astroturf.signals.coaction import NAT, coaction_edges, time_ns
from astroturf.signals.coactions import activity
from astroturf.signals.neardup import near_duplicate_pairs
from astroturf.signals.normalize import fuzzy_texts

logger = logging.getLogger("astroturf.signals.templates")

TEMPLATE_COLUMNS = ["template_id", "canonical_text", "n_posts", "n_accounts", "accounts",
                    "post_ids", "first_seen", "last_seen"]


_CACHE: dict[tuple, tuple[pd.DataFrame, pd.Series]] = {}


def template_posts(posts: pd.DataFrame, *, min_text_chars: int = 20
                   ) -> tuple[pd.DataFrame, pd.Series]:
    """Posts that can carry a template, with a code into the sorted distinct fuzzy texts.

    Columns out: text_code, account_id, post_id, created_at (int64 ns), text (raw). Also the
    distinct fuzzy texts (index = text_code). The last result is cached by a fingerprint of
    the input, because a scan asks for it three times (sync, reuse, template groups).
    """
    cols = [c for c in ("post_id", "account_id", "created_at", "text", "kind")
            if c in posts.columns]
    fingerprint = (len(posts), min_text_chars, int(pd.util.hash_pandas_object(
        posts[cols], index=False).to_numpy().sum(dtype=np.uint64)))
    if fingerprint not in _CACHE:
        _CACHE.clear()
        _CACHE[fingerprint] = _template_posts(posts, min_text_chars=min_text_chars)
    table, texts = _CACHE[fingerprint]
    return table.copy(), texts.copy()


def _template_posts(posts: pd.DataFrame, *, min_text_chars: int = 20
                   ) -> tuple[pd.DataFrame, pd.Series]:
    sub = posts[(posts["kind"] != "repost").fillna(True).astype(bool)]
    t = time_ns(sub["created_at"])
    fz = fuzzy_texts(sub["text"])
    ok = ((fz.str.len() >= min_text_chars).fillna(False).astype(bool).to_numpy()
          & sub["account_id"].notna().to_numpy() & (t != NAT))
    codes, uniques = pd.factorize(fz[ok], sort=True)
    table = pd.DataFrame({"text_code": codes.astype(np.int64),
                          "account_id": sub["account_id"].to_numpy()[ok],
                          "post_id": sub["post_id"].to_numpy()[ok],
                          "created_at": t[ok],
                          "text": sub["text"].to_numpy()[ok]})
    return table, pd.Series(np.asarray(uniques, dtype=object), dtype="str")


def _pair_actions(table: pd.DataFrame, pairs: pd.DataFrame, *, exact: bool) -> pd.DataFrame:
    """Actions keyed by text pair: posts of x (side 0) and of y (side 1); exact keys side 2."""
    by_text = table.sort_values("text_code", kind="stable")
    codes = by_text["text_code"].to_numpy()
    parts = []
    for side, col in ((0, "x"), (1, "y")):
        t = pairs[col].to_numpy()
        lo, hi = np.searchsorted(codes, t, "left"), np.searchsorted(codes, t, "right")
        cnt = hi - lo
        owner = np.repeat(np.arange(len(t)), cnt)
        pos = np.repeat(lo, cnt) + np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        rows = by_text.iloc[pos]
        parts.append(pd.DataFrame({"key": owner, "side": side,
                                   "account_id": rows["account_id"].to_numpy(),
                                   "post_id": rows["post_id"].to_numpy(),
                                   "created_at": rows["created_at"].to_numpy()}))
    if exact:
        parts.append(pd.DataFrame({"key": len(pairs) + codes, "side": 2,
                                   "account_id": by_text["account_id"].to_numpy(),
                                   "post_id": by_text["post_id"].to_numpy(),
                                   "created_at": by_text["created_at"].to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def _cross_side(i: np.ndarray, j: np.ndarray, acts: pd.DataFrame) -> np.ndarray:
    side = acts["side"].to_numpy()
    return (side[i] != side[j]) | (side[i] == 2)


def near_duplicate_edges(posts: pd.DataFrame, *, window: float | None = 60.0,
                         threshold: float = 70.0, min_text_chars: int = 20, seed: int = 0,
                         max_evidence: int = 20, max_key_accounts: int = 1000,
                         max_fanout: int = 50, max_template_accounts: int = 50) -> pd.DataFrame:
    """Account pairs posting near-duplicate texts: 'near_dup_sync' or 'template_reuse'.

    Columns in: canonical posts (post_id, account_id, created_at, text, kind).
    Columns out: schema.EDGE_COLUMNS; evidence 'post_a>post_b' pairs of the templated posts.
    """
    table, texts = template_posts(posts, min_text_chars=min_text_chars)
    pairs = near_duplicate_pairs(texts, threshold=threshold, seed=seed)
    if window is None:
        acts = _pair_actions(table, pairs, exact=True)
        return coaction_edges(acts, signal="template_reuse", window=None,
                              max_key_accounts=max_template_accounts, max_fanout=0,
                              max_evidence=max_evidence, pair_filter=_cross_side,
                          activity=activity(posts))
    if len(pairs) == 0:
        return finish_edges(None)
    acts = _pair_actions(table, pairs, exact=False)
    return coaction_edges(acts, signal="near_dup_sync", window=window,
                          max_key_accounts=max_key_accounts, max_fanout=max_fanout,
                          max_evidence=max_evidence, pair_filter=_cross_side,
                          activity=activity(posts))


def template_groups(posts: pd.DataFrame, *, threshold: float = 70.0, min_text_chars: int = 20,
                    seed: int = 0, min_accounts: int = 3) -> pd.DataFrame:
    """Templates used by at least ``min_accounts`` accounts, for the report.

    Each distinct text joins the most frequent text among itself and its verified
    near-duplicates (one hop, so no chaining). Columns out: TEMPLATE_COLUMNS; canonical_text is
    the earliest raw post of that most frequent member; post_ids are the first 50 by time.
    """
    table, texts = template_posts(posts, min_text_chars=min_text_chars)
    if len(table) == 0:
        return _empty_templates()
    pairs = near_duplicate_pairs(texts, threshold=threshold, seed=seed)
    n_posts = np.bincount(table["text_code"], minlength=len(texts))
    own = np.arange(len(texts))
    x = np.r_[own, pairs["x"].to_numpy(), pairs["y"].to_numpy()]
    y = np.r_[own, pairs["y"].to_numpy(), pairs["x"].to_numpy()]
    order = np.lexsort((y, -n_posts[y], x))
    x, y = x[order], y[order]
    first = np.r_[True, x[1:] != x[:-1]]
    leader = np.empty(len(texts), dtype=np.int64)
    leader[x[first]] = y[first]
    t = table.assign(leader=leader[table["text_code"].to_numpy()])
    t = t.sort_values(["leader", "created_at", "post_id"], kind="stable")
    g = t.groupby("leader", sort=True)
    out = pd.DataFrame({
        "n_posts": g.size(),
        "n_accounts": g["account_id"].nunique(),
        "first_seen": g["created_at"].min(),
        "last_seen": g["created_at"].max(),
    })
    out = out[out["n_accounts"] >= min_accounts]
    if len(out) == 0:
        return _empty_templates()
    t = t[t["leader"].isin(out.index)]
    lead_rows = t[t["text_code"] == t["leader"]].groupby("leader", sort=True).head(1)
    out["canonical_text"] = lead_rows.set_index("leader")["text"].reindex(out.index)
    accs = t[["leader", "account_id"]].drop_duplicates().sort_values(["leader", "account_id"])
    out["accounts"] = accs.groupby("leader", sort=True)["account_id"].agg(" ".join)
    out["post_ids"] = t.groupby("leader", sort=True).head(50).groupby(
        "leader", sort=True)["post_id"].agg(" ".join)
    out = out.sort_values(["n_accounts", "n_posts", "first_seen", "canonical_text"],
                          ascending=[False, False, True, True], kind="stable")
    out["template_id"] = np.arange(1, len(out) + 1, dtype=np.int64)
    for col in ("first_seen", "last_seen"):
        out[col] = pd.to_datetime(out[col].to_numpy(dtype=np.int64), utc=True)
    return out[TEMPLATE_COLUMNS].reset_index(drop=True).astype(
        {"canonical_text": "str", "accounts": "str", "post_ids": "str"})


def _empty_templates() -> pd.DataFrame:
    return pd.DataFrame({
        "template_id": pd.Series([], dtype="int64"), "canonical_text": pd.Series([], dtype="str"),
        "n_posts": pd.Series([], dtype="int64"), "n_accounts": pd.Series([], dtype="int64"),
        "accounts": pd.Series([], dtype="str"), "post_ids": pd.Series([], dtype="str"),
        "first_seen": pd.Series([], dtype="datetime64[ns, UTC]"),
        "last_seen": pd.Series([], dtype="datetime64[ns, UTC]")})
