"""The one list of input formats. Each format module registers a ``FormatSpec`` here.

A reader is two functions: ``sniff(sample) -> float`` (0 = not mine, 1 = certainly mine) and
``read(path, *, mapping, strict) -> Dataset``. ``--format auto`` picks the best sniff score;
the generic CSV/JSONL/Parquet readers score low so that any specific format wins when it fits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from astroturf.schema import Dataset


@dataclass(frozen=True)
class Sample:
    """What sniffers look at: the start of a file, already decompressed.

    ``text``: first ~64 KiB decoded as UTF-8 (errors replaced, BOM stripped);
    ``header``: CSV/TSV header cells if the text looks delimited, else None;
    ``first_object``: the first JSON value if the text is JSON / JSON lines, else None;
    ``name``: the file name (without compression suffix), for weak hints like ``outbox.json``.
    """

    name: str
    text: str
    header: list[str] | None = None
    first_object: Any = None
    is_parquet: bool = False
    parquet_columns: list[str] | None = None


@dataclass(frozen=True)
class FormatSpec:
    name: str
    description: str
    required: tuple[str, ...]  # canonical fields this format always provides
    optional: tuple[str, ...]  # canonical fields it provides when present in the file
    sniff: Callable[[Sample], float]
    read: Callable[..., Dataset]  # read(path: str, *, mapping: dict|None, strict: bool)
    extensions: tuple[str, ...] = field(default_factory=tuple)


FORMATS: dict[str, FormatSpec] = {}


def register(spec: FormatSpec) -> FormatSpec:
    """Add a format (idempotent by name, so re-imports are harmless)."""
    FORMATS[spec.name] = spec
    return spec


def get_format(name: str) -> FormatSpec:
    from astroturf.errors import UsageError

    _load_all()
    if name not in FORMATS:
        raise UsageError(f"unknown format {name!r}",
                         hint=f"known formats: auto, {', '.join(sorted(FORMATS))}")
    return FORMATS[name]


def all_formats() -> list[FormatSpec]:
    _load_all()
    return [FORMATS[k] for k in sorted(FORMATS)]


def _load_all() -> None:
    """Import every format module once so that each registers itself."""
    import astroturf.io.formats  # noqa: F401  (its __init__ imports each format module)
