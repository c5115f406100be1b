"""Atomic file writes: a crash or an error mid-way never leaves a half-written output.

Every report file is first written to a hidden temporary file in the *same directory* (so the
final ``os.replace`` is a rename on one filesystem, atomic on POSIX and Windows), flushed to
disk with ``fsync``, then moved over the target. On failure the temporary file is removed and
whatever was at the target before is left untouched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path

from astroturf.errors import OutputError

log = logging.getLogger("astroturf.report.atomic")


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # directories cannot be opened on some platforms (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        log.debug("fsync not supported for %s", path)
    finally:
        os.close(fd)


def _new_temp(path: Path) -> Path:
    """Create an empty, exclusive temp file next to ``path`` (mode 0666 minus the umask)."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise OutputError("cannot create a temporary file", source=str(path.parent),
                      hint="check that the output directory is writable")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temp path next to ``path``; on success fsync it and move it over ``path``.

    Anything raised inside the ``with`` block removes the temp file and leaves ``path`` as it
    was. Usage: ``with atomic_path(out) as tmp: df.to_parquet(tmp)``.
    """
    path = Path(path)
    try:
        tmp = _new_temp(path)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}", source=str(path),
                          hint="check that the output directory exists and is writable") from None
    try:
        yield tmp
        _fsync_path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_path(path.parent, directory=True)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` as UTF-8 with '\\n' line ends (on every platform) atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_not_input(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Raise ``OutputError`` if writing ``path`` would overwrite one of ``inputs``.

    Compares by inode when both exist (catches hard links and symlinks), else by resolved
    path. ``'-'`` (stdin) is never a file and is ignored.
    """
    out = Path(path)
    for item in inputs:
        if str(item) == "-":
            continue
        if _same_file(out, Path(item)):
            raise OutputError(
                f"refusing to overwrite the input file {os.fspath(item)!r}",
                source=str(out),
                hint="write the outputs to another directory, e.g. --out results/",
            )
