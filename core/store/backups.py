"""Backups of a store and recovery from them. Needs no open store: this is what is left when the
store itself is damaged.

Daily backups are ``<stem>-<seq>-YYYYMMDD-HHMMSS.db`` in the backup folder (default: ``backups``
beside the store). They are ordered by the sequence number ``seq``, never by the clock: the number
only grows (the store remembers the last one, the folder's names say the rest), so a clock set
back ten years or forward seventy cannot make an old backup look newest or the newest look old.
Each backup also carries its creation record (meta key ``backup``: seq, local and UTC time, a
fingerprint of the store's content) inside itself. Backups of the first release (no seq in the
name) count as older than every numbered one.

A backup is written with the SQLite backup API to ``<name>.part``, given its record, checked
(``quick_check``), synced, renamed into place and the folder synced. A ``.part`` left by a kill or
a power cut is promoted when it is a complete, verified backup, else removed once a minute old.

Rotation keeps the `keep` newest by sequence number; the one just made is the newest and is never
removed. When the clock is earlier than the newest backup's creation, that is noticed and said
(`DailyOutcome.clock_behind`), and a backup is still made whenever the store has changed since.

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
import time
from typing import NamedTuple

from core.files import atomic
from core.store.errors import SQLITE_CORRUPT, SQLITE_FULL, SQLITE_HEADER, SQLITE_NOTADB, StoreError, primary_code
from core.store.paths import default_backup_dir, sqlite_uri

__all__ = ["BackupInfo", "DailyOutcome", "list_backups", "backup_infos", "backup_info", "is_good_backup",
           "newest_good_backup", "recover_from_backup", "Recovered", "set_aside", "write_backup",
           "daily_backup", "settle_parts", "fingerprint", "RECORD_KEY", "describe_backup"]

RECORD_KEY = "backup"            # meta key of the creation record inside a backup
SEQ_KEY = "backup_seq"           # meta key in the store: the last sequence number given
LAST_KEY = "backup_last"         # meta key in the store: the last good backup (name, seq, created)
STALE_SECONDS = 60               # a .part this old belongs to no running backup
CLOCK_SLACK = _dt.timedelta(minutes=10)   # clock corrections smaller than this are not "behind"
BUSY_TIMEOUT = 5.0


# ---------------------------------------------------------------------------------------------
# Clock (module-level so tests can monkeypatch it)

def _local_now() -> _dt.datetime:
    """Local wall-clock time: names backups, decides what "today" is."""
    return _dt.datetime.now()


def local_now() -> _dt.datetime:
    """The local time backups are named and dated by (one clock, replaced in tests)."""
    return _local_now()


def _timestamp_for_filename(moment: _dt.datetime) -> str:
    return moment.strftime("%Y%m%d-%H%M%S")


# ---------------------------------------------------------------------------------------------
# Names

class BackupInfo(NamedTuple):
    path: pathlib.Path
    seq: int                         # 0 for a backup of the first release (no number in its name)
    created: _dt.datetime            # local time, from the name (the record says the same)


def _patterns(stem: str) -> tuple[re.Pattern, re.Pattern]:
    s = re.escape(stem)
    return (re.compile(s + r"-(\d{6,})-(\d{8})-(\d{6})\.db"), re.compile(s + r"-(\d{8})-(\d{6})\.db"))


def _parse(stem: str, name: str) -> tuple[int, _dt.datetime] | None:
    numbered, legacy = _patterns(stem)
    m = numbered.fullmatch(name)
    if m:
        seq, day, clock = int(m.group(1)), m.group(2), m.group(3)
    else:
        m = legacy.fullmatch(name)
        if not m:
            return None
        seq, day, clock = 0, m.group(1), m.group(2)
    try:
        return seq, _dt.datetime.strptime(day + clock, "%Y%m%d%H%M%S")
    except ValueError:
        return None


def _folder(store_path: pathlib.Path, backup_dir) -> pathlib.Path:
    return pathlib.Path(os.fspath(backup_dir)) if backup_dir else default_backup_dir(store_path)


def backup_infos(store_path: str | os.PathLike, backup_dir: str | os.PathLike | None = None,
                 *, strict: bool = False) -> list[BackupInfo]:
    """The daily backups of the store at `store_path`, newest (highest sequence number) first.
    [] when the folder is missing; when it cannot be read, [] or (strict) a StoreError."""
    store_path = pathlib.Path(os.fspath(store_path))
    folder = _folder(store_path, backup_dir)
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return []
    except OSError as exc:
        if strict:
            raise StoreError(f"无法读取备份文件夹（{atomic.os_reason(exc)}）：{folder}") from exc
        return []
    found = []
    for p in entries:
        parsed = _parse(store_path.stem, p.name)
        if parsed and p.is_file():
            found.append(BackupInfo(p, parsed[0], parsed[1]))
    found.sort(key=lambda b: (b.seq, b.created, b.path.name), reverse=True)
    return found


def list_backups(store_path: str | os.PathLike,
                 backup_dir: str | os.PathLike | None = None) -> list[pathlib.Path]:
    """The daily backups' paths, newest (highest sequence number) first; [] when unreadable."""
    return [b.path for b in backup_infos(store_path, backup_dir)]


