"""One writer per store file, whatever the path it is reached by: exclusive OS-level locks.

Plain Python, no Qt.

    lock = acquire(store_path)     # a Lock, or None when another process holds it
    ...
    lock.bind(store_path)          # a store that did not exist yet: lock its identity too
    lock.release()                 # or just let the process end

Two locks are taken, both must be free:
  * ``<real store path>.lock`` beside the store, after symlinks are resolved (so a symlink to the
    store and the store itself share it; it also works between users of one computer);
  * ``<temp>/ziping-locks/<device>-<inode>.lock``, keyed on the file's identity, so a hard link
    to the store (another name for the very same file, where SQLite would keep a second WAL and
    lose edits) has the same lock.

They are taken with ``msvcrt.locking`` on Windows and ``fcntl.flock`` elsewhere. The operating system drops such a lock when the process ends in any
way — a normal exit, a crash, the task manager — so a stale lock file never blocks the next start;
the file itself stays and is harmless. Its text (process id, computer, start time) is only for
people looking at it.

Locks are per open file, not per process: a second `acquire` on the same store from the same
process also returns None while the first Lock is held.
"""

from __future__ import annotations

import datetime as _dt
import errno
import os
import socket
import sys
from pathlib import Path

from core.store.guard import file_identity
from core.store.paths import lock_dir

__all__ = ["Lock", "LockError", "acquire", "lock_path", "identity_lock_path", "is_locked", "holder_info"]

LOCK_SUFFIX = ".lock"

# On Windows the locked byte sits past the text, so other processes can still read the text
# (a region locked with msvcrt.locking cannot be read by anyone else). Locking beyond the end of
# a file is allowed.
_WIN_LOCK_OFFSET = 4096


class LockError(OSError):
    """The lock file could not be created or opened (e.g. the store's folder is read-only).
    The message is plain Chinese for the user."""


def _real(store_path: str | os.PathLike) -> Path:
    path = Path(os.path.abspath(os.path.expanduser(os.fspath(store_path))))
    try:
        return Path(os.path.realpath(path))
    except OSError:
        return path


def lock_path(store_path: str | os.PathLike) -> Path:
    """The lock file beside a store: the store's real path (symlinks resolved) plus ``.lock``."""
    path = _real(store_path)
    return path.with_name(path.name + LOCK_SUFFIX)


def identity_lock_path(identity: tuple[int, int]) -> Path:
    """The lock file of a store file's identity (device, inode)."""
    return lock_dir() / f"{identity[0]:x}-{identity[1]:x}{LOCK_SUFFIX}"


class Lock:
    """A held lock. Release it with `release()` (or a ``with`` block); it is also released when
    the object is garbage-collected or the process ends — keep a reference for as long as the
    store is open for writing."""

    def __init__(self, path: Path, fd: int, identity_fd: int | None = None,
                 identity: tuple[int, int] | None = None):
        self.path = path
        self._fd: int | None = fd
        self._identity_fd = identity_fd
        self.identity = identity

    @property
    def held(self) -> bool:
        return self._fd is not None

    def bind(self, store_path: str | os.PathLike) -> bool:
        """Lock the identity of the store file too, now that it exists (a new store is created
        after the lock was taken). True when held (or the file system has no identity to lock);
        False when another process holds the file through another name."""
        if self._fd is None:
            return False
        identity = file_identity(_real(store_path))
        if identity is None or identity == self.identity:
            return True
        fd = _take(identity_lock_path(identity), required=False)
        if fd is None:
            return False
        if self._identity_fd is not None:
            _drop(self._identity_fd)
        self._identity_fd, self.identity = fd, identity
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        ident_fd, self._identity_fd = self._identity_fd, None
        for one in (ident_fd, fd):
            if one is not None and one >= 0:
                _drop(one)

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


# errno values that mean "somebody else holds the lock"; any other failure is an error (a share
# without byte-range locks must not read as "another window is not responding").
_HELD_ERRNOS = {errno.EACCES, errno.EAGAIN, getattr(errno, "EDEADLK", -1), getattr(errno, "EDEADLOCK", -1),
                getattr(errno, "EWOULDBLOCK", -1)}


def held_or_error(exc: OSError) -> bool:
    """For a failed non-blocking lock: True when it failed because the lock is held; raises
    LockError (plain Chinese) for anything else."""
    if exc.errno in _HELD_ERRNOS or getattr(exc, "winerror", None) in (33,):   # ERROR_LOCK_VIOLATION
        return True
    from core.files import os_reason
    raise LockError(f"无法锁定表单库（{os_reason(exc)}），这个位置可能不支持文件锁（例如某些网络共享）。") from exc


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if held_or_error(exc):
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
        except OSError as exc:
            if held_or_error(exc):      # some network file systems cannot lock at all: an error
                return False
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
        from core.files import os_reason
        raise LockError(
            f"无法在表单库所在的文件夹中建立锁文件（{os_reason(exc)}），这个文件夹可能不能写入：{path.parent}"
        ) from exc


def _describe() -> bytes:
    started = _dt.datetime.now().isoformat(timespec="seconds")
    text = f"pid={os.getpid()}\nhost={socket.gethostname()}\nstarted={started}\n"
    return text.encode("utf-8")


def _drop(fd: int) -> None:
    try:
        _unlock(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _take(path: Path, required: bool = True) -> int | None:
    """Open and lock `path`: the fd, or None when held. A lock file that cannot be made raises
    LockError when `required`, else counts as free (-1: nothing to hold)."""
    try:
        fd = _open(path)
    except LockError:
        if required:
            raise
        return -1
    try:
        if not _try_lock(fd):
            os.close(fd)
            return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def acquire(store_path: str | os.PathLike) -> Lock | None:
    """Take the exclusive locks of the store at `store_path` without waiting.

    Returns a `Lock`, or None when another process (or another open Lock in this one) holds the
    store — under this name, through a symlink, or through a hard link. Raises `LockError`
    (Chinese message) when the lock file cannot be made or the file system cannot lock.
    """
    path = lock_path(store_path)
    fd = _take(path)
    if fd is None:
        return None
    identity = file_identity(_real(store_path))
    identity_fd = None
    if identity is not None:
        try:
            identity_fd = _take(identity_lock_path(identity), required=False)
        except BaseException:
            _drop(fd)
            raise
        if identity_fd is None:
            _drop(fd)
            return None
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, _describe())
    except OSError:
        pass  # the text is only informative
    return Lock(path, fd, identity_fd, identity)


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
