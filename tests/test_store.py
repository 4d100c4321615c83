"""Tests for core.store.database (the local SQLite store of forms); core.store.paths and SQLite URIs: tests/test_paths.py."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

import core.store.backups as backups_mod
import core.store.database as store_mod
import core.store.schema as schema_mod
from core.store import MIGRATIONS, READONLY_MESSAGE, SCHEMA_VERSION, Store, StoreDamaged, StoreError

CHINESE = re.compile(r"[\u4e00-\u9fff]")

LONG_TEXT = ("预算执行率≥95%，偏差原因：" * 800)[:9_993] + "😀𠀀\t\n=1%"  # 10,000 chars

TRICKY_FORM = {
    "format": "ziping-form",
    "version": 1,
    "template": "central-project",
    "year": 2022,
    "header": {"项目名称": "综治、平安建设经费", "主管部门": "", "实施单位": "中共南岳区委政法委员会"},
    "funds": {"total": {"label": "年度资金总额", "initial": "1,210.99", "budget": "=100%",
                        "executed": " 30.64 ", "transfer": "", "reason": None}},
    "goals": [{"title": "年度目标1", "indicators": [
        {"name": "公众安全感👍🏽", "target": "≥10次", "actual": "𠀀𠀁 Ext-B", "weight": "10",
         "score": None, "tier": 1, "reason": "tab\there\nnew line\r\nCRLF\u2028LS", "measure": ""},
    ]}],
    "texts": {"部门职能概述": LONG_TEXT, "偏差大或目标未完成原因分析": "无"},
    "zz_unknown_key": {"kept": ["as", "is", 1, 2.5, True, None]},
    "a_key_after": "order matters",
}

SUMMARY = {"year": 2022, "unit": "中共南岳区委政法委员会", "name": "综治、平安建设经费",
           "template": "central-project", "total": "98.18", "grade": "优"}


def summary(**kw) -> dict:
    out = dict(SUMMARY)
    out.update(kw)
    return out


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data" / "ziping.db")
    yield s
    s.close()


def stored_text(path: Path, form_id: int) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT data FROM forms WHERE id = ?", (form_id,)).fetchone()[0]
    finally:
        conn.close()


class Clock:
    """A settable local clock for daily_backup."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


# ----------------------------------------------------------------------------- opening

def test_creates_folders_and_file_with_wal_full_sync_and_foreign_keys(tmp_path):
    path = tmp_path / "a" / "b" / "ziping.db"
    with Store(path) as s:
        assert path.is_file()
        assert s.path == path
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert s.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert s.conn.execute("PRAGMA application_id").fetchone()[0] == schema_mod.APPLICATION_ID
        assert s.count() == 0


def test_closed_store_refuses_calls(store):
    store.close()
    with pytest.raises(StoreError, match="已经关闭"):
        store.list_forms()


# ----------------------------------------------------------------------------- round trip

def test_create_get_save_round_trip_keeps_text_byte_for_byte(store):
    fid = store.create(TRICKY_FORM, SUMMARY)
    got = store.get(fid)
    assert got == TRICKY_FORM
    assert list(got) == list(TRICKY_FORM)  # key order kept
    expected_text = json.dumps(TRICKY_FORM, ensure_ascii=False)
    assert stored_text(store.path, fid) == expected_text
    assert len(got["texts"]["部门职能概述"]) == 10_000

    changed = json.loads(json.dumps(TRICKY_FORM))
    changed["goals"][0]["indicators"][0]["actual"] = "=SUM(A1:A3) 😀 𠀀"
    store.save(fid, changed, summary(total="90.00"))
    assert store.get(fid) == changed
    assert stored_text(store.path, fid) == json.dumps(changed, ensure_ascii=False)

    store.close()
    with Store(store.path) as again:
        assert json.dumps(again.get(fid), ensure_ascii=False) == json.dumps(changed, ensure_ascii=False)


def test_lone_surrogate_survives(store):
    form = {"text": "bad clipboard \ud83d here"}
    fid = store.create(form, SUMMARY)
    assert store.get(fid) == form


