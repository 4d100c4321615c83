"""The main window as a clerk uses it (pytest-qt, offscreen): 导入 (menu and drop) with the command
line's messages, “已保存 HH:MM:SS” and Ctrl+S, sortable columns, samples marked 示例 and removable,
新建 without sample data, the delete prompt, 还原 feedback, 复制为下一年度, 另存为表单文件's name and
folder, long export paths."""
from __future__ import annotations

import copy
import io
import os
import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from core.cli import commands as cli
from core.export import export_form, export_names
from core.export.names import EXCEL_MAX_PATH, MAX_PATH, fit_stem, path_problem
from core.form import load
from core.editing import form_summary
from core.store import Store
from tests.helpers import SAMPLES, sample, sample_paths
from ui import common
from ui import export_actions as ea
from ui.app import make_app, prepare_store
from ui.list_model import COLUMNS, SampleRole
from ui.main_window import MainWindow, NewFormDialog
from ui.settings import default_export_dir

SEED004 = SAMPLES / "seed004-wangcheng-2020-dept.json"
CENTRAL = SAMPLES / "central-project-example-2022.json"


@pytest.fixture
def messages(monkeypatch):
    shown = []
    monkeypatch.setattr(common, "show_error", lambda parent, msg, title="": shown.append(("error", msg)))
    monkeypatch.setattr(common, "show_info", lambda parent, msg, title="": shown.append(("info", msg)))
    return shown


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "forms.db")
    yield s
    s.close()


def make_window(qtbot, store):
    make_app()
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture
def window(qtbot, store):
    """A store of the clerk's own (no samples)."""
    store.set_meta("samples_loaded", True)
    return make_window(qtbot, store)


@pytest.fixture
def first_start(qtbot, store):
    """A first start: the samples are loaded."""
    prepare_store(store)
    return make_window(qtbot, store)


def add(store, form, **header) -> int:
    data = copy.deepcopy(form.data)
    data["header"].update(header)
    return store.create(data, form_summary(load_data(data)))


def load_data(data):
    from core.form import validate
    return validate(data)


def cli_message(*argv) -> str:
    err = io.StringIO()
    old = sys.stderr
    sys.stderr = err
    try:
        assert cli.run(list(argv)) == cli.EXIT_BAD_INPUT
    finally:
        sys.stderr = old
    return err.getvalue().strip()


# ---------------------------------------------------------------------------------------------
# 导入: workbooks and form files, by the menu and by dropping them

def test_import_a_workbook_from_the_window(window, tmp_path, messages):
    xlsx = tmp_path / "导出的表.xlsx"
    form = sample("central-project-example-2022.json")
    export_form(form, xlsx=str(xlsx))
    ed = window.import_form_file(str(xlsx))
    assert messages == []
    assert ed is not None and window.current_editor() is ed
    assert ed.session.form.data["header"] == form.data["header"]
    assert window.store.count() == 1
    assert "已导入" in window.statusBar().currentMessage()


