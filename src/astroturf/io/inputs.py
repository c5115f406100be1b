"""Input arguments to files: a directory or a glob of parts is one dataset.

Large exports come as parts (``part-00000.parquet`` ... from Spark, Dask or a sharded
download). ``astroturf scan DIR`` and ``astroturf scan 'parts/*.parquet'`` read every part, in
sorted path order (deterministic on any file system), as one dataset; the parts are recorded
in the manifest. Bookkeeping files of those tools (``_SUCCESS``, ``_metadata``, ``.crc``,
hidden files) are not parts.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass

from astroturf.errors import InputError

PART_SUFFIXES = (".parquet", ".pq", ".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json")
COMPRESSION_SUFFIXES = ("", ".gz", ".zst", ".zstd")
_GLOB_CHARS = ("*", "?", "[")


@dataclass(frozen=True)
class InputGroup:
    """One input argument and the files it stands for (``kind``: file | directory | glob)."""

    argument: str
    kind: str
    files: tuple[str, ...]

    def to_meta(self) -> dict[str, object]:
        """meta entry: {'input', 'kind', 'parts'} (parts as paths relative to a directory)."""
        if self.kind == "directory":
            parts = [os.path.relpath(f, self.argument) for f in self.files]
        else:
            parts = list(self.files)
        return {"input": self.argument, "kind": self.kind, "parts": parts}


def is_part(name: str) -> bool:
    """A data file (not a hidden or bookkeeping file) by its name."""
    base = os.path.basename(name).lower()
    if base.startswith((".", "_")) or base.endswith(".crc"):
        return False
    return any(base.endswith(s + c) for s in PART_SUFFIXES for c in COMPRESSION_SUFFIXES)


def _directory_parts(path: str) -> list[str]:
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        found += [os.path.join(root, f) for f in files if is_part(f)]
    return sorted(found)


def expand_input(argument: str) -> InputGroup:
    """The files of one input argument: the file itself, a directory's parts (recursively,
    sorted), or the files a glob pattern matches (sorted). Nothing found is an InputError."""
    if argument == "-" or os.path.isfile(argument):
        return InputGroup(argument, "file", (argument,))
    if os.path.isdir(argument):
        parts = _directory_parts(argument)
        if not parts:
            raise InputError("directory holds no data files", source=argument,
                             hint="parts must end in " + ", ".join(PART_SUFFIXES)
                             + " (optionally .gz/.zst)")
        return InputGroup(argument, "directory", tuple(parts))
    if any(ch in argument for ch in _GLOB_CHARS):
        parts = sorted(p for p in glob.glob(argument, recursive=True) if os.path.isfile(p))
        if not parts:
            raise InputError("no file matches this pattern", source=argument,
                             hint="check the pattern; quote it so that the shell passes it "
                                  "as is, e.g. 'parts/*.parquet'")
        return InputGroup(argument, "glob", tuple(parts))
    return InputGroup(argument, "file", (argument,))  # missing: the reader says so


def expand_inputs(arguments: list[str]) -> list[InputGroup]:
    """``expand_input`` for each argument, in the order given."""
    return [expand_input(a) for a in arguments]
