"""twarc2 flattened tweets (`twarc2 flatten`, one tweet per line) read as whole columns.

The record-by-record reader in ``twarc2`` handles every shape (pages, mixed files, odd
records) at ~30k tweets/s; a file of flattened tweets that pyarrow.json parses as it is takes
this path instead, with the same rules expressed on Arrow columns: the kind and target from
``referenced_tweets`` (retweeted > replied_to > quoted, the last reference of a type wins),
the target's author from the reference (replies: ``in_reply_to_user_id`` first), entities
space-joined, the embedded ``author`` as the profile seen at ``__twarc.retrieved_at``.
``read_flat_tweets`` returns None for anything else (pages: 'data'), and ``twarc2.read`` falls
back. Both paths give identical tables (the shared reader suite runs both).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from astroturf.io.arrowjson import (
    as_text,
    blank_null,
    column,
    first_of,
    joined,
    read_json_table,
    to_frame,
)

KIND_OF_REF = {"retweeted": "repost", "replied_to": "reply", "quoted": "quote"}
PRIORITY = {"retweeted": 0, "replied_to": 1, "quoted": 2}


def _targets(table: pa.Table, n: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    """kind, target post id, target account id per row (see the module docstring)."""
    kind = pd.Series("post", index=pd.RangeIndex(n), dtype=object)
    target = pd.Series(None, index=kind.index, dtype=object)
    account = pd.Series(None, index=kind.index, dtype=object)
    refs = column(table, "referenced_tweets")
    if refs is None or not pa.types.is_list(refs.type) or not pa.types.is_struct(
            refs.type.value_type):
        return kind, target, account
    items = pc.list_flatten(refs)
    frame = pd.DataFrame({
        "row": pc.list_parent_indices(refs).to_numpy(zero_copy_only=False),
        "type": as_text(column(items, "type"), len(items)).to_pandas(),
        "id": as_text(column(items, "id"), len(items)).to_pandas(),
        "author": first_of(pa.table({"r": items}), len(items), "r.author_id", "r.author.id"
                         ).to_pandas()})
    frame = frame[frame["type"].isin(list(PRIORITY))]
    frame = frame.drop_duplicates(["row", "type"], keep="last")
    frame = frame.assign(rank=frame["type"].map(PRIORITY)).sort_values(["row", "rank"],
                                                                        kind="stable")
    best = frame.drop_duplicates("row", keep="first").set_index("row")
    kind[best.index] = best["type"].map(KIND_OF_REF).to_numpy()
    target[best.index] = best["id"].where(best["id"].notna() & (best["id"] != ""),
                                          None).to_numpy()
    reply_to = first_of(table, n, "in_reply_to_user_id").to_pandas()
    author = best["author"].where(best["author"].notna(), None)
    is_reply = (best["type"] == "replied_to").to_numpy()
    direct = reply_to.reindex(best.index).to_numpy()
    account[best.index] = [d if r and d is not None and d == d else a
                           for r, d, a in zip(is_reply, direct, author.to_numpy(), strict=True)]
    return kind, target, account


def _shape_ok(table: pa.Table) -> bool:
    """Flattened tweets whose nested fields have the API's shape (else the record reader
    decides, record by record)."""
    names = table.column_names
    if "data" in names or "id" not in names or not ("author_id" in names or "author" in names):
        return False
    for path in ("referenced_tweets", "entities.urls", "entities.hashtags",
                 "entities.mentions"):
        array = column(table, path)
        if array is not None and not pa.types.is_null(array.type) and not (
                pa.types.is_list(array.type) and pa.types.is_struct(array.type.value_type)):
            return False
    for path in ("author", "entities", "__twarc"):
        array = column(table, path)
        if array is not None and not (pa.types.is_struct(array.type)
                                      or pa.types.is_null(array.type)):
            return False
    return True


def read_flat_tweets(path: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(posts, author sightings) in the record reader's column layout, or None."""
    table = read_json_table(path)
    if table is None or not _shape_ok(table):
        return None
    n = table.num_rows
    kind, target, target_account = _targets(table, n)
    posts = to_frame({
        "post_id": blank_null(column(table, "id")),
        "account_id": first_of(table, n, "author_id", "author.id"),
        "created_at": as_text(column(table, "created_at"), n),
        "text": as_text(column(table, "text"), n),
        "kind": pa.array(kind.to_numpy(), type=pa.large_string(), from_pandas=True),
        "target_post_id": pa.array(target.to_numpy(), type=pa.large_string(), from_pandas=True),
        "target_account_id": pa.array(target_account.to_numpy(), type=pa.large_string(),
                                      from_pandas=True),
        "urls": joined(column(table, "entities.urls"), n, ("expanded_url", "url")),
        "hashtags": joined(column(table, "entities.hashtags"), n, "tag"),
        "mentions": joined(column(table, "entities.mentions"), n, "username"),
        "lang": as_text(column(table, "lang"), n), "client": as_text(column(table, "source"), n),
    })
    return posts, _authors(table, n)


def _authors(table: pa.Table, n: int) -> pd.DataFrame:
    author = column(table, "author")
    if author is None or not pa.types.is_struct(author.type):
        return to_frame({k: pa.nulls(0, pa.large_string()) for k in (
            "account_id", "handle", "display_name", "bio", "created_at", "followers",
            "following", "posts_count", "verified", "location", "url", "seen")})
    has = pc.is_valid(author).to_numpy(zero_copy_only=False)
    seen = pc.coalesce(blank_null(as_text(column(table, "__twarc.retrieved_at"), n)),
                       as_text(column(table, "created_at"), n))
    sub = pa.table({"a": author})

    def field(name: str) -> pa.Array:
        return as_text(column(sub, f"a.{name}"), n)

    verified = column(sub, "a.verified")
    if verified is not None and pa.types.is_boolean(verified.type):  # as Python's str(bool)
        verified = pc.if_else(verified, "True", "False")
    users = to_frame({
        "account_id": blank_null(field("id")), "handle": field("username"),
        "display_name": field("name"), "bio": field("description"),
        "created_at": field("created_at"), "followers": field("public_metrics.followers_count"),
        "following": field("public_metrics.following_count"),
        "posts_count": field("public_metrics.tweet_count"),
        "verified": as_text(verified, n), "location": field("location"), "url": field("url"),
        "seen": seen})
    return users[has].drop_duplicates().reset_index(drop=True)