def backup_info(path: str | os.PathLike) -> dict | None:
    """The creation record a backup carries (seq, created, created_utc, fingerprint, ...), or None
    (a backup of the first release, or not a readable store)."""
    conn = _open_ro(pathlib.Path(os.fspath(path)))
    if conn is None:
        return None
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (RECORD_KEY,)).fetchone()
        return json.loads(row[0]) if row else None
    except (sqlite3.Error, ValueError, TypeError):
        return None
    finally:
        conn.close()


def describe_backup(path: str | os.PathLike) -> str:
    """"2024-03-05 09:30（第 12 份）" for a backup, from its record (else from its name)."""
    path = pathlib.Path(os.fspath(path))
    record = backup_info(path) or {}
    created, seq = record.get("created"), record.get("seq")
    when = None
    if isinstance(created, str):
        with contextlib.suppress(ValueError):
            when = _dt.datetime.fromisoformat(created)
    if when is None:
        m = re.search(r"(?:-(\d{6,}))?-(\d{8})-(\d{6})\.db$", path.name)
        if m:
            seq = seq if seq is not None else int(m.group(1) or 0)
            with contextlib.suppress(ValueError):
                when = _dt.datetime.strptime(m.group(2) + m.group(3), "%Y%m%d%H%M%S")
    if when is None:
        return path.name
    text = when.strftime("%Y-%m-%d %H:%M")
    return f"{text}（第 {seq} 份）" if seq else text


# ---------------------------------------------------------------------------------------------
# Checks

def _open_ro(path: pathlib.Path) -> sqlite3.Connection | None:
    try:
        with open(path, "rb") as f:
            if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return None
        return sqlite3.connect(sqlite_uri(path.absolute(), mode="ro"), uri=True, timeout=BUSY_TIMEOUT)
    except (OSError, sqlite3.Error):
        return None


def is_good_backup(path: str | os.PathLike) -> bool:
    """True when `path` is a whole, readable store of this program (or of an older version):
    SQLite's quick_check says ok, our tables are there, and no migration is unknown to us.
    Opened read-only; the file is never changed."""
    from core.store.schema import MIGRATIONS, Migrations

    path = pathlib.Path(os.fspath(path))
    if os.path.exists(str(path) + "-journal") and os.path.getsize(str(path) + "-journal") > 0:
        return False                # a hot journal: a write was cut off in the middle
    conn = _open_ro(path)
    if conn is None:
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
    """The newest daily backup (highest sequence number) that `is_good_backup`, or None; a backup
    cut short by a crash or a full disk is passed over."""
    for candidate in list_backups(store_path, backup_dir):
        if is_good_backup(candidate):
            return candidate
    return None


def fingerprint(conn: sqlite3.Connection) -> list:
    """A cheap summary that changes whenever forms are added, edited, deleted or restored."""
    row = conn.execute(
        "SELECT (SELECT value FROM meta WHERE key = 'generation'), (SELECT max(id) FROM forms),"
        " (SELECT count(*) FROM forms WHERE deleted_at IS NULL),"
        " (SELECT count(*) FROM forms WHERE deleted_at IS NOT NULL)").fetchone()
    return list(row)


# ---------------------------------------------------------------------------------------------
# Writing

