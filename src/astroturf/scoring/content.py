"""What a cluster pushes: its most distinctive phrases, hashtags, link domains and repost targets.

"Distinctive" is measured against the whole data with the weighted log-odds ratio and an
informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words"), the prior being
the whole data's own counts (as in the tidylo package): each term gets the z-score of its
log-odds in the cluster's posts against the rest of the posts. Why this and not raw counts or
TF-IDF: it discounts what everybody says (a viral hashtag) and does not crown a term that a
small cluster used twice, because the variance of a rare term's log-odds is large.

A term is listed when its z-score is at least ``z_min`` (3 by default: a one-sided p of about
0.001 for a single term; a reading threshold, documented in docs/interpreting.md, not a test
over all terms) and at least ``min_accounts`` members used it, so that one prolific account
cannot make a group's talking point. Counts are documents: a term counts once per post.

Vectorised throughout: texts are tokenised with pyarrow kernels, n-grams are integer keys built
from dictionary codes, counts come from ``np.unique``; only the winning terms are decoded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import ural

from astroturf.kernels.sweep import lexsort_ints, run_starts
from astroturf.schema import STR_DTYPE
from astroturf.scoring.stopwords import ENGLISH_STOP_WORDS

KINDS = ("phrase", "hashtag", "domain", "repost_target")
TERM_COLUMNS = ["cluster_id", "kind", "rank", "term", "n_posts", "n_accounts", "share",
                "background_share", "z"]
_DROP = r"^(?:https?://|www\.|[@#])"  # links, mentions, hashtags: items of their own
_BREAK_AFTER = r"[.!?;:,)\]}\"”»…|]$"  # a phrase never runs past these
_BREAK_BEFORE = r"^[(\[{\"“«|]"
_STRIP = r"^[^\pL\pN]+|[^\pL\pN]+$"
_HOST = r"^[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/?#@]*@)?(?P<host>[^/?#:]+)"  # RFC 3986 authority host


Authors = tuple[np.ndarray, pd.Index]


def post_authors(posts: pd.DataFrame) -> Authors:
    """(account code per post, -1 for none; the account ids by code, first seen first): the
    one hashing of every post's account id that the report's content and charts share."""
    account, authors = pd.factorize(posts["account_id"].astype(STR_DTYPE))
    return account.astype(np.int64), pd.Index(authors)


def post_clusters(posts: pd.DataFrame, membership: pd.DataFrame,
                  authors: Authors | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(cluster code per post, -1 = author in no cluster; account code per post; cluster ids
    by code, in numeric order).

    membership in: account_id, cluster_id (one row per clustered account). ``authors``:
    ``post_authors(posts)`` when the caller has it.
    """
    m = membership.dropna(subset=["cluster_id"])
    m = m[m["cluster_id"].astype(STR_DTYPE) != ""].drop_duplicates("account_id")
    ids = sorted(pd.unique(m["cluster_id"].astype(STR_DTYPE)), key=_cluster_key)
    account, authors = post_authors(posts) if authors is None else authors
    code = pd.Series(np.arange(len(ids)), index=pd.Index(ids, dtype=STR_DTYPE))
    per_account = pd.Series(code.reindex(m["cluster_id"].astype(STR_DTYPE)).to_numpy(),
                            index=pd.Index(m["account_id"].astype(STR_DTYPE)))
    of_author = per_account.reindex(authors).fillna(-1).to_numpy(dtype=np.int64)
    return np.where(account >= 0, of_author[account], -1), account, ids


def kind_is(posts: pd.DataFrame, kind: str) -> np.ndarray:
    """Per post, whether its kind is ``kind`` (a missing kind is a plain 'post'): compared in
    Arrow, not through one Python string per post."""
    if "kind" not in posts.columns:
        return np.full(len(posts), kind == "post")
    same = pc.equal(pa.array(posts["kind"].astype(STR_DTYPE), pa.large_string()), kind)
    return same.fill_null(kind == "post").to_numpy(zero_copy_only=False)


def _cluster_key(cid: str) -> tuple[float, str]:
    try:
        return float(cid), cid
    except ValueError:
        return float("inf"), cid


