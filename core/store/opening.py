"""Opening a store file: is it ours, is it whole, which journal mode, which migrations — and what
SQLite's errors mean, in Chinese. A mixin of core.store.database.Store (kept apart so it can be read alone).

No Qt here.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import sqlite3
import sys

from sqlite_utils import Database, Migrations

from core.files import atomic
from core.store import backups, schema
from core.store.backups import list_backups, set_aside
from core.store.errors import (SQLITE_BUSY, SQLITE_CANTOPEN, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_HEADER,
                               SQLITE_IOERR, SQLITE_LOCKED, SQLITE_NOTADB, SQLITE_PERM, SQLITE_READONLY,
                               StoreDamaged, StoreError, primary_code)
from core.store.paths import default_backup_dir, sqlite_uri
from core.store.schema import MIGRATIONS

# The clean-exit marker: meta "session" is "open" while a writable Store has the file, "closed"
# after a clean close. Anything else at open means the last session ended badly: check the file.
SESSION_KEY, SESSION_OPEN, SESSION_CLOSED = "session", "open", "closed"
CHECK_KEY = "last_check"         # local date of the last good whole-file check


def _timeout() -> float:
    return schema.BUSY_TIMEOUT


def _is_network_path(path: pathlib.Path) -> bool:
    """True for a store on a network share, where WAL mode does not work reliably."""
    if sys.platform != "win32":
        return False
    text = str(path)
    if text.startswith("\\\\?\\UNC\\"):
        return True
    if text.startswith("\\\\") and not text.startswith("\\\\?\\"):
        return True
    try:
        import ctypes

        drive = os.path.splitdrive(text.removeprefix("\\\\?\\"))[0]
        return bool(drive) and ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == 4  # REMOTE
    except Exception:
        return False


# ---------------------------------------------------------------------------------------------

class StoreOpening:
    """The opening half of Store (uses self.path, self.readonly, self.conn, self.db, self.guard)."""

    # -- opening ---------------------------------------------------------------------------

    def _connect_readonly(self) -> sqlite3.Connection:
        """mode=ro; on read-only media (a write-protected USB stick, a read-only share) a store in
        WAL mode cannot make its -shm file and SQLite refuses even to read it. When no -wal file
        is there (the store was closed properly, everything is in the main file), the file is
        opened as immutable instead, which needs no -shm."""
        conn = sqlite3.connect(sqlite_uri(self.path, mode="ro"), uri=True, timeout=_timeout(),
                               check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.Error as exc:
            code = primary_code(exc)
            if code not in (SQLITE_CANTOPEN, SQLITE_READONLY) or os.path.exists(str(self.path) + "-wal"):
                return conn          # _open reports it
        conn.close()
        return sqlite3.connect(sqlite_uri(self.path, mode="ro", immutable="1"), uri=True,
                               timeout=_timeout(), check_same_thread=False)

    def _check_header(self, set_aside_damaged: bool) -> None:
        try:
            with open(self.path, "rb") as f:
                head = f.read(len(SQLITE_HEADER))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StoreError(f"无法读取表单库文件（{atomic.os_reason(exc)}）：{self.path}") from exc
        if head and head != SQLITE_HEADER:
            self._raise_damaged(
                f"“{self.path.name}”不是本程序的表单库文件，或者文件已经损坏，无法打开。",
                set_aside_damaged,
            )
        if not head and list_backups(self.path):
            # An empty file where a store with backups used to be: cut off (a failing disk, a
            # copy that did not finish), not a new store. Opening it would silently show no forms.
            self._raise_damaged(
                f"表单库文件“{self.path.name}”是空的（0 字节），可能已经损坏，无法打开。",
                set_aside_damaged,
            )

    def _raise_damaged(self, message: str, set_aside_damaged: bool, movable: bool = True):
        moved_to = None
        if self.conn is not None:
            # Close first: an open file cannot be renamed on Windows.
            self.conn.close()
            self.conn = self.db = None
        if set_aside_damaged and movable and self.path.exists():
            try:
                moved_to = set_aside(self.path)
            except OSError:
                moved_to = None
        if moved_to is not None:
            message += f"\n已把这个文件移到：{moved_to}"
        else:
            message += f"\n文件位置：{self.path}"
        backups = default_backup_dir(self.path)
        if movable and backups.is_dir():
            message += f"\n可以用备份文件夹中的备份恢复：{backups}"
        raise StoreDamaged(message, self.path, moved_to, foreign=not movable)

    def _open(self, conn: sqlite3.Connection, set_aside_damaged: bool) -> None:
        self.conn = conn
        damaged_message = f"表单库文件“{self.path.name}”已损坏，无法打开。"
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            tables = {
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                )
            }
            # The whole-file check runs only when the last session did not end cleanly (a crash,
            # a kill, a power cut, a check that failed) or the store's state is unknown; otherwise
            # once a day in the background (`daily_check`). Before anything may write to the file:
            # a damaged file is left as it was.
            check = [("ok",)]
            if tables and self._needs_check(conn, tables):
                check = conn.execute("PRAGMA quick_check").fetchall()
                self.checked_at_open = True
        except sqlite3.Error as exc:
            if primary_code(exc) in (SQLITE_CORRUPT, SQLITE_NOTADB):
                self._raise_damaged(damaged_message, set_aside_damaged)
            raise self._translate(exc, "表单库未能打开") from exc
        if check != [("ok",)]:
            self._raise_damaged(damaged_message, set_aside_damaged)

        self.db = Database(conn, execute_plugins=False)
        applied: list[str] = []
        if tables:
            if Migrations.migrations_table in tables:
                applied = [m.name for m in MIGRATIONS.applied(self.db)]
            if not applied:
                self._raise_damaged(
                    f"“{self.path.name}”是一个数据库文件，但不是本程序的表单库，无法打开。请选择正确的表单库文件。",
                    set_aside_damaged,
                    movable=False,
                )
            known = [m.name for m in MIGRATIONS._migrations]
            if any(name not in known for name in applied):
                raise StoreError(
                    "这个表单库是由更新版本的程序创建的，当前版本无法打开。请升级程序后再打开。"
                    f"\n文件位置：{self.path}"
                )
            if "forms" not in tables or "history" not in tables or "meta" not in tables:
                self._raise_damaged(damaged_message, set_aside_damaged)

        # Only now, with the file known to be ours (or new), may anything be written to it: the
        # journal mode is kept in the file's header, and another program's database or a store of
        # a newer version must be left exactly as it was.
        try:
            if not self.readonly:
                mode = "DELETE" if _is_network_path(self.path) else "WAL"
                conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            raise self._translate(exc, "表单库未能打开") from exc

        pending = MIGRATIONS.pending(self.db)
        if not pending:
            self._start_session()
            return
        if self.readonly:
            raise StoreError(
                "表单库需要升级到新版本的格式，但它是以只读方式打开的，无法升级。"
                f"请用普通方式打开一次。\n文件位置：{self.path}"
            )
        try:
            if applied:
                # An existing store with an older schema: keep a copy before touching it.
                stamp = backups._timestamp_for_filename(backups._local_now())
                copy = self.path.with_name(f"{self.path.stem}-before-upgrade-{stamp}.db")
                try:
                    backups._write_backup(conn, copy)
                except OSError as exc:
                    raise StoreError(
                        f"升级表单库之前无法保存备份，表单库未升级（{atomic.os_reason(exc)}）。"
                    ) from exc
            MIGRATIONS.apply(self.db)
        except sqlite3.Error as exc:
            raise self._translate(exc, "表单库未能升级") from exc
        self._start_session()

    def _needs_check(self, conn: sqlite3.Connection, tables: set) -> bool:
        if "meta" not in tables:
            return True
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (SESSION_KEY,)).fetchone()
        return row is None or row[0] != json.dumps(SESSION_CLOSED)

    def _start_session(self) -> None:
        """Writable opens say "open" in the store; a clean close says "closed" again."""
        self.guard.snapshot()
        if self.readonly:
            return
        with contextlib.suppress(StoreError):
            self.set_meta(SESSION_KEY, SESSION_OPEN)

    # -- plumbing -------------------------------------------------------------------------

    def _translate(self, exc: sqlite3.Error, what: str) -> StoreError:
        code = primary_code(exc)
        if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
            message = f"表单库文件“{self.path.name}”已损坏，{what}。\n文件位置：{self.path}"
            backups = default_backup_dir(self.path)
            if backups.is_dir():
                message += f"\n可以用备份文件夹中的备份恢复：{backups}"
            return StoreDamaged(message, self.path)
        if code == SQLITE_FULL:
            return StoreError(f"磁盘空间不足，{what}。请清理磁盘空间后再试。")
        if code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN):
            return StoreError(
                f"无法写入表单库，{what}。请检查表单库所在的文件夹是否可以写入：{self.path.parent}"
            )
        if code in (SQLITE_BUSY, SQLITE_LOCKED):
            return StoreError(f"表单库正被另一个窗口或程序使用，{what}。请关闭其他使用这个表单库的程序后再试。")
        if code == SQLITE_IOERR:
            return StoreError(f"读写表单库文件时发生磁盘错误，{what}。请检查磁盘后再试。")
        return StoreError(f"表单库出错，{what}。请关闭程序后重新打开；如果仍然出错，请从备份恢复。")

