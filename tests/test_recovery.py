"""A damaged store at start, and stores of older versions: nothing is lost.

* Damaged (truncated, garbage, empty, tables missing, scribbled pages, another program's database):
  detected, said in Chinese, the damaged file left byte for byte as it was until the clerk chooses;
  从备份恢复 sets it aside untouched and puts the newest *good* daily backup in its place with the
  SQLite backup API (core.store.database.recover_from_backup), at the core and through the dialog of
  ui.app.open_store (QMessageBox answered by the test).
* tests/data/store-schema-v*.db (made by tests/data/make_store_fixture.py, one per released
  schema) opens with the current code and its forms are all there; an older schema is copied aside
  before it is migrated, and a migration that fails leaves the store as it was.

Already covered elsewhere (not repeated here): tests/test_store.py — garbage left alone, set aside
on request, truncated, scribbled pages, other program's file never moved, version 0 and version 1
migrations with their copy, newer version refused; tests/test_ui_main.py — open_store restores
(ask_yes_no patched) and offers a new store when there is no backup.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

import core.store.backups as backups_mod
import core.store.database as store_mod
from core.form import validate
from core.rules import evaluate
from core.store import (MIGRATIONS, SCHEMA_VERSION, Recovered, Store, StoreDamaged, StoreError, is_good_backup,
                        list_backups, newest_good_backup, recover_from_backup)
from core.form import template_ids

CHINESE = re.compile(r"[\u4e00-\u9fff]")
DATA = Path(__file__).resolve().parent / "data"
FIXTURES = sorted(DATA.glob("store-schema-v*.db"))


class Clock:
    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def _summary(name: str) -> dict:
    return {"year": 2023, "unit": "测试单位", "name": name, "template": "central-project",
            "total": None, "grade": None}


@pytest.fixture
def clock(monkeypatch):
    c = Clock(dt.datetime(2024, 3, 5, 9, 30, 0))
    monkeypatch.setattr(backups_mod, "_local_now", c)
    return c


def store_with_backup(tmp_path: Path, clock: Clock, n: int = 40) -> tuple[Path, Path]:
    """A store of n forms, its daily backup, then one more form saved after the backup."""
    path = tmp_path / "ziping.db"
    with Store(path) as s:
        for i in range(n):
            s.create({"text": "数据" * 400, "i": i}, _summary(f"项目{i}"))
        backup = s.daily_backup()
        s.create({"after": "the backup"}, _summary("备份之后"))
    assert backup is not None
    return path, backup


def _damage(path: Path, how: str) -> None:
    if how == "truncated":
        size = path.stat().st_size
        with open(path, "r+b") as f:
            f.truncate(size // 2)
    elif how == "garbage":
        path.write_bytes(os.urandom(64 * 1024))
    elif how == "header-then-garbage":
        path.write_bytes(b"SQLite format 3\x00" + os.urandom(64 * 1024))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "tables-missing":
        conn = sqlite3.connect(path)
        conn.execute("DROP TABLE history")
        conn.commit()
        conn.close()
    elif how == "scribbled":
        pages = path.stat().st_size // 4096
        with open(path, "r+b") as f:
            f.seek(4096 * (pages // 2))
            f.write(bytes(range(256)) * 16 * 3)
    else:  # pragma: no cover
        raise ValueError(how)


DAMAGES = ["truncated", "garbage", "header-then-garbage", "empty", "tables-missing", "scribbled"]


# ---------------------------------------------------------------- core

@pytest.mark.parametrize("how", DAMAGES)
def test_damaged_store_is_detected_kept_and_recovered_from_the_newest_good_backup(tmp_path, clock, how):
    path, backup = store_with_backup(tmp_path, clock)
    _damage(path, how)
    if how == "scribbled":
        # Not seen at open after a clean exit (no whole-file check then): the day's background
        # check finds it, and the next start checks at open.
        with Store(path) as s:
            assert s.daily_check(s.reader(), today="2099-01-01") is False
    damaged = path.read_bytes()

    with pytest.raises(StoreDamaged) as err:
        Store(path)
    msg = str(err.value)
    assert CHINESE.search(msg) and "Traceback" not in msg
    assert "备份" in msg                             # it says a backup exists
    assert err.value.moved_to is None and not err.value.foreign
    assert path.read_bytes() == damaged              # opening did not touch it

    assert newest_good_backup(path) == backup
    done = recover_from_backup(path)
    assert isinstance(done, Recovered) and done.backup == backup
    assert done.moved_to is not None and done.moved_to.read_bytes() == damaged   # kept, untouched
    assert "damaged" in done.moved_to.name and done.moved_to.parent == tmp_path
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0
    with Store(path) as s:
        assert s.integrity_ok()
        names = {r["name"] for r in s.list_forms()}
        assert names == {f"项目{i}" for i in range(40)}          # the backup's forms, all of them
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left
    assert is_good_backup(backup)                                 # the backup itself is unchanged


def test_the_newest_backup_cut_short_is_passed_over(tmp_path, clock):
    path, first = store_with_backup(tmp_path, clock)
    clock.now += dt.timedelta(days=1)
    with Store(path) as s:
        second = s.daily_backup()
    assert list_backups(path) == [second, first]
    with open(second, "r+b") as f:                     # e.g. the disk filled up while it was written
        f.truncate(second.stat().st_size // 3)
    second_bytes = second.read_bytes()
    assert not is_good_backup(second)
    _damage(path, "garbage")
    done = recover_from_backup(path)
    assert done.backup == first
    assert second.read_bytes() == second_bytes        # a bad backup is left as it is
    with Store(path) as s:
        assert s.count() == 40


def test_a_backup_of_a_newer_version_or_another_program_is_not_good(tmp_path, clock):
    path, backup = store_with_backup(tmp_path, clock)
    conn = sqlite3.connect(backup)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('ziping', 'm999', 'x')")
    conn.commit()
    conn.close()
    assert not is_good_backup(backup)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    assert not is_good_backup(other)
    assert not is_good_backup(tmp_path / "missing.db")


def test_without_a_good_backup_nothing_is_moved(tmp_path, clock):
    path, backup = store_with_backup(tmp_path, clock)
    backup.write_bytes(b"not a backup")
    _damage(path, "truncated")
    damaged = path.read_bytes()
    with pytest.raises(StoreError) as err:
        recover_from_backup(path)
    assert "没有找到可用的备份" in str(err.value)
    assert path.read_bytes() == damaged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "ziping.db"]


def test_a_disk_full_while_restoring_leaves_the_damaged_file_in_place(tmp_path, clock, monkeypatch):
    path, _backup = store_with_backup(tmp_path, clock)
    _damage(path, "garbage")
    damaged = path.read_bytes()

    def full(source, dest):
        Path(dest).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(backups_mod, "_write_backup", full)
    with pytest.raises(StoreError) as err:
        recover_from_backup(path)
    assert "磁盘空间不足" in str(err.value) and "没有改动" in str(err.value)
    assert path.read_bytes() == damaged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "ziping.db"]


def test_the_damaged_stores_wal_is_set_aside_with_it(tmp_path, clock):
    path, _backup = store_with_backup(tmp_path, clock)
    _damage(path, "garbage")
    wal = Path(str(path) + "-wal")
    wal.write_bytes(b"\x37\x7f\x06\x82" + os.urandom(5000))       # a log that belongs to the damaged file
    done = recover_from_backup(path)
    assert not wal.exists()
    assert Path(str(done.moved_to) + "-wal").exists()
    with Store(path) as s:
        assert s.count() == 40 and s.integrity_ok()


def test_another_programs_database_is_foreign_and_never_replaced(tmp_path):
    path = tmp_path / "ziping.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreDamaged) as err:
        Store(path)
    assert err.value.foreign and "不是本程序的表单库" in str(err.value)
    assert path.read_bytes() == before


def test_an_empty_file_without_backups_is_a_new_store(tmp_path):
    """A zero-byte file is what a start killed before its first write leaves: a new store."""
    path = tmp_path / "ziping.db"
    path.write_bytes(b"")
    with Store(path) as s:
        assert s.count() == 0 and s.integrity_ok()


# ---------------------------------------------------------------- the dialog (ui.app.open_store)

class Boxes:
    """QMessageBox.exec replaced: records every box and clicks the button whose text is next in
    `answers` (any box with only 确定 is acknowledged)."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.seen: list[dict] = []

    def __call__(self, box):
        buttons = {b.text(): b for b in box.buttons()}
        self.seen.append({"title": box.windowTitle(), "text": box.text(), "buttons": sorted(buttons)})
        if list(buttons) == ["确定"]:
            return box.standardButton(buttons["确定"])
        answer = self.answers.pop(0)
        assert answer in buttons, (answer, sorted(buttons))
        return box.standardButton(buttons[answer])