def _tokens(texts: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]:
    """(post index, word code, break-before flag) per token, and the word dictionary.

    Texts are only split on whitespace and dictionary-encoded; the regular expressions (case,
    punctuation, links, sentence breaks) run on the distinct raw tokens, which at a million
    posts are a small fraction of the tokens. A dropped token (link, mention, hashtag, bare
    punctuation) breaks phrases like punctuation does.
    """
    lists = pc.ascii_split_whitespace(pc.fill_null(texts, ""))
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    raw = pc.dictionary_encode(pc.list_flatten(lists))
    vocab = raw.dictionary
    low = pc.replace_substring(pc.utf8_lower(vocab), "’", "'")
    word = pc.replace_substring_regex(low, _STRIP, "")

    def flag(pattern: str) -> np.ndarray:
        return pc.match_substring_regex(low, pattern).to_numpy(zero_copy_only=False)

    dropped = flag(_DROP) | (pc.binary_length(word).to_numpy(zero_copy_only=False) == 0)
    clean = pc.dictionary_encode(word)
    code_of_raw = clean.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    r = raw.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    codes = np.where(dropped[r], -1, code_of_raw[r])
    brk = np.zeros(len(r), dtype=bool)  # token i starts a new phrase run
    brk[1:] = (flag(_BREAK_AFTER) | dropped)[r[:-1]]
    brk |= (flag(_BREAK_BEFORE) | dropped)[r]
    return parent, codes, brk, clean.dictionary


Decoder = Callable[[int, np.ndarray], list[str]]


