"""Daily backups a clerk can trust whatever the clock says (core.store.backups).

Each defect found by the adversarial run is reproduced with the real `daily_backup` and
`recover_from_backup`; only the wall clock is replaced:
* clock set back 10 years (a dead CMOS battery): before, each new backup sorted oldest by its
  date and was deleted right after it was made; the restore brought back stale forms;
* clock once 70 years ahead: before, that backup stayed "newest" for ever and was the one offered
  for restore;
* a `.part` that is a complete backup (power cut between its close and its rename) was deleted;
* renames were not followed by an fsync of the folder.
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest

import core.files.atomic as atomic
import core.store.backups as backups_mod
from core.store.backups import (backup_info, backup_infos, daily_backup, describe_backup, is_good_backup,
                                list_backups, newest_good_backup, recover_from_backup)
from core.store import Store, StoreError

SUMMARY = {"year": 2024, "unit": "测试单位", "name": "项目", "template": "central-project",
           "total": None, "grade": None}


class Clock:
    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock(dt.datetime(2024, 3, 1, 8, 0, 0))
    monkeypatch.setattr(backups_mod, "_local_now", c)
    return c


def _restored_value(path: Path, fid: int):
    with Store(path) as s:
        return s.get(fid)["day"]


def _damage(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def test_clock_set_back_ten_years_keeps_every_new_backup_and_restores_the_latest(tmp_path, clock):
    path = tmp_path / "ziping.db"
    s = Store(path)
    fid = s.create({"day": 0}, SUMMARY)
    for day in range(1, 6):                        # five good days in 2024
        clock.now = dt.datetime(2024, 3, day, 8, 0, 0)
        s.save(fid, {"day": day}, SUMMARY)
        assert s.daily_backup() is not None
    # The CMOS battery dies: the PC now thinks it is 2014. Twelve more working days.
    outcomes = []
    for day in range(6, 18):
        clock.now = dt.datetime(2014, 1, 1 + day - 6, 9, 0, 0)
        s.save(fid, {"day": day}, SUMMARY)
        outcome = daily_backup(s)
        outcomes.append(outcome)
        assert outcome.made is not None and outcome.made.exists()          # kept, not rotated away
        assert list_backups(path)[0] == outcome.made                       # it is the newest
        if day < 11:                  # while a backup made in 2024 is in the folder, it is said
            assert outcome.clock_behind == dt.datetime(2024, 3, 5, 8, 0, 0)
    # The same date again (a dead battery resets to the same day at every start): still a
    # backup whenever something changed.
    clock.now = dt.datetime(2014, 1, 12, 8, 30, 0)     # reset to the same morning again
    s.save(fid, {"day": 18}, SUMMARY)
    same_day = daily_backup(s)
    assert same_day.clock_behind == dt.datetime(2014, 1, 12, 9, 0, 0)
    assert same_day.made is not None and list_backups(path)[0] == same_day.made
    outcomes.append(same_day)
    assert len(list_backups(path)) == 10
    assert [b.seq for b in backup_infos(path)] == list(range(18, 8, -1))
    s.close()

    _damage(path)
    done = recover_from_backup(path)
    assert done.backup == outcomes[-1].made
    assert _restored_value(path, fid) == 18                                 # the latest work


def test_a_clock_behind_is_said_and_an_unchanged_store_is_not_backed_up_again(tmp_path, clock):
    path = tmp_path / "ziping.db"
    with Store(path) as s:
        fid = s.create({"day": 0}, SUMMARY)
        first = s.daily_backup()
        clock.now = dt.datetime(2014, 6, 1, 9, 0, 0)
        again = daily_backup(s)
        assert again.made is None and again.newest == first
        assert again.clock_behind == dt.datetime(2024, 3, 1, 8, 0, 0)
        s.save(fid, {"day": 1}, SUMMARY)
        assert daily_backup(s).made is not None
        s.set_meta("last_check", "2014-06-01")             # the program's bookkeeping: no change
        assert daily_backup(s).made is None
        s.set_meta("report:2022:单位", {"text": "自评报告"})    # a clerk's text kept in the store
        assert daily_backup(s).made is not None


def test_clock_once_seventy_years_ahead_does_not_stay_newest(tmp_path, clock):
    path = tmp_path / "ziping.db"
    s = Store(path)
    fid = s.create({"day": 0}, SUMMARY)
    clock.now = dt.datetime(2094, 3, 1, 8, 0, 0)                            # one wrong start
    s.save(fid, {"day": 1}, SUMMARY)
    future = s.daily_backup()
    assert future is not None
    made = []
    for day in range(2, 6):                                                 # the clock is fixed
        clock.now = dt.datetime(2024, 3, day, 8, 0, 0)
        s.save(fid, {"day": day}, SUMMARY)
        outcome = daily_backup(s)
        assert outcome.made is not None
        assert outcome.clock_behind == dt.datetime(2094, 3, 1, 8, 0, 0)     # noticed and said
        made.append(outcome.made)
    assert list_backups(path)[0] == made[-1]
    assert newest_good_backup(path) == made[-1]
    s.close()
    _damage(path)
    assert recover_from_backup(path).backup == made[-1]
    assert _restored_value(path, fid) == 5


def test_each_backup_carries_its_creation_record(tmp_path, clock):
    path = tmp_path / "ziping.db"
    with Store(path) as s:
        s.create({"day": 0}, SUMMARY)
        made = s.daily_backup()
        record = backup_info(made)
        assert record["seq"] == 1 and record["created"] == "2024-03-01T08:00:00"
        assert record["store"] == str(path) and isinstance(record["fingerprint"], list)
        assert s.get_meta("backup_seq") == 1
        assert s.get_meta("backup_last")["path"] == str(made)
    assert describe_backup(made) == "2024-03-01 08:00（第 1 份）"
    # The sequence goes on from the store's record even when the folder was emptied.
    made.unlink()
    clock.now += dt.timedelta(days=1)
    with Store(path) as s:
        assert s.daily_backup().name == "ziping-000002-20240302-080000.db"


def test_backups_of_the_first_release_count_as_older(tmp_path, clock):
    path = tmp_path / "ziping.db"
    folder = tmp_path / "backups"
    with Store(path) as s:
        fid = s.create({"day": 0}, SUMMARY)
        legacy = s.backup_to(folder / "ziping-20991231-235959.db")          # old name, far date
        s.save(fid, {"day": 1}, SUMMARY)
        made = s.daily_backup()
    assert list_backups(path) == [made, legacy]
    assert describe_backup(legacy) == "2099-12-31 23:59"


def test_a_complete_part_is_promoted_and_a_cut_one_removed(tmp_path, clock):
    path = tmp_path / "ziping.db"
    folder = tmp_path / "backups"
    with Store(path) as s:
        fid = s.create({"day": 0}, SUMMARY)
        made = s.daily_backup()
    # A power cut after the copy was closed and synced, before its rename: a complete .part.
    part = made.with_name(made.name + ".part")
    os.replace(made, part)
    cut = folder / "ziping-000007-20240301-070000.db.part"
    cut.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    past = time.time() - 3600
    for p in (part, cut):
        os.utime(p, (past, past))
    clock.now += dt.timedelta(days=1)
    with Store(path) as s:
        s.save(fid, {"day": 1}, SUMMARY)
        outcome = daily_backup(s)
    assert outcome.promoted == [made] and made.exists() and is_good_backup(made)
    assert not part.exists() and not cut.exists()
    assert list_backups(path) == [outcome.made, made]


def test_renames_are_followed_by_a_folder_sync(tmp_path, clock, monkeypatch):
    synced = []
    real = atomic.fsync_dir
    monkeypatch.setattr(atomic, "fsync_dir", lambda folder: (synced.append(Path(folder)), real(folder)))
    path = tmp_path / "ziping.db"
    with Store(path) as s:
        s.create({"day": 0}, SUMMARY)
        made = s.daily_backup()
    assert synced == [made.parent]
    synced.clear()
    _damage(path)
    recover_from_backup(path)
    assert synced == [tmp_path] * 3        # the copy written, the damaged file set aside, the copy in place


def test_a_backup_folder_that_is_a_file_or_read_only_is_said_in_chinese(tmp_path, clock):
    path = tmp_path / "ziping.db"
    with Store(path) as s:
        s.create({"day": 0}, SUMMARY)
        (tmp_path / "backups").write_text("不是文件夹", encoding="utf-8")
        with pytest.raises(StoreError) as err:
            s.daily_backup()
        assert "是一个文件，不是文件夹" in str(err.value)
        if sys.platform != "win32" and os.geteuid() != 0:     # root and Windows ignore the mode
            ro = tmp_path / "只读"
            ro.mkdir()
            ro.chmod(0o500)
            try:
                with pytest.raises(StoreError) as err:
                    s.daily_backup(ro)
                assert "备份未能完成" in str(err.value) and "Error" not in str(err.value)
            finally:
                ro.chmod(0o700)


def test_a_backup_in_the_background_does_not_hold_up_edits(tmp_path, clock):
    """The daily backup reads through its own connection (WAL): a save made while the copy is
    being taken returns at once, and the copy is the consistent snapshot from before it."""
    import threading

    path = tmp_path / "ziping.db"
    s = Store(path)
    ids = [s.create({"text": "数据" * 2000, "i": i}, SUMMARY) for i in range(300)]
    reader = s.reader()
    saved_in = []

    class Reader:                    # sqlite3.Connection cannot be patched: wrap it
        def execute(self, *a):
            return reader.execute(*a)

        def backup(self, target, *a, **k):
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM forms").fetchone()      # the snapshot is taken
            started = time.monotonic()
            t = threading.Thread(target=lambda: s.save(ids[0], {"edited": True}, SUMMARY))
            t.start()
            t.join(5)
            saved_in.append(time.monotonic() - started if not t.is_alive() else None)
            reader.backup(target, *a, **k)
            reader.execute("COMMIT")

    try:
        outcome = daily_backup(s, source=Reader())
    finally:
        reader.close()
    assert outcome.made is not None
    assert saved_in[0] is not None and saved_in[0] < 1.0                 # the edit was not held up
    assert s.get(ids[0]) == {"edited": True}
    with Store(outcome.made, readonly=True) as copy:
        assert copy.get(ids[0]) == {"text": "数据" * 2000, "i": 0}        # a consistent snapshot
    s.close()