@pytest.fixture
def boxes(monkeypatch, qapp):
    def install(*answers):
        b = Boxes(answers)
        monkeypatch.setattr(QMessageBox, "exec", lambda self: b(self))
        return b
    return install


@pytest.mark.parametrize("how", ["truncated", "garbage", "tables-missing"])
def test_dialog_restore_from_backup(tmp_path, clock, boxes, how):
    from ui.app import open_store
    path, backup = store_with_backup(tmp_path, clock)
    _damage(path, how)
    damaged = path.read_bytes()
    b = boxes("从备份恢复")
    s = open_store(path)
    assert s is not None
    try:
        assert s.count() == 40 and s.integrity_ok()
    finally:
        s.close()
    question, told = b.seen
    assert question["buttons"] == sorted(["从备份恢复", "退出"])
    assert "2024-03-05 09:30" in question["text"] and "不会删除" in question["text"]
    assert CHINESE.search(question["text"]) and "Traceback" not in question["text"]
    assert "已用 2024-03-05 09:30（第 1 份） 的备份恢复" in told["text"] and "共 40 张表" in told["text"]
    kept = [p for p in tmp_path.iterdir() if "damaged" in p.name and p.suffix == ".db"]
    assert len(kept) == 1 and kept[0].read_bytes() == damaged
    assert str(kept[0]) in told["text"]


