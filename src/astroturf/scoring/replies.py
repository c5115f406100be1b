"""Whom a cluster answers: the accounts and posts its members reply to, and the tone of both.

The heart of an "ambassador" campaign is not what it posts but what it answers: critical posts
about one organisation, answered within minutes by several members with upbeat talking points.
So per cluster: how many replies, to how many posts and accounts, the most answered accounts
and posts (with how many members answered and how fast), and the tone of the answered posts
against the tone of the members' replies (``scoring.tone``; English only).

Vectorised group-bys; tone is scored on a deterministic sample of at most ``max_tone`` texts
per side and cluster (chosen by a hash of the post id, so independent of row order), which
bounds the cost at any data size; the sample size is reported with the shares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.schema import STR_DTYPE
from astroturf.scoring.content import Authors, kind_is, post_clusters
from astroturf.scoring.tone import tone_labels

REPLY_COLUMNS = ["top_reply_targets", "n_replies", "n_replied_posts", "n_replied_accounts",
                 "replied_negative_share", "replies_positive_share", "tone"]
MIN_TONE = 10  # fewer assessed texts than this: too few to state a share


def member_replies(posts: pd.DataFrame, membership: pd.DataFrame,
                   authors: Authors | None = None) -> pd.DataFrame:
    """Members' replies with their cluster and the replied-to post (when it is in the data).

    Out: cluster_id, account_id, post_id, created_at, text, lang, target_post_id,
    target_account_id (filled from the target post's author when missing), target_text,
    target_lang, target_time, delay_s (reply time - target time).
    """
    code, _, ids = post_clusters(posts, membership, authors)
    keep = (code >= 0) & kind_is(posts, "reply")
    cols = ["account_id", "post_id", "created_at", "text", "lang", "target_post_id",
            "target_account_id"]
    r = posts.loc[keep, cols].assign(cluster_id=np.asarray(ids, dtype=object)[code[keep]])
    r = r.astype({"cluster_id": STR_DTYPE})
    # the answered posts: rows first (a few), then columns (copying five columns of every
    # post to keep a few cost gigabytes at 10M posts); a row set by id keeps the same firsts
    answered = posts["post_id"].isin(r["target_post_id"].dropna()).to_numpy()
    target = posts.loc[answered, ["post_id", "account_id", "text", "lang", "created_at"]
                       ].drop_duplicates("post_id")
    target = target.rename(columns={"post_id": "target_post_id", "account_id": "_author",
                                    "text": "target_text", "lang": "target_lang",
                                    "created_at": "target_time"})
    r = r.merge(target, on="target_post_id", how="left", sort=False)
    r["target_account_id"] = r["target_account_id"].fillna(r["_author"])
    r["delay_s"] = (r["created_at"] - r["target_time"]).dt.total_seconds()
    return r.drop(columns="_author").reset_index(drop=True)


def top_targets(replies: pd.DataFrame, by: str, *, top: int = 5) -> pd.DataFrame:
    """Per cluster, the ``top`` most answered values of ``by`` (target_account_id or
    target_post_id): n_replies, n_members (distinct members who replied), median_delay_s.
    Ranked by members, then replies, then id (deterministic)."""
    r = replies.dropna(subset=[by])
    if len(r) == 0:
        return pd.DataFrame(columns=["cluster_id", by, "n_replies", "n_members",
                                     "median_delay_s"])
    g = r.groupby(["cluster_id", by], sort=True)
    out = pd.DataFrame({"n_replies": g.size(), "n_members": g["account_id"].nunique(),
                        "median_delay_s": g["delay_s"].median()}).reset_index()
    out = out.sort_values(["cluster_id", "n_members", "n_replies", by],
                          ascending=[True, False, False, True], kind="stable")
    return out.groupby("cluster_id", sort=False).head(top).reset_index(drop=True)


def _sample(df: pd.DataFrame, key: str, max_n: int) -> pd.DataFrame:
    h = pd.util.hash_array(df[key].astype(STR_DTYPE).fillna("").to_numpy(dtype=object))
    df = df.assign(_h=h).sort_values(["cluster_id", "_h", key], kind="stable")
    return df.groupby("cluster_id", sort=False).head(max_n).drop(columns="_h")


def tone_counts(replies: pd.DataFrame, *, max_tone: int = 300) -> pd.DataFrame:
    """Per cluster and side ('targets': distinct answered posts; 'replies': members' replies),
    the counts of positive / neutral / negative texts, of texts considered (``n``, at most
    ``max_tone``) and of texts not assessed (not English or no text)."""
    sides = {
        "targets": replies.dropna(subset=["target_post_id"]).drop_duplicates(
            ["cluster_id", "target_post_id"])[["cluster_id", "target_post_id", "target_text",
                                               "target_lang"]]
        .set_axis(["cluster_id", "post_id", "text", "lang"], axis=1),
        "replies": replies[["cluster_id", "post_id", "text", "lang"]],
    }
    rows = []
    for side, df in sides.items():
        s = _sample(df, "post_id", max_tone)
        s = s.assign(tone=tone_labels(s["text"], s["lang"]).fillna("not_assessed"))
        counts = pd.crosstab(s["cluster_id"], s["tone"])
        counts = counts.reindex(columns=["positive", "neutral", "negative", "not_assessed"],
                                fill_value=0)
        counts["n"] = counts.sum(axis=1)
        counts["total"] = df.groupby("cluster_id").size().reindex(counts.index)
        rows.append(counts.assign(side=side).reset_index())
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return out.rename(columns={"index": "cluster_id"})


def _pct(k: float, n: float) -> str:
    return f"{round(100 * k / n)} %"


def tone_sentence(targets: pd.Series | None, replies: pd.Series | None) -> str:
    """Plain words for one cluster's tone counts (rows of ``tone_counts``; None = no texts)."""
    def assessed(c: pd.Series | None) -> int:
        return 0 if c is None else int(c["positive"] + c["neutral"] + c["negative"])

    if replies is None or int(replies["total"]) == 0:
        return ""
    if assessed(replies) < MIN_TONE:
        why = "replies not in English" if replies["not_assessed"] else "too few replies"
        return f"tone: not assessed ({why})"
    sampled = " (a sample)" if int(replies["n"]) < int(replies["total"]) else ""
    mine = (f"{_pct(replies['positive'], assessed(replies))} of their replies positive, "
            f"{_pct(replies['negative'], assessed(replies))} negative{sampled}")
    if assessed(targets) < MIN_TONE:
        return f"{mine}; tone of the posts they answer: not assessed"
    n_t = assessed(targets)
    return (f"{int(targets['negative'])} of the {n_t} posts they answer are negative in tone "
            f"({_pct(targets['negative'], n_t)}); {mine}")


def reply_columns(replies: pd.DataFrame, tone: pd.DataFrame, handles: pd.Series,
                  *, top: int = 3) -> pd.DataFrame:
    """One row per cluster with replies: REPLY_COLUMNS (+ cluster_id)."""
    if len(replies) == 0:
        return pd.DataFrame(columns=["cluster_id", *REPLY_COLUMNS])
    g = replies.groupby("cluster_id", sort=True)
    out = pd.DataFrame({"n_replies": g.size(), "n_replied_posts": g["target_post_id"].nunique(),
                        "n_replied_accounts": g["target_account_id"].nunique()})
    acc = top_targets(replies, "target_account_id", top=top)
    acc["label"] = (acc["target_account_id"].map(handles).astype(STR_DTYPE)
                    .fillna(acc["target_account_id"]))
    out["top_reply_targets"] = acc.groupby("cluster_id")["label"].agg("; ".join)
    side = {s: tone[tone["side"] == s].set_index("cluster_id") for s in ("targets", "replies")}
    shares = {"targets": "negative", "replies": "positive"}
    for s, col in (("targets", "replied_negative_share"), ("replies", "replies_positive_share")):
        t = side[s].reindex(out.index)
        n = t[["positive", "neutral", "negative"]].sum(axis=1)
        out[col] = (t[shares[s]] / n).where(n >= MIN_TONE)
    out["tone"] = [tone_sentence(_row(side["targets"], c), _row(side["replies"], c))
                   for c in out.index]  # one per cluster
    return out.reset_index()[["cluster_id", *REPLY_COLUMNS]]


def _row(df: pd.DataFrame, cid: str) -> pd.Series | None:
    return df.loc[cid] if cid in df.index else None
