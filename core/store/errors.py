"""What can go wrong with a store, as exceptions whose message is plain Chinese for the user, and
the SQLite result codes behind them. Shared by core.store.database, core.store.backups and core.store.guard.

No Qt here.
"""

from __future__ import annotations

import pathlib
import sqlite3

__all__ = ["StoreError", "StoreDamaged", "StoreLost", "primary_code", "SQLITE_HEADER", "APPLICATION_ID"]

# PRAGMA application_id of a ziping store ("ZiPg"), so the file says whose it is.
APPLICATION_ID = int.from_bytes(b"ZiPg", "big")

SQLITE_HEADER = b"SQLite format 3\x00"

# Primary SQLite result codes we tell the user about.
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN = 10, 11, 13, 14
SQLITE_NOTADB = 26


class StoreError(Exception):
    """A store operation failed; the message is plain Chinese for the user."""


class StoreDamaged(StoreError):
    """The file is not a readable store.

    ``path`` is the file; ``moved_to`` is where the damaged file was set aside (see
    `core.store.backups.set_aside`), or None if it was left where it is. ``foreign`` is True for a
    readable SQLite file of some other program: it is not ours to set aside or to replace with a
    backup.
    """

    def __init__(self, message: str, path: pathlib.Path, moved_to: pathlib.Path | None = None,
                 foreign: bool = False):
        super().__init__(message)
        self.path = path
        self.moved_to = moved_to
        self.foreign = foreign


class StoreLost(StoreError):
    """The store's file was replaced, truncated, removed or damaged underneath the running app.
    From then on the store accepts no writes; what it can still read (and what the window holds in
    memory) may be saved to a new store. ``why`` is a short Chinese reason."""

    def __init__(self, message: str, why: str = ""):
        super().__init__(message)
        self.why = why


def primary_code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code of an error (from the exception, or guessed from its text)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    for needle, primary in (
        ("file is not a database", SQLITE_NOTADB),
        ("malformed", SQLITE_CORRUPT),
        ("disk is full", SQLITE_FULL),
        ("readonly", SQLITE_READONLY),
        ("locked", SQLITE_BUSY),
        ("unable to open", SQLITE_CANTOPEN),
        ("disk i/o", SQLITE_IOERR),
    ):
        if needle in text:
            return primary
    return None
