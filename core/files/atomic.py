"""Atomic file writes: a temp file in the same folder, flushed, then renamed.

A crash or a kill in the middle leaves either the old file or the new one under
the final name, never half a file.  A killed write leaves its temp file
(``.{stem}.XXXXXXXX{suffix}.tmp``, hidden, never under the final name); the next
write to the same name removes such leftovers once they are a minute old.
Errors come back as :class:`WriteError`
with a plain Chinese message (a file held open by another program, a read-only or
missing folder, a full disk). Renames and removals are retried for about a second while
another program (an antivirus, OneDrive, the search indexer) holds the file.
"""
from __future__ import annotations

import errno
import os
import re
import stat
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["WriteError", "explain", "is_read_only", "is_sharing_violation", "retrying", "replace", "unlink",
           "holders", "in_use_reason", "os_reason", "clean_stale_temps", "atomic_write_with", "atomic_write_bytes",
           "fsync_dir", "SHARING_RETRY_SECONDS"]

STALE_SECONDS = 60          # a temp file this old belongs to no running write
_RANDOM = "[a-z0-9_]{8}"    # tempfile's random part


class WriteError(OSError):
    """A file could not be written; ``str(e)`` is one plain Chinese line."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def is_read_only(path) -> bool:
    """An existing file marked read-only: Windows' 只读 attribute (which Python shows as no write
    bits) or, elsewhere, no write bit for anyone. Windows refuses to replace such a file, and a
    clerk who marked it so does not want it overwritten on any system."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def read_only_message(path: Path) -> str:
    return (f"无法写入“{path.name}”：文件是只读的。请在文件的“属性”中取消“只读”，"
            "或换一个文件名、换一个文件夹后重试。")


def explain(exc: OSError, path: Path) -> str:
    """One plain Chinese line for a failed write of `path` (never an exception name)."""
    name = path.name
    if is_read_only(path) and (isinstance(exc, PermissionError) or is_sharing_violation(exc)
                               or exc.errno in (errno.EACCES, errno.EPERM)):
        return read_only_message(path)
    if is_sharing_violation(exc) or (
            (isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM)) and path.exists()):
        return f"无法写入“{name}”：{in_use_reason(path)}请关闭该文件后重试。"
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return f"无法写入“{name}”：没有该文件夹的写入权限，请换一个文件夹。"
    if exc.errno == errno.ENOSPC:
        return f"无法写入“{name}”：磁盘空间不足，请清理磁盘后重试。"
    if exc.errno == errno.EROFS:
        return f"无法写入“{name}”：磁盘是只读的，请换一个文件夹。"
    if isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOENT:
        return f"无法写入“{name}”：文件夹“{path.parent}”不存在。"
    return f"无法写入“{name}”：{os_reason(exc)}。"


# ---------------------------------------------------------------------------------------------
# Files held by other programs (Windows): antivirus, OneDrive or the search indexer hold a new file
# for a moment; Excel, WPS or a PDF reader hold an open document until it is closed.

SHARING_RETRY_SECONDS = 1.0       # short retries, about a second in all
_SHARING_WINERRORS = {32, 33}     # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
_ACCESS_DENIED = 5                # also what os.replace gets while a scanner holds the target

_KIND_HINTS = {
    ".xlsx": "可能正被 Excel 或 WPS 打开", ".xls": "可能正被 Excel 或 WPS 打开",
    ".pdf": "可能正被 PDF 阅读器或浏览器打开", ".docx": "可能正被 Word 或 WPS 打开",
    ".db": "可能正被杀毒软件、同步软件（如 OneDrive）或另一个程序占用",
    ".json": "可能正被另一个程序打开",
}


def is_sharing_violation(exc: BaseException) -> bool:
    """True for Windows' "the file is being used by another process" (and, on Windows, the
    access-denied a scanner's handle gives to a rename)."""
    code = getattr(exc, "winerror", None)
    if code in _SHARING_WINERRORS:
        return True
    return sys.platform == "win32" and code == _ACCESS_DENIED


