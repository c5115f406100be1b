"""Several inputs into one table: posts concatenated and de-duplicated, profiles merged.

Split from ``dataset`` (which reads). Overlapping exports repeat posts, long-format exports
repeat a post once per URL, and different files may reuse the same post ids: all three are
resolved here, deterministically (sorted, never by input position alone).
"""

from __future__ import annotations

import logging

import pandas as pd

from astroturf.io.strings import all_unique, canonical_accounts, canonical_posts

log = logging.getLogger("astroturf.io.combine")


def combine_posts(parts: list[pd.DataFrame], names: list[str]) -> tuple[pd.DataFrame, int]:
    """Concatenate, drop exact duplicate posts, make remaining post_id collisions unique."""
    from astroturf.io.split import in_order, sort_order

    parts = [part.assign(_file=i) for i, part in enumerate(parts)]
    posts = pd.concat(parts, ignore_index=True) if parts else canonical_posts(pd.DataFrame())
    if not in_order(posts, _ORDER):  # an export already in order is kept as it is
        posts = posts.iloc[sort_order(posts, _ORDER)]
    before = len(posts)
    unique = all_unique(posts["post_id"])
    posts = posts if unique else _merge_duplicates(posts)
    n_dup = before - len(posts)
    collide = pd.Series(False, index=posts.index) if unique else posts["post_id"].duplicated(
        keep=False)
    if collide.any():
        files = posts.loc[collide, "_file"]
        by_file = posts.loc[collide].groupby("post_id")["_file"].nunique()
        across = posts.loc[collide, "post_id"].map(by_file).gt(1)
        prefix = pd.Series([names[i] for i in files], index=files.index, dtype="str")
        new_ids = (prefix + ":" + posts.loc[collide, "post_id"]).where(across,
                                                                       posts.loc[collide,
                                                                                 "post_id"])
        posts.loc[collide, "post_id"] = new_ids
        still = posts["post_id"].duplicated(keep="first")
        if still.any():
            n = posts.groupby("post_id").cumcount()
            posts.loc[still, "post_id"] = posts.loc[still, "post_id"] + "#" + n[still].astype(
                "str")
        log.warning("%d post ids collide; made unique with the file name / '#n'",
                    int(collide.sum()))
    posts = posts.drop(columns="_file").reset_index(drop=True)
    if len(parts) == 1 and not n_dup and not collide.any():  # one canonical table, reordered
        return posts, n_dup
    return canonical_posts(posts), n_dup


_KEY = ["post_id", "account_id", "created_at"]
POST_ORDER = ["created_at", "account_id", "post_id"]  # canonical order of posts
_ORDER = [*POST_ORDER, "_file"]
_LIST_FIELDS = ("urls", "hashtags", "mentions")


def _merge_duplicates(posts: pd.DataFrame) -> pd.DataFrame:
    """One row per (post_id, account_id, created_at).

    Long-format exports repeat a post once per URL/hashtag, and overlapping exports repeat it
    verbatim: list fields are unioned (first-seen token order), other fields take the first value.
    """
    from astroturf.io.split import sort_order

    same_id = posts["post_id"].duplicated(keep=False)  # cheap first: the key holds post_id
    if not same_id.any():
        return posts
    dup = posts.duplicated(_KEY, keep=False) & same_id
    if not dup.any():
        return posts
    sub = posts[dup]
    merged = sub.groupby(_KEY, sort=False, dropna=False).first()
    for field in _LIST_FIELDS:
        tokens = sub[[*_KEY, field]].dropna(subset=[field])
        if tokens.empty:
            continue
        tokens = tokens.assign(**{field: tokens[field].str.split(" ")}).explode(field)
        tokens = tokens.drop_duplicates()
        joined = tokens.groupby(_KEY, sort=False)[field].agg(" ".join)
        merged[field] = joined.reindex(merged.index)
    merged = merged.reset_index()[posts.columns]
    out = pd.concat([posts[~dup], merged], ignore_index=True)
    return out.iloc[sort_order(out, _ORDER)]


def merge_profiles(parts: list[pd.DataFrame], explicit: pd.DataFrame | None) -> pd.DataFrame:
    """One row per account: later inputs win per field over earlier; the accounts file wins."""
    frames = [p for p in parts if len(p)]
    if explicit is not None and len(explicit):
        frames.append(explicit)
    if not frames:
        return canonical_accounts(pd.DataFrame())
    if len(frames) == 1 and all_unique(frames[0]["account_id"]):  # nothing to merge
        single = frames[0]
        if not single["account_id"].is_monotonic_increasing:
            single = single.sort_values("account_id", kind="stable")
        return canonical_accounts(single.reset_index(drop=True))
    merged = pd.concat(frames, ignore_index=True)
    merged = merged.groupby("account_id", sort=True).last().reset_index()
    return canonical_accounts(merged)
