"""A store folder or an export folder that is full, read-only, missing or locked: a clear Chinese
message, nothing half-written, the app keeps showing the data.

Real file systems where this machine allows it (as root: a small tmpfs, `mount -t tmpfs -o
size=...`, filled up or remounted read-only), skipped cleanly elsewhere.  A store cannot be
remounted read-only while it is open (the kernel says "busy"), so a store turning read-only
under the running app is made with SQLite's own ``PRAGMA query_only`` on its connection: SQLite
then refuses writes with the very SQLITE_READONLY error a read-only file gives.

Already covered elsewhere (not repeated here): tests/test_store.py — disk full / unwritable on
save roll back (monkeypatched connection); tests/test_ui_editor.py — a failed save (Store.save
patched) is undone and said in Chinese; tests/test_export.py — missing folder, a file held open
by Excel (PermissionError on replace), a folder without write permission (mkstemp patched), a
crash mid-write keeps the old file.
"""
from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import core.files.atomic as atomic
from core.files.atomic import WriteError, clean_stale_temps
from core.export import export_form
from core.form import load
from core.editing import form_summary
from core.store import Store
from tests.helpers import SAMPLES
from tests.test_ui_editor import messages, open_editor, select, stored, text  # noqa: F401  (fixtures too)

SEED004 = SAMPLES / "seed004-wangcheng-2020-dept.json"


# ---------------------------------------------------------------- a small real file system

def _can_mount() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0


