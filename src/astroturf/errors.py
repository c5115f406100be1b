"""Library exceptions. No click here: cli.py translates them into messages and exit codes once.

Every error carries what went wrong, where (file, row, column) and how to fix it, so the CLI can
print one clear line instead of a traceback.
"""

from __future__ import annotations


class AstroturfError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, *, source: str | None = None, hint: str | None = None,
                 details: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.hint = hint
        self.details = details

    def render(self) -> str:
        """One line (plus an optional indented hint/details) for the terminal."""
        head = f"{self.source}: {self.message}" if self.source else self.message
        lines = [head]
        if self.details:
            lines.append(f"  {self.details}")
        if self.hint:
            lines.append(f"  {self.hint}")
        return "\n".join(lines)


class InputError(AstroturfError):
    """The user's input cannot be used as given (missing column, bad timestamp, empty file)."""

    exit_code = 2


class UsageError(AstroturfError):
    """Options that contradict each other or point at something impossible."""

    exit_code = 2


class OutputError(AstroturfError):
    """An output cannot be written safely (would overwrite an input, not writable)."""

    exit_code = 2
