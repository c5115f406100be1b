"""Reading inputs: the one entry point (``read_dataset``) used by the pipeline and the CLI.

Each input argument is a file, a directory of parts or a glob (``io.inputs``); each file is
read with a chosen or sniffed format (specific platform formats score higher than the generic
containers), then finished the same way whatever its format (``read_input``): text repaired
(``io.textrepair``) and what reading found recorded. Posts are concatenated (duplicate posts
across overlapping exports removed, colliding ids made unique), profiles are merged (an
explicit accounts file wins per field) and everything reading found out goes to
``Dataset.meta``, which the CLI writes into manifest.json.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import pyarrow.compute as pc

from astroturf.errors import InputError
from astroturf.io.strings import canonical_accounts, canonical_posts, to_arrow_strings
from astroturf.schema import ACCOUNT_FIELDS, POST_FIELDS, Dataset

log = logging.getLogger("astroturf.io")

__all__ = ["detect_format", "read_accounts", "read_dataset", "read_input"]

POST_TEXT = ("text",)
ACCOUNT_TEXT = ("display_name", "bio", "location")


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


def _string_fields(fields: dict[str, tuple[str, str]]) -> tuple[str, ...]:
    return tuple(name for name, (dtype, _) in fields.items() if dtype == "str")


def repair_dataset(data: Dataset) -> tuple[Dataset, dict[str, int]]:
    """Texts repaired (posts keep the original in ``text_original``), control characters cut
    from every string field; counts {'posts.text': n, 'accounts.bio': n, 'control_chars': n}.
    ``data`` holds canonical tables (what every reader returns); so does the result."""
    from astroturf.io.textrepair import repair_table

    posts, p_counts = repair_table(data.posts, POST_TEXT, strip=_string_fields(POST_FIELDS),
                                   keep_original="text")
    accounts, a_counts = repair_table(data.accounts, ACCOUNT_TEXT,
                                      strip=_string_fields(ACCOUNT_FIELDS))
    counts = {f"posts.{k}": v for k, v in p_counts.items() if k != "control_chars"}
    counts |= {f"accounts.{k}": v for k, v in a_counts.items() if k != "control_chars"}
    n_control = p_counts.get("control_chars", 0) + a_counts.get("control_chars", 0)
    if n_control:
        counts["control_chars"] = n_control
    return Dataset(posts=posts, accounts=accounts, meta=data.meta), counts


def read_input(path: str, *, format: str = "auto", mapping: dict[str, str] | None = None,
               strict: bool = False) -> Dataset:
    """One file read by its (sniffed) format and finished like every other: texts repaired,
    and ``meta`` in the shape of one entry of ``read_dataset``'s ``meta['inputs']``."""
    from astroturf.io import registry

    name = detect_format(path) if format == "auto" else registry.get_format(format).name
    data = registry.get_format(name).read(path, mapping=mapping, strict=strict)
    data, repaired = repair_dataset(data)
    data.meta = input_meta(path, name, data.meta, repaired)
    return data


def input_meta(path: str, name: str, meta: dict[str, Any],
               repaired: dict[str, int]) -> dict[str, Any]:
    """The manifest entry of one input file (see ``read_dataset``)."""
    dropped = meta.get("rows_dropped", meta.get("dropped", {})) or {}
    return {"path": path, "format": meta.get("format", name), "mapping": meta.get("mapping", {}),
            "roles": dict(meta.get("roles", {})), "role_notes": list(meta.get("role_notes", [])),
            "unplaced_columns": list(meta.get("unplaced_columns", [])),
            "account_id_from_handle": bool(meta.get("account_id_from_handle", False)),
            "rows_read": int(meta.get("rows_read", 0)), "rows_dropped": dict(dropped),
            "cells_dropped": {k: dict(v) for k, v in meta.get("cells_dropped", {}).items()},
            "text_repaired": dict(repaired), "resolution_s": meta.get("resolution_s"),
            "assumed_utc": bool(meta.get("assumed_utc", False)),
            "warnings": list(meta.get("warnings", []))}


def read_accounts(path: str, *, mapping: dict[str, str] | None = None,
                  strict: bool = False) -> pd.DataFrame:
    """Canonical accounts from a profile table (CSV/JSONL/Parquet, one row per account).

    Here 'created_at' and 'id' mean the account's. Only qualified ``mapping`` keys
    ('accounts.<field>') apply; bare keys belong to the posts files.
    """
    return read_accounts_file(path, mapping=mapping, strict=strict).accounts


def read_accounts_file(path: str, *, mapping: dict[str, str] | None = None,
                       strict: bool = False) -> Dataset:
    """``read_accounts`` with its meta (path, mapping, roles, cells dropped, texts repaired)."""
    from astroturf.io.cells import CellLog, guard_fields, guard_times
    from astroturf.io.columns import detect_roles
    from astroturf.io.generic import read_table
    from astroturf.io.split import profile_table

    overrides = {k: v for k, v in (mapping or {}).items() if k.startswith("accounts.")}
    table, tmeta = read_table(path, strict=strict)
    roles = detect_roles(list(table.columns), table.head(2000), overrides=overrides,
                         source=path, tables=("accounts",))
    cells = CellLog(source=path, strict=strict)
    found = roles.mapping
    table = guard_fields(table, {k: c for k, c in found.items() if k != "accounts.created_at"},
                         cells)
    frame = pd.DataFrame({k.split(".", 1)[1]: table[c] for k, c in found.items()})
    if "created_at" in frame:
        frame["created_at"] = guard_times(frame["created_at"], "accounts.created_at", cells,
                                          column=found["accounts.created_at"])
    accounts = profile_table(frame, source=path)
    data, repaired = repair_dataset(Dataset(posts=canonical_posts(pd.DataFrame()),
                                            accounts=accounts))
    meta = {"format": tmeta["container"], "mapping": found, "rows_read": tmeta["rows_read"],
            "warnings": tmeta["warnings"] + [f"{path}: {n}" for n in roles.notes],
            "cells_dropped": cells.dropped, **roles.to_meta()}
    data.meta = input_meta(path, tmeta["container"], meta, repaired)
    return data


