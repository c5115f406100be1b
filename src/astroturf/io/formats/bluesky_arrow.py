"""Bluesky JSON lines of post views or feed items read as whole columns.

The record-by-record reader in ``bluesky`` handles every shape (saved API documents, mixed
lines, odd records); a file whose lines are all post views, or all feed items, that
pyarrow.json parses as it is takes this path, with the same rules on Arrow columns: kind and
target from ``record.reply.parent`` / the record embed, links, tags and mentions from the
rich-text facets in their order (a mention as written in the text, else its DID: the byte
slice is taken in Python, for mention facets only), external embeds after the links, the
repost of a feed item with ``#reasonRepost`` as its own post by ``reason.by``. ``read_lines``
returns None for anything else and ``bluesky.read`` falls back; the reader suite checks that
both paths give the same tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from astroturf.io.arrowjson import as_text, column, first_of, read_json_table, to_frame

USER_COLUMNS = ("account_id", "handle", "display_name", "bio", "created_at", "seen")


def _views(table: pa.Table) -> tuple[pa.StructArray, pa.Array | None] | None:
    """(post views, reasons or None): all lines feed items, or all lines post views."""
    names = table.column_names
    if "posts" in names or "feed" in names:
        return None
    if "post" in names and "uri" not in names:
        view = column(table, "post")
        reason = column(table, "reason")
    elif "uri" in names and "post" not in names:
        view = pa.StructArray.from_arrays([c.combine_chunks() for c in table.columns], names)
        reason = None
    else:
        return None
    if not pa.types.is_struct(view.type) or view.null_count or column(view, "uri") is None:
        return None
    if pc.any(pc.is_null(column(view, "uri"))).as_py():
        return None
    return view, reason


def _struct_or_absent(array: pa.Array | None) -> bool:
    return array is None or pa.types.is_null(array.type) or pa.types.is_struct(array.type)


def _shape_ok(view: pa.StructArray, reason: pa.Array | None) -> bool:
    record = column(view, "record")
    if not _struct_or_absent(record) or not _struct_or_absent(column(view, "author")):
        return False
    if not _struct_or_absent(reason):
        return False
    facets = column(view, "record.facets")
    if facets is not None and not pa.types.is_null(facets.type):
        if not (pa.types.is_list(facets.type) and pa.types.is_struct(facets.type.value_type)):
            return False
        features = column(pc.list_flatten(facets), "features")
        if features is not None and not pa.types.is_null(features.type) and not (
                pa.types.is_list(features.type)
                and pa.types.is_struct(features.type.value_type)):
            return False
    for path in ("record.tags", "record.langs"):
        array = column(view, path)
        if array is not None and not pa.types.is_null(array.type) and not (
                pa.types.is_list(array.type) and pa.types.is_string(array.type.value_type)):
            return False
    return all(_struct_or_absent(column(view, p)) for p in ("record.embed", "record.reply"))


def _facet_items(view: pa.StructArray, n: int) -> pd.DataFrame:
    """One row per facet feature: row, seq, field ('urls' | 'hashtags' | 'mentions'), value."""
    facets = column(view, "record.facets")
    empty = pd.DataFrame({"row": [], "seq": [], "field": [], "value": []})
    if facets is None or pa.types.is_null(facets.type):
        return empty
    facet = pc.list_flatten(facets)
    facet_row = pc.list_parent_indices(facets).to_numpy(zero_copy_only=False)
    features = column(facet, "features")
    if features is None or pa.types.is_null(features.type):
        return empty
    feat = pc.list_flatten(features)
    parent = pc.list_parent_indices(features).to_numpy(zero_copy_only=False)
    frame = pd.DataFrame({
        "row": facet_row[parent], "seq": np.arange(len(feat)),
        "type": as_text(column(feat, "$type"), len(feat)).to_pandas().fillna(""),
        "uri": as_text(column(feat, "uri"), len(feat)).to_pandas(),
        "tag": as_text(column(feat, "tag"), len(feat)).to_pandas(),
        "did": as_text(column(feat, "did"), len(feat)).to_pandas()})
    field = np.select([frame["type"].str.endswith("#link"), frame["type"].str.endswith("#tag"),
                       frame["type"].str.endswith("#mention")],
                      ["urls", "hashtags", "mentions"], "")
    value = frame["uri"].where(field == "urls", frame["tag"].where(field == "hashtags"))
    frame = frame.assign(field=field, value=value.astype(object))
    mention = frame.index[field == "mentions"]
    if len(mention) and _null_bounds(facet, parent[mention.to_numpy()]):
        raise _Fallback
    if len(mention):
        frame.loc[mention, "value"] = _written_mentions(view, facet, parent, frame.loc[mention])
    return frame[frame["field"] != ""][["row", "seq", "field", "value"]]


class _Fallback(Exception):
    """A detail the column path does not reproduce exactly: read record by record."""


def _null_bounds(facet: pa.Array, positions: np.ndarray) -> bool:
    """A mention facet with an explicit null byte offset (slicing differs from a missing one)."""
    for name in ("index.byteStart", "index.byteEnd"):
        bound = column(facet, name)
        if bound is not None and bound.null_count and pc.any(
                pc.is_null(pc.take(bound, pa.array(positions)))).as_py():
            return True
    return False


def _written_mentions(view: pa.StructArray, facet: pa.Array, parent: np.ndarray,
                      mentions: pd.DataFrame) -> list[object]:
    """The '@handle' as written (the facet's byte slice of the text), else the DID."""
    texts = as_text(column(view, "record.text"), len(view)).to_pylist()
    starts = column(facet, "index.byteStart")
    ends = column(facet, "index.byteEnd")
    starts = starts.to_pylist() if starts is not None else [None] * len(facet)
    ends = ends.to_pylist() if ends is not None else [None] * len(facet)
    out = []
    for pos, row, did in zip(mentions.index, mentions["row"], mentions["did"], strict=True):
        facet_pos = parent[mentions.loc[pos, "seq"]]
        raw = str(texts[row] or "").encode("utf-8")
        start, end = starts[facet_pos] or 0, ends[facet_pos] or 0
        written = raw[start:end].decode("utf-8", errors="ignore")
        out.append(written if written.startswith("@") else did)
    return out


def _listed(items: pd.DataFrame, field: str, n: int) -> pa.Array:
    """join_items of ``field``'s values per row, in ``seq`` order."""
    sub = items[items["field"] == field].sort_values(["row", "seq"], kind="stable")
    text = sub["value"].astype("str").str.strip()
    sub = sub.assign(value=text)[text.notna() & (text != "")]
    out = pd.Series(None, index=pd.RangeIndex(n), dtype=object)
    joined = sub.groupby("row", sort=True)["value"].agg(" ".join)
    out[joined.index] = joined.to_numpy()
    return pa.array(out.to_numpy(), type=pa.large_string(), from_pandas=True)


def _extra_items(view: pa.StructArray, n: int) -> pd.DataFrame:
    """record.tags (after the facet tags) and the external embed link (after the links)."""
    parts = []
    tags = column(view, "record.tags")
    if tags is not None and not pa.types.is_null(tags.type):
        flat = pc.list_flatten(tags)
        parts.append(pd.DataFrame({"row": pc.list_parent_indices(tags).to_numpy(
            zero_copy_only=False), "seq": 10**12 + np.arange(len(flat)), "field": "hashtags",
            "value": flat.to_pandas().astype(object)}))
    external = _embed(view, n)[1]
    rows = np.flatnonzero(pc.is_valid(external).to_numpy(zero_copy_only=False))
    parts.append(pd.DataFrame({"row": rows, "seq": 2 * 10**12, "field": "urls",
                               "value": pc.take(external, pa.array(rows)).to_pandas()
                               .astype(object)}))
    return pd.concat(parts, ignore_index=True)


def _embed(view: pa.StructArray, n: int) -> tuple[pa.Array, pa.Array]:
    """(quoted post uri, external link) per row, as ``bluesky._embed_target``."""
    kind = as_text(column(view, "record.embed.$type"), n)
    nested = as_text(column(view, "record.embed.record.record.uri"), n)
    direct = as_text(column(view, "record.embed.record.uri"), n)
    external = as_text(column(view, "record.embed.external.uri"), n)
    with_media = pc.starts_with(kind, "app.bsky.embed.recordWithMedia").fill_null(False)
    record = pc.starts_with(kind, "app.bsky.embed.record").fill_null(False)
    is_external = pc.starts_with(kind, "app.bsky.embed.external").fill_null(False)
    nulls = pa.nulls(n, pa.large_string())
    quoted = pc.if_else(with_media, nested, pc.if_else(record, direct, nulls))
    return quoted, pc.if_else(is_external, external, nulls)


def _posts(view: pa.StructArray, n: int) -> pd.DataFrame:
    items = pd.concat([_facet_items(view, n), _extra_items(view, n)], ignore_index=True)
    quoted, _ = _embed(view, n)
    parent = first_of(view, n, "record.reply.parent.uri")
    quoted = pc.if_else(pc.equal(pc.binary_length(quoted), 0).fill_null(True),
                        pa.nulls(n, quoted.type), quoted)
    is_reply, is_quote = pc.is_valid(parent), pc.is_valid(quoted)
    kind = pc.if_else(is_reply, "reply", pc.if_else(is_quote, "quote", "post"))
    langs = column(view, "record.langs")
    lang = (pc.list_element(pc.if_else(pc.greater(pc.list_value_length(langs), 0)
                                       .fill_null(False), langs, pa.nulls(n, langs.type)), 0)
            if langs is not None and not pa.types.is_null(langs.type) else None)
    return to_frame({
        "post_id": as_text(column(view, "uri"), n),
        "account_id": as_text(column(view, "author.did"), n),
        "created_at": first_of(view, n, "record.createdAt", "indexedAt"),
        "text": as_text(column(view, "record.text"), n), "kind": kind,
        "target_post_id": pc.if_else(is_reply, parent, quoted),
        "urls": _listed(items, "urls", n), "hashtags": _listed(items, "hashtags", n),
        "mentions": _listed(items, "mentions", n), "lang": as_text(lang, n)})


def _users(author: pa.Array | None, seen: pa.Array, n: int) -> pd.DataFrame:
    if author is None or pa.types.is_null(author.type):
        return to_frame({k: pa.nulls(0, pa.large_string()) for k in USER_COLUMNS})
    sub = pa.table({"a": author})
    users = to_frame({"account_id": as_text(column(sub, "a.did"), n),
                      "handle": as_text(column(sub, "a.handle"), n),
                      "display_name": as_text(column(sub, "a.displayName"), n),
                      "bio": as_text(column(sub, "a.description"), n),
                      "created_at": as_text(column(sub, "a.createdAt"), n), "seen": seen})
    return users[pc.is_valid(author).to_numpy(zero_copy_only=False)]


def _reposts(view: pa.StructArray, reason: pa.Array | None, n: int
             ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    if reason is None or pa.types.is_null(reason.type):
        return None
    sub = pa.table({"r": reason})
    kind = as_text(column(sub, "r.$type"), n)
    by = column(sub, "r.by")
    if by is None or not pa.types.is_struct(by.type):
        return None
    keep = pc.and_(pc.ends_with(kind, "reasonRepost").fill_null(False),
                   pc.is_valid(by)).to_numpy(zero_copy_only=False)
    if not keep.any():
        return None
    uri = as_text(column(view, "uri"), n)
    by_did = as_text(column(sub, "r.by.did"), n)
    def text(value: str) -> pa.Scalar:
        return pa.scalar(value, pa.large_string())

    made = pc.binary_join_element_wise(text("repost:"), pc.fill_null(by_did, text("None")),
                                       text(":"), uri, text(""))
    when = as_text(column(sub, "r.indexedAt"), n)
    nulls = pa.nulls(n, pa.large_string())
    posts = to_frame({"post_id": pc.coalesce(blank_or(column(sub, "r.uri"), n), made),
                      "account_id": by_did, "created_at": when, "text": nulls,
                      "kind": pa.array(["repost"] * n, pa.large_string()),
                      "target_post_id": uri, "urls": nulls, "hashtags": nulls,
                      "mentions": nulls, "lang": nulls})
    users = _users(by, when, n)
    return posts[keep], users[keep[users.index.to_numpy()]]


def blank_or(array: pa.Array | None, n: int) -> pa.Array:
    from astroturf.io.arrowjson import blank_null

    return blank_null(array) if array is not None else pa.nulls(n, pa.large_string())


def read_lines(path: str) -> tuple[pd.DataFrame, pd.DataFrame, int] | None:
    """(posts, author sightings, items read) in the record reader's layout, or None."""
    table = read_json_table(path)
    if table is None:
        return None
    found = _views(table)
    if found is None or not _shape_ok(*found):
        return None
    view, reason = found
    n = len(view)
    try:
        posts = [_posts(view, n)]
    except _Fallback:
        return None
    users = [_users(column(view, "author"), as_text(column(view, "indexedAt"), n), n)]
    reposts = _reposts(view, reason, n)
    if reposts is not None:
        posts.append(reposts[0])
        users.append(reposts[1])
    return (pd.concat(posts, ignore_index=True),
            pd.concat(users, ignore_index=True).drop_duplicates(), n)
