"""Is the store's file still the one we opened? Checked before every write.

Another program (a sync client, a copy over it, a restore tool, a failing disk) can replace,
truncate, remove or overwrite the file while the app runs. SQLite does not notice: its open handle
still points to the old file (or reads zeros past a cut), so edits would be acknowledged and then
lost. `FileGuard.check()` compares the file's identity (device + inode / volume + file index), its
size (a store never shrinks while we have it open: no VACUUM) and its header (SQLite magic, page
size, our application id) with what they were; it costs one stat and one 100-byte read.

No Qt here.
"""

from __future__ import annotations

import os
import pathlib

from core.store.errors import APPLICATION_ID, SQLITE_HEADER

__all__ = ["FileGuard", "file_identity"]


def file_identity(path: str | os.PathLike) -> tuple[int, int] | None:
    """(device, inode) of the file — the same through any hard link or symlink — or None when
    the file system has no stable identity to give (inode 0) or the file is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not st.st_ino:
        return None
    return (st.st_dev, st.st_ino)


def _header(path: pathlib.Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(100)


_OUR_IDS = (b"\x00\x00\x00\x00", APPLICATION_ID.to_bytes(4, "big"))


def _header_key(head: bytes) -> tuple | None:
    """The parts of the 100-byte header that never change while a store is in use: the magic and
    the page size; the application id is ours (or not yet written back from the WAL)."""
    if len(head) < 100 or head[:16] != SQLITE_HEADER:
        return None
    return (head[16:18], head[68:72] in _OUR_IDS)


class FileGuard:
    """Remembers the store file's identity, size and header; `check()` says what changed."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.identity: tuple[int, int] | None = None
        self.size = 0
        self.header: tuple | None = None
        self.armed = False

    def snapshot(self) -> None:
        """Take the file as it is now as the reference (after opening, after our own writes)."""
        try:
            st = os.stat(self.path)
            head = _header(self.path)
        except OSError:
            self.armed = False
            return
        self.identity = (st.st_dev, st.st_ino) if st.st_ino else None
        self.size = st.st_size
        self.header = _header_key(head)
        self.armed = True

    def grew(self) -> None:
        """After a successful write of ours: the file may have grown."""
        try:
            self.size = max(self.size, os.stat(self.path).st_size)
            if self.header is None and self.armed:
                self.header = _header_key(_header(self.path))
        except OSError:
            pass

    def check(self) -> str | None:
        """None while the file is the one we opened; else a short Chinese reason."""
        if not self.armed:
            return None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return "被删除或移走了"
        except OSError:
            return None               # cannot tell (e.g. a network hiccup): SQLite will say
        if self.identity is not None and st.st_ino and (st.st_dev, st.st_ino) != self.identity:
            return "被另一个文件替换了"
        if st.st_size < self.size or (self.size and st.st_size == 0):
            return "被截短了"
        if self.header is not None:
            try:
                head = _header(self.path)
            except OSError:
                return None
            if _header_key(head) != self.header:
                return "的内容被改写了"
        return None
