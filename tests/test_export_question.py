"""The question before 导出 / 批量导出 when errors remain (ui.export_question), pytest-qt offscreen."""
from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from core.editing import form_summary
from core.store import Store
from tests.helpers import sample
from ui import common
from ui import export_actions as ea
from ui import export_batch as eb
from ui import export_question as eq
from ui.app import make_app
from ui.main_window import MainWindow

NO_DATE = {"项目名称": "缺日期的项目", "实施单位": "测试单位", "填报日期": ""}


def good_form():
    return sample("central-project-example-2022.json")


def bad_form(name="缺日期的项目"):
    f = good_form()
    f.data["header"]["填报日期"] = ""
    f.data["header"]["项目名称"] = name
    return f


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "forms.db")
    s.set_meta("samples_loaded", True)
    yield s
    s.close()


@pytest.fixture
def window(qtbot, store, monkeypatch):
    make_app()
    monkeypatch.setattr(common, "show_info", lambda *a, **k: None)
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    return w


def add(store, form) -> int:
    return store.create(copy.deepcopy(form.data), form_summary(form))


def click_item(qtbot, view, item):
    rect = view.visualItemRect(item)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# ---------------------------------------------------------------------------------------------
# The dialog itself

def test_no_errors_asks_nothing(qapp):
    assert eq.error_findings(good_form()) == []
    shown = []
    QTimer.singleShot(0, lambda: shown.append(QApplication.activeModalWidget()))
    assert eq.confirm_export(None, []) is True
    assert eq.confirm_export(None, [("表", 1, [])]) is True
    QApplication.processEvents()
    assert shown == [None]


def test_errors_are_listed_and_a_click_opens_the_cell(qtbot):
    errs = eq.error_findings(bad_form())
    assert [f.where for f in errs] == ["header.填报日期"]
    opened = []
    dlg = eq.ExportQuestion(None, [("缺日期的项目", 7, errs)], lambda ref, where: opened.append((ref, where)))
    qtbot.addWidget(dlg)
    dlg.show()
    items = dlg.finding_items()
    assert [i.text() for i in items] == ["填报日期：请填写填报日期"]
    assert "1 处错误" in dlg.label.text()
    assert dlg.back_button.text() == "返回修改" and dlg.back_button.isDefault()
    assert dlg.export_button.text() == "仍然导出"
    click_item(qtbot, dlg.list, items[0])
    assert opened == [(7, "header.填报日期")]
    assert dlg.result() == QDialog.DialogCode.Rejected and not dlg.isVisible()


@pytest.mark.parametrize("button, answer", [("export_button", True), ("back_button", False)])
def test_the_two_buttons(qtbot, button, answer):
    errs = eq.error_findings(bad_form())

    def press():
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, eq.ExportQuestion)
        getattr(dlg, button).click()

    QTimer.singleShot(50, press)
    assert eq.confirm_export(None, [("表", 1, errs)]) is answer


def test_escape_means_back_to_fix(qtbot):
    errs = eq.error_findings(bad_form())

    def press():
        dlg = QApplication.activeModalWidget()
        qtbot.keyClick(dlg, Qt.Key.Key_Escape)

    QTimer.singleShot(50, press)
    assert eq.confirm_export(None, [("表", 1, errs)]) is False


def test_several_forms_are_grouped(qtbot):
    a = eq.error_findings(bad_form("甲"))
    b = eq.error_findings(sample("seed004-wangcheng-2020-dept.json"))
    dlg = eq.ExportQuestion(None, [("甲", 1, a), ("乙", 2, b)], lambda ref, where: None)
    qtbot.addWidget(dlg)
    assert dlg.headings() == ["甲（1 处错误）", f"乙（{len(b)} 处错误）"]
    assert len(dlg.finding_items()) == 1 + len(b)
    assert any("108.21%" in i.text() for i in dlg.finding_items())
    assert any(i.text().endswith("（可一键修正：改为 108.21%）") for i in dlg.finding_items())
    assert "2 张表" in dlg.label.text()
    dlg.show()
    click_item(qtbot, dlg.list, dlg.list.item(0))          # a heading: nothing happens
    assert dlg.isVisible() and dlg.opened is None