def write_backup(source: sqlite3.Connection, dest: pathlib.Path, record: dict | None = None,
                 verify: bool = False) -> None:
    """Copy `source` to `dest` with the SQLite online backup API, atomically: into ``<dest>.part``,
    with `record` stored as its creation record, checked (`verify`: quick_check), synced, renamed
    into place, folder synced. The copy is a self-contained rollback-journal database."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    for leftover in (tmp, pathlib.Path(str(tmp) + "-journal")):
        if leftover.exists():
            atomic.unlink(leftover)
    target = sqlite3.connect(str(tmp))
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
        if record is not None:
            target.execute("INSERT INTO meta (key, value) VALUES (?, ?)"
                           " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           (RECORD_KEY, json.dumps(record, ensure_ascii=False)))
        target.commit()
        if verify and target.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
            raise StoreError("备份文件写入后检查未通过，这份备份没有保留。请检查磁盘。")
    except BaseException:
        target.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    target.close()
    with atomic.retrying(open, tmp, "rb+") as fh:     # a scanner may be looking at it
        os.fsync(fh.fileno())
    atomic.replace(tmp, dest)
    atomic.fsync_dir(dest.parent)


def settle_parts(folder: pathlib.Path, stem: str, older_than: float = STALE_SECONDS) -> dict[str, list]:
    """What killed or power-cut backups left in `folder`: a ``<stem>-….db.part`` that is a complete,
    verified backup (its creation record is there, quick_check ok, no hot journal) is renamed to its
    final name (promoted); any other is removed. Only parts older than `older_than` seconds are
    touched (a younger one may be written right now). Never raises."""
    done: dict[str, list] = {"promoted": [], "removed": []}
    try:
        entries = list(folder.iterdir())
    except OSError:
        return done
    now = time.time()
    for p in entries:
        name = p.name
        if not name.startswith(stem + "-") or not name.endswith(".db.part"):
            continue
        try:
            if now - p.stat().st_mtime <= older_than:
                continue
        except OSError:
            continue
        final = p.with_name(name[:-len(".part")])
        journal = pathlib.Path(str(p) + "-journal")
        complete = (_parse(stem, final.name) is not None and not final.exists()
                    and is_good_backup(p) and backup_info(p) is not None)
        try:
            if complete:
                atomic.replace(p, final)
                atomic.fsync_dir(folder)
                done["promoted"].append(final)
            else:
                atomic.unlink(p)
                done["removed"].append(p)
            if journal.exists():
                atomic.unlink(journal)
        except OSError:
            pass
    for p in entries:                       # journals whose .part is gone
        if p.name.startswith(stem + "-") and p.name.endswith(".db.part-journal"):
            with contextlib.suppress(OSError):
                if not pathlib.Path(str(p)[:-len("-journal")]).exists() and now - p.stat().st_mtime > older_than:
                    atomic.unlink(p)
    return done


class DailyOutcome(NamedTuple):
    made: pathlib.Path | None              # the backup made now; None when not needed today
    newest: pathlib.Path | None            # the newest backup after this run
    clock_behind: _dt.datetime | None      # the latest backup's creation, when the clock is earlier
    promoted: list                         # .part files found complete and promoted


def _created(info: BackupInfo) -> tuple[_dt.datetime, list | None]:
    record = backup_info(info.path) or {}
    created = info.created
    if isinstance(record.get("created"), str):
        with contextlib.suppress(ValueError):
            created = _dt.datetime.fromisoformat(record["created"])
    fp = record.get("fingerprint")
    return created, fp if isinstance(fp, list) else None



def backup_error(store, exc: Exception, label: str, place) -> StoreError:
    """The plain-Chinese error for a backup that could not be written to `place` (a 备份文件夹 or
    a 备份位置, as `label` says)."""
    if isinstance(exc, sqlite3.Error):
        code = primary_code(exc)
        if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
            return store._translate(exc, "无法备份")
        if code == SQLITE_FULL:
            return StoreError(f"磁盘空间不足，备份未能完成。请清理磁盘空间后再试。\n{label}：{place}")
        return StoreError(f"备份未能完成，无法写入{label}：{place}")
    return StoreError(f"备份未能完成（{atomic.os_reason(exc)}）。请检查{label}是否可以写入：{place}")

def daily_backup(store, backup_dir: str | os.PathLike | None = None, keep: int = 10,
                 source: sqlite3.Connection | None = None) -> DailyOutcome:
    """The daily backup of an open `store` (core.store.database.Store).

    Made when there is none yet, when the newest (by sequence number) was made on another calendar
    day, or — the clock being earlier than the creation of some backup in the folder, which is then
    said in `clock_behind` — whenever the store has changed since the newest backup.
    `source`: a connection to read the store through (the background backup passes its own, so
    edits are not blocked); default the store's own connection. Raises StoreError (plain Chinese)
    when the backup cannot be written; nothing already there is removed then.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    folder = _folder(store.path, backup_dir)
    stem = store.path.stem
    now = _local_now()
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"备份未能完成：“{folder}”是一个文件，不是文件夹。"
                         "请把这个文件改名或移走，程序下次启动时会再备份。")
    promoted = settle_parts(folder, stem)["promoted"]
    infos = backup_infos(store.path, folder, strict=True)
    newest = infos[0] if infos else None
    behind = None

    def read(fn):
        if source is not None:
            return fn(source)
        with store._lock:
            return fn(store._require_open())

    try:
        current = read(fingerprint)
    except sqlite3.Error as exc:
        raise store._translate(exc, "无法备份") from exc
    if newest is not None:
        created, fp = _created(newest)
        latest = max([created] + [b.created for b in infos])
        if now < latest - CLOCK_SLACK:
            behind = latest
            if fp == current:
                return DailyOutcome(None, newest.path, behind, promoted)
        elif created.date() == now.date():
            return DailyOutcome(None, newest.path, None, promoted)
    last_seq = 0
    with contextlib.suppress(StoreError, TypeError, ValueError):
        last_seq = int(store.get_meta(SEQ_KEY, 0) or 0)
    seq = max([last_seq] + [b.seq for b in infos]) + 1
    dest = folder / f"{stem}-{seq:06d}-{_timestamp_for_filename(now)}.db"
    record = {"seq": seq, "created": now.isoformat(timespec="seconds"),
              "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
              "store": str(store.path), "fingerprint": current}
    try:
        if source is not None:
            write_backup(source, dest, record, verify=True)
        else:
            with store._lock:
                write_backup(store._require_open(), dest, record, verify=True)
    except (sqlite3.Error, OSError) as exc:
        raise backup_error(store, exc, "备份文件夹", folder) from exc
    with contextlib.suppress(StoreError):
        store.set_meta(SEQ_KEY, seq)
        store.set_meta(LAST_KEY, {"path": str(dest), "seq": seq, "created": record["created"]})
    for old in backup_infos(store.path, folder)[keep:]:
        if old.path != dest:
            with contextlib.suppress(OSError):
                atomic.unlink(old.path)
    return DailyOutcome(dest, dest, behind, promoted)