def test_dialog_quit_leaves_everything_as_it_was(tmp_path, clock, boxes):
    from ui.app import open_store
    path, _backup = store_with_backup(tmp_path, clock)
    _damage(path, "truncated")
    damaged = path.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    b = boxes("退出")
    assert open_store(path) is None
    assert path.read_bytes() == damaged
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    assert len(b.seen) == 1


def test_dialog_without_backup_offers_a_new_store_or_quit(tmp_path, boxes):
    from ui.app import open_store
    path = tmp_path / "ziping.db"
    path.write_bytes(b"garbage" * 1000)
    b = boxes("退出")
    assert open_store(path) is None
    assert b.seen[0]["buttons"] == sorted(["新建空表单库", "退出"])
    assert path.read_bytes() == b"garbage" * 1000
    b = boxes("新建空表单库")
    s = open_store(path)
    assert s is not None and s.count() == 0
    s.close()
    assert [p.read_bytes() for p in tmp_path.iterdir() if "damaged" in p.name] == [b"garbage" * 1000]


def test_dialog_for_another_programs_database_only_explains(tmp_path, boxes):
    from ui.app import open_store
    path = tmp_path / "ziping.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    b = boxes()
    assert open_store(path) is None
    assert len(b.seen) == 1 and b.seen[0]["buttons"] == ["确定"]
    assert "不是本程序的表单库" in b.seen[0]["text"]
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["ziping.db"]


# ---------------------------------------------------------------- stores of released schema versions

def test_there_is_a_fixture_for_the_current_schema():
    assert DATA / f"store-schema-v{SCHEMA_VERSION}.db" in FIXTURES, \
        "run tests/data/make_store_fixture.py after adding a migration"


def _check_fixture_forms(s: Store) -> None:
    rows = s.list_forms()
    assert sorted((r["year"], r["name"]) for r in rows) == [(2020, "部门整体自评表"), (2022, "社会治安综合治理专项经费")]
    assert [r["name"] for r in s.list_forms(deleted=True)] == ["综治、平安建设经费"]
    for r in rows + s.list_forms(deleted=True):
        form = validate(s.get(r["id"]), set(template_ids()))
        evaluate(form)
    dept = next(r for r in rows if r["year"] == 2020)
    assert s.get(dept["id"])["header"]["填报人"] == "张三（旧版本填写）"
    assert s.history(dept["id"])[0]["new"] == "张三（旧版本填写）"
    assert s.get_meta("samples_loaded") is True
    assert s.integrity_ok()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.name for p in FIXTURES])