@contextlib.contextmanager
def tmpfs(folder: Path, size: str):
    folder.mkdir(parents=True, exist_ok=True)
    if not _can_mount():
        pytest.skip("needs root on Linux to mount a small tmpfs")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def remount_ro(folder: Path) -> None:
    r = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def fill(folder: Path) -> Path:
    """Fill the file system up to its last byte."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (65536, 4096, 512, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    return filler


def sqlite_ok(path: Path) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def commit_in_cell(ew, key: str, value: str) -> None:
    """Put `value` into the cell's editor (as a paste into it would) and press Enter."""
    select(ew, key)
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    assert ed is not None
    if hasattr(ed, "setPlainText"):
        ed.setPlainText(value)
        QTest.keyClick(ed, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    else:
        ed.setText(value)
        ed.textEdited.emit(value)
        QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()


# ---------------------------------------------------------------- the store's disk fills up

def test_store_disk_full_while_editing(qtbot, tmp_path, messages):  # noqa: F811
    with tmpfs(tmp_path / "disk", "640k") as disk:
        store = Store(disk / "ziping.db")
        try:
            ew, fid = open_editor(qtbot, store)
            commit_in_cell(ew, "header.填报人", "李四")                  # a save that fits
            assert stored(store, fid, "header.填报人") == "李四"
            n_hist = len(store.history(fid))
            filler = fill(disk)

            long = ("偏差原因：受疫情影响，部分项目延期。" * 600)[:10_000]
            commit_in_cell(ew, "goals.0.indicators.0.reason", long)     # needs pages the disk lacks
            assert messages and "磁盘空间不足" in messages[-1] and "已撤回" in messages[-1]
            assert "Traceback" not in messages[-1]
            # Undone on screen, nothing in the undo stack, the store has the value before it.
            assert ew.session.form.get("goals.0.indicators.0.reason") != long
            assert text(ew, "goals.0.indicators.0.reason") != long
            assert ew.undo_stack.count() == 1
            assert stored(store, fid, "goals.0.indicators.0.reason") != long
            assert len(store.history(fid)) == n_hist
            # The app keeps showing the data: every cell still there, the total unchanged.
            assert text(ew, "header.填报人") == "李四" and text(ew, "total") == "98.18"

            filler.unlink()                                             # space again: the same edit saves
            commit_in_cell(ew, "goals.0.indicators.0.reason", long)
            assert stored(store, fid, "goals.0.indicators.0.reason") == long
            assert ew.undo_stack.count() == 2
        finally:
            store.close()
        assert sqlite_ok(disk / "ziping.db")
        with Store(disk / "ziping.db") as again:
            assert again.get(fid)["goals"][0]["indicators"][0]["reason"] == long
            assert again.get(fid)["header"]["填报人"] == "李四"


def test_store_on_a_full_disk_at_start_is_said_in_chinese(tmp_path):
    with tmpfs(tmp_path / "disk", "256k") as disk:
        fill(disk)
        from core.store import StoreError
        with pytest.raises(StoreError) as err:
            Store(disk / "ziping.db")
        assert "磁盘" in str(err.value) or "无法" in str(err.value)
        assert "Traceback" not in str(err.value)


def test_store_turns_read_only_while_editing(qtbot, tmp_path, messages):  # noqa: F811
    store = Store(tmp_path / "ziping.db")
    try:
        ew, fid = open_editor(qtbot, store)
        before = stored(store, fid, "funds.total.executed")
        store.conn.execute("PRAGMA query_only = 1")        # SQLite now answers SQLITE_READONLY
        commit_in_cell(ew, "funds.total.executed", "1784")
        assert messages and "无法写入表单库" in messages[-1] and "已撤回" in messages[-1]
        assert ew.session.form.get("funds.total.executed") == before
        assert text(ew, "total") == "98.18" and ew.undo_stack.count() == 0
        assert stored(store, fid, "funds.total.executed") == before
        store.conn.execute("PRAGMA query_only = 0")        # writable again: the app goes on
        commit_in_cell(ew, "funds.total.executed", "1784")
        assert stored(store, fid, "funds.total.executed") == "1784"
    finally:
        store.close()
    assert sqlite_ok(tmp_path / "ziping.db")


def test_store_on_a_read_only_disk_opens_read_only_or_says_why(tmp_path):
    with tmpfs(tmp_path / "disk", "1m") as disk:
        form = load(SEED004)
        with Store(disk / "ziping.db") as s:
            fid = s.create(form.data, form_summary(form))
        remount_ro(disk)
        from core.store import StoreError
        with pytest.raises(StoreError) as err:
            Store(disk / "ziping.db")                      # for writing: refused in Chinese
        assert "无法" in str(err.value) and "Traceback" not in str(err.value)
        with Store(disk / "ziping.db", readonly=True) as ro:  # what the app offers instead
            assert ro.get(fid) == form.data
            with pytest.raises(StoreError, match="只读"):
                ro.save(fid, form.data, form_summary(form))


# ---------------------------------------------------------------- exports to a bad folder

def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_export_to_a_read_only_disk(tmp_path):
    with tmpfs(tmp_path / "disk", "1m") as disk:
        (disk / "old.pdf").write_bytes(b"%PDF old")
        remount_ro(disk)
        for kwargs in ({"xlsx": disk / "new.xlsx"}, {"pdf": disk / "old.pdf"}):
            with pytest.raises(WriteError) as err:
                export_form(load(SEED004), **kwargs)
            assert "只读" in str(err.value)
        assert _only(disk) == ["old.pdf"] and (disk / "old.pdf").read_bytes() == b"%PDF old"


def test_export_to_a_full_disk_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    with tmpfs(tmp_path / "disk", "256k") as disk:
        (disk / "a.pdf").write_bytes(b"%PDF old")
        (disk / "a.xlsx").write_bytes(b"PK old")
        fill(disk)
        for kwargs in ({"xlsx": disk / "a.xlsx"}, {"pdf": disk / "a.pdf"}):
            with pytest.raises(WriteError) as err:
                export_form(load(SEED004), **kwargs)
            assert "磁盘空间不足" in str(err.value)
        assert _only(disk) == ["a.pdf", "a.xlsx", "filler.bin"]
        assert (disk / "a.pdf").read_bytes() == b"%PDF old" and (disk / "a.xlsx").read_bytes() == b"PK old"


def test_stale_temp_files_of_killed_exports_are_cleaned_by_the_next_export(tmp_path):
    target = tmp_path / "2020_表_绩效自评表.xlsx"
    old = tmp_path / ".2020_表_绩效自评表.ab_cd123.xlsx.tmp"          # a killed export, long ago
    fresh = tmp_path / ".2020_表_绩效自评表.zz_9x8w7.xlsx.tmp"        # perhaps one still running
    other = tmp_path / ".2020_表_绩效自评表.notours.tmp"              # not a name we make
    unrelated = tmp_path / ".其他文件.ab_cd123.xlsx.tmp"
    for p in (old, fresh, other, unrelated):
        p.write_bytes(b"half")
    past = time.time() - 3600
    for p in (old, other, unrelated):
        os.utime(p, (past, past))
    export_form(load(SEED004), xlsx=target)
    assert not old.exists()
    assert fresh.exists() and other.exists() and unrelated.exists()
    assert clean_stale_temps(target, older_than=0) == [fresh]


def test_exports_are_ordinary_readable_files(tmp_path):
    x, d = tmp_path / "a.xlsx", tmp_path / "a.pdf"
    export_form(load(SEED004), xlsx=x, pdf=d)
    if os.name == "posix":
        assert x.stat().st_mode & 0o777 == 0o666 & ~atomic._UMASK
        assert d.stat().st_mode & 0o777 == 0o666 & ~atomic._UMASK


# ---------------------------------------------------------------- the same, from the window

@pytest.fixture
def window(qtbot, tmp_path):
    from ui.app import make_app
    from ui.main_window import MainWindow
    make_app()
    s = Store(tmp_path / "forms.db")
    form = load(SEED004)
    s.create(form.data, form_summary(form))
    w = MainWindow(s)
    qtbot.addWidget(w)
    yield w
    s.close()


def test_window_export_to_missing_locked_or_read_only_folder(window, tmp_path, messages, monkeypatch):  # noqa: F811
    w = window
    ed = w.open_form(w.store.list_forms()[0]["id"])
    form = ed.session.form
    assert not w.export_to(form, "xlsx", str(tmp_path / "no" / "such" / "a.xlsx"))
    assert "不存在" in messages[-1] and "Traceback" not in messages[-1]
    assert not (tmp_path / "no").exists()

    target = tmp_path / "held.pdf"
    target.write_bytes(b"%PDF held open by WPS")

    def locked(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))
    monkeypatch.setattr(atomic.os, "replace", locked)
    assert not w.export_to(form, "pdf", str(target))
    assert "可能正被 PDF 阅读器或浏览器打开" in messages[-1] and "Excel" not in messages[-1]
    monkeypatch.undo()
    assert target.read_bytes() == b"%PDF held open by WPS"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []

    ok = tmp_path / "ok.xlsx"
    assert w.export_to(form, "xlsx", str(ok)) and ok.stat().st_size > 0
    assert "已导出" in w.statusBar().currentMessage()


