"""The app's local store of forms: one SQLite file (sqlite-utils), with edit history.

A form is an opaque JSON dict (FORM-FORMAT.md). It is kept as the exact text of
``json.dumps(form, ensure_ascii=False)`` in ``forms.data``; the few summary fields the form list
shows live in their own columns, so listing never parses form JSON.

Every write is one transaction, committed and synced (WAL, synchronous=FULL) before the call
returns, and preceded by a check that the file is still the one opened (core.store.guard). SQLite
errors never reach the caller raw: they become a `StoreError` whose message is plain Chinese for
the user (`StoreDamaged` when the file is not a readable store, `StoreLost` when it changed
underneath the running app).

The pieces, each readable alone:
  core.store.database          the schema (MIGRATIONS) and the Store class: forms, history, meta
  core.store.opening     opening a file: ours? whole? journal mode, migrations, error messages
  core.store.upkeep   backups of an open store, the daily check, saving to a new store
  core.store.guard    is the file still the one we opened (identity, size, header)
  core.store.backups        daily backups, their order and records, recovery (needs no open store)
  core.store.instance       one writer per store file (the lock)
  core.store.errors   StoreError, StoreDamaged, StoreLost

No Qt here.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import pathlib
import sqlite3
import threading
from typing import Any, Callable, Iterator

from sqlite_utils import Database

from core.files import atomic
from core.store import schema
from core.store.backups import (Recovered, is_good_backup, list_backups, newest_good_backup, recover_from_backup,
                                set_aside)
from core.store.errors import APPLICATION_ID, StoreDamaged, StoreError, StoreLost  # noqa: F401
from core.store.guard import FileGuard
from core.store.listing import StoreListing
from core.store.opening import SESSION_CLOSED, SESSION_KEY, StoreOpening
from core.store.paths import sqlite_uri
from core.store.schema import (LIST_COLUMNS, LIST_KEYS, MIGRATIONS, SCHEMA_VERSION, dump_form, search_key,
                               summary_row)
from core.store.upkeep import StoreUpkeep

__all__ = ["Store", "StoreError", "StoreDamaged", "StoreLost", "MIGRATIONS", "SCHEMA_VERSION", "set_aside",
           "list_backups", "is_good_backup", "newest_good_backup", "recover_from_backup", "Recovered"]

READONLY_MESSAGE = "表单库以只读方式打开，不能保存修改。"

GENERATION_KEY = "generation"     # meta: raised by every write but the bookkeeping below
_BOOKKEEPING = frozenset({"session", "last_check", "backup_seq", "backup_last", "backup_warned",
                          "samples_loaded", "generation"})
_BUMP_GENERATION = ("INSERT INTO meta (key, value) VALUES ('generation', '1') ON CONFLICT(key)"
                    " DO UPDATE SET value = CAST(value AS INTEGER) + 1")


# ---------------------------------------------------------------------------------------------
# Clock (module-level so tests can monkeypatch it)

def _utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _stamp(moment: _dt.datetime) -> str:
    # Fixed width, UTC: text order is time order. SQLite's date functions read it as is.
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _to_local_iso(stamp: str | None) -> str | None:
    if stamp is None:
        return None
    moment = _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=_dt.timezone.utc)
    return moment.astimezone().replace(tzinfo=None).isoformat(timespec="seconds")




class Store(StoreOpening, StoreUpkeep, StoreListing):
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
        self.guard = FileGuard(self.path)
        self.lost: StoreLost | None = None          # set once the file changed underneath us
        self.on_lost: list[Callable[[StoreLost], None]] = []   # told once, from the writing thread
        self.checked_at_open = False                # quick_check ran at open (unclean last exit)
        self._suspect = False                       # a check failed: the next start checks again

        if self.path.is_dir():
            raise StoreError(f"“{self.path}”是一个文件夹，不是表单库文件。")
        if readonly and not self.path.exists():
            raise StoreError(f"找不到表单库文件：{self.path}")
        if not readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"无法创建表单库所在的文件夹（{atomic.os_reason(exc)}）：{self.path.parent}") from exc

        self._check_header(set_aside_damaged)
        try:
            if readonly:
                conn = self._connect_readonly()
            else:
                # (SQLite's Windows layer itself retries a file briefly held by a scanner.)
                conn = sqlite3.connect(sqlite_uri(self.path), uri=True, timeout=schema.BUSY_TIMEOUT,
                                       check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._translate(exc, "表单库未能打开") from exc
        try:
            self._open(conn, set_aside_damaged)
        except BaseException:
            conn.close()
            self.conn = self.db = None
            raise

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
    def _writing(self, what: str, counted: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction: committed (and synced) on success, rolled back on any error. Before
        it, the file is checked to still be the one opened (`store_guard`). A `counted` write
        raises the store's generation (meta), which tells a backup whether anything changed."""
        self._check_writable()
        with self._lock:
            conn = self._require_open()
            self._check_file()
            try:
                with self.db.atomic():
                    yield conn
                    if counted:
                        conn.execute(_BUMP_GENERATION)
            except sqlite3.Error as exc:
                error = self._translate(exc, what)
                if isinstance(error, StoreDamaged):
                    raise self._mark_lost("已损坏") from exc
                raise error from exc
            self.guard.grew()

    def _check_file(self) -> None:
        if self.lost is not None:
            raise StoreLost(str(self.lost), self.lost.why)
        why = self.guard.check()
        if why is not None:
            raise self._mark_lost(why)

    def _mark_lost(self, why: str) -> StoreLost:
        """From now on no write is accepted; tell whoever listens, once."""
        if self.lost is None:
            self.lost = StoreLost(
                f"表单库文件在程序运行期间{why}，从现在起不能再保存修改，这次修改没有保存。\n"
                "窗口中打开的内容都还在：请用“另存为新的表单库…”把它们保存到一个新的表单库文件。\n"
                f"文件位置：{self.path}", why)
            self._suspect = True
            for listener in list(self.on_lost):
                with contextlib.suppress(Exception):
                    listener(self.lost)
        return StoreLost(str(self.lost), self.lost.why)

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
        """Close; a writable store whose session went well is marked closed cleanly (so the next
        start skips the whole-file check)."""
        with self._lock:
            if self.conn is not None:
                if not self.readonly and self.lost is None and not self._suspect:
                    with contextlib.suppress(StoreError, sqlite3.Error):
                        self.set_meta(SESSION_KEY, SESSION_CLOSED)
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
        text = dump_form(form)
        row = summary_row(summary)
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
        text = dump_form(form)
        row = summary_row(summary)
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
        where, params = self._list_where(year, search, deleted)
        sql = ("SELECT " + LIST_COLUMNS + " FROM forms WHERE " + where
               + " ORDER BY forms.modified DESC, forms.id DESC")
        with self._reading() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [dict(zip(LIST_KEYS, r)) for r in rows]

    @staticmethod
    def _list_where(year, search, deleted) -> tuple[str, list]:
        where = ["deleted_at IS NOT NULL" if deleted else "deleted_at IS NULL"]
        params: list[Any] = []
        if year is not None:
            where.append("year = ?")
            params.append(year)
        for word in search_key(search or "").split():
            where.append("instr(search_key, ?) > 0")
            params.append(word)
        return " AND ".join(where), params

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

    # -- checks and meta ----------------------------------------------------------------

    def get_meta(self, key: str, default: Any = None) -> Any:
        """A small stored setting of the store (any JSON value), or `default`."""
        with self._reading() as conn:
            found = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if found is None else json.loads(found[0])

    def set_meta(self, key: str, value: Any) -> None:
        """Store a small setting. The clerk's own (e.g. report texts) count as a change of the
        store for the backups; the program's bookkeeping (_BOOKKEEPING) does not."""
        text = json.dumps(value, ensure_ascii=False)
        with self._writing("设置未能保存", counted=key not in _BOOKKEEPING) as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, text),
            )