def test_a_store_of_a_released_schema_opens_with_all_its_forms(tmp_path, fixture):
    path = tmp_path / "ziping.db"
    shutil.copy(fixture, path)
    with Store(path) as s:
        _check_fixture_forms(s)
        assert [m.name for m in MIGRATIONS.pending(s.db)] == []
        fid = s.list_forms()[0]["id"]                      # and it takes edits
        s.save(fid, s.get(fid), _summary("改过"), {"path": "x", "old": 1, "new": 2})
    upgraded = int(fixture.stem.rsplit("v", 1)[1]) < SCHEMA_VERSION
    assert bool(list(tmp_path.glob("ziping-before-upgrade-*.db"))) == upgraded


def test_user_version_lowered_changes_nothing(tmp_path):
    """user_version is informative; the migrations table says what was applied."""
    path = tmp_path / "ziping.db"
    shutil.copy(DATA / f"store-schema-v{SCHEMA_VERSION}.db", path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()
    with Store(path) as s:
        _check_fixture_forms(s)
    assert list(tmp_path.glob("*before-upgrade*")) == []


def _downgrade_to_schema_1(path: Path) -> None:
    """The current fixture, turned back into a store of schema 1 (before m002_indexes)."""
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX forms_list")
    conn.execute("DROP INDEX history_form")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name != 'm001_tables'")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_an_older_schema_is_copied_aside_then_migrated(tmp_path, clock):
    path = tmp_path / "ziping.db"
    shutil.copy(DATA / f"store-schema-v{SCHEMA_VERSION}.db", path)
    _downgrade_to_schema_1(path)
    before = path.read_bytes()
    with Store(path) as s:
        _check_fixture_forms(s)
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [m.name for m in MIGRATIONS.pending(s.db)] == []
    (copy,) = tmp_path.glob("ziping-before-upgrade-*.db")
    assert copy.name == "ziping-before-upgrade-20240305-093000.db"
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM forms").fetchone()[0] == 3
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    assert len(before) > 0


def test_a_migration_that_fails_leaves_the_store_as_it_was(tmp_path, clock, monkeypatch):
    path = tmp_path / "ziping.db"
    shutil.copy(DATA / f"store-schema-v{SCHEMA_VERSION}.db", path)
    _downgrade_to_schema_1(path)

    def disk_full(db):
        db.execute("CREATE INDEX half_done ON forms (year)")
        raise sqlite3.OperationalError("database or disk is full")
    migrations = list(MIGRATIONS._migrations)
    m = migrations[1]
    migrations[1] = type(m)(m.name, disk_full, m.transactional)
    monkeypatch.setattr(MIGRATIONS, "_migrations", migrations)
    with pytest.raises(StoreError) as err:
        Store(path)
    assert "磁盘空间不足" in str(err.value) and "未能升级" in str(err.value)
    monkeypatch.undo()
    conn = sqlite3.connect(path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "half_done" not in names                                  # rolled back
    assert conn.execute("SELECT name FROM _sqlite_migrations").fetchall() == [("m001_tables",)]
    conn.close()
    assert len(list(tmp_path.glob("ziping-before-upgrade-*.db"))) == 1
    with Store(path) as s:                                           # the next start upgrades it
        _check_fixture_forms(s)


def test_a_backup_killed_mid_write_leaves_no_lasting_part_file(tmp_path, clock):
    """daily_backup writes <name>.db.part and renames it; a kill in between leaves the .part file,
    never a half backup under a backup's name. The next backup removes parts a minute old."""
    import time
    path = tmp_path / "ziping.db"
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "ziping-20240101-080000.db.part"
    fresh = folder / "ziping-20240305-092959.db.part"
    other = folder / "notes-20240101-080000.db.part"
    for p in (old, fresh, other):
        p.write_bytes(b"half a backup")
    past = time.time() - 3600
    os.utime(old, (past, past))
    os.utime(other, (past, past))
    with Store(path) as s:
        made = s.daily_backup()
    assert made is not None and is_good_backup(made)
    assert not old.exists() and fresh.exists() and other.exists()
    assert list_backups(path) == [made]
