"""One writer per store: an exclusive OS-level lock on a file beside the store.

Plain Python, no Qt.

    lock = acquire(store_path)     # a Lock, or None when another process holds it
    ...
    lock.release()                 # or just let the process end

The lock is taken on ``<store>.lock`` (e.g. ``ziping.db.lock``) with ``msvcrt.locking`` on Windows
and ``fcntl.flock`` elsewhere. The operating system drops such a lock when the process ends in any
way — a normal exit, a crash, the task manager — so a stale lock file never blocks the next start;
the file itself stays and is harmless. Its text (process id, computer, start time) is only for
people looking at it.

Locks are per open file, not per process: a second `acquire` on the same store from the same
process also returns None while the first Lock is held.
"""

from __future__ import annotations

import datetime as _dt
import os
import socket
import sys
from pathlib import Path

__all__ = ["Lock", "LockError", "acquire", "lock_path", "is_locked", "holder_info"]

LOCK_SUFFIX = ".lock"

# On Windows the locked byte sits past the text, so other processes can still read the text
# (a region locked with msvcrt.locking cannot be read by anyone else). Locking beyond the end of
# a file is allowed.
_WIN_LOCK_OFFSET = 4096


class LockError(OSError):
    """The lock file could not be created or opened (e.g. the store's folder is read-only).
    The message is plain Chinese for the user."""


def lock_path(store_path: str | os.PathLike) -> Path:
    """The lock file of a store: the store's path plus ``.lock``."""
    path = Path(os.fspath(store_path)).expanduser().absolute()
    return path.with_name(path.name + LOCK_SUFFIX)


class Lock:
    """A held lock. Release it with `release()` (or a ``with`` block); it is also released when
    the object is garbage-collected or the process ends — keep a reference for as long as the
    store is open for writing."""

    def __init__(self, path: Path, fd: int):
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def __enter__(self) -> "Lock":
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<Lock {str(self.path)!r}{'' if self.held else ' released'}>"


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:
            # Some network file systems do not support flock: treat as "cannot lock".
            raise LockError(f"无法锁定表单库（{exc.strerror or exc}）：{exc.filename or ''}") from exc
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _open(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOINHERIT", 0)
    if hasattr(os, "O_CLOEXEC"):
        flags |= os.O_CLOEXEC
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, flags, 0o666)
    except OSError as exc:
        raise LockError(
            f"无法在表单库所在的文件夹中建立锁文件，这个文件夹可能不能写入：{path.parent}"
            f"（{exc.strerror or exc}）"
        ) from exc


def _describe() -> bytes:
    started = _dt.datetime.now().isoformat(timespec="seconds")
    text = f"pid={os.getpid()}\nhost={socket.gethostname()}\nstarted={started}\n"
    return text.encode("utf-8")


def acquire(store_path: str | os.PathLike) -> Lock | None:
    """Take the exclusive lock of the store at `store_path` without waiting.

    Returns a `Lock`, or None when another process (or another open Lock in this one) holds it.
    Raises `LockError` (Chinese message) when the lock file cannot be created or opened.
    """
    path = lock_path(store_path)
    fd = _open(path)
    try:
        if not _try_lock(fd):
            os.close(fd)
            return None
    except BaseException:
        os.close(fd)
        raise
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, _describe())
    except OSError:
        pass  # the text is only informative
    return Lock(path, fd)


def is_locked(store_path: str | os.PathLike) -> bool:
    """True when some process holds the store's lock (tries to take it and lets go at once)."""
    lock = acquire(store_path)
    if lock is None:
        return True
    lock.release()
    return False


def holder_info(store_path: str | os.PathLike) -> dict[str, str]:
    """What the lock file says about its holder (pid, host, started); {} if unreadable. Only a
    hint: the file outlives its process."""
    try:
        text = lock_path(store_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    info = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            info[key.strip()] = value.strip()
    return info
