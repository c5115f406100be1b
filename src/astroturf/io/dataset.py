"""Reading inputs: the one entry point (``read_dataset``) used by the pipeline and the CLI.

Each input file is read with a chosen or sniffed format (specific platform formats score higher
than the generic containers), posts are concatenated (duplicate posts across overlapping exports
removed, colliding ids made unique), profiles are merged (an explicit accounts file wins per
field) and what reading found out is recorded in ``Dataset.meta`` for the manifest.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from astroturf.errors import InputError
from astroturf.schema import Dataset, coerce_accounts, coerce_posts

log = logging.getLogger("astroturf.io")

__all__ = ["detect_format", "read_accounts", "read_dataset"]


def detect_format(path: str) -> str:
    """Name of the registered format whose sniffer scores ``path`` highest (ties: by name)."""
    from astroturf.io import registry
    from astroturf.io.opening import read_sample

    sample = read_sample(path)
    scores = []
    for spec in registry.all_formats():
        try:
            score = float(spec.sniff(sample))
        except Exception as exc:  # a broken sniffer must not stop the others
            log.debug("sniffer %s failed on %s: %s", spec.name, path, exc)
            score = 0.0
        scores.append((-score, spec.name))
    if not scores or -min(scores)[0] <= 0:
        known = ", ".join(sorted(s for _, s in scores))
        raise InputError("cannot recognise the file format", source=path,
                         hint=f"pass --format (one of: {known}); for CSV check the header row")
    return min(scores)[1]


def read_accounts(path: str, *, mapping: dict[str, str] | None = None,
                  strict: bool = False) -> pd.DataFrame:
    """Canonical accounts from a profile table (CSV/JSONL/Parquet, one row per account).

    Here 'created_at' and 'id' mean the account's. Only qualified ``mapping`` keys
    ('accounts.<field>') apply; bare keys belong to the posts files.
    """
    from astroturf.io.columns import detect_mapping
    from astroturf.io.generic import read_table
    from astroturf.io.split import profile_table

    overrides = {k: v for k, v in (mapping or {}).items() if k.startswith("accounts.")}
    table, _ = read_table(path, strict=strict)
    found = detect_mapping(list(table.columns), table.head(2000), overrides=overrides,
                           source=path, tables=("accounts",))
    frame = pd.DataFrame({k.split(".", 1)[1]: table[c] for k, c in found.items()})
    return profile_table(frame, source=path)


def read_dataset(inputs: list[str], *, format: str = "auto",
                 mapping: dict[str, str] | None = None,
                 accounts: str | list[str] | None = None, strict: bool = False) -> Dataset:
    """Read every input into one canonical Dataset.

    ``format``: a registered format name or 'auto' (best sniff per file). ``mapping``: --map
    overrides. ``accounts``: an optional profile file whose values win per field; with it,
    qualified 'accounts.<field>' keys of ``mapping`` name columns of that file. Several
    profile files (e.g. one per label class) may be given as a list; later files win.
    ``meta``: {'inputs': [{'path', 'format', 'mapping', 'rows_read', 'rows_dropped',
    'resolution_s', 'assumed_utc', 'warnings'}], 'n_posts', 'n_accounts', 'duplicate_posts'}.
    Posts are sorted by (created_at, account_id, post_id); accounts by account_id.
    """
    from astroturf.io import registry
    from astroturf.io.opening import base_name

    if not inputs:
        raise InputError("no input files given", hint="pass one or more export files, or '-'")
    post_mapping = mapping
    if accounts and mapping:  # qualified accounts.<field> keys then name accounts-file columns
        post_mapping = {k: v for k, v in mapping.items() if not k.startswith("accounts.")}
    parts: list[Dataset] = []
    metas: list[dict[str, Any]] = []
    for path in inputs:
        name = detect_format(path) if format == "auto" else registry.get_format(format).name
        data = registry.get_format(name).read(path, mapping=post_mapping, strict=strict)
        parts.append(data)
        metas.append(_input_meta(path, name, data.meta))
    posts_list = [coerce_posts(p.posts) for p in parts]
    posts, n_dup = _combine_posts(posts_list, [base_name(p) for p in inputs])
    account_files = [accounts] if isinstance(accounts, str) else list(accounts or [])
    override = None
    if account_files:
        frames = [coerce_accounts(read_accounts(f, mapping=mapping, strict=strict))
                  for f in account_files]
        override = pd.concat(frames, ignore_index=True).drop_duplicates(
            "account_id", keep="last")
    profiles = _merge_profiles([coerce_accounts(p.accounts) for p in parts], override)
    account_ids = pd.concat([posts["account_id"], profiles["account_id"]]).dropna().unique()
    missing = sorted(set(account_ids) - set(profiles["account_id"]))
    if missing:
        profiles = pd.concat([profiles, pd.DataFrame({"account_id": missing})],
                             ignore_index=True)
    profiles = coerce_accounts(profiles.sort_values("account_id", kind="stable"))
    meta = {"inputs": metas, "n_posts": len(posts), "n_accounts": len(profiles),
            "duplicate_posts": n_dup}
    if account_files:
        meta["accounts_files"] = [base_name(f) for f in account_files]
    return Dataset(posts=posts, accounts=profiles, meta=meta)


def _input_meta(path: str, name: str, meta: dict[str, Any]) -> dict[str, Any]:
    dropped = meta.get("rows_dropped", meta.get("dropped", {})) or {}
    return {"path": path, "format": meta.get("format", name), "mapping": meta.get("mapping", {}),
            "rows_read": int(meta.get("rows_read", 0)), "rows_dropped": dict(dropped),
            "resolution_s": meta.get("resolution_s"),
            "assumed_utc": bool(meta.get("assumed_utc", False)),
            "warnings": list(meta.get("warnings", []))}


def _combine_posts(parts: list[pd.DataFrame], names: list[str]) -> tuple[pd.DataFrame, int]:
    """Concatenate, drop exact duplicate posts, make remaining post_id collisions unique."""
    from astroturf.io.split import sort_order

    for i, part in enumerate(parts):
        part["_file"] = i
    posts = pd.concat(parts, ignore_index=True) if parts else coerce_posts(pd.DataFrame())
    posts = posts.iloc[sort_order(posts, _ORDER)]
    before = len(posts)
    posts = _merge_duplicates(posts)
    n_dup = before - len(posts)
    collide = posts["post_id"].duplicated(keep=False)
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
    posts = posts.drop(columns="_file")
    return coerce_posts(posts.reset_index(drop=True)), n_dup


_KEY = ["post_id", "account_id", "created_at"]
_ORDER = ["created_at", "account_id", "post_id", "_file"]
_LIST_FIELDS = ("urls", "hashtags", "mentions")


def _merge_duplicates(posts: pd.DataFrame) -> pd.DataFrame:
    """One row per (post_id, account_id, created_at).

    Long-format exports repeat a post once per URL/hashtag, and overlapping exports repeat it
    verbatim: list fields are unioned (first-seen token order), other fields take the first value.
    """
    from astroturf.io.split import sort_order

    dup = posts.duplicated(_KEY, keep=False)
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


def _merge_profiles(parts: list[pd.DataFrame], explicit: pd.DataFrame | None) -> pd.DataFrame:
    """One row per account: later inputs win per field over earlier; the accounts file wins."""
    frames = [p for p in parts if len(p)]
    if explicit is not None and len(explicit):
        frames.append(explicit)
    if not frames:
        return coerce_accounts(pd.DataFrame())
    merged = pd.concat(frames, ignore_index=True)
    merged = merged.groupby("account_id", sort=True).last().reset_index()
    return coerce_accounts(merged)
