"""JSON parsing for the platform readers: JSON lines in batches, whole documents, empty files.

Split from ``_records``. orjson parses (twice the standard library's speed, and strict: a lone
surrogate escape, which no output could hold, makes the record malformed); NUL bytes are
removed, a BOM tolerated, bytes that are not UTF-8 replaced (each reported once).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from astroturf.errors import InputError
from astroturf.io.opening import open_input, read_head

if TYPE_CHECKING:
    from astroturf.io.formats._records import ReadLog

BATCH_SIZE = 50_000


def _decode_json(raw: bytes, rlog: ReadLog, where: str) -> Any:
    """One JSON value (orjson: ~2x the standard library, and strict: a lone surrogate escape,
    which no output could hold, makes the record malformed instead of crashing a writer)."""
    if b"\x00" in raw:
        raw = raw.replace(b"\x00", b"")
        rlog.warn_once("nul", f"{where}: NUL bytes were removed")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            rlog.warn_once("utf8", f"{where}: bytes that are not UTF-8 were replaced by U+FFFD")
            return orjson.loads(raw.decode("utf-8", errors="replace"))
        raise


def iter_json_lines(path: str, rlog: ReadLog, *,
                    batch_size: int = BATCH_SIZE) -> Iterator[list[Any]]:
    """Parsed JSON values of a JSON-lines file, in batches (bounded memory on huge dumps).

    Blank lines are ignored; NUL bytes removed; a BOM tolerated; a line that is not JSON is
    skipped and counted as 'malformed' (an InputError naming the line with ``strict``).
    """
    batch: list[Any] = []
    with open_input(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip(b" \t\r\n\x00"):
                continue
            try:
                batch.append(_decode_json(raw, rlog, f"line {lineno}"))
            except json.JSONDecodeError as exc:
                rlog.bad_record(f"line {lineno}", f"not valid JSON ({exc.msg})",
                                "fix or delete that line, or drop --strict to skip it")
                continue
            if len(batch) >= batch_size:
                yield batch
                batch = []
    if batch:
        yield batch


def load_json_document(path: str, rlog: ReadLog) -> Any:
    """One JSON document (a Telegram result.json, a Mastodon outbox) parsed whole."""
    with open_input(path) as fh:
        raw = fh.read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise InputError("file is empty", source=rlog.source,
                         hint="export again; the file has no content")
    try:
        return _decode_json(raw, rlog, "document")
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                         source=rlog.source,
                         hint="the file may be truncated; export it again") from None


def check_not_empty(path: str) -> None:
    """An empty file is a mistake (wrong path, failed export), never an empty scan."""
    if not read_head(path, 64).strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise InputError("file is empty", source=path,
                         hint="check the path, or export the data again")
