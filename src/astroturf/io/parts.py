"""Reading the files of one input argument: a single file, or the parts of one dataset.

Parts of one dataset must be read the same way: the column roles found on the first part
(csv/parquet parts) are used for every later part, so that a part where, say, the URL column
happens to be empty does not map differently. A later part that lacks a column the first part
used for a required role is an InputError naming both; a missing optional column is dropped
for that part with a warning.
"""

from __future__ import annotations

import logging
from typing import Any

from astroturf.errors import InputError
from astroturf.io.inputs import InputGroup
from astroturf.schema import Dataset

log = logging.getLogger("astroturf.io.parts")

GENERIC = ("csv", "parquet")
REQUIRED = ("posts.account_id", "posts.created_at")


def _columns_of(path: str) -> list[str] | None:
    from astroturf.io.opening import read_sample

    sample = read_sample(path)
    if sample.is_parquet:
        return list(sample.parquet_columns or [])
    return list(sample.header) if sample.header is not None else None


def _part_mapping(first: dict[str, Any], path: str, user: dict[str, str] | None
                  ) -> dict[str, str]:
    """The first part's roles as --map-style keys for ``path`` (the user's --map on top)."""
    columns = _columns_of(path)
    mapping = {k: v for k, v in first["mapping"].items() if k != "accounts.account_id"}
    out: dict[str, str] = {}
    for key, column in mapping.items():
        if columns is None or column in columns:
            out[key] = column
        elif key in REQUIRED:
            raise InputError(f"no column {column!r}, which the first part "
                             f"({first['path']}) uses for {key.split('.', 1)[1]}",
                             source=path, hint="parts of one dataset must share their columns: "
                             "fix the part, or pass the parts as separate inputs")
        else:
            log.warning("%s: no column %r (used for %s in the first part): left empty here",
                        path, column, key)
    return out | dict(user or {})


def read_group(group: InputGroup, *, format: str, mapping: dict[str, str] | None,
               strict: bool) -> list[Dataset]:
    """Every file of ``group`` read by ``dataset.read_input``; meta entries gain 'part_of'."""
    from astroturf.io import registry
    from astroturf.io.dataset import detect_format, read_input

    out: list[Dataset] = []
    first: dict[str, Any] | None = None
    for path in group.files:
        part_map = mapping
        fmt = detect_format(path) if format == "auto" else registry.get_format(format).name
        shared = (first is not None and group.kind != "file" and first["format"] in GENERIC
                  and fmt in GENERIC)
        if shared:
            part_map = _part_mapping(first, path, mapping)
        data = read_input(path, format=fmt, mapping=part_map or None, strict=strict)
        if shared:
            _roles_from_first(data.meta, first, mapping)
        if group.kind != "file":
            data.meta["part_of"] = group.argument
        first = first or data.meta
        out.append(data)
    return out


def _roles_from_first(meta: dict[str, Any], first: dict[str, Any],
                      user: dict[str, str] | None) -> None:
    """Roles taken over from the first part say so (not '--map')."""
    from astroturf.io.columns import resolve_key

    forced = {resolve_key(k) for k in (user or {})}
    for key, role in meta["roles"].items():
        if key not in forced and key in first["roles"]:
            role.update(confidence=first["roles"][key]["confidence"],
                        how=f"as in the first part ({first['roles'][key]['how']})")
