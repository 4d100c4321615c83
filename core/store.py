"""The app's local store of forms: one SQLite file (sqlite-utils), with edit history and backups.

A form is an opaque JSON dict (FORM-FORMAT.md). It is kept as the exact text of
``json.dumps(form, ensure_ascii=False)`` in ``forms.data``; the few summary fields the form list
shows live in their own columns, so listing never parses form JSON.

Every write is one transaction, committed and synced (WAL, synchronous=FULL) before the call
returns. SQLite errors never reach the caller raw: they become a `StoreError` whose message is
plain Chinese for the user (`StoreDamaged` when the file is not a readable store).

No Qt here.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import os
import pathlib
import re
import sqlite3
import sys
import threading
import time
import unicodedata
from typing import Any, Iterator, NamedTuple

from sqlite_utils import Database, Migrations

from .paths import default_backup_dir

__all__ = ["Store", "StoreError", "StoreDamaged", "MIGRATIONS", "SCHEMA_VERSION", "set_aside",
           "list_backups", "is_good_backup", "newest_good_backup", "recover_from_backup", "Recovered"]

# PRAGMA application_id of a ziping store ("ZiPg"), so the file says whose it is.
APPLICATION_ID = int.from_bytes(b"ZiPg", "big")

_SQLITE_HEADER = b"SQLite format 3\x00"

# Primary SQLite result codes we tell the user about.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 11, 13, 14
_SQLITE_NOTADB = 26

READONLY_MESSAGE = "表单库以只读方式打开，不能保存修改。"

# Seconds a write waits for another connection's write to finish before giving up with a
# StoreError (module-level so tests can shorten it).
BUSY_TIMEOUT = 5.0

SUMMARY_KEYS = ("year", "unit", "name", "template", "total", "grade")


class StoreError(Exception):
    """A store operation failed; the message is plain Chinese for the user."""


class StoreDamaged(StoreError):
    """The file is not a readable store.

    ``path`` is the file; ``moved_to`` is where the damaged file was set aside (see `set_aside`),
    or None if it was left where it is. ``foreign`` is True for a readable SQLite file of some
    other program: it is not ours to set aside or to replace with a backup.
    """

    def __init__(self, message: str, path: pathlib.Path, moved_to: pathlib.Path | None = None,
                 foreign: bool = False):
        super().__init__(message)
        self.path = path
        self.moved_to = moved_to
        self.foreign = foreign


# ---------------------------------------------------------------------------------------------
# Clock (module-level so tests can monkeypatch it)

def _utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _local_now() -> _dt.datetime:
    """Local wall-clock time, used to name backups and to decide what "today" is."""
    return _dt.datetime.now()


def _stamp(moment: _dt.datetime) -> str:
    # Fixed width, UTC: text order is time order. SQLite's date functions read it as is.
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _to_local_iso(stamp: str | None) -> str | None:
    if stamp is None:
        return None
    moment = _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=_dt.timezone.utc)
    return moment.astimezone().replace(tzinfo=None).isoformat(timespec="seconds")


# SQL for the same conversion, done inside SQLite when listing many rows.
_LOCAL_ISO_SQL = "strftime('%Y-%m-%dT%H:%M:%S', {col}, 'localtime')"


# ---------------------------------------------------------------------------------------------
# Schema. Migrations are applied in order and never edited once released: add new ones at the end.

MIGRATIONS = Migrations("ziping")


@MIGRATIONS(name="m001_tables")
def _m001_tables(db: Database) -> None:
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(
        """
        CREATE TABLE forms (
            id INTEGER PRIMARY KEY,
            year INTEGER,
            unit TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL DEFAULT '',
            template TEXT NOT NULL DEFAULT '',
            total TEXT,
            grade TEXT,
            search_key TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            modified TEXT NOT NULL,
            deleted_at TEXT,
            data TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE history (
            id INTEGER PRIMARY KEY,
            form_id INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            path TEXT,
            old TEXT,
            new TEXT,
            extra TEXT
        )
        """
    )
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("PRAGMA user_version = 1")


@MIGRATIONS(name="m002_indexes")
def _m002_indexes(db: Database) -> None:
    # Covering index for list_forms(): the list is read from the index alone, never from the
    # table rows that carry the form JSON.
    db.execute(
        "CREATE INDEX forms_list ON forms "
        "(deleted_at, modified, id, year, unit, name, template, total, grade, search_key)"
    )
    db.execute("CREATE INDEX history_form ON history (form_id, id)")
    db.execute("PRAGMA user_version = 2")


SCHEMA_VERSION = len(MIGRATIONS._migrations)
_OUR_TABLES = {"forms", "history", "meta", Migrations.migrations_table}


# ---------------------------------------------------------------------------------------------
# Helpers

def _dump(form: dict) -> str:
    if not isinstance(form, dict):
        raise TypeError(f"form must be a dict, not {type(form).__name__}")
    text = json.dumps(form, ensure_ascii=False, allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (e.g. pasted from a broken clipboard) cannot be stored as UTF-8;
        # the escaped form reads back to the very same string.
        text = json.dumps(form, ensure_ascii=True, allow_nan=False)
    return text


def _search_key(text: str) -> str:
    # NFKC folds full-width letters and digits; casefold does the rest of case-insensitivity.
    return unicodedata.normalize("NFKC", text).casefold()


def _summary_row(summary: dict) -> dict:
    if not isinstance(summary, dict):
        raise TypeError(f"summary must be a dict, not {type(summary).__name__}")
    unknown = set(summary) - set(SUMMARY_KEYS)
    if unknown:
        raise ValueError(f"unknown summary keys: {sorted(unknown)}")
    year = summary.get("year")
    if isinstance(year, bool) or not (year is None or isinstance(year, int)):
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year.strip())
        else:
            raise ValueError(f"summary year must be an int or None, not {year!r}")
    row = {"year": year}
    for key in ("unit", "name", "template"):
        value = summary.get(key)
        row[key] = "" if value is None else str(value)
    for key in ("total", "grade"):
        value = summary.get(key)
        row[key] = None if value is None else str(value)
    row["search_key"] = _search_key(row["unit"] + "\n" + row["name"])
    return row


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    for needle, primary in (
        ("file is not a database", _SQLITE_NOTADB),
        ("malformed", _SQLITE_CORRUPT),
        ("disk is full", _SQLITE_FULL),
        ("readonly", _SQLITE_READONLY),
        ("locked", _SQLITE_BUSY),
        ("unable to open", _SQLITE_CANTOPEN),
        ("disk i/o", _SQLITE_IOERR),
    ):
        if needle in text:
            return primary
    return None


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


def _timestamp_for_filename(moment: _dt.datetime) -> str:
    return moment.strftime("%Y%m%d-%H%M%S")


def set_aside(path: str | os.PathLike) -> pathlib.Path:
    """Rename a damaged store (and its -wal/-shm files) to <stem>-damaged-YYYYMMDD-HHMMSS<suffix>
    beside it, so a new store can be made at `path`. Returns the new path of the main file."""
    path = pathlib.Path(os.fspath(path))
    stamp = _timestamp_for_filename(_local_now())
    target = path.with_name(f"{path.stem}-damaged-{stamp}{path.suffix}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.stem}-damaged-{stamp}-{n}{path.suffix}")
    os.replace(path, target)
    for side in ("-wal", "-shm"):
        extra = pathlib.Path(str(path) + side)
        if extra.exists():
            try:
                os.replace(extra, str(target) + side)
            except OSError:
                pass
    return target


_BACKUP_NAME = r"-(\d{8})-(\d{6})\.db"
_STALE_SECONDS = 60


def _backup_name_pattern(store_path: pathlib.Path) -> re.Pattern:
    return re.compile(re.escape(store_path.stem) + _BACKUP_NAME)


def list_backups(store_path: str | os.PathLike,
                 backup_dir: str | os.PathLike | None = None) -> list[pathlib.Path]:
    """The daily backups of the store at `store_path` (``<stem>-YYYYMMDD-HHMMSS.db`` in
    `backup_dir`, default <store folder>/backups), newest first. Needs no open store: this is
    what is left when the store itself is damaged. [] when the folder cannot be read."""
    store_path = pathlib.Path(os.fspath(store_path))
    folder = pathlib.Path(os.fspath(backup_dir)) if backup_dir else default_backup_dir(store_path)
    pattern = _backup_name_pattern(store_path)
    try:
        found = [p for p in folder.iterdir() if pattern.fullmatch(p.name) and p.is_file()]
    except OSError:
        return []
    found.sort(key=lambda p: pattern.fullmatch(p.name).groups(), reverse=True)
    return found


def is_good_backup(path: str | os.PathLike) -> bool:
    """True when `path` is a whole, readable store of this program (or of an older version):
    SQLite's quick_check says ok, our tables are there, and no migration is unknown to us.
    Opened read-only; the file is never changed."""
    path = pathlib.Path(os.fspath(path))
    try:
        with open(path, "rb") as f:
            if f.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                return False
        conn = sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
    except (OSError, sqlite3.Error):
        return False
    try:
        if conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
            return False
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"forms", "history", "meta", Migrations.migrations_table} <= tables:
            return False
        applied = [r[0] for r in conn.execute(
            f"SELECT name FROM [{Migrations.migrations_table}] WHERE migration_set = ?",
            (MIGRATIONS.name,))]
        known = {m.name for m in MIGRATIONS._migrations}
        return bool(applied) and all(name in known for name in applied)
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def newest_good_backup(store_path: str | os.PathLike,
                       backup_dir: str | os.PathLike | None = None) -> pathlib.Path | None:
    """The newest daily backup of the store that `is_good_backup` (a backup cut short by a
    crash or a full disk is passed over), or None."""
    for candidate in list_backups(store_path, backup_dir):
        if is_good_backup(candidate):
            return candidate
    return None


class Recovered(NamedTuple):
    """What `recover_from_backup` did."""

    backup: pathlib.Path                # the backup that was restored
    moved_to: pathlib.Path | None       # where the damaged file now is (None: there was none)


def recover_from_backup(path: str | os.PathLike, backup: str | os.PathLike | None = None,
                        backup_dir: str | os.PathLike | None = None) -> Recovered:
    """Put the store at `path` back from a backup: `backup`, or the newest good daily backup.

    In this order, so that a failure at any step loses nothing: the backup is checked
    (`is_good_backup`) and copied with the SQLite backup API to a temporary file beside the store;
    the damaged file (and its -wal/-shm) is set aside untouched (`set_aside`); the copy is renamed
    into place. Raises StoreError (plain Chinese) when there is no good backup or a step fails;
    the damaged file is then still where it was, or already set aside, never deleted.
    """
    path = pathlib.Path(os.fspath(path)).expanduser().absolute()
    if backup is None:
        chosen = newest_good_backup(path, backup_dir)
        if chosen is None:
            folder = pathlib.Path(os.fspath(backup_dir)) if backup_dir else default_backup_dir(path)
            raise StoreError(f"没有找到可用的备份，无法恢复表单库。\n备份文件夹：{folder}")
    else:
        chosen = pathlib.Path(os.fspath(backup)).expanduser().absolute()
        if not is_good_backup(chosen):
            raise StoreError(f"备份文件已损坏或不是本程序的表单库，无法用它恢复：{chosen}")
    tmp = path.with_name(f".{path.name}.restoring")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (tmp, pathlib.Path(str(tmp) + "-journal")):
            if leftover.exists():
                leftover.unlink()
        source = sqlite3.connect(chosen.as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
        try:
            _write_backup(source, tmp)
        finally:
            source.close()
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        full = isinstance(exc, OSError) and exc.errno == errno.ENOSPC or (
            isinstance(exc, sqlite3.Error) and _primary_code(exc) == _SQLITE_FULL)
        why = "磁盘空间不足" if full else (getattr(exc, "strerror", None) or str(exc))
        raise StoreError(f"无法从备份恢复表单库（{why}）。表单库文件没有改动。\n备份：{chosen}") from exc
    moved_to = None
    try:
        if path.exists():
            moved_to = set_aside(path)
        for side in ("-wal", "-shm", "-journal"):
            # Never leave the damaged store's log beside the restored copy: SQLite would apply it.
            extra = pathlib.Path(str(path) + side)
            if extra.exists():
                extra.unlink()
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        where = f"损坏的文件已改名保留：{moved_to}" if moved_to else f"文件位置：{path}"
        raise StoreError(f"无法从备份恢复表单库（{exc.strerror or exc}）。\n{where}") from exc
    return Recovered(chosen, moved_to)


def _clean_stale_parts(folder: pathlib.Path, stem: str) -> None:
    """Remove ``<stem>-*.db.part`` files a killed backup left behind (older than a minute)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    now = time.time()
    for p in entries:
        name = p.name
        if name.startswith(stem + "-") and (name.endswith(".db.part") or name.endswith(".db.part-journal")):
            with contextlib.suppress(OSError):
                if now - p.stat().st_mtime > _STALE_SECONDS:
                    p.unlink()


def _write_backup(source: sqlite3.Connection, dest: pathlib.Path) -> None:
    """Copy `source` to `dest` with the SQLite online backup API, atomically (temp file + rename).
    The copy is a self-contained rollback-journal database (no -wal file needed)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    for leftover in (tmp, pathlib.Path(str(tmp) + "-journal")):
        if leftover.exists():
            leftover.unlink()
    target = sqlite3.connect(str(tmp))
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
        target.commit()
    except BaseException:
        target.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    target.close()
    os.replace(tmp, dest)


# ---------------------------------------------------------------------------------------------

class Store:
    """The local store of forms. One instance holds one SQLite connection; it may be used from
    more than one thread (calls are serialised by a lock)."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        readonly: bool = False,
        set_aside_damaged: bool = False,
    ):
        """Open the store at `path`, creating it (and its folders) if missing, and upgrade its
        schema if it is older than this program's (after a backup copy beside it).

        readonly: open with SQLite's mode=ro; every write raises StoreError.
        set_aside_damaged: if the file is damaged (not SQLite, or fails its check), rename it
        aside first (StoreDamaged.moved_to says where), so the next Store(path) makes a new one.
        A SQLite file of some other program is never moved.
        """
        self.path = pathlib.Path(os.fspath(path)).expanduser().absolute()
        self.readonly = readonly
        self._lock = threading.RLock()
        self._last_stamp: _dt.datetime | None = None
        self.conn: sqlite3.Connection | None = None
        self.db: Database | None = None

        if self.path.is_dir():
            raise StoreError(f"“{self.path}”是一个文件夹，不是表单库文件。")
        if readonly and not self.path.exists():
            raise StoreError(f"找不到表单库文件：{self.path}")
        if not readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"无法创建表单库所在的文件夹：{self.path.parent}（{exc.strerror or exc}）") from exc

        self._check_header(set_aside_damaged)
        try:
            if readonly:
                conn = self._connect_readonly()
            else:
                conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT, check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._translate(exc, "表单库未能打开") from exc
        try:
            self._open(conn, set_aside_damaged)
        except BaseException:
            conn.close()
            self.conn = self.db = None
            raise

    # -- opening ---------------------------------------------------------------------------

    def _connect_readonly(self) -> sqlite3.Connection:
        """mode=ro; on read-only media (a write-protected USB stick, a read-only share) a store in
        WAL mode cannot make its -shm file and SQLite refuses even to read it. When no -wal file
        is there (the store was closed properly, everything is in the main file), the file is
        opened as immutable instead, which needs no -shm."""
        uri = self.path.as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.Error as exc:
            code = _primary_code(exc)
            if code not in (_SQLITE_CANTOPEN, _SQLITE_READONLY) or os.path.exists(str(self.path) + "-wal"):
                return conn          # _open reports it
        conn.close()
        return sqlite3.connect(uri + "&immutable=1", uri=True, timeout=BUSY_TIMEOUT, check_same_thread=False)

    def _check_header(self, set_aside_damaged: bool) -> None:
        try:
            with open(self.path, "rb") as f:
                head = f.read(len(_SQLITE_HEADER))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StoreError(f"无法读取表单库文件：{self.path}（{exc.strerror or exc}）") from exc
        if head and head != _SQLITE_HEADER:
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
            # Check before anything may write to the file (a damaged file is left as it was).
            check = conn.execute("PRAGMA quick_check").fetchall()
            tables = {
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                )
            }
        except sqlite3.Error as exc:
            if _primary_code(exc) in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
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
            return
        if self.readonly:
            raise StoreError(
                "表单库需要升级到新版本的格式，但它是以只读方式打开的，无法升级。"
                f"请用普通方式打开一次。\n文件位置：{self.path}"
            )
        try:
            if applied:
                # An existing store with an older schema: keep a copy before touching it.
                stamp = _timestamp_for_filename(_local_now())
                copy = self.path.with_name(f"{self.path.stem}-before-upgrade-{stamp}.db")
                try:
                    _write_backup(conn, copy)
                except OSError as exc:
                    raise StoreError(
                        f"升级表单库之前无法保存备份，表单库未升级。（{exc.strerror or exc}）"
                    ) from exc
            MIGRATIONS.apply(self.db)
        except sqlite3.Error as exc:
            raise self._translate(exc, "表单库未能升级") from exc

    # -- plumbing -------------------------------------------------------------------------

    def _translate(self, exc: sqlite3.Error, what: str) -> StoreError:
        code = _primary_code(exc)
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            message = f"表单库文件“{self.path.name}”已损坏，{what}。\n文件位置：{self.path}"
            backups = default_backup_dir(self.path)
            if backups.is_dir():
                message += f"\n可以用备份文件夹中的备份恢复：{backups}"
            return StoreDamaged(message, self.path)
        if code == _SQLITE_FULL:
            return StoreError(f"磁盘空间不足，{what}。请清理磁盘空间后再试。")
        if code in (_SQLITE_READONLY, _SQLITE_PERM, _SQLITE_CANTOPEN):
            return StoreError(
                f"无法写入表单库，{what}。请检查表单库所在的文件夹是否可以写入：{self.path.parent}"
            )
        if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return StoreError(f"表单库正被另一个窗口或程序使用，{what}。请关闭其他使用这个表单库的程序后再试。")
        if code == _SQLITE_IOERR:
            return StoreError(f"读写表单库文件时发生磁盘错误，{what}。请检查磁盘后再试。")
        return StoreError(f"表单库出错，{what}。（{exc}）")

    def _require_open(self) -> sqlite3.Connection:
        if self.conn is None:
            raise StoreError("表单库已经关闭。")
        return self.conn

    def _check_writable(self) -> None:
        if self.readonly:
            raise StoreError(READONLY_MESSAGE)

    @contextlib.contextmanager
    def _reading(self, what: str = "无法读取表单库") -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._require_open()
            try:
                yield conn
            except sqlite3.Error as exc:
                raise self._translate(exc, what) from exc

    @contextlib.contextmanager
    def _writing(self, what: str) -> Iterator[sqlite3.Connection]:
        """One transaction: committed (and synced) on success, rolled back on any error."""
        self._check_writable()
        with self._lock:
            conn = self._require_open()
            try:
                with self.db.atomic():
                    yield conn
            except sqlite3.Error as exc:
                raise self._translate(exc, what) from exc

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Store"]:
        """Group several writes (e.g. creating many forms) into one transaction: all or nothing."""
        with self._writing("修改未能保存"):
            yield self

    def _now_stamp(self) -> str:
        now = _utc_now()
        last = self._last_stamp
        # Keep stamps strictly increasing within a session even on coarse clocks (Windows
        # time() ticks every ~16 ms), so "last modified first" is reliable.
        if last is not None and last - _dt.timedelta(seconds=1) < now <= last:
            now = last + _dt.timedelta(microseconds=1)
        self._last_stamp = now
        return _stamp(now)

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self.conn is not None:
                self.conn.close()
                self.conn = None
                self.db = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = " readonly" if self.readonly else ""
        return f"<Store {str(self.path)!r}{mode}>"

    # -- forms ------------------------------------------------------------------------------

    def create(self, form: dict, summary: dict) -> int:
        """Add a form; returns its new id."""
        text = _dump(form)
        row = _summary_row(summary)
        with self._writing("表单未能保存") as conn:
            stamp = self._now_stamp()
            cur = conn.execute(
                "INSERT INTO forms (year, unit, name, template, total, grade, search_key,"
                " created, modified, deleted_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (row["year"], row["unit"], row["name"], row["template"], row["total"],
                 row["grade"], row["search_key"], stamp, stamp, text),
            )
            return int(cur.lastrowid)

    def get(self, form_id: int) -> dict:
        """The form dict (also for a form in the 回收站). KeyError if there is none."""
        with self._reading() as conn:
            found = conn.execute("SELECT data FROM forms WHERE id = ?", (form_id,)).fetchone()
        if found is None:
            raise KeyError(form_id)
        try:
            return json.loads(found[0])
        except (TypeError, ValueError) as exc:
            raise StoreError(f"表单（编号 {form_id}）的数据已损坏，无法读取。") from exc

    def save(self, form_id: int, form: dict, summary: dict,
             change: dict | list[dict] | None = None) -> None:
        """Replace the form, its summary and modified time, and append `change` (one dict, or a
        list of them for a multi-cell edit) to its history — one transaction, synced to disk
        before returning. KeyError if there is no such form."""
        text = _dump(form)
        row = _summary_row(summary)
        changes = [] if change is None else ([change] if isinstance(change, dict) else list(change))
        history_rows = [self._history_row(form_id, c) for c in changes]
        with self._writing("修改未能保存") as conn:
            stamp = self._now_stamp()
            cur = conn.execute(
                "UPDATE forms SET year = ?, unit = ?, name = ?, template = ?, total = ?, grade = ?,"
                " search_key = ?, modified = ?, data = ? WHERE id = ?",
                (row["year"], row["unit"], row["name"], row["template"], row["total"],
                 row["grade"], row["search_key"], stamp, text, form_id),
            )
            if cur.rowcount == 0:
                raise KeyError(form_id)
            if history_rows:
                conn.executemany(
                    "INSERT INTO history (form_id, at, path, old, new, extra) VALUES (?, ?, ?, ?, ?, ?)",
                    [(form_id, stamp, *r) for r in history_rows],
                )

    @staticmethod
    def _history_row(form_id: int, change: dict) -> tuple:
        if not isinstance(change, dict):
            raise TypeError(f"change must be a dict, not {type(change).__name__}")
        extra = {k: v for k, v in change.items() if k not in ("path", "old", "new")}
        path = change.get("path")
        return (
            None if path is None else str(path),
            json.dumps(change.get("old"), ensure_ascii=False),
            json.dumps(change.get("new"), ensure_ascii=False),
            json.dumps(extra, ensure_ascii=False) if extra else None,
        )

    def list_forms(self, *, year: int | None = None, search: str = "",
                   deleted: bool = False) -> list[dict]:
        """Summary rows, most recently modified first; never reads form JSON.

        Keys: id, year, unit, name, template, total, grade, modified (local time, ISO),
        deleted_at (local time, ISO; None unless in the 回收站).
        `search`: every whitespace-separated word must occur in the unit or the name
        (case- and width-insensitive). `deleted=True` lists the 回收站 instead.
        """
        where = ["deleted_at IS NOT NULL" if deleted else "deleted_at IS NULL"]
        params: list[Any] = []
        if year is not None:
            where.append("year = ?")
            params.append(year)
        for word in _search_key(search or "").split():
            where.append("instr(search_key, ?) > 0")
            params.append(word)
        sql = (
            "SELECT id, year, unit, name, template, total, grade, "
            + _LOCAL_ISO_SQL.format(col="forms.modified") + " AS modified, "
            + _LOCAL_ISO_SQL.format(col="forms.deleted_at") + " AS deleted_at "
            "FROM forms WHERE " + " AND ".join(where)
            + " ORDER BY forms.modified DESC, forms.id DESC"
        )
        keys = ("id", "year", "unit", "name", "template", "total", "grade", "modified", "deleted_at")
        with self._reading() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [dict(zip(keys, r)) for r in rows]

    def years(self) -> list[int]:
        """Years of the forms not in the 回收站, newest first."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT DISTINCT year FROM forms WHERE deleted_at IS NULL AND year IS NOT NULL"
                " ORDER BY year DESC"
            ).fetchall()
        return [r[0] for r in rows]

    def count(self, *, deleted: bool = False) -> int:
        """Number of forms not in the 回收站 (or, with deleted=True, in it)."""
        cond = "deleted_at IS NOT NULL" if deleted else "deleted_at IS NULL"
        with self._reading() as conn:
            return conn.execute(f"SELECT count(*) FROM forms WHERE {cond}").fetchone()[0]

    def delete(self, form_id: int) -> None:
        """Move a form to the 回收站 (soft delete). KeyError if there is no such form."""
        with self._writing("表单未能删除") as conn:
            cur = conn.execute(
                "UPDATE forms SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                (self._now_stamp(), form_id),
            )
            if cur.rowcount == 0 and conn.execute(
                "SELECT 1 FROM forms WHERE id = ?", (form_id,)
            ).fetchone() is None:
                raise KeyError(form_id)

    def restore(self, form_id: int) -> None:
        """Bring a form back from the 回收站. KeyError if there is no such form."""
        with self._writing("表单未能恢复") as conn:
            cur = conn.execute("UPDATE forms SET deleted_at = NULL WHERE id = ?", (form_id,))
            if cur.rowcount == 0:
                raise KeyError(form_id)

    def purge(self, form_id: int) -> None:
        """Remove a form and its history for good. KeyError if there is no such form."""
        with self._writing("表单未能彻底删除") as conn:
            conn.execute("DELETE FROM history WHERE form_id = ?", (form_id,))
            cur = conn.execute("DELETE FROM forms WHERE id = ?", (form_id,))
            if cur.rowcount == 0:
                raise KeyError(form_id)

    def history(self, form_id: int, limit: int = 200) -> list[dict]:
        """The form's recorded changes, newest first: at (local time, ISO), path, old, new
        (plus any other keys the change carried)."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT at, path, old, new, extra FROM history WHERE form_id = ?"
                " ORDER BY id DESC LIMIT ?",
                (form_id, int(limit)),
            ).fetchall()
        out = []
        for at, path, old, new, extra in rows:
            item = json.loads(extra) if extra else {}
            item.update(at=_to_local_iso(at), path=path, old=json.loads(old), new=json.loads(new))
            out.append(item)
        return out

    # -- backups -------------------------------------------------------------------------

    def backup_to(self, dest_path: str | os.PathLike) -> pathlib.Path:
        """Write a consistent copy of the store to `dest_path` (SQLite online backup API;
        replaces an existing file there). Returns the path."""
        dest = pathlib.Path(os.fspath(dest_path)).expanduser().absolute()
        if dest == self.path or (dest.exists() and self.path.exists() and os.path.samefile(dest, self.path)):
            raise StoreError("备份文件不能是表单库文件本身，请换一个位置。")
        with self._lock:
            conn = self._require_open()
            try:
                _write_backup(conn, dest)
            except sqlite3.Error as exc:
                code = _primary_code(exc)
                if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
                    raise self._translate(exc, "无法备份") from exc
                if code == _SQLITE_FULL:
                    raise StoreError(f"磁盘空间不足，备份未能完成。请清理磁盘空间后再试。\n备份位置：{dest}") from exc
                raise StoreError(f"无法写入备份文件：{dest}（{exc}）") from exc
            except OSError as exc:
                raise StoreError(f"无法写入备份文件：{dest}（{exc.strerror or exc}）") from exc
        return dest

    def _backup_pattern(self) -> re.Pattern:
        return _backup_name_pattern(self.path)

    def backups(self, backup_dir: str | os.PathLike | None = None) -> list[pathlib.Path]:
        """The daily backups of this store in `backup_dir` (default: <store folder>/backups),
        newest first."""
        folder = pathlib.Path(os.fspath(backup_dir)) if backup_dir else default_backup_dir(self.path)
        pattern = self._backup_pattern()
        try:
            names = [p.name for p in folder.iterdir() if pattern.fullmatch(p.name) and p.is_file()]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreError(f"无法读取备份文件夹：{folder}（{exc.strerror or exc}）") from exc
        names.sort(key=lambda n: pattern.fullmatch(n).groups(), reverse=True)
        return [folder / n for n in names]

    def daily_backup(self, backup_dir: str | os.PathLike | None = None,
                     keep: int = 10) -> pathlib.Path | None:
        """Once per calendar day: back the store up to <backup_dir>/<stem>-YYYYMMDD-HHMMSS.db
        (stem is "ziping" for the default store) and delete the oldest beyond `keep`.
        Returns the new backup's path, or None if today's backup already exists."""
        if keep < 1:
            raise ValueError("keep must be at least 1")
        folder = pathlib.Path(os.fspath(backup_dir)) if backup_dir else default_backup_dir(self.path)
        now = _local_now()
        today = now.strftime("%Y%m%d")
        pattern = self._backup_pattern()
        existing = self.backups(folder)
        if any(pattern.fullmatch(p.name).group(1) == today for p in existing):
            return None
        dest = folder / f"{self.path.stem}-{_timestamp_for_filename(now)}.db"
        _clean_stale_parts(folder, self.path.stem)
        self.backup_to(dest)
        for old in self.backups(folder)[keep:]:
            with contextlib.suppress(OSError):
                old.unlink()
        return dest

    # -- checks and meta ----------------------------------------------------------------

    def integrity_ok(self) -> bool:
        """PRAGMA integrity_check says 'ok' (a full check; reads the whole file)."""
        with self._lock:
            conn = self._require_open()
            try:
                return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            except sqlite3.DatabaseError:
                return False

    def get_meta(self, key: str, default: Any = None) -> Any:
        """A small stored setting of the store (any JSON value), or `default`."""
        with self._reading() as conn:
            found = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if found is None else json.loads(found[0])

    def set_meta(self, key: str, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False)
        with self._writing("设置未能保存") as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, text),
            )