def distinct_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame.drop_duplicates()`` for integer columns, by one stable lexsort: the same rows,
    order and index (pandas' multi-column duplicated factorises every column; seconds at 1M)."""
    if len(frame) < 2:
        return frame
    cols = [frame[c].to_numpy() for c in frame.columns]
    order = lexsort_ints(cols[::-1])  # stable: the first of equal rows comes first
    keep = np.zeros(len(frame), bool)
    keep[order[run_starts(*(c[order] for c in cols))]] = True
    return frame[keep]


def phrase_items(texts: pa.Array) -> tuple[pd.DataFrame, Decoder]:
    """Distinct (post, n, key) rows for 2- and 3-word phrases, and ``decode(n, keys)``.

    A phrase neither starts nor ends with a stop word (scikit-learn's English list, or a
    one-letter token) and never spans a sentence break. Keys are only unique within one
    length ``n``.
    """
    parent, c, brk, vocab = _tokens(texts)
    word = c >= 0
    stop = (pc.is_in(vocab, value_set=pa.array(sorted(ENGLISH_STOP_WORDS), vocab.type))
            .to_numpy(zero_copy_only=False)
            | (pc.utf8_length(vocab).to_numpy(zero_copy_only=False) <= 1))
    edge = word & ~stop[np.maximum(c, 0)]
    c = np.maximum(c, 0)
    v = np.int64(max(len(vocab), 1))
    run2 = (parent[:-1] == parent[1:]) & ~brk[1:]
    i2 = np.flatnonzero(run2 & edge[:-1] & edge[1:])
    i3 = np.flatnonzero(run2[:-1] & run2[1:] & edge[:-2] & word[1:-1] & edge[2:])
    mid, pairs = pd.factorize(c[i3] * v + c[i3 + 1])
    pairs = np.asarray(pairs, dtype=np.int64)
    items = distinct_rows(pd.concat([
        pd.DataFrame({"post": parent[i2], "n": 2, "key": c[i2] * v + c[i2 + 1]}),
        pd.DataFrame({"post": parent[i3], "n": 3, "key": mid.astype(np.int64) * v + c[i3 + 2]}),
    ], ignore_index=True))
    words_text = np.asarray(vocab.to_numpy(zero_copy_only=False), dtype=object)

    def decode(n: int, keys: np.ndarray) -> list[str]:
        keys = np.asarray(keys, dtype=np.int64)
        last = keys % v
        if n == 2:
            parts = [keys // v, last]
        else:
            first = pairs[keys // v]
            parts = [first // v, first % v, last]
        return [" ".join(ws) for ws in zip(*(words_text[p] for p in parts), strict=True)]

    return items, decode


def hashtag_items(hashtags: pa.Array) -> tuple[pd.DataFrame, pa.Array]:
    """Distinct (post, hashtag code) pairs and the hashtag dictionary (lower-case, no '#')."""
    lists = pc.utf8_split_whitespace(pc.utf8_lower(pc.fill_null(hashtags, "")))
    return _list_items(lists)


def domain_items(urls: pa.Array) -> tuple[pd.DataFrame, pa.Array]:
    """Distinct (post, domain code) pairs and the domain dictionary.

    The host is cut from each URL with the RFC 3986 authority pattern (vectorised); only the
    distinct hosts go through ``ural.get_domain_name`` (registered domain: 'news.bbc.co.uk'
    -> 'bbc.co.uk'), so the Python step is per host, not per post.
    """
    lists = pc.utf8_split_whitespace(pc.fill_null(urls, ""))
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    host = pc.utf8_lower(pc.extract_regex(pc.list_flatten(lists), _HOST).field(0))
    enc = pc.dictionary_encode(host)
    names = [ural.get_domain_name("http://" + h) or h for h in enc.dictionary.to_pylist()]
    domains = pa.array(names, pa.string())
    dom_enc = pc.dictionary_encode(domains)
    code = enc.indices.to_numpy(zero_copy_only=False)
    valid = ~pd.isna(code)
    codes = dom_enc.indices.to_numpy(zero_copy_only=False)[code[valid].astype(np.int64)]
    items = pd.DataFrame({"post": parent[valid], "key": codes.astype(np.int64)})
    return distinct_rows(items), dom_enc.dictionary


def _list_items(lists: pa.Array) -> tuple[pd.DataFrame, pa.Array]:
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    enc = pc.dictionary_encode(pc.list_flatten(lists))
    codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return distinct_rows(pd.DataFrame({"post": parent, "key": codes})), enc.dictionary


def log_odds(items: pd.DataFrame, post_cluster: np.ndarray, post_account: np.ndarray, *,
             n_clusters: int, post_weight: np.ndarray | None = None) -> pd.DataFrame:
    """Weighted log-odds z-score of every (cluster, term) that occurs in a cluster's posts.

    items in: post (row index into the posts the arrays describe), term (int64), one row per
    distinct (post, term). Out: cluster (code), term, n_posts (cluster posts with the term),
    n_accounts (members who used it), background (all posts with it), z. The prior is the
    whole data: alpha_w = all posts with w, alpha_0 = all items (Monroe et al. 2008, eq. 16).
    ``post_weight``: when the background is a sample, each sampled post stands for this many.
    """
    post = items["post"].to_numpy(dtype=np.int64)
    w = np.ones(len(post)) if post_weight is None else post_weight[post]
    cl = post_cluster[post]
    fg = cl >= 0
    fg_terms = pd.unique(items["term"].to_numpy()[fg])
    index = pd.Index(fg_terms)
    code = index.get_indexer(items["term"].to_numpy())  # -1: a term no cluster used
    y_w = np.bincount(code[code >= 0], weights=w[code >= 0], minlength=len(index))
    a0 = float(w.sum())
    k = np.int64(max(len(index), 1))
    g = cl[fg] * k + code[fg]
    groups, y_i = np.unique(g, return_counts=True)
    ga = distinct_rows(pd.DataFrame({"g": g, "a": post_account[post[fg]]}))
    n_acc = ga.groupby("g").size().reindex(groups).to_numpy()
    n_i = np.bincount(cl[fg], minlength=n_clusters).astype(np.float64)
    cluster, term = groups // k, groups % k
    yi, alpha = y_i.astype(np.float64), y_w[term]
    yj, ni = alpha - yi, n_i[cluster]
    nj = a0 - ni
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((yi + alpha) / (ni + a0 - yi - alpha))
                 - np.log((yj + alpha) / (nj + a0 - yj - alpha)))
        z = delta / np.sqrt(1.0 / (yi + alpha) + 1.0 / (yj + alpha))
    return pd.DataFrame({"cluster": cluster, "term": fg_terms[term], "n_posts": y_i,
                         "n_accounts": n_acc, "background": y_w[term].astype(np.int64),
                         "z": np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)})


def _top(scores: pd.DataFrame, *, limit: int, z_min: float, min_accounts: int) -> pd.DataFrame:
    """Per cluster, the terms ranked within the first ``limit`` by (z, n_posts), ties at the
    boundary included: term codes depend on row order, so ties are broken later by text."""
    s = scores[(scores["z"] >= z_min) & (scores["n_accounts"] >= min_accounts)]
    s = s.sort_values(["cluster", "z", "n_posts"], ascending=[True, False, False],
                      kind="stable")
    position = s.groupby("cluster", sort=False).cumcount()
    within_tie = s.groupby(["cluster", "z", "n_posts"], sort=False).cumcount()
    return s[(position - within_tie) < limit]


def _by_text(found: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    """Final order: z, n_posts, then the label text (independent of row order)."""
    f = found.sort_values(["cluster", "z", "n_posts", "label"],
                          ascending=[True, False, False, True], kind="stable")
    return f if limit is None else f.groupby("cluster", sort=False).head(limit)


def _without_overlaps(top: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Per cluster, drop a phrase that contains or is contained in a better one (a loop over
    at most a few dozen candidates per cluster, not over posts)."""
    keep = []
    for _, grp in top.groupby("cluster", sort=False):
        chosen: list[str] = []
        for idx, text in zip(grp.index, grp["label"], strict=True):
            padded = f" {text} "
            if any(padded in f" {c} " or f" {c} " in padded for c in chosen):
                continue
            chosen.append(text)
            keep.append(idx)
            if len(chosen) == limit:
                break
    return top.loc[keep]


BACKGROUND_SAMPLE = 200_000  # background posts tokenised at most (an evenly spaced sample)
# ... and at most as much text as that many full-length (280-character) tweets: the cost is
# per token, so a background of long posts (forums, channels) is sampled more sparsely
BACKGROUND_CHARS = BACKGROUND_SAMPLE * 280
_LENGTH_PROBE = 10_000  # evenly spaced posts whose mean length sizes the sample


def _with_sampled_background(rows: np.ndarray, post_cluster: np.ndarray, texts: pd.Series
                             ) -> tuple[np.ndarray, np.ndarray]:
    """All cluster members' posts plus an evenly spaced sample of the others, and the weight of
    each kept post (how many background posts it stands for): term frequencies of a million
    posts are estimated from 200,000 to within a fraction of a percent, at a fifth the cost.
    ``texts`` (the posts' texts, by position) caps the sample at ``BACKGROUND_CHARS``."""
    member = post_cluster[rows] >= 0
    other = rows[~member]
    limit = BACKGROUND_SAMPLE
    if len(other):
        probe = other[:: -(-len(other) // _LENGTH_PROBE)]
        mean = float(texts.iloc[probe].str.len().fillna(0).mean())
        limit = max(1, min(limit, int(BACKGROUND_CHARS // max(mean, 1.0))))
    if len(other) <= limit:
        return rows, np.ones(len(rows))
    step = -(-len(other) // limit)
    kept = other[::step]
    keep = np.sort(np.r_[rows[member], kept])
    weight = np.where(post_cluster[keep] >= 0, 1.0, len(other) / len(kept))
    return keep, weight


def distinctive_terms(posts: pd.DataFrame, membership: pd.DataFrame,
                      handles: pd.Series | None = None, *, top: int = 5, z_min: float = 3.0,
                      min_accounts: int = 2, authors: Authors | None = None) -> pd.DataFrame:
    """Per cluster, the ``top`` most distinctive terms of each kind (see module docstring).

    posts in: account_id, kind, text, hashtags, urls, target_account_id (canonical posts).
    membership in: account_id, cluster_id. handles: account_id -> handle, for repost targets.
    Out (TERM_COLUMNS + label): one row per (cluster_id, kind, rank); ``share`` is the share
    of the cluster's posts with the term and ``background_share`` that of all posts. Phrases,
    hashtags and domains come from the members' own posts (reposts carry the original's
    words); repost targets are the accounts whose posts they reposted.
    """
    post_cluster, account, ids = post_clusters(posts, membership, authors)
    if not ids or not (post_cluster >= 0).any():
        return _empty_terms()
    repost = kind_is(posts, "repost")
    own, weight = _with_sampled_background(np.flatnonzero(~repost), post_cluster,
                                           posts["text"])
    rep = np.flatnonzero(repost & posts["target_account_id"].notna().to_numpy())
    parts = []
    sub = posts.iloc[own]
    args = (post_cluster[own], account[own])
    phrases, decode = phrase_items(pa.array(sub["text"].astype(STR_DTYPE), pa.large_string()))
    if len(phrases):
        terms = phrases.assign(term=phrases["key"] * 4 + phrases["n"])
        found = _top(log_odds(terms, *args, n_clusters=len(ids), post_weight=weight),
                     limit=top * 4, z_min=z_min, min_accounts=min_accounts)
        label = np.empty(len(found), dtype=object)
        for n in (2, 3):
            is_n = (found["term"] % 4 == n).to_numpy()
            label[is_n] = decode(n, found["term"].to_numpy()[is_n] // 4)
        found = _without_overlaps(_by_text(found.assign(label=label), None), top)
        parts.append(_finish(found, "phrase", sub, post_cluster[own], ids, weight))
    for name, (items, vocab) in (
            ("hashtag", hashtag_items(pa.array(sub["hashtags"].astype(STR_DTYPE)))),
            ("domain", domain_items(pa.array(sub["urls"].astype(STR_DTYPE))))):
        parts.append(_labelled(items, vocab, name, args, sub, post_cluster[own], ids, top=top,
                               z_min=z_min, min_accounts=min_accounts, weight=weight))
    targets = posts["target_account_id"].astype(STR_DTYPE).iloc[rep]
    codes, uniq = pd.factorize(targets)
    items = pd.DataFrame({"post": np.arange(len(rep)), "key": codes.astype(np.int64)})
    vocab = pa.array(np.asarray(uniq, dtype=object), pa.string())
    parts.append(_labelled(items, vocab, "repost_target", (post_cluster[rep], account[rep]),
                           posts.iloc[rep], post_cluster[rep], ids, top=top, z_min=z_min,
                           min_accounts=min_accounts, handles=handles))
    return pd.concat([p for p in parts if len(p)] or [_empty_terms()], ignore_index=True)


def _labelled(items: pd.DataFrame, vocab: pa.Array, kind: str, args: tuple, sub: pd.DataFrame,
              post_cluster: np.ndarray, ids: list[str], *, top: int, z_min: float,
              min_accounts: int, handles: pd.Series | None = None,
              weight: np.ndarray | None = None) -> pd.DataFrame:
    if len(items) == 0:
        return _empty_terms()
    found = _top(log_odds(items.rename(columns={"key": "term"}), *args, n_clusters=len(ids),
                          post_weight=weight), limit=top, z_min=z_min,
                 min_accounts=min_accounts)
    text = np.asarray(vocab.to_numpy(zero_copy_only=False), dtype=object)[
        found["term"].to_numpy(dtype=np.int64)]
    label = text
    if kind == "hashtag":
        label = np.array(["#" + t for t in text], dtype=object)
    elif kind == "repost_target" and handles is not None:
        label = pd.Series(text).map(handles).fillna(pd.Series(text)).to_numpy(dtype=object)
    found = _by_text(found.assign(term=text, label=label), top)
    return _finish(found, kind, sub, post_cluster, ids, weight)


def _finish(found: pd.DataFrame, kind: str, sub: pd.DataFrame, post_cluster: np.ndarray,
            ids: list[str], weight: np.ndarray | None = None) -> pd.DataFrame:
    n_docs = np.bincount(post_cluster[post_cluster >= 0], minlength=len(ids))
    cl = found["cluster"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({
        "cluster_id": np.asarray(ids, dtype=object)[cl], "kind": kind,
        "rank": found.groupby("cluster", sort=False).cumcount().to_numpy() + 1,
        "term": found["label"].to_numpy() if kind == "phrase" else found["term"].to_numpy(),
        "n_posts": found["n_posts"].to_numpy(), "n_accounts": found["n_accounts"].to_numpy(),
        "share": found["n_posts"].to_numpy() / np.maximum(n_docs[cl], 1),
        "background_share": found["background"].to_numpy() / max(
            float(weight.sum()) if weight is not None else len(sub), 1.0),
        "z": found["z"].to_numpy(), "label": found["label"].to_numpy()})
    return out.astype({"cluster_id": STR_DTYPE, "term": STR_DTYPE, "label": STR_DTYPE})


def _empty_terms() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=STR_DTYPE if c in ("cluster_id", "kind", "term",
                                                                    "label") else "float64")
                         for c in [*TERM_COLUMNS, "label"]})