def test_window_export_to_a_read_only_disk(window, tmp_path, messages):  # noqa: F811
    w = window
    ed = w.open_form(w.store.list_forms()[0]["id"])
    with tmpfs(tmp_path / "disk", "1m") as disk:
        remount_ro(disk)
        assert not w.export_to(ed.session.form, "pdf", str(disk / "a.pdf"))
        assert "只读" in messages[-1]
        assert _only(disk) == []


def test_window_export_of_an_unforeseen_failure_is_one_chinese_message(window, tmp_path, messages, monkeypatch):  # noqa: F811
    w = window
    ed = w.open_form(w.store.list_forms()[0]["id"])
    import core.export.xlsx as xlsxmod

    def broken(*a, **k):
        raise ZeroDivisionError("boom")
    monkeypatch.setattr(xlsxmod, "write_xlsx", broken)
    assert not w.export_to(ed.session.form, "xlsx", str(tmp_path / "a.xlsx"))
    assert "意外" in messages[-1] and "ZeroDivision" not in messages[-1] and "Traceback" not in messages[-1]
    assert list(tmp_path.glob("*.xlsx*")) == [] and list(tmp_path.glob(".*.tmp")) == []


# ---------------------------------------------------------------- files held for a moment (Windows)

class HeldFor:
    """os.replace / os.unlink that fail with Windows' sharing violation (winerror 32, what an
    antivirus scan, OneDrive or the search indexer holding a new file gives) until `seconds`
    have passed since the first attempt; `seconds=None`: held for good."""

    def __init__(self, real, seconds: float | None, only=lambda path: True):
        self.real, self.seconds, self.only = real, seconds, only
        self.first = None
        self.attempts = 0

    def __call__(self, *args):
        if self.only(str(args[-1])):
            now = time.monotonic()
            if self.first is None:
                self.first = now
            if self.seconds is None or now - self.first < self.seconds:
                self.attempts += 1
                exc = PermissionError(errno.EACCES, "The process cannot access the file because it is "
                                      "being used by another process", str(args[-1]))
                exc.winerror = 32
                raise exc
        return self.real(*args)


