"""The generic containers as formats: delimited text, JSON lines, JSON documents, Parquet.

They sniff low (0.1-0.2) so that any specific platform format wins when it recognises a file;
``read`` is ``generic.read_generic`` forced to the container, with columns auto-detected.
"""

from __future__ import annotations

from functools import partial

from astroturf.io.generic import container_of, read_generic
from astroturf.io.registry import FormatSpec, Sample, register
from astroturf.schema import ACCOUNT_FIELDS, POST_FIELDS

_REQUIRED = ("account_id", "created_at")
_OPTIONAL = tuple(f for f in POST_FIELDS if f not in _REQUIRED) + tuple(
    f"accounts.{f}" for f in ACCOUNT_FIELDS if f != "account_id")


def sniff_csv(sample: Sample) -> float:
    """0.2 for delimited text with 2+ header cells, 0.1 for a single column, else 0."""
    if container_of(sample) != "csv" or sample.header is None:
        return 0.0
    return 0.2 if len(sample.header) >= 2 else 0.1


def sniff_jsonl(sample: Sample) -> float:
    """0.2 when the first line is a JSON object."""
    return 0.2 if container_of(sample) == "jsonl" else 0.0


def sniff_json(sample: Sample) -> float:
    """0.2 for a JSON array document (or a multi-line JSON object)."""
    return 0.2 if container_of(sample) == "json" else 0.0


def sniff_parquet(sample: Sample) -> float:
    """0.2 for any Parquet file (magic bytes PAR1)."""
    return 0.2 if sample.is_parquet else 0.0


for _name, _sniff, _desc, _ext in (
        ("csv", sniff_csv, "delimited text (, TAB ; |) with a header row; flat, one row per post",
         (".csv", ".tsv", ".txt")),
        ("jsonl", sniff_jsonl, "JSON lines: one object per line, nested keys flattened as a.b",
         (".jsonl", ".ndjson")),
        ("json", sniff_json, "a JSON array of post objects (or an object holding one)",
         (".json",)),
        ("parquet", sniff_parquet, "Parquet table; struct columns flattened as a.b",
         (".parquet",))):
    register(FormatSpec(name=_name, description=_desc, required=_REQUIRED, optional=_OPTIONAL,
                        sniff=_sniff, read=partial(read_generic, container=_name),
                        extensions=_ext))
