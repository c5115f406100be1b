"""Co-action signals on exact keys: same text, repost, URL, reply target, hashtag set.

Each function only defines the *key* of its co-action and hands the actions to the shared
kernel (``signals.coaction``), which documents the window, weight, hot-key and null-model
semantics. Reposts are excluded from every channel except ``co_repost`` so one retweet is not
counted again as a same-text, same-URL or same-hashtag co-action.

Columns in: the canonical posts table (schema.POST_COLUMNS; uses post_id, account_id,
created_at, text, kind, target_post_id, urls, hashtags). Columns out: schema.EDGE_COLUMNS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.signals.coaction import ACTION_COLUMNS, coaction_edges, time_ns
from astroturf.signals.normalize import explode_urls, normalize_texts


def _actions(posts: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """Action rows (key, account_id, post_id, created_at) for posts where ``key`` is set."""
    out = pd.DataFrame({"key": key.to_numpy(), "account_id": posts["account_id"].to_numpy(),
                        "post_id": posts["post_id"].to_numpy(),
                        "created_at": time_ns(posts["created_at"])})
    return out[out["key"].notna()][ACTION_COLUMNS]


def _not_repost(posts: pd.DataFrame) -> pd.Series:
    return (posts["kind"] != "repost").fillna(True).astype(bool)


def activity(posts: pd.DataFrame) -> pd.DataFrame:
    """(account_id, created_at) of every post: the times the timing null shuffles."""
    return pd.DataFrame({"account_id": posts["account_id"].to_numpy(),
                         "created_at": time_ns(posts["created_at"])})


def _run(actions: pd.DataFrame, signal: str, window: float | None, max_key_accounts: int,
         max_fanout: int, max_evidence: int, engine: str, posts: pd.DataFrame) -> pd.DataFrame:
    kw = dict(signal=signal, window=window, max_key_accounts=max_key_accounts,
              max_fanout=max_fanout, max_evidence=max_evidence, activity=activity(posts))
    if engine == "dask":
        from astroturf.signals.distributed import run_coaction_dask

        return run_coaction_dask(actions, **kw)
    return coaction_edges(actions, **kw)


def co_text_edges(posts: pd.DataFrame, *, window: float = 60.0, max_key_accounts: int = 1000,
                  max_fanout: int = 50, max_evidence: int = 20, min_text_chars: int = 1,
                  engine: str = "pandas") -> pd.DataFrame:
    """Accounts posting the same normalised text within ``window`` seconds ('co_text').

    Key: ``normalize_texts(text)`` of non-repost posts, at least ``min_text_chars`` long.
    """
    sub = posts[_not_repost(posts)]
    key = normalize_texts(sub["text"])
    key = key.mask(key.str.len() < min_text_chars)
    return _run(_actions(sub, key), "co_text", window, max_key_accounts, max_fanout,
                max_evidence, engine, posts)


def _target_edges(posts: pd.DataFrame, kind: str, signal: str, **kw) -> pd.DataFrame:
    sub = posts[(posts["kind"] == kind).fillna(False).astype(bool)]
    return _run(_actions(sub, sub["target_post_id"]), signal, posts=posts, **kw)


def co_repost_edges(posts: pd.DataFrame, *, window: float = 60.0, max_key_accounts: int = 1000,
                    max_fanout: int = 50, max_evidence: int = 20,
                    engine: str = "pandas") -> pd.DataFrame:
    """Accounts reposting the same post within ``window`` seconds ('co_repost').

    Key: ``target_post_id`` of posts of kind 'repost'.
    """
    return _target_edges(posts, "repost", "co_repost", window=window,
                         max_key_accounts=max_key_accounts, max_fanout=max_fanout,
                         max_evidence=max_evidence, engine=engine)


def co_reply_edges(posts: pd.DataFrame, *, window: float = 60.0, max_key_accounts: int = 1000,
                   max_fanout: int = 50, max_evidence: int = 20,
                   engine: str = "pandas") -> pd.DataFrame:
    """Accounts replying to the same post within ``window`` seconds ('co_reply').

    Key: ``target_post_id`` of posts of kind 'reply'.
    """
    return _target_edges(posts, "reply", "co_reply", window=window,
                         max_key_accounts=max_key_accounts, max_fanout=max_fanout,
                         max_evidence=max_evidence, engine=engine)


def co_url_edges(posts: pd.DataFrame, *, window: float = 60.0, max_key_accounts: int = 1000,
                 max_fanout: int = 50, max_evidence: int = 20,
                 engine: str = "pandas") -> pd.DataFrame:
    """Accounts sharing the same normalised URL within ``window`` seconds ('co_url').

    Key: each distinct ``explode_urls(urls)`` value of a non-repost post; empty cells never match.
    """
    sub = posts[_not_repost(posts)].reset_index(drop=True)
    urls = explode_urls(sub["urls"])
    rows = urls["row"].to_numpy()
    actions = pd.DataFrame({"key": urls["url"].to_numpy(),
                            "account_id": sub["account_id"].to_numpy()[rows],
                            "post_id": sub["post_id"].to_numpy()[rows],
                            "created_at": time_ns(sub["created_at"])[rows]})
    return _run(actions, "co_url", window, max_key_accounts, max_fanout, max_evidence, engine,
                posts)


def hashtag_sets(hashtags: pd.Series, *, min_hashtags: int = 2) -> pd.Series:
    """Sorted, de-duplicated, space-joined hashtag set per row; NA below ``min_hashtags``."""
    s = hashtags.astype("str").str.lower().str.replace("#", "", regex=False)
    s = s.reset_index(drop=True)
    n_tok = s.str.count(" ").fillna(-1) + 1
    cand = s[(n_tok >= min_hashtags) & s.notna()]
    out = pd.Series(pd.NA, index=s.index, dtype="str")
    if len(cand) == 0:
        out.index = hashtags.index
        return out
    tok = cand.str.split().explode().dropna()
    tok = tok[tok.str.len() > 0]
    frame = pd.DataFrame({"row": tok.index.to_numpy(), "tag": tok.to_numpy()})
    frame = frame.drop_duplicates().sort_values(["row", "tag"], kind="stable")
    counts = frame.groupby("row", sort=True)["tag"].size()
    joined = frame.groupby("row", sort=True)["tag"].agg(" ".join)
    joined = joined[counts >= min_hashtags]
    out.iloc[joined.index.to_numpy(np.int64)] = joined.to_numpy()
    out.index = hashtags.index
    return out


def co_hashtag_edges(posts: pd.DataFrame, *, window: float = 60.0, min_hashtags: int = 2,
                     max_key_accounts: int = 1000, max_fanout: int = 50, max_evidence: int = 20,
                     engine: str = "pandas") -> pd.DataFrame:
    """Accounts using the same set of >= ``min_hashtags`` hashtags within ``window`` ('co_hashtag').

    Key: sorted hashtag set of a non-repost post (order and repeats ignored).
    """
    sub = posts[_not_repost(posts)]
    key = hashtag_sets(sub["hashtags"], min_hashtags=min_hashtags)
    return _run(_actions(sub, key), "co_hashtag", window, max_key_accounts, max_fanout,
                max_evidence, engine, posts)