def test_get_unknown_id_raises_keyerror(store):
    with pytest.raises(KeyError):
        store.get(12345)


def test_save_is_committed_before_returning(store):
    fid = store.create({"v": "1"}, SUMMARY)
    store.save(fid, {"v": "2"}, SUMMARY, {"path": "v", "old": "1", "new": "2"})
    # A second, independent connection sees the change at once.
    with Store(store.path) as other:
        assert other.get(fid) == {"v": "2"}
        assert other.history(fid)[0]["new"] == "2"


def test_save_unknown_id_raises_keyerror_and_writes_no_history(store):
    with pytest.raises(KeyError):
        store.save(999, {"v": 1}, SUMMARY, {"path": "v", "old": None, "new": 1})
    assert store.conn.execute("SELECT count(*) FROM history").fetchone()[0] == 0


def test_summary_keys_are_checked(store):
    with pytest.raises(ValueError):
        store.create({}, {"year": 2022, "units": "typo"})
    with pytest.raises(ValueError):
        store.create({}, {"year": "二〇二二"})
    fid = store.create({}, {"year": "2021"})  # digits in a string are accepted
    row = store.list_forms()[0]
    assert row["id"] == fid and row["year"] == 2021 and row["unit"] == "" and row["total"] is None


# ----------------------------------------------------------------------------- history

def test_history_records_changes_newest_first(store):
    fid = store.create({"a": ""}, SUMMARY)
    other = store.create({"a": ""}, SUMMARY)
    store.save(fid, {"a": "1"}, SUMMARY, {"path": "goals.0.indicators.3.actual", "old": "", "new": "1"})
    store.save(fid, {"a": "2"}, SUMMARY, {"path": "goals.0.indicators.3.actual", "old": "1", "new": "=2%"})
    store.save(fid, {"a": "2"}, SUMMARY)  # no change recorded
    store.save(fid, {"a": "3"}, SUMMARY, [
        {"path": "texts.x", "old": None, "new": "😀\t𠀀"},
        {"path": "goals.0.indicators", "old": None, "new": {"name": "新行"}, "kind": "insert-row"},
    ])
    store.save(other, {"a": "x"}, SUMMARY, {"path": "p", "old": "", "new": "x"})

    hist = store.history(fid)
    assert [h["new"] for h in hist] == [{"name": "新行"}, "😀\t𠀀", "=2%", "1"]
    assert hist[0]["kind"] == "insert-row"
    assert hist[-1] == {"at": hist[-1]["at"], "path": "goals.0.indicators.3.actual", "old": "", "new": "1"}
    assert hist[2]["old"] == "1"
    for h in hist:
        dt.datetime.fromisoformat(h["at"])
    assert [h["new"] for h in store.history(fid, limit=2)] == [{"name": "新行"}, "😀\t𠀀"]
    assert [h["new"] for h in store.history(other)] == ["x"]


# ----------------------------------------------------------------------------- listing

def test_list_is_summary_only_sorted_by_modified_desc(store):
    a = store.create({"n": "a"}, summary(name="甲项目"))
    b = store.create({"n": "b"}, summary(name="乙项目"))
    c = store.create({"n": "c"}, summary(name="丙项目"))
    assert [r["id"] for r in store.list_forms()] == [c, b, a]
    store.save(a, {"n": "a2"}, summary(name="甲项目（改）", total="88.50", grade="良"))
    rows = store.list_forms()
    assert [r["id"] for r in rows] == [a, c, b]
    assert set(rows[0]) == {"id", "year", "unit", "name", "template", "total", "grade",
                            "modified", "deleted_at"}
    assert rows[0]["name"] == "甲项目（改）" and rows[0]["total"] == "88.50" and rows[0]["grade"] == "良"
    modified = dt.datetime.fromisoformat(rows[0]["modified"])
    assert modified.tzinfo is None
    assert abs((dt.datetime.now() - modified).total_seconds()) < 60
    assert rows[0]["deleted_at"] is None