def read_dataset(inputs: list[str], *, format: str = "auto",
                 mapping: dict[str, str] | None = None,
                 accounts: str | list[str] | None = None, strict: bool = False) -> Dataset:
    """Read every input (file, directory of parts, glob) into one canonical Dataset.

    ``format``: a registered format name or 'auto' (best sniff per file). ``mapping``: --map
    overrides. ``accounts``: an optional profile file whose values win per field; with it,
    qualified 'accounts.<field>' keys of ``mapping`` name columns of that file. Several
    profile files (e.g. one per label class) may be given as a list; later files win.
    ``meta``: {'inputs': [one entry per FILE: {'path', 'format', 'mapping', 'roles' {key:
    {'column', 'confidence', 'how'}}, 'role_notes', 'unplaced_columns',
    'account_id_from_handle', 'rows_read', 'rows_dropped' {reason: n}, 'cells_dropped' {key:
    {reason: n}}, 'text_repaired' {key: n}, 'resolution_s', 'assumed_utc', 'warnings'}],
    'input_groups' [{'input', 'kind', 'parts'}] (when a directory or glob was given),
    'accounts_files', 'accounts_inputs' (entries like 'inputs'), 'n_posts', 'n_accounts',
    'duplicate_posts', 'cells_dropped' and 'text_repaired' (totals over all files)}.
    Posts are sorted by (created_at, account_id, post_id); accounts by account_id.
    """
    from astroturf.io.combine import combine_posts
    from astroturf.io.inputs import expand_inputs
    from astroturf.io.opening import base_name
    from astroturf.io.parts import read_group
    from astroturf.kernels.memory import release_arrow_memory

    if not inputs:
        raise InputError("no input files given", hint="pass one or more export files, or '-'")
    post_mapping = mapping
    if accounts and mapping:  # qualified accounts.<field> keys then name accounts-file columns
        post_mapping = {k: v for k, v in mapping.items() if not k.startswith("accounts.")}
    groups = expand_inputs(list(inputs))
    parts = [d for g in groups for d in read_group(g, format=format, mapping=post_mapping,
                                                    strict=strict)]
    files = [p.meta["path"] for p in parts]
    posts, n_dup = combine_posts([p.posts for p in parts], [base_name(f) for f in files])
    account_files = [accounts] if isinstance(accounts, str) else list(accounts or [])
    extra = [read_accounts_file(f, mapping=mapping, strict=strict) for f in account_files]
    profiles = _profiles([p.accounts for p in parts], [e.accounts for e in extra], posts)
    metas = [p.meta for p in parts]
    del parts  # their frames are combined; freed here so the release below hands them back
    meta: dict[str, Any] = {"inputs": metas, "n_posts": len(posts), "n_accounts": len(profiles),
                            "duplicate_posts": n_dup}
    if any(g.kind != "file" for g in groups):
        meta["input_groups"] = [g.to_meta() for g in groups]
    if account_files:
        meta["accounts_files"] = [base_name(f) for f in account_files]
        meta["accounts_inputs"] = [e.meta for e in extra]
    meta |= _totals([*metas, *(e.meta for e in extra)])
    release_arrow_memory()  # the parts and intermediate columns are gone; hand back their pages
    return Dataset(posts=posts, accounts=profiles, meta=meta)


def _profiles(parts: list[pd.DataFrame], files: list[pd.DataFrame],
              posts: pd.DataFrame) -> pd.DataFrame:
    """Profiles merged (accounts files win, later ones over earlier), plus an id-only row for
    every posting account without one; sorted by account_id."""
    from astroturf.io.combine import merge_profiles

    override = None
    if files:
        override = pd.concat(files, ignore_index=True).drop_duplicates("account_id",
                                                                        keep="last")
    profiles = merge_profiles(parts, override)
    posting = pc.unique(to_arrow_strings(posts["account_id"]).drop_null())
    known = pc.unique(to_arrow_strings(profiles["account_id"]).drop_null())
    missing = pc.filter(posting, pc.invert(pc.is_in(posting, value_set=known)))
    missing = missing.to_numpy(zero_copy_only=False)
    if len(missing):
        profiles = pd.concat([profiles, pd.DataFrame({"account_id": missing})],
                             ignore_index=True)
    return canonical_accounts(profiles.sort_values("account_id", kind="stable"))


def _totals(metas: list[dict[str, Any]]) -> dict[str, Any]:
    cells: dict[str, dict[str, int]] = {}
    repaired: dict[str, int] = {}
    for m in metas:
        for key, reasons in m.get("cells_dropped", {}).items():
            for reason, n in reasons.items():
                cells.setdefault(key, {})[reason] = cells.get(key, {}).get(reason, 0) + n
        for key, n in m.get("text_repaired", {}).items():
            repaired[key] = repaired.get(key, 0) + n
    return {"cells_dropped": dict(sorted(cells.items())),
            "text_repaired": dict(sorted(repaired.items()))}