# ---------------------------------------------------------------------------------------------
# Recovery

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
    atomic.replace(path, target)
    for side in ("-wal", "-shm"):
        extra = pathlib.Path(str(path) + side)
        if extra.exists():
            with contextlib.suppress(OSError):
                atomic.replace(extra, str(target) + side)
    atomic.fsync_dir(path.parent)
    return target


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
    into place and the folder synced. Raises StoreError (plain Chinese) when there is no good
    backup or a step fails; the damaged file is then still where it was, or already set aside,
    never deleted.
    """
    path = pathlib.Path(os.fspath(path)).expanduser().absolute()
    if backup is None:
        chosen = newest_good_backup(path, backup_dir)
        if chosen is None:
            raise StoreError(f"没有找到可用的备份，无法恢复表单库。\n备份文件夹：{_folder(path, backup_dir)}")
    else:
        chosen = pathlib.Path(os.fspath(backup)).expanduser().absolute()
        if not is_good_backup(chosen):
            raise StoreError(f"备份文件已损坏或不是本程序的表单库，无法用它恢复：{chosen}")
    tmp = path.with_name(f".{path.name}.restoring")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (tmp, pathlib.Path(str(tmp) + "-journal")):
            if leftover.exists():
                atomic.unlink(leftover)
        source = sqlite3.connect(sqlite_uri(chosen, mode="ro"), uri=True, timeout=BUSY_TIMEOUT)
        try:
            _write_backup(source, tmp)
        finally:
            source.close()
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        full = isinstance(exc, OSError) and exc.errno == errno.ENOSPC or (
            isinstance(exc, sqlite3.Error) and primary_code(exc) == SQLITE_FULL)
        if full:
            why = "磁盘空间不足"
        elif isinstance(exc, OSError):
            why = atomic.os_reason(exc)
        else:
            why = "读写出错"
        raise StoreError(f"无法从备份恢复表单库（{why}）。表单库文件没有改动。\n备份：{chosen}") from exc
    moved_to = None
    try:
        if path.exists():
            moved_to = set_aside(path)
        for side in ("-wal", "-shm", "-journal"):
            # Never leave the damaged store's log beside the restored copy: SQLite would apply it.
            extra = pathlib.Path(str(path) + side)
            if extra.exists():
                atomic.unlink(extra)
        atomic.replace(tmp, path)
        atomic.fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        where = f"损坏的文件已改名保留：{moved_to}" if moved_to else f"文件位置：{path}"
        raise StoreError(f"无法从备份恢复表单库（{atomic.os_reason(exc)}）。\n{where}") from exc
    return Recovered(chosen, moved_to)


def _write_backup(source: sqlite3.Connection, dest: pathlib.Path) -> None:
    """The plain copy (no record, no check) used for restores and upgrade copies; module-level so
    tests can make it fail."""
    write_backup(source, dest)