def test_order_holds_on_a_coarse_clock(store, monkeypatch):
    # Windows' clock can tick every ~16 ms: several saves get the same time.
    frozen = dt.datetime(2024, 3, 5, 6, 0, 0, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(store_mod, "_utc_now", lambda: frozen)
    a = store.create({}, SUMMARY)
    b = store.create({}, SUMMARY)
    store.save(a, {"v": 1}, SUMMARY)
    assert [r["id"] for r in store.list_forms()] == [a, b]
    store.save(b, {"v": 1}, SUMMARY)
    assert [r["id"] for r in store.list_forms()] == [b, a]


def test_list_reads_only_the_covering_index(store):
    store.create(TRICKY_FORM, SUMMARY)
    seen = []
    store.conn.set_trace_callback(seen.append)
    store.list_forms(year=2022, search="政法")
    store.conn.set_trace_callback(None)
    select = next(s for s in seen if s.lstrip().upper().startswith("SELECT"))
    assert "data" not in re.findall(r"\w+", select)
    plan = " ".join(r[-1] for r in store.conn.execute(
        "EXPLAIN QUERY PLAN " + select.replace("?", "NULL")).fetchall())
    assert "COVERING INDEX forms_list" in plan
    assert "TEMP B-TREE" not in plan  # sorted by the index, not afterwards


def test_modified_is_local_time(store, monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.skip("needs time.tzset")
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        store.create({}, SUMMARY)
        row = store.list_forms()[0]
        utc_now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        delta = dt.datetime.fromisoformat(row["modified"]) - utc_now
        assert abs(delta.total_seconds() - 8 * 3600) < 60
    finally:
        monkeypatch.undo()
        time.tzset()


def test_search_and_year_filter(store):
    a = store.create({}, summary(year=2021, unit="南岳区教育局", name="义务教育公用经费"))
    b = store.create({}, summary(year=2022, unit="南岳区卫生健康局", name="Basic Health 项目"))
    c = store.create({}, summary(year=2022, unit="湖北省审计局", name="审计业务经费 100%_x"))
    d = store.create({}, summary(year=None, unit="某单位", name="未填年度"))

    def ids(**kw):
        return sorted(r["id"] for r in store.list_forms(**kw))

    assert ids() == sorted([a, b, c, d])
    assert ids(year=2022) == sorted([b, c])
    assert ids(year=2021) == [a]
    assert ids(year=1999) == []
    assert ids(search="南岳") == sorted([a, b])           # unit
    assert ids(search="经费") == sorted([a, c])           # name
    assert ids(search="health") == [b]                    # case-insensitive
    assert ids(search="ＨＥＡＬＴＨ") == [b]              # full-width too
    assert ids(search="  南岳  健康 ") == [b]             # every word must match
    assert ids(search="南岳", year=2021) == [a]
    assert ids(search="%") == [c]                         # no SQL wildcards
    assert ids(search="_") == [c]
    assert ids(search="教育局义务") == []                 # unit and name are not glued together
    assert ids(search="不存在") == []
    assert store.years() == [2022, 2021]
    store.delete(a)
    assert store.years() == [2022]


# ----------------------------------------------------------------------------- 回收站

def test_delete_restore_purge(store):
    keep = store.create({"k": 1}, summary(name="保留"))
    fid = store.create({"k": 2}, summary(name="删除"))
    store.save(fid, {"k": 3}, summary(name="删除"), {"path": "k", "old": 2, "new": 3})

    store.delete(fid)
    assert [r["id"] for r in store.list_forms()] == [keep]
    trash = store.list_forms(deleted=True)
    assert [r["id"] for r in trash] == [fid]
    dt.datetime.fromisoformat(trash[0]["deleted_at"])
    assert store.count() == 1 and store.count(deleted=True) == 1
    assert store.get(fid) == {"k": 3}  # still readable in the 回收站

    store.restore(fid)
    assert sorted(r["id"] for r in store.list_forms()) == sorted([keep, fid])
    assert store.list_forms(deleted=True) == []
    assert store.count() == 2

    store.delete(fid)
    store.purge(fid)
    with pytest.raises(KeyError):
        store.get(fid)
    assert store.list_forms(deleted=True) == []
    assert store.history(fid) == []
    assert store.conn.execute("SELECT count(*) FROM history WHERE form_id = ?", (fid,)).fetchone()[0] == 0
    assert store.count() == 1

    for op in (store.delete, store.restore, store.purge):
        with pytest.raises(KeyError):
            op(fid)


def test_transaction_is_all_or_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.create({}, SUMMARY)
            store.create({}, SUMMARY)
            raise RuntimeError("stop")
    assert store.count() == 0
    with store.transaction():
        store.create({}, SUMMARY)
        store.create({}, SUMMARY)
    assert store.count() == 2


# ----------------------------------------------------------------------------- write failures

def test_disk_full_on_save_is_plain_chinese_and_rolls_back(store):
    fid = store.create({"v": "old"}, summary(name="原名"))
    store.save(fid, {"v": "old"}, summary(name="原名"), {"path": "v", "old": "", "new": "old"})
    before_list = store.list_forms()
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")  # the "disk" is now full

    with pytest.raises(StoreError) as err:
        store.save(fid, {"v": "新" * 200_000}, summary(name="新名"), {"path": "v", "old": "old", "new": "新"})
    assert str(err.value).startswith("磁盘空间不足")
    assert not isinstance(err.value, StoreDamaged)
    assert store.get(fid) == {"v": "old"}
    assert store.list_forms() == before_list
    assert len(store.history(fid)) == 1

    store.conn.execute("PRAGMA max_page_count = 1073741823")  # space again: the store still works
    store.save(fid, {"v": "新"}, summary(name="新名"))
    assert store.get(fid) == {"v": "新"}


def test_unwritable_store_on_save_is_plain_chinese_and_rolls_back(store):
    fid = store.create({"v": "old"}, SUMMARY)
    store.conn.execute("PRAGMA query_only = ON")  # SQLite answers as for a read-only file
    with pytest.raises(StoreError) as err:
        store.save(fid, {"v": "new"}, SUMMARY, {"path": "v", "old": "old", "new": "new"})
    assert str(err.value).startswith("无法写入表单库")
    store.conn.execute("PRAGMA query_only = OFF")
    assert store.get(fid) == {"v": "old"}
    assert store.history(fid) == []


def test_failure_after_the_form_update_leaves_nothing_half_written(store):
    fid = store.create({"v": "old"}, summary(total="1.00"))
    store.conn.execute(
        "CREATE TEMP TRIGGER fail_history BEFORE INSERT ON history "
        "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
    )
    with pytest.raises(StoreError) as err:
        store.save(fid, {"v": "new"}, summary(total="2.00"), {"path": "v", "old": "old", "new": "new"})
    assert CHINESE.search(str(err.value))
    assert store.get(fid) == {"v": "old"}
    assert store.list_forms()[0]["total"] == "1.00"


# ----------------------------------------------------------------------------- readonly

def test_readonly_store_reads_but_refuses_writes(tmp_path):
    path = tmp_path / "ziping.db"
    with Store(path) as s:
        fid = s.create({"v": "1"}, SUMMARY)
        s.save(fid, {"v": "2"}, SUMMARY, {"path": "v", "old": "1", "new": "2"})
        s.set_meta("samples_loaded", True)
    with Store(path, readonly=True) as ro:
        assert ro.get(fid) == {"v": "2"}
        assert [r["id"] for r in ro.list_forms()] == [fid]
        assert ro.history(fid)[0]["new"] == "2"
        assert ro.get_meta("samples_loaded") is True
        writes = [
            lambda: ro.create({}, SUMMARY),
            lambda: ro.save(fid, {"v": "3"}, SUMMARY),
            lambda: ro.delete(fid),
            lambda: ro.restore(fid),
            lambda: ro.purge(fid),
            lambda: ro.set_meta("x", 1),
        ]
        for write in writes:
            with pytest.raises(StoreError) as err:
                write()
            assert str(err.value) == READONLY_MESSAGE
        # The connection itself is read-only (mode=ro), not just the Python API.
        with pytest.raises(sqlite3.OperationalError):
            ro.conn.execute("DELETE FROM forms")
        assert ro.get(fid) == {"v": "2"}
        backup = ro.backup_to(tmp_path / "copy.db")  # reading is all a backup needs
    with Store(backup) as copy:
        assert copy.get(fid) == {"v": "2"}


def test_readonly_missing_file_is_an_error(tmp_path):
    with pytest.raises(StoreError) as err:
        Store(tmp_path / "nope.db", readonly=True)
    assert CHINESE.search(str(err.value))
    assert not (tmp_path / "nope.db").exists()


# ----------------------------------------------------------------------------- damaged files

def test_garbage_file_is_damaged_and_left_alone(tmp_path):
    path = tmp_path / "ziping.db"
    garbage = b"PK\x03\x04 this is a zip, not a store " * 100
    path.write_bytes(garbage)
    with pytest.raises(StoreDamaged) as err:
        Store(path)
    assert CHINESE.search(str(err.value))
    assert err.value.path == path and err.value.moved_to is None
    assert path.read_bytes() == garbage


def test_garbage_file_can_be_set_aside(tmp_path):
    path = tmp_path / "ziping.db"
    path.write_bytes(b"\x00\xff garbage" * 50)
    with pytest.raises(StoreDamaged) as err:
        Store(path, set_aside_damaged=True)
    moved = err.value.moved_to
    assert moved is not None and moved.parent == tmp_path and moved.read_bytes() == b"\x00\xff garbage" * 50
    assert str(moved) in str(err.value)
    assert not path.exists()
    with Store(path) as fresh:  # a new, empty store takes its place
        assert fresh.count() == 0


def test_truncated_store_is_damaged(tmp_path):
    path = tmp_path / "ziping.db"
    with Store(path) as s:
        for i in range(60):
            s.create({"text": "数据" * 800, "i": i}, summary(name=f"项目{i}"))
    assert not Path(str(path) + "-wal").exists()  # everything is in the main file
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    with pytest.raises(StoreDamaged) as err:
        Store(path)
    assert "损坏" in str(err.value)
    assert path.stat().st_size == size // 2  # not "repaired" or rewritten


def _scribble(path):
    pages = path.stat().st_size // 4096
    assert pages > 40
    with open(path, "r+b") as f:
        f.seek(4096 * (pages // 2))
        f.write(bytes(range(256)) * 16 * 3)


def _sixty_forms(path):
    with Store(path) as s:
        for i in range(60):
            s.create({"text": "数据" * 800, "i": i}, summary(name=f"项目{i}"))


@pytest.mark.parametrize("last_exit", ["crashed", "never marked (older program)"])
def test_scribbled_form_pages_are_caught_at_open_after_an_unclean_exit(tmp_path, last_exit):
    # Schema pages intact, form data pages in the middle overwritten: only the whole-file check
    # (PRAGMA quick_check) sees it. It runs at open when the last session did not end cleanly.
    path = tmp_path / "ziping.db"
    _sixty_forms(path)
    conn = sqlite3.connect(path)
    if last_exit == "crashed":
        conn.execute("UPDATE meta SET value = '\"open\"' WHERE key = 'session'")
    else:
        conn.execute("DELETE FROM meta WHERE key = 'session'")
    conn.commit()
    conn.close()
    _scribble(path)
    with pytest.raises(StoreDamaged) as err:
        Store(path)
    assert "损坏" in str(err.value)


def test_after_a_clean_exit_the_days_background_check_finds_scribbled_pages(tmp_path):
    path = tmp_path / "ziping.db"
    _sixty_forms(path)
    _scribble(path)
    s = Store(path)                      # a clean exit: opened without reading the whole file
    assert not s.checked_at_open
    assert s.daily_check(s.reader()) is False
    s.close()                            # not marked clean: the next start checks at open
    with pytest.raises(StoreDamaged):
        Store(path)


def test_the_whole_file_check_runs_once_a_day_or_after_an_unclean_exit(tmp_path):
    path = tmp_path / "ziping.db"
    with Store(path) as s:
        assert not s.checked_at_open                     # a new, empty store: nothing to check
        assert s.daily_check(today="2024-03-05") is True
        assert s.daily_check(today="2024-03-05") is None  # once a day
    with Store(path) as s:
        assert not s.checked_at_open                     # closed cleanly: no check at open
        assert s.daily_check(s.reader(), today="2024-03-05") is None
        assert s.daily_check(s.reader(), today="2024-03-06") is True
        assert s.daily_check(today="2024-03-06") is None
    s = Store(path)
    s.conn.close()                                       # the process "dies": no clean close
    s.conn = None
    with Store(path) as s:
        assert s.checked_at_open
        assert s.daily_check(today="2024-03-07") is None  # checked at open: that counts for today


def test_other_programs_sqlite_file_is_not_a_store_and_never_moved(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount TEXT)")
    conn.execute("INSERT INTO invoices (amount) VALUES ('12.50')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreDamaged) as err:
        Store(path, set_aside_damaged=True)
    assert "不是本程序的表单库" in str(err.value)
    assert err.value.moved_to is None
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT amount FROM invoices").fetchall() == [("12.50",)]
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master")} == {"invoices"}
    conn.close()


# ----------------------------------------------------------------------------- migrations

def test_migrates_an_empty_schema_version_0_store(tmp_path):
    path = tmp_path / "ziping.db"
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")  # writes a valid, empty SQLite file
    conn.close()
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 0

    with Store(path) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [m.name for m in MIGRATIONS.pending(s.db)] == []
        fid = s.create({"x": "1"}, SUMMARY)
        assert s.get(fid) == {"x": "1"}
    assert list(tmp_path.glob("*before-upgrade*")) == []  # nothing worth a copy


def test_older_schema_is_backed_up_then_migrated(tmp_path, monkeypatch):
    monkeypatch.setattr(backups_mod, "_local_now", Clock(dt.datetime(2024, 3, 5, 9, 30, 0)))
    path = tmp_path / "ziping.db"
    db = Database(str(path))
    MIGRATIONS.apply(db, stop_before="m002_indexes")  # a store from version 1 of the schema
    stamp = "2023-01-01T00:00:00.000000Z"
    db.execute(
        "INSERT INTO forms (year, unit, name, template, search_key, created, modified, data)"
        " VALUES (2022, '旧单位', '旧项目', 'central-project', '', ?, ?, ?)",
        (stamp, stamp, json.dumps({"old": "表单"}, ensure_ascii=False)),
    )
    db.close()

    with Store(path) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        indexes = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"forms_list", "history_form"} <= indexes
        (row,) = s.list_forms()
        assert s.get(row["id"]) == {"old": "表单"}

    copy = tmp_path / "ziping-before-upgrade-20240305-093000.db"
    assert copy.is_file()
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT name FROM forms").fetchall() == [("旧项目",)]
    conn.close()


def test_store_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "ziping.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('ziping', 'm999_future', 'x')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as err:
        Store(path)
    assert not isinstance(err.value, StoreDamaged)
    assert "更新版本" in str(err.value)


def test_readonly_cannot_migrate(tmp_path):
    path = tmp_path / "ziping.db"
    db = Database(str(path))
    MIGRATIONS.apply(db, stop_before="m002_indexes")
    db.close()
    with pytest.raises(StoreError) as err:
        Store(path, readonly=True)
    assert "只读" in str(err.value)


# ----------------------------------------------------------------------------- backups

def test_backup_to_has_the_same_forms_including_unclosed_changes(store, tmp_path):
    a = store.create(TRICKY_FORM, SUMMARY)
    b = store.create({"b": 1}, summary(name="乙"))
    store.save(b, {"b": 2}, summary(name="乙"), {"path": "b", "old": 1, "new": 2})
    store.delete(b)
    # No close: the latest changes are still in the -wal file, which a file copy would miss.
    dest = store.backup_to(tmp_path / "elsewhere" / "copy.db")
    assert dest == tmp_path / "elsewhere" / "copy.db"
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # self-contained file
    conn.close()
    with Store(dest, readonly=True) as copy:
        assert copy.get(a) == TRICKY_FORM
        assert copy.get(b) == {"b": 2}
        assert copy.list_forms() == store.list_forms()
        assert copy.list_forms(deleted=True) == store.list_forms(deleted=True)
        assert copy.history(b) == store.history(b)
        assert copy.integrity_ok()


def test_backup_to_refuses_the_store_itself(store):
    with pytest.raises(StoreError):
        store.backup_to(store.path)


def test_daily_backup_once_per_day_and_keeps_ten(store, tmp_path, monkeypatch):
    clock = Clock(dt.datetime(2024, 3, 1, 8, 0, 0))
    monkeypatch.setattr(backups_mod, "_local_now", clock)
    fid = store.create({"day": 0}, SUMMARY)

    first = store.daily_backup()
    assert first == store.path.parent / "backups" / "ziping-000001-20240301-080000.db"
    assert first.is_file()
    clock.now = dt.datetime(2024, 3, 1, 17, 45, 0)
    assert store.daily_backup() is None  # already done today
    clock.now = dt.datetime(2024, 3, 1, 23, 59, 59)
    assert store.daily_backup() is None

    made = [first]
    for day in range(2, 15):
        clock.now = dt.datetime(2024, 3, day, 9, 0, day)
        store.save(fid, {"day": day}, SUMMARY)
        made.append(store.daily_backup())
        assert store.daily_backup() is None
    assert all(p is not None for p in made)

    left = sorted(p.name for p in (store.path.parent / "backups").iterdir())
    assert left == sorted(p.name for p in made[-10:])
    assert store.backups() == made[-10:][::-1]  # newest first
    with Store(made[-1], readonly=True) as last:
        assert last.get(fid) == {"day": 14}


def test_daily_backup_to_a_chosen_folder_ignores_other_files(store, tmp_path, monkeypatch):
    clock = Clock(dt.datetime(2024, 5, 1, 8, 0, 0))
    monkeypatch.setattr(backups_mod, "_local_now", clock)
    folder = tmp_path / "my backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("别删我", encoding="utf-8")
    (folder / "other-20240101-000000.db").write_bytes(b"x")
    for day in range(1, 6):
        clock.now = dt.datetime(2024, 5, day, 8, 0, 0)
        assert store.daily_backup(folder, keep=2) is not None
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["notes.txt", "other-20240101-000000.db",
                     "ziping-000004-20240504-080000.db", "ziping-000005-20240505-080000.db"]


# ----------------------------------------------------------------------------- checks, meta

def test_integrity_ok(tmp_path):
    path = tmp_path / "ziping.db"
    with Store(path) as s:
        fid = s.create({}, SUMMARY)
        for i in range(5):
            s.save(fid, {}, SUMMARY, {"path": "x", "old": i, "new": i + 1})
        assert s.integrity_ok() is True
    # Make an index disagree with its table: quick_check (at open) passes, integrity_check fails.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX history_form ON history (id, form_id)'"
                 " WHERE name = 'history_form'")
    conn.commit()
    conn.close()
    with Store(path) as s:
        assert s.integrity_ok() is False


def test_meta(store):
    assert store.get_meta("samples_loaded") is None
    assert store.get_meta("samples_loaded", False) is False
    store.set_meta("samples_loaded", True)
    store.set_meta("最近打开", {"id": 3, "名称": "综治😀"})
    store.set_meta("samples_loaded", "again")
    assert store.get_meta("samples_loaded") == "again"
    assert store.get_meta("最近打开") == {"id": 3, "名称": "综治😀"}


def test_the_lazy_list_is_the_list(store):
    ids = [store.create({"i": i}, summary(name=f"项目{i}", year=2020 + i % 3)) for i in range(450)]
    store.delete(ids[5])
    for kw in ({}, {"year": 2021}, {"search": "项目1"}, {"deleted": True}):
        view = store.list_view(**kw)
        assert view == store.list_forms(**kw)
        assert len(view) == len(store.list_forms(**kw))
    view = store.list_view()
    assert not view._pages                       # nothing but the ids read yet
    assert view[0]["id"] == ids[-1] and view[-1]["id"] == ids[0]
    assert list(view._pages) == [0, 2]           # only the pages looked at
    assert view[1:3] == store.list_forms()[1:3]
    assert view.index_of_id(ids[0]) == len(view) - 1 and view.index_of_id(ids[5]) == -1
    with pytest.raises(IndexError):
        view[len(view)]