def retrying(fn, *args, seconds: float | None = None, **kwargs):
    """Call ``fn(*args, **kwargs)``; while it fails with a sharing violation, try again for about
    `seconds` (default SHARING_RETRY_SECONDS) in all, then raise the last error."""
    limit = SHARING_RETRY_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + limit
    pause = 0.05
    while True:
        try:
            return fn(*args, **kwargs)
        except OSError as exc:
            if not is_sharing_violation(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def replace(src, dst) -> None:
    """os.replace with short retries on a sharing violation."""
    retrying(os.replace, src, dst)


def unlink(path) -> None:
    """os.unlink with short retries on a sharing violation."""
    retrying(os.unlink, path)


def holders(path) -> list[str]:
    """Names of the programs that hold `path` open, when Windows can tell (Restart Manager);
    [] elsewhere or when it cannot."""
    if sys.platform != "win32":
        return []
    try:
        import ctypes
        from ctypes import wintypes

        rm = ctypes.WinDLL("rstrtmgr")

        class _Unique(ctypes.Structure):
            _fields_ = [("dwProcessId", wintypes.DWORD), ("ProcessStartTime", wintypes.FILETIME)]

        class _Info(ctypes.Structure):
            _fields_ = [("Process", _Unique), ("strAppName", ctypes.c_wchar * 256),
                        ("strServiceShortName", ctypes.c_wchar * 64), ("ApplicationType", ctypes.c_int),
                        ("AppStatus", wintypes.ULONG), ("TSSessionId", wintypes.DWORD),
                        ("bRestartable", wintypes.BOOL)]

        session = wintypes.DWORD()
        key = ctypes.create_unicode_buffer(64)
        if rm.RmStartSession(ctypes.byref(session), 0, key):
            return []
        try:
            files = (ctypes.c_wchar_p * 1)(os.fspath(path))
            if rm.RmRegisterResources(session, 1, files, 0, None, 0, None):
                return []
            needed, count, reasons = wintypes.UINT(), wintypes.UINT(8), wintypes.DWORD()
            info = (_Info * 8)()
            if rm.RmGetList(session, ctypes.byref(needed), ctypes.byref(count), info, ctypes.byref(reasons)):
                return []
            names = [info[i].strAppName.strip() for i in range(min(count.value, 8))]
            return list(dict.fromkeys(n for n in names if n))
        finally:
            rm.RmEndSession(session)
    except Exception:           # noqa: BLE001 - only a hint
        return []


def in_use_reason(path) -> str:
    """"文件正被其他程序使用（…）" with the holders' names when known, else a hint fitting the
    kind of file; ends with "。"."""
    path = Path(path)
    who = holders(path) if path.exists() else []
    if who:
        return f"文件正被其他程序使用（{'、'.join(who)}）。"
    hint = _KIND_HINTS.get(path.suffix.lower())
    return f"文件正被其他程序使用，{hint}。" if hint else "文件正被其他程序使用。"


_REASONS = {
    errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘是只读的", errno.ENOENT: "找不到文件或文件夹", errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中的某一项不是文件夹", errno.EIO: "磁盘读写出错", errno.EEXIST: "文件已经存在",
    errno.ENAMETOOLONG: "路径太长", errno.EBUSY: "文件正被使用", errno.EXDEV: "不能跨磁盘移动",
}


def os_reason(exc: OSError) -> str:
    """Why an OS call failed, in a few Chinese words (no English system text, no exception name)."""
    if is_sharing_violation(exc):
        return "文件正被其他程序使用"
    reason = _REASONS.get(exc.errno)
    if reason:
        return reason
    if isinstance(exc, PermissionError):
        return "没有权限"
    code = exc.errno or getattr(exc, "winerror", None)
    return f"系统错误，代码 {code}" if code else "系统错误"


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
    if is_read_only(path):
        raise WriteError(read_only_message(path))
    clean_stale_temps(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=_prefix(path), suffix=path.suffix + ".tmp", dir=path.parent)
        os.close(fd)
        _readable_mode(tmp)
        retrying(writer, tmp)              # a scanner may look at the new empty file first
        with retrying(open, tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        replace(tmp, path)
        tmp = None
        fsync_dir(path.parent)
    except OSError as e:
        raise WriteError(explain(e, path)) from None
    finally:
        if tmp is not None:
            try:
                unlink(tmp)
            except OSError:
                pass
    return path


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)

    return atomic_write_with(path, write)


def fsync_dir(folder) -> None:
    """Make a rename in `folder` durable (POSIX; NTFS needs nothing)."""
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
_fsync_dir = fsync_dir