@pytest.mark.parametrize("suffix", [".xlsx", ".pdf"])
def test_export_waits_out_a_sharing_violation_that_clears_after_300_ms(tmp_path, monkeypatch, suffix):
    held = HeldFor(os.replace, 0.3)
    monkeypatch.setattr(atomic.os, "replace", held)
    target = tmp_path / f"自评表{suffix}"
    t0 = time.monotonic()
    export_form(load(SEED004), **{suffix[1:]: target})
    waited = time.monotonic() - t0
    assert target.stat().st_size > 0 and held.attempts >= 2
    assert waited >= 0.3
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


@pytest.mark.parametrize("suffix, hint", [(".xlsx", "Excel 或 WPS"), (".pdf", "PDF 阅读器")])
def test_a_file_held_for_good_is_said_after_about_a_second_naming_the_right_program(
        tmp_path, monkeypatch, suffix, hint):
    """Before: any PermissionError on replace blamed Excel/WPS, even for a PDF, with no retry."""
    monkeypatch.setattr(atomic.os, "replace", HeldFor(os.replace, None))
    target = tmp_path / f"自评表{suffix}"
    target.write_bytes(b"old")
    t0 = time.monotonic()
    with pytest.raises(WriteError) as err:
        export_form(load(SEED004), **{suffix[1:]: target})
    waited = time.monotonic() - t0
    assert 0.8 <= waited < 3.0
    assert "文件正被其他程序使用" in str(err.value) and hint in str(err.value)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_backup_rotation_and_restore_wait_out_a_sharing_violation(tmp_path, monkeypatch):
    import datetime as dt

    import core.store.backups as backups_mod
    from core.store import list_backups, recover_from_backup
    path = tmp_path / "ziping.db"
    days = iter(range(1, 40))
    monkeypatch.setattr(backups_mod, "_local_now", lambda: dt.datetime(2024, 3, next(days), 8, 0, 0))
    with Store(path) as s:
        fid = s.create({"v": 0}, {"name": "表"})
        for v in range(1, 4):
            s.save(fid, {"v": v}, {"name": "表"})
            s.daily_backup(keep=2)
        assert len(list_backups(path)) == 2
        # The backup being renamed into place is held for 300 ms (a scanner looking at it).
        held = HeldFor(os.replace, 0.3, only=lambda p: p.endswith(".db") and "backups" in p)
        monkeypatch.setattr(atomic.os, "replace", held)
        s.save(fid, {"v": 4}, {"name": "表"})
        made = s.daily_backup(keep=2)
        assert made is not None and made.exists() and held.attempts >= 2
        # The oldest one, to be rotated away, is held for 300 ms too.
        unheld = HeldFor(os.unlink, 0.3, only=lambda p: "backups" in p and p.endswith(".db"))
        monkeypatch.setattr(atomic.os, "unlink", unheld)
        s.save(fid, {"v": 5}, {"name": "表"})
        newest = s.daily_backup(keep=2)
        assert unheld.attempts >= 2 and len(list_backups(path)) == 2
    monkeypatch.setattr(atomic.os, "replace", HeldFor(os.replace, 0.3, only=lambda p: p == str(path)))
    path.write_bytes(b"damaged" * 1000)
    assert recover_from_backup(path).backup == newest
    with Store(path) as s:
        assert s.get(fid) == {"v": 5}


def test_a_new_temp_file_held_by_a_scanner_for_300_ms_is_waited_for(tmp_path, monkeypatch):
    """An antivirus opens each new file as soon as it is closed: opening it again (to write the
    export, to sync it) meets a sharing violation for a moment."""
    import builtins
    real_open = builtins.open
    first = {}

    def scanned_open(path, *args, **kwargs):
        name = str(path)
        if name.endswith(".tmp") or name.endswith(".part"):
            first.setdefault(name, time.monotonic())
            if time.monotonic() - first[name] < 0.3:
                exc = PermissionError(errno.EACCES, "being used by another process", name)
                exc.winerror = 32
                raise exc
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr(builtins, "open", scanned_open)
    target = tmp_path / "自评表.json"
    atomic.atomic_write_bytes(target, "表单".encode("utf-8"))
    assert target.read_bytes() == "表单".encode("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