# ---------------------------------------------------------------------------------------------
# From the window: 导出 and 批量导出

class Folder:
    def __init__(self, path):
        self.path = path
        self.done = []

    def choose(self, *a):
        return str(self.path)

    def show_done(self, parent, message, folder, title="导出完成", warning=False):
        self.done.append((message, warning))


@pytest.fixture
def out(tmp_path, monkeypatch):
    folder = tmp_path / "导出"
    folder.mkdir()
    f = Folder(folder)
    monkeypatch.setattr(ea, "choose_folder", f.choose)
    monkeypatch.setattr(ea, "show_done", f.show_done)
    monkeypatch.setattr(ea, "ask", lambda *a, **k: True)
    return f


_pollers: list[dict] = []


@pytest.fixture(autouse=True)
def _stop_pollers():
    yield
    for p in _pollers:
        p["stop"] = True
    _pollers.clear()


def answer_when_asked(qtbot, action):
    """Answer the real export question when it comes up (once); record what it listed."""
    seen = []
    state = {"stop": False}
    _pollers.append(state)

    def act():
        if state["stop"]:
            return
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, eq.ExportQuestion):
            QTimer.singleShot(30, act)
            return
        state["stop"] = True
        seen.append([i.text() for i in dlg.finding_items()])
        action(dlg)

    QTimer.singleShot(30, act)
    return seen


def test_export_with_errors_back_to_fix_writes_nothing_and_the_click_opens_the_cell(window, store, out, qtbot):
    fid = add(store, bad_form())
    window.reload()
    window.select_id(fid)
    seen = answer_when_asked(qtbot, lambda dlg: click_item(qtbot, dlg.list, dlg.finding_items()[0]))
    assert ea.export_both(window) is None
    assert seen == [["填报日期：请填写填报日期"]]
    assert list(out.path.iterdir()) == []
    ed = window.current_editor()
    assert ed is not None and ed.session.form_id == fid
    cell = ed.model.cell_at(ed.view.currentIndex().row(), ed.view.currentIndex().column())
    assert cell.key == "header.填报日期"


def test_export_with_errors_anyway_writes_both(window, store, out, qtbot):
    fid = add(store, bad_form())
    window.reload()
    window.open_form(fid)
    seen = answer_when_asked(qtbot, lambda dlg: dlg.export_button.click())
    result = ea.export_both(window)
    assert seen and result is not None and result.ok
    assert sorted(p.suffix for p in out.path.iterdir()) == [".pdf", ".xlsx"]


def test_export_without_errors_is_not_asked(window, store, out, qtbot):
    fid = add(store, good_form())
    window.reload()
    window.select_id(fid)
    seen = answer_when_asked(qtbot, lambda dlg: dlg.back_button.click())
    assert ea.export_both(window).ok
    QApplication.processEvents()
    assert seen == []


def test_batch_lists_errors_per_form_and_reports_them(window, store, out, qtbot):
    add(store, good_form())
    add(store, bad_form("甲项目"))
    add(store, bad_form("乙项目"))
    seen = answer_when_asked(qtbot, lambda dlg: dlg.back_button.click())
    assert eb.run_batch(window, store, 2022, out.path) is None
    assert list(out.path.iterdir()) == []
    assert len(seen[0]) == 2

    seen = answer_when_asked(qtbot, lambda dlg: dlg.export_button.click())
    result = eb.run_batch(window, store, 2022, out.path)
    assert len(result.exported) == 3
    assert sorted(n for _label, n in result.with_errors) == [1, 1]
    assert sorted(label.split()[-1] for label, _n in result.with_errors) == ["乙项目", "甲项目"]
    message, warning = out.done[-1]
    assert "2 张表带着错误导出" in message and "甲项目：1 处错误" in message and warning


def test_single_kind_export_asks_too(window, store, out, qtbot, monkeypatch, tmp_path):
    fid = add(store, bad_form())
    window.reload()
    window.select_id(fid)
    from PySide6.QtWidgets import QFileDialog
    chosen = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (chosen.append(1) or str(tmp_path / "x.pdf"), ""))
    seen = answer_when_asked(qtbot, lambda dlg: dlg.back_button.click())
    window.export_dialog("pdf")
    assert seen and chosen == []
