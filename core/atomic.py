"""Atomic file writes: a temp file in the same folder, flushed, then renamed.

A crash or a kill in the middle leaves either the old file or the new one under
the final name, never half a file.  A killed write leaves its temp file
(``.{stem}.XXXXXXXX{suffix}.tmp``, hidden, never under the final name); the next
write to the same name removes such leftovers once they are a minute old.
Errors come back as :class:`WriteError`
with a plain Chinese message (a file held open by Excel/WPS, a read-only or
missing folder, a full disk).
"""
from __future__ import annotations

import errno
import os
import re
import tempfile
import time
from pathlib import Path

STALE_SECONDS = 60          # a temp file this old belongs to no running write
_RANDOM = "[a-z0-9_]{8}"    # tempfile's random part


class WriteError(OSError):
    """A file could not be written; ``str(e)`` is one plain Chinese line."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def explain(exc: OSError, path: Path) -> str:
    name = path.name
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        if path.exists():
            return f"无法写入“{name}”：文件可能正被 Excel 或 WPS 打开，或没有写入权限。请关闭该文件后重试。"
        return f"无法写入“{name}”：没有该文件夹的写入权限，请换一个文件夹。"
    if exc.errno == errno.ENOSPC:
        return f"无法写入“{name}”：磁盘空间不足，请清理磁盘后重试。"
    if exc.errno == errno.EROFS:
        return f"无法写入“{name}”：磁盘是只读的，请换一个文件夹。"
    if isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOENT:
        return f"无法写入“{name}”：文件夹“{path.parent}”不存在。"
    return f"无法写入“{name}”：{exc.strerror or exc}"


def _prefix(path: Path) -> str:
    return f".{path.stem[:40]}."


def clean_stale_temps(path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove the temp files that killed writes to ``path`` left in its folder
    (``.{stem}.XXXXXXXX[.suffix].tmp`` older than ``older_than`` seconds).
    Never raises; returns what was removed."""
    path = Path(path)
    prefix = _prefix(path)
    pattern = re.compile(re.escape(prefix) + _RANDOM + "(" + re.escape(path.suffix) + ")?" + r"\.tmp")
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed
    now = time.time()
    for name in names:
        if not pattern.fullmatch(name):
            continue
        p = path.parent / name
        try:
            if now - p.stat().st_mtime >= older_than and p.is_file():
                p.unlink()
                removed.append(p)
        except OSError:
            pass
    return removed


def _read_umask() -> int:
    if os.name != "posix":
        return 0
    mask = os.umask(0o022)      # the only way to read it; put back at once, at import time
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _readable_mode(tmp: str) -> None:
    """mkstemp makes 0600 files; an export is an ordinary document (0666 less the umask)."""
    if os.name == "posix":
        try:
            os.chmod(tmp, 0o666 & ~_UMASK)
        except OSError:
            pass


def atomic_write_with(path, writer) -> Path:
    """Call ``writer(tmp_path)`` to produce the file, then move it into place."""
    path = Path(path)
    if not path.parent.is_dir():
        raise WriteError(f"无法写入“{path.name}”：文件夹“{path.parent}”不存在。")
    clean_stale_temps(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=_prefix(path), suffix=path.suffix + ".tmp", dir=path.parent)
        os.close(fd)
        _readable_mode(tmp)
        writer(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(path.parent)
    except OSError as e:
        raise WriteError(explain(e, path)) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return path


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)

    return atomic_write_with(path, write)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
