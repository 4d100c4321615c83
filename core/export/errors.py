"""The error of an export that cannot be made as asked."""
from __future__ import annotations


class ExportError(Exception):
    """An export that cannot be made as asked; ``str(e)`` is plain Chinese."""

    def __init__(self, message: str, missing: list | None = None):
        super().__init__(message)
        self.message = message
        self.missing = list(missing or [])   # [(path, char)] for missing glyphs

    def __str__(self) -> str:
        return self.message
