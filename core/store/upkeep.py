"""Keeping a store safe while it is open: backups, the daily whole-file check, a second connection
for background work, and saving what is left to a new store when the file was lost underneath us.
A mixin of core.store.database.Store (kept apart so it can be read alone).

No Qt here.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import sqlite3

from core.store import backups, schema
from core.store.errors import StoreError
from core.store.opening import CHECK_KEY, SESSION_KEY, SESSION_OPEN
from core.store.paths import sqlite_uri
from core.store.schema import dump_form, summary_row


def _timeout() -> float:
    return schema.BUSY_TIMEOUT


class StoreUpkeep:
    """The upkeep half of Store."""

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
                backups.write_backup(conn, dest)
            except (sqlite3.Error, OSError) as exc:
                raise backups.backup_error(self, exc, "备份位置", dest) from exc
        return dest

    def backups(self, backup_dir: str | os.PathLike | None = None) -> list[pathlib.Path]:
        """The daily backups of this store in `backup_dir` (default: <store folder>/backups),
        newest (highest sequence number) first."""
        return [b.path for b in backups.backup_infos(self.path, backup_dir, strict=True)]

    def daily_backup(self, backup_dir: str | os.PathLike | None = None,
                     keep: int = 10) -> pathlib.Path | None:
        """The day's backup (see core.store.backups.daily_backup): the new backup's path, or None when
        none was needed. StoreError when it could not be written."""
        return backups.daily_backup(self, backup_dir, keep).made

    def reader(self) -> sqlite3.Connection:
        """A second connection to the same file, for reading in another thread (the background
        backup and check) without holding up edits: in WAL mode readers never block the writer."""
        self._require_open()
        self._check_file()
        try:
            conn = sqlite3.connect(sqlite_uri(self.path, mode="ro"), uri=True, timeout=_timeout(),
                                   check_same_thread=False)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.Error as exc:
            raise self._translate(exc, "无法读取表单库") from exc

    def daily_check(self, conn: sqlite3.Connection | None = None, today: str | None = None) -> bool | None:
        """The whole-file check (quick_check), once a calendar day: None when already done today,
        True when ok, False when the file is damaged (then the next start checks it at open and
        offers the backups). `conn`: a connection from `reader()`, so edits go on meanwhile."""
        today = today or backups._local_now().date().isoformat()
        if self.checked_at_open or self.get_meta(CHECK_KEY) == today:
            if self.checked_at_open and not self.readonly:
                with contextlib.suppress(StoreError):
                    self.set_meta(CHECK_KEY, today)
            return None
        try:
            if conn is not None:
                ok = conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
            else:
                with self._lock:
                    ok = self._require_open().execute("PRAGMA quick_check").fetchall() == [("ok",)]
        except sqlite3.DatabaseError:
            ok = False
        if not ok:
            self._suspect = True
            return False
        if not self.readonly:
            with contextlib.suppress(StoreError):
                self.set_meta(CHECK_KEY, today)
        return True

    def salvage_to(self, dest: str | os.PathLike, forms: dict[int, tuple[dict, dict]] | None = None) -> int:
        """After the file was lost underneath us: save everything still readable, plus `forms`
        ({form id: (form, summary)} — what the window holds in memory, which wins), to a new store
        at `dest`. Returns the number of forms in it. StoreError when `dest` cannot be written."""
        dest = pathlib.Path(os.fspath(dest)).expanduser().absolute()
        if dest.exists():
            raise StoreError(f"文件已经存在，请换一个文件名：{dest}")
        copied = False
        with self._lock:
            conn = self._require_open()
            try:
                backups.write_backup(conn, dest, verify=True)
                copied = True
            except (sqlite3.Error, StoreError, OSError):
                for leftover in (dest, pathlib.Path(str(dest) + ".part")):
                    with contextlib.suppress(OSError):
                        leftover.unlink()
        new = type(self)(dest)
        try:
            with new.transaction():
                if copied:
                    new.set_meta(SESSION_KEY, SESSION_OPEN)
                else:
                    self._copy_readable_forms(new)
                for form_id, (form, summary) in (forms or {}).items():
                    try:
                        new.save(form_id, form, summary)
                    except KeyError:
                        new._create_with_id(form_id, form, summary)
            return new.count() + new.count(deleted=True)
        finally:
            new.close()

    def _copy_readable_forms(self, new) -> None:
        with self._lock:
            conn = self._require_open()
            try:
                ids = [r[0] for r in conn.execute("SELECT id FROM forms ORDER BY id")]
            except sqlite3.Error:
                ids = []
            for form_id in ids:
                try:
                    row = conn.execute("SELECT year, unit, name, template, total, grade, data, deleted_at"
                                       " FROM forms WHERE id = ?", (form_id,)).fetchone()
                    form = json.loads(row[6])
                except (sqlite3.Error, ValueError, TypeError):
                    continue
                summary = dict(zip(("year", "unit", "name", "template", "total", "grade"), row[:6]))
                new._create_with_id(form_id, form, summary)

    def _create_with_id(self, form_id: int, form: dict, summary: dict) -> None:
        text = dump_form(form)
        row = summary_row(summary)
        with self._writing("表单未能保存") as conn:
            stamp = self._now_stamp()
            conn.execute(
                "INSERT INTO forms (id, year, unit, name, template, total, grade, search_key,"
                " created, modified, deleted_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (form_id, row["year"], row["unit"], row["name"], row["template"], row["total"],
                 row["grade"], row["search_key"], stamp, stamp, text),
            )

    def integrity_ok(self) -> bool:
        """PRAGMA integrity_check says 'ok' (a full check; reads the whole file)."""
        with self._lock:
            conn = self._require_open()
            try:
                return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            except sqlite3.DatabaseError:
                return False

