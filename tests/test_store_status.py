"""The store's health at the window (ui.store_status): the background check and backup, a failing
backup said in the window, a clock behind the backups, 设置 showing the backups, and a store file
replaced or truncated underneath the running app.

Before: a failing daily backup only wrote a line to the log; a store file replaced or truncated
while the app ran was not noticed, edits were acknowledged, and the next start found a damaged
store and restored a backup without that session.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from pathlib import Path

import pytest

import core.store.backups as backups_mod
from core.form import load
from core.editing import form_summary
from core.store import Store, StoreLost
from tests.helpers import SAMPLES
from ui import common, store_status
from ui.app import make_app
from ui.driver import type_into
from ui.main_window import MainWindow


class Clock:
    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


class Said:
    """Every message the window shows, recorded instead of shown; ask_yes_no answers `answer`."""

    def __init__(self, monkeypatch, answer=False):
        self.items: list[tuple[str, str, str]] = []
        monkeypatch.setattr(common, "show_info", lambda p, m, t="": self.items.append(("info", t, m)))
        monkeypatch.setattr(common, "show_error", lambda p, m, t="": self.items.append(("error", t, m)))

        def ask(p, m, t="", yes="是", no="否", default_yes=False):
            self.items.append(("ask", t, m))
            return answer
        monkeypatch.setattr(common, "ask_yes_no", ask)


@pytest.fixture
def clock(monkeypatch):
    c = Clock(dt.datetime(2024, 3, 5, 9, 30, 0))
    monkeypatch.setattr(backups_mod, "_local_now", c)
    return c


@pytest.fixture
def opened(qtbot, tmp_path):
    make_app()
    path = tmp_path / "ziping.db"
    store = Store(path)
    form = load(SAMPLES / "seed004-wangcheng-2020-dept.json")
    fid = store.create(form.data, form_summary(form))
    store.set_meta("samples_loaded", True)
    windows = []

    def open_window():
        w = MainWindow(store)
        qtbot.addWidget(w)
        status = store_status.install(w, store, start=False)
        w.show()
        windows.append(w)
        return w, status
    yield store, fid, open_window
    for w in windows:
        if getattr(w, "store_status", None) is not None:
            w.store_status.wait()
    store.close()


def _run_upkeep(qtbot, status):
    status.start()
    status.wait()
    qtbot.waitUntil(lambda: status.result is not None)
    qtbot.wait(50)             # the queued result reaches the window


def test_the_days_backup_runs_after_the_first_paint_in_the_background(qtbot, opened, clock, monkeypatch):
    store, _fid, open_window = opened
    w = MainWindow(store)
    qtbot.addWidget(w)
    status = store_status.install(w, store)           # as run_app does
    assert status.thread is None                      # nothing before the window is painted
    w.show()
    qtbot.waitUntil(lambda: status.result is not None, timeout=10000)
    status.wait()
    made = status.result["outcome"].made
    assert made is not None and made.name == "ziping-000001-20240305-093000.db"
    assert status.thread.name == "ziping-upkeep"
    qtbot.waitUntil(lambda: "已自动备份" in w.statusBar().currentMessage())


def test_a_failing_backup_is_shown_in_the_status_bar_and_once_in_a_message(qtbot, opened, clock, monkeypatch):
    said = Said(monkeypatch)
    store, _fid, open_window = opened
    (store.path.parent / "backups").write_text("挡住了", encoding="utf-8")    # a file, not a folder
    w, status = open_window()
    _run_upkeep(qtbot, status)
    assert status.note.isVisible() and "自动备份未能完成" in status.note.text()
    (kind, title, message), = said.items
    assert title == "自动备份未能完成" and "是一个文件，不是文件夹" in message
    assert "备份文件夹" in message and "设置" in message              # what to do
    # The next start the same day: the status bar says it again, the message is not repeated.
    w2, status2 = open_window()
    _run_upkeep(qtbot, status2)
    assert status2.note.isVisible() and len(said.items) == 1
    # The next day: said once more.
    clock.now += dt.timedelta(days=1)
    w3, status3 = open_window()
    _run_upkeep(qtbot, status3)
    assert len(said.items) == 2


def test_a_clock_behind_the_backups_is_said(qtbot, opened, clock, monkeypatch):
    said = Said(monkeypatch)
    store, fid, open_window = opened
    store.daily_backup()
    clock.now = dt.datetime(2014, 1, 1, 8, 0, 0)
    w, status = open_window()
    _run_upkeep(qtbot, status)
    assert "时钟" in status.note.text()
    (kind, title, message), = said.items
    assert "2024-03-05 09:30" in message and "2014-01-01 08:00" in message and "日期和时间" in message


def test_settings_show_the_backup_folder_and_the_last_good_backup(qtbot, opened, clock):
    from PySide6.QtWidgets import QLabel

    from ui.settings import SettingsDialog
    store, _fid, open_window = opened
    w, _status = open_window()

    def texts():
        d = SettingsDialog(w)
        qtbot.addWidget(d)
        return [label.text() for label in d.findChildren(QLabel)]
    assert str(store.path.parent / "backups") in texts() and "还没有" in texts()
    made = store.daily_backup()
    assert f"2024-03-05 09:30（第 1 份）：{made}" in texts()


def _replace(path: Path) -> None:
    other = path.with_name("other.db")
    with Store(other) as s:
        s.create({"别的": "库"}, {"name": "别的表"})
    os.replace(other, path)


def _truncate(path: Path) -> None:
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)


# Windows refuses to replace a file that SQLite holds open (WinError 5, access denied): a store
# replaced under the running program cannot happen there; truncation can.
REPLACED = pytest.param(_replace, id="replaced", marks=pytest.mark.skipif(
    sys.platform == "win32", reason="Windows refuses to replace a file SQLite holds open (WinError 5)"))


@pytest.mark.parametrize("damage", [REPLACED, pytest.param(_truncate, id="truncated")])
def test_a_store_replaced_or_truncated_while_running_stops_edits_and_saves_to_a_new_store(
        qtbot, opened, tmp_path, monkeypatch, damage):
    said = Said(monkeypatch, answer=False)                 # 稍后
    store, fid, open_window = opened
    w, status = open_window()
    ed = w.open_form(fid)
    assert type_into(ed, "header.填报人", "张三")          # saved and acknowledged
    assert store.get(fid)["header"]["填报人"] == "张三"
    shutil.copy(store.path, tmp_path / "before.db")

    damage(store.path)
    assert type_into(ed, "header.联系电话", "12345")       # typed, but not acknowledged
    qtbot.wait(50)
    assert ed.session.form.get("header.联系电话") != "12345"   # undone on screen
    kinds = [k for k, _t, _m in said.items]
    assert sorted(kinds) == ["ask", "error"]
    refused = next(m for k, _t, m in said.items if k == "error")
    assert "这次修改没有保存" in refused and ("替换" in refused or "截短" in refused)
    assert "Error" not in refused and "Traceback" not in refused
    assert "另存为新的表单库" in status.note.text()
    with pytest.raises(StoreLost):                          # nothing is acknowledged any more
        store.save(fid, {"x": 1}, {"name": "x"})
    assert not type_into(ed, "header.填报人", "李四") or ed.session.form.get("header.填报人") == "张三"
    assert ed.model.readonly                                # the open form takes no more typing
    assert sorted(k for k, _t, _m in said.items) == ["ask", "error"]             # asked once only

    # What the window holds is saved to a new store.
    dest = tmp_path / "新的表单库.db"
    assert status.save_to_new_store(str(dest)) == dest
    with Store(dest) as saved:
        data = saved.get(fid)
        assert data["header"]["填报人"] == "张三"
        assert data == ed.session.form.data
        assert saved.integrity_ok()
    assert "已把 1 张表" in said.items[-1][2]


def test_the_window_list_stays_lazy_in_the_stores_order(qtbot, tmp_path):
    """At start the list reads only ids (and the rows on screen), also with the newest-first sort
    indicator shown; sorting by another column reads every row, and back to newest first it is
    lazy again."""
    from PySide6.QtCore import Qt

    from ui.list_model import MODIFIED_COLUMN
    make_app()
    store = Store(tmp_path / "ziping.db")
    with store.transaction():
        ids = [store.create({"i": i}, {"name": f"表{i:03d}", "year": 2000 + i % 20}) for i in range(900)]
    store.set_meta("samples_loaded", True)
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    qtbot.wait(20)
    m = w.list_model
    assert hasattr(m._rows, "index_of_id") and len(m._rows) == 900
    assert len(m._rows._pages) < 900 // m._rows.PAGE              # not every row was read
    assert m.form_id(0) == ids[-1]
    w.list_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)      # 年度
    assert isinstance(m._rows, list) and m.row(0)["year"] == 2000
    w.list_view.sortByColumn(MODIFIED_COLUMN, Qt.SortOrder.DescendingOrder)
    assert hasattr(m._rows, "index_of_id") and m.form_id(0) == ids[-1]
    assert m.row_of_id(ids[0]) == 899
    store.close()