@pytest.mark.parametrize("name, content", [
    ("坏的.xlsx", b"PK\x03\x04 this is no zip"),
    ("旧版.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
    ("文字.xlsx", "项目名称,金额\n".encode("gbk")),
    ("坏的.json", b"{not json"),
])
def test_import_failures_say_what_the_command_line_says(window, tmp_path, messages, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert window.import_form_file(str(path)) is None
    assert window.store.count() == 0
    kind, text = messages[-1]
    assert kind == "error" and name in text
    command = ["score", str(path)] if name.endswith(".json") else ["import", str(path), "-o", str(tmp_path / "o.json")]
    assert cli_message(*command) in " ".join(text.split())
    assert "UTF-8" not in text or name.endswith(".json")
    assert "Traceback" not in text


def test_a_workbook_renamed_json_is_still_read_as_a_workbook(window, tmp_path, messages):
    path = tmp_path / "其实是工作簿.json"
    export_form(sample("central-project-example-2022.json"), xlsx=str(path))
    assert window.import_form_file(str(path)) is not None and messages == []


def test_import_menu_item_accepts_json_and_xlsx(window, tmp_path, monkeypatch, messages):
    a = tmp_path / "a.json"
    a.write_bytes(SEED004.read_bytes())
    b = tmp_path / "b.xlsx"
    export_form(sample("central-project-example-2022.json"), xlsx=str(b))
    seen = {}

    def pick(parent, title, start, pattern):
        seen["pattern"] = pattern
        return [str(a), str(b)], ""
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", pick)
    assert window.act_import.text() == "导入…"
    window.act_import.trigger()
    assert "*.json" in seen["pattern"] and "*.xlsx" in seen["pattern"]
    assert window.store.count() == 2
    assert messages[-1][0] == "info" and "已导入 2 张表" in messages[-1][1]


def drop(window, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(window.rect().center())
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    accepted = enter.isAccepted()
    if accepted:
        ev = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                        Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(window, ev)
    return accepted


def test_dropping_files_onto_the_window_imports_them(window, tmp_path, qtbot, messages):
    good = tmp_path / "表.json"
    good.write_bytes(SEED004.read_bytes())
    book = tmp_path / "工作簿.xlsx"
    export_form(sample("central-project-example-2022.json"), xlsx=str(book))
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"nothing")
    assert drop(window, [good, book, bad])
    qtbot.waitUntil(lambda: bool(messages))
    assert window.store.count() == 2
    kind, text = messages[-1]
    assert kind == "error" and "已导入 2 张表" in text and "1 个文件未能导入" in text and "坏.xlsx" in text


def test_dropping_one_file_opens_it(window, tmp_path, qtbot, messages):
    good = tmp_path / "表.json"
    good.write_bytes(SEED004.read_bytes())
    assert drop(window, [good])
    qtbot.waitUntil(lambda: window.current_editor() is not None)
    assert window.current_editor().session.form.year == 2020 and messages == []


def test_a_folder_or_nothing_is_not_accepted(window, tmp_path):
    assert not drop(window, [tmp_path])


# ---------------------------------------------------------------------------------------------
# 已保存 and Ctrl+S

def edit_a_cell(ed, key="header.填报人", text="李四"):
    cell = ed.model.sheet.cell_for(key)
    assert cell is not None
    assert ed.model.setData(ed.model.index(cell.row, cell.col), text)


def test_each_saved_edit_shows_the_time_in_the_status_bar(window, store):
    fid = add(store, sample("seed004-wangcheng-2020-dept.json"))
    window.reload()
    ed = window.open_form(fid)
    assert window.saved_label.text() == ""
    edit_a_cell(ed)
    assert re.fullmatch(r"已保存 \d\d:\d\d:\d\d", window.saved_label.text())
    assert store.get(fid)["header"]["填报人"] == "李四"


def test_ctrl_s_confirms_the_cell_being_typed_and_shows_saved(window, store, qtbot):
    fid = add(store, sample("seed004-wangcheng-2020-dept.json"))
    window.reload()
    ed = window.open_form(fid)
    cell = ed.model.sheet.cell_for("header.填报人")
    ed.view.setCurrentIndex(ed.model.index(cell.row, cell.col))
    ed.view.edit(ed.view.currentIndex())
    editor = QApplication.focusWidget()
    editor.setText("王五") if hasattr(editor, "setText") else editor.setPlainText("王五")
    assert window.act_save.shortcut().toString() == "Ctrl+S"
    QTest.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert store.get(fid)["header"]["填报人"] == "王五"
    assert re.fullmatch(r"已保存 \d\d:\d\d:\d\d", window.saved_label.text())


def test_ctrl_s_on_the_list_says_saved(window, qtbot):
    window.list_view.setFocus()
    QTest.keyClick(window.list_view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert window.saved_label.text().startswith("已保存 ")


# ---------------------------------------------------------------------------------------------
# Sorting by a header click

def click_header(window, col):
    hh = window.list_view.horizontalHeader()
    x = hh.sectionViewportPosition(col) + hh.sectionSize(col) // 2
    QTest.mouseClick(hh.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(x, hh.height() // 2))


def column(window, name):
    c = COLUMNS.index(name)
    return [window.list_model.data(window.list_model.index(r, c)) for r in range(window.list_model.rowCount())]


def test_columns_sort_by_a_click_on_their_header(window, store):
    f = sample("central-project-example-2022.json")
    for year, unit, total_weight in ((2021, "乙单位", None), (2019, "甲单位", None), (2023, "丙单位", None)):
        data = copy.deepcopy(f.data)
        data["year"] = year
        data["header"]["实施单位"] = unit
        store.create(data, form_summary(load_data(data)))
    seed = add(store, sample("seed004-wangcheng-2020-dept.json"))
    window.reload_years()
    window.reload()
    click_header(window, COLUMNS.index("年度"))
    years = column(window, "年度")
    assert years == sorted(years)
    click_header(window, COLUMNS.index("年度"))
    assert column(window, "年度") == sorted(years, reverse=True)
    click_header(window, COLUMNS.index("总分"))       # numbers, not text: 98.18 < 100
    totals = [float(t) for t in column(window, "总分")]
    assert totals == sorted(totals)
    # The selection follows its form, and a reload keeps the order.
    window.select_id(seed)
    click_header(window, COLUMNS.index("单位"))
    assert window.selected_id() == seed
    order = column(window, "单位")
    window.reload()
    assert column(window, "单位") == order and window.selected_id() == seed


# ---------------------------------------------------------------------------------------------
# Samples

def test_samples_are_marked_and_can_be_removed(first_start, messages, monkeypatch):
    w = first_start
    n = len(sample_paths())
    assert w.list_model.rowCount() == n
    names = column(w, "表名/项目名称")
    assert all(name.startswith("【示例】") for name in names)
    assert all(w.list_model.data(w.list_model.index(r, 0), SampleRole) for r in range(n))
    assert w.act_remove_samples.isEnabled()
    monkeypatch.setattr(common, "ask_yes_no", lambda *a, **k: True)
    assert w.remove_samples() == n
    assert w.list_model.rowCount() == 0 and w.store.count(deleted=True) == n
    assert not w.act_remove_samples.isEnabled()
    assert f"已把 {n} 张示例表移到回收站" in w.statusBar().currentMessage()


def test_a_form_of_ones_own_is_not_marked(first_start):
    w = first_start
    fid = add(w.store, sample("seed004-wangcheng-2020-dept.json"))
    w.reload()
    r = w.list_model.row_of_id(fid)
    assert not w.list_model.data(w.list_model.index(r, 0), SampleRole)
    assert not w.list_model.data(w.list_model.index(r, 2)).startswith("【示例】")


def test_new_form_takes_nothing_from_the_samples(first_start, monkeypatch):
    w = first_start
    seen = {}

    def look(dlg):
        seen.update({k: e.text() for k, e in dlg.edits.items()})
        return QDialog.DialogCode.Rejected
    monkeypatch.setattr(NewFormDialog, "exec", look)
    w.new_form()
    assert seen and seen.pop("填报日期")
    assert set(seen.values()) == {""}, seen
    # Once the clerk has a form of their own, its unit is offered.
    add(w.store, sample("central-project-example-2022.json"), 实施单位="我的单位")
    w.new_form()
    assert seen["实施单位"] == "我的单位"


def test_samples_of_an_older_store_are_recognised(store, qtbot):
    from ui.samples import sample_ids
    for p in sample_paths():
        f = load(p)
        store.create(f.data, form_summary(f))
    store.set_meta("samples_loaded", True)          # as an older version left it
    assert sample_ids(store) == set(range(1, len(sample_paths()) + 1))


# ---------------------------------------------------------------------------------------------
# Delete, 还原, 复制为下一年度

def test_the_delete_prompt_names_year_template_and_project(window, store, monkeypatch):
    a = add(store, sample("seed004-wangcheng-2020-dept.json"))
    data = sample("seed004-wangcheng-2020-dept.json").data
    data["year"] = 2021
    add(store, load_data(data))
    window.reload()
    window.select_id(a)
    asked = []
    monkeypatch.setattr(common, "ask_yes_no", lambda parent, msg, *a, **k: asked.append(msg) or False)
    window.delete_selected()
    assert "2020 年度" in asked[0] and "湖南" in asked[0] and "中共长沙市望城区委政法委员会" in asked[0]
    assert store.count() == 2
    # From the editor too.
    window.open_form(a)
    window.delete_selected()
    assert "2020 年度" in asked[1] and "模板：" in asked[1]


def test_restore_says_what_came_back(window, store, monkeypatch):
    fid = add(store, sample("seed004-wangcheng-2020-dept.json"))
    store.delete(fid)
    window.act_trash.setChecked(True)
    window.toggle_trash()
    window.select_id(fid)
    window.restore_selected()
    msg = window.statusBar().currentMessage()
    assert "已还原" in msg and "2020" in msg and store.count() == 1


def test_copy_next_year_clears_amounts_actuals_scores_and_reasons(window, store):
    fid = add(store, sample("central-project-example-2022.json"))
    old = sample("central-project-example-2022.json")
    window.reload()
    window.select_id(fid)
    window.copy_next_year()
    f = window.current_editor().session.form
    assert f.year == old.year + 1
    for key in ("initial", "budget", "executed", "rate"):
        assert f.funds["total"].get(key, "") == "", key
    assert f.funds["total"]["label"] == old.funds["total"]["label"]
    assert len(f.funds["sources"]) == len(old.funds["sources"])
    assert all(s.get("budget", "") == "" and s.get("executed", "") == "" for s in f.funds["sources"])
    for g_new, g_old in zip(f.goals, old.goals):
        assert g_new["planned"] == g_old["planned"] and g_new["achieved"] == ""
        for a, b in zip(g_new["indicators"], g_old["indicators"]):
            assert (a["name"], a["target"], a["weight"]) == (b["name"], b["target"], b["weight"])
            assert a["actual"] == "" and a["score"] is None and a["reason"] == ""


# ---------------------------------------------------------------------------------------------
# 另存为表单文件: safe name, the export folder

def test_save_as_proposes_a_safe_name_in_documents(window, store, monkeypatch, tmp_path):
    fid = add(store, sample("central-project-example-2022.json"), 项目名称="粘贴来的\t项目\n名称\x07")
    window.reload()
    window.select_id(fid)
    seen = {}

    def ask(parent, title, start, pattern):
        seen["start"] = start
        return str(tmp_path / Path(start).name), ""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    window.export_file_dialog()
    start = Path(seen["start"])
    assert start.parent == Path(default_export_dir())
    assert not any(ord(ch) < 32 for ch in start.name) and start.suffix == ".json"
    assert start.stem == export_names(load_data(store.get(fid)))[0][: -len(".xlsx")]
    assert (tmp_path / start.name).exists()


# ---------------------------------------------------------------------------------------------
# Long paths

def test_path_problem_and_fit_stem(tmp_path):
    assert path_problem(tmp_path / "a.xlsx") == ""
    long = tmp_path / ("长" * (EXCEL_MAX_PATH - len(str(tmp_path))))
    msg = path_problem(str(long) + ".xlsx")
    assert "218" in msg and "太长" in msg
    assert path_problem(str(long) + ".pdf") == ""                      # a PDF may go to 259
    assert "259" in path_problem(str(tmp_path / ("长" * 300)) + ".pdf")
    stem = "2022_" + "单位" * 40 + "_" + "项目" * 40 + "_绩效自评表"
    short = fit_stem(tmp_path, stem)
    assert short.endswith("…_绩效自评表")
    assert len(os.path.join(os.path.abspath(tmp_path), short + ".xlsx")) <= EXCEL_MAX_PATH
    assert fit_stem(tmp_path, "2022_x_绩效自评表") == "2022_x_绩效自评表"
    assert fit_stem(tmp_path / ("深" * 210), stem) is None
    # A PDF may be longer than a workbook, but its temp file (core.files.atomic, 14 more) must fit 259.
    base = len(os.path.abspath(tmp_path)) + 1
    assert path_problem(str(tmp_path / ("p" * (245 - base - 4))) + ".pdf") == ""
    assert path_problem(str(tmp_path / ("p" * (246 - base - 4))) + ".pdf")
    # A character outside the BMP counts twice, as Windows counts it.
    assert path_problem(str(tmp_path / ("𪚥" * ((MAX_PATH - len(str(tmp_path))) // 2 + 1))) + ".pdf")


def test_export_into_a_deep_folder_shortens_the_names(window, store, monkeypatch, tmp_path):
    deep = tmp_path / ("很深的文件夹" * 14)
    deep.mkdir()
    assert len(str(deep)) < EXCEL_MAX_PATH - 30
    monkeypatch.setattr(ea, "show_done", lambda *a, **k: None)
    f = sample("central-project-example-2022.json")
    f.data["header"]["项目名称"] = "很长的项目名称" * 15
    out = ea.export_to_folder(window, f, deep)
    assert out.ok and len(out.written) == 2
    for p in out.written:
        assert len(str(p)) <= EXCEL_MAX_PATH and p.exists()
        assert p.stem.endswith("…_绩效自评表")


def test_export_into_a_folder_too_deep_says_so(window, monkeypatch, tmp_path):
    deep = tmp_path.joinpath(*["很深的文件夹" * 6] * 6)      # said before anything is written
    errors = []
    monkeypatch.setattr(ea, "show_error", lambda parent, msg, title="": errors.append(msg))
    assert ea.export_to_folder(window, sample("central-project-example-2022.json"), deep) is None
    assert "路径太长" in errors[0] and "218" in errors[0]
    assert not deep.exists()


def test_one_file_export_checks_the_path(window, messages, tmp_path):
    deep = tmp_path.joinpath(*["很深的文件夹" * 6] * 6)
    assert not window.export_to(sample("central-project-example-2022.json"), "xlsx", str(deep / "a.xlsx"))
    assert "太长" in messages[-1][1] and not deep.exists()


def test_save_as_into_a_folder_too_deep_says_so(window, messages, tmp_path):
    deep = tmp_path.joinpath(*["很深的文件夹" * 6] * 8)
    assert not window.export_form_file(sample("central-project-example-2022.json"), str(deep / "表.json"))
    assert "259" in messages[-1][1] and not deep.exists()


def test_a_read_only_store_imports_nothing(tmp_path, qtbot, messages):
    path = tmp_path / "forms.db"
    s = Store(path)
    s.set_meta("samples_loaded", True)
    s.close()
    ro = Store(path, readonly=True)
    try:
        w = make_window(qtbot, ro)
        good = tmp_path / "表.json"
        good.write_bytes(SEED004.read_bytes())
        assert not drop(w, [good])
        assert w.import_form_file(str(good)) is None
        assert "只读" in messages[-1][1] and ro.count() == 0
        assert not w.act_import.isEnabled() and not w.act_remove_samples.isEnabled()
    finally:
        ro.close()
