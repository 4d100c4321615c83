"""导出 (Excel + PDF into one folder) and 批量导出 from the main window (pytest-qt, offscreen).

Every question and message of ui.export_actions is replaced by a recorder, so no modal dialog
ever waits."""
from __future__ import annotations

import copy
import os
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton, QToolBar

import ui  # noqa: F401
from core.export import export_names
from core.form import load
from core.editing import form_summary
from core.store import Store
from tests.helpers import SAMPLES, central_form
from ui import common
from ui import export_actions as ea
from ui import export_batch as eb
from ui.app import make_app
from ui.main_window import MainWindow
from ui.settings import Settings

SEED004 = SAMPLES / "seed004-wangcheng-2020-dept.json"
CENTRAL = SAMPLES / "central-project-example-2022.json"
RARE = "𪚥"          # outside the PDF font (CJK Extension B)
EMOJI = "😀"


class Recorder:
    """Stands in for the dialogs: folder choice, yes/no questions, error and done messages."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.answers: list[bool] = []      # answers to `ask`, in order; True when run out
        self.asked: list[tuple[str, str]] = []    # (message, yes label)
        self.errors: list[str] = []
        self.done: list[tuple[str, str | None, bool]] = []   # (message, folder, warning)
        self.infos: list[str] = []
        self.questions: list[list] = []    # the problems of each export question
        self.go_on = True                  # the answer to the export question

    def confirm_export(self, parent, problems, open_cell=None):
        problems = [p for p in problems if p[2]]
        if not problems:
            return True
        self.questions.append(problems)
        return self.go_on

    def choose_folder(self, parent, title, start):
        return str(self.folder) if self.folder else ""

    def ask(self, parent, message, title, yes, no="取消"):
        self.asked.append((message, yes))
        return self.answers.pop(0) if self.answers else True

    def show_error(self, parent, message, title="导出失败"):
        self.errors.append(message)

    def show_done(self, parent, message, folder, title="导出完成", warning=False):
        self.done.append((message, folder, warning))


@pytest.fixture
def rec(monkeypatch, tmp_path):
    out = tmp_path / "导出"
    out.mkdir()
    r = Recorder(out)
    for name in ("choose_folder", "ask", "show_error", "show_done", "confirm_export"):
        monkeypatch.setattr(ea, name, getattr(r, name))
    monkeypatch.setattr(common, "show_info", lambda parent, msg, title="": r.infos.append(msg))
    monkeypatch.setattr(common, "show_error", lambda parent, msg, title="": r.errors.append(msg))
    return r


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "forms.db")
    s.set_meta("samples_loaded", True)
    yield s
    s.close()


@pytest.fixture
def window(qtbot, store):
    make_app()
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    return w


def add(store, form, year=None, **header):
    data = copy.deepcopy(form.data)
    if year is not None:
        data["year"] = year
    data["header"].update(header)
    f = load_data(data)
    return store.create(f.data, form_summary(f))


def load_data(data):
    from core.form import validate
    return validate(data)


def files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def assert_valid_pair(xlsx: Path, pdf: Path) -> None:
    wb = openpyxl.load_workbook(xlsx)
    assert wb.worksheets and wb.worksheets[0].max_row > 5
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")


# ---------------------------------------------------------------------------------------------
# 导出

def test_actions_shortcut_and_menus(window):
    w = window
    assert w.act_export_both.shortcut().toString() == "Ctrl+E"
    assert w.act_export_xlsx.shortcut().isEmpty()
    file_menu = w.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions() if not a.isSeparator()]
    for t in ("导出…", "批量导出…", "导出 Excel…", "导出 PDF…", "设置…"):
        assert t in texts
    assert texts.index("导出…") < texts.index("导出 Excel…")
    tb_texts = [a.text() for a in w.findChild(QToolBar, "mainToolbar").actions()]
    assert "导出…" in tb_texts and "导出 Excel…" not in tb_texts


def test_export_both_writes_the_two_files_with_the_section6_names(window, store, rec, monkeypatch):
    fid = add(store, load(SEED004))
    ed = window.open_form(fid)
    expected = export_names(ed.session.form)
    assert expected == ("2020_中共长沙市望城区委政法委员会_部门整体_绩效自评表.xlsx",
                        "2020_中共长沙市望城区委政法委员会_部门整体_绩效自评表.pdf")

    # The clerk edits while the folder dialog is open: the export is the form as it was asked for.
    def choose_and_edit(parent, title, start):
        ed.session.form.header["填报人"] = "后来改的内容"
        return str(rec.folder)
    monkeypatch.setattr(ea, "choose_folder", choose_and_edit)

    window.act_export_both.trigger()
    assert rec.errors == [] and rec.asked == []
    assert files(rec.folder) == sorted(expected)
    xlsx, pdf = rec.folder / expected[0], rec.folder / expected[1]
    assert_valid_pair(xlsx, pdf)
    cells = [str(c.value) for row in openpyxl.load_workbook(xlsx).worksheets[0].iter_rows() for c in row if c.value]
    assert not any("后来改的内容" in c for c in cells)
    assert any("望城区委政法委员会" in c for c in cells)
    msg, folder, warning = rec.done[-1]
    assert msg.startswith(f"已导出到 {rec.folder}") and expected[0] in msg and expected[1] in msg
    assert folder == str(rec.folder) and not warning
    assert Settings().export_dir == str(rec.folder)           # the next export starts here
    assert Settings().export_dir_or_default() == str(rec.folder)


def test_export_both_from_the_list_selection(window, store, rec):
    fid = add(store, load(CENTRAL))
    window.reload()
    window.select_id(fid)
    out = ea.export_both(window)
    assert out is not None and out.ok and len(out.written) == 2
    assert files(rec.folder) == sorted(export_names(load(CENTRAL)))


def test_nothing_selected_says_so(window, rec):
    assert ea.export_both(window) is None
    assert rec.infos and "请先选中或打开一张表" in rec.infos[-1]


def test_existing_file_and_cancel_leaves_it_untouched(window, rec):
    form = load(CENTRAL)
    xlsx_name, pdf_name = export_names(form)
    old = rec.folder / xlsx_name
    old.write_bytes(b"old workbook")
    rec.answers = [False]                                # 覆盖? -> 取消
    assert ea.export_to_folder(window, form, rec.folder) is None
    assert len(rec.asked) == 1
    question, yes = rec.asked[0]
    assert yes == "覆盖" and xlsx_name in question and pdf_name not in question
    assert old.read_bytes() == b"old workbook"
    assert files(rec.folder) == [xlsx_name]
    assert rec.done == [] and rec.errors == []
    # 覆盖: both written, one question for both files.
    (rec.folder / pdf_name).write_bytes(b"old pdf")
    rec.asked.clear()
    out = ea.export_to_folder(window, form, rec.folder)
    assert out is not None and out.ok
    assert len(rec.asked) == 1 and xlsx_name in rec.asked[0][0] and pdf_name in rec.asked[0][0]
    assert_valid_pair(rec.folder / xlsx_name, rec.folder / pdf_name)


def test_file_held_open_by_excel_is_said_plainly_and_the_old_file_stays(window, rec, monkeypatch):
    form = load(CENTRAL)
    assert ea.export_to_folder(window, form, rec.folder).ok
    before = {n: (rec.folder / n).read_bytes() for n in files(rec.folder)}

    def locked(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))
    monkeypatch.setattr(os, "replace", locked)
    rec.errors.clear()
    rec.done.clear()
    out = ea.export_to_folder(window, form, rec.folder)          # 覆盖? -> yes
    assert out is not None and not out.written and len(out.failed) == 2
    assert len(rec.errors) == 1 and rec.done == []
    msg = rec.errors[0]
    assert "可能正被 Excel 或 WPS 打开" in msg and "Traceback" not in msg and "Errno" not in msg
    assert {n: (rec.folder / n).read_bytes() for n in files(rec.folder)} == before
    assert files(rec.folder) == sorted(before)                     # no temp file left behind


def test_pdf_locked_but_workbook_written_is_reported_as_partial(window, rec, monkeypatch):
    form = load(CENTRAL)
    xlsx_name, pdf_name = export_names(form)
    real_replace = os.replace

    def pdf_locked(src, dst):
        if str(dst).endswith(".pdf"):
            raise PermissionError(13, "Permission denied", str(dst))
        return real_replace(src, dst)
    (rec.folder / pdf_name).write_bytes(b"old pdf")
    monkeypatch.setattr(os, "replace", pdf_locked)
    out = ea.export_to_folder(window, form, rec.folder)
    assert [p.name for p in out.written] == [xlsx_name]
    assert (rec.folder / pdf_name).read_bytes() == b"old pdf"
    msg, folder, warning = rec.done[-1]
    assert warning and xlsx_name in msg and "PDF 阅读器" in msg
    assert files(rec.folder) == sorted([xlsx_name, pdf_name])


@pytest.mark.parametrize("where", ["header", "indicator"])
def test_missing_glyph_is_asked_and_cancel_writes_nothing(window, rec, where):
    if where == "header":
        form = central_form([{"name": "指标"}], header={"项目名称": f"测试{RARE}项目", "实施单位": "测试单位"})
    else:
        form = central_form([{"name": f"满意度{EMOJI}", "reason": f"原因{RARE}"}])
    rec.answers = [False]                                          # 仍然导出? -> 取消
    assert ea.export_to_folder(window, form, rec.folder) is None
    assert files(rec.folder) == []
    assert len(rec.asked) == 1
    question, yes = rec.asked[0]
    assert yes == "仍然导出" and "□" in question
    if where == "header":
        assert f"项目名称：“{RARE}”(U+2A6A5)" in question
    else:
        assert "U+1F600" in question and "三级指标" in question and "偏差原因" in question
    # 仍然导出: both files, the PDF with □.
    out = ea.export_to_folder(window, form, rec.folder)
    assert out is not None and out.ok
    assert_valid_pair(*(rec.folder / n for n in export_names(form)))


def test_done_message_opens_the_folder(qtbot, tmp_path, monkeypatch):
    make_app()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)

    def click_open(box):
        button = next(b for b in box.buttons() if b.text() == "打开文件夹")
        button.click()
        return 0
    monkeypatch.setattr(QMessageBox, "exec", click_open)
    ea.show_done(None, f"已导出到 {tmp_path}", str(tmp_path))
    assert opened == [QUrl.fromLocalFile(str(tmp_path))]
    box, open_button = ea.done_box(None, "没有写出文件", None)
    assert open_button is None and [b.text() for b in box.buttons()] == ["确定"]


# ---------------------------------------------------------------------------------------------
# 批量导出

@pytest.fixture
def year_of_three(store):
    """2023: three forms (two with the same name), one more in the 回收站; one form of 2022."""
    a = add(store, load(CENTRAL), 2023, 项目名称="甲项目", 实施单位="测试单位")
    b = add(store, load(CENTRAL), 2023, 项目名称="乙项目", 实施单位="测试单位")
    c = add(store, load(CENTRAL), 2023, 项目名称="甲项目", 实施单位="测试单位")
    gone = add(store, load(CENTRAL), 2023, 项目名称="删掉的项目", 实施单位="测试单位")
    store.delete(gone)
    add(store, load(SEED004), 2022)
    return [a, b, c]


@pytest.fixture
def progress_dialogs(monkeypatch):
    made = []
    real = eb._make_progress

    def make(parent, n):
        dlg = real(parent, n)
        made.append(dlg)
        return dlg
    monkeypatch.setattr(eb, "_make_progress", make)
    return made


def test_batch_exports_every_form_of_the_year(window, store, rec, year_of_three, progress_dialogs):
    result = eb.run_batch(window, store, 2023, rec.folder)
    names = files(rec.folder)
    assert len(names) == 6 and len(result.written) == 6
    assert names == sorted([
        "2023_测试单位_甲项目_绩效自评表.xlsx", "2023_测试单位_甲项目_绩效自评表.pdf",
        "2023_测试单位_甲项目_绩效自评表(2).xlsx", "2023_测试单位_甲项目_绩效自评表(2).pdf",
        "2023_测试单位_乙项目_绩效自评表.xlsx", "2023_测试单位_乙项目_绩效自评表.pdf"])
    for stem in {n.rsplit(".", 1)[0] for n in names}:
        assert_valid_pair(rec.folder / f"{stem}.xlsx", rec.folder / f"{stem}.pdf")
    assert result.total == 3 and len(result.exported) == 3 and not result.failures
    assert not result.canceled and result.percent == 100
    dlg = progress_dialogs[0]
    assert dlg.value() == dlg.maximum() == 3
    assert dlg.windowTitle() == "批量导出" and "共 3 张" in dlg.labelText() and "测试单位" in dlg.labelText()
    assert [b.text() for b in dlg.findChildren(QPushButton)] == ["取消"]
    assert rec.asked == [] and rec.errors == []
    msg, folder, warning = rec.done[-1]
    assert len(rec.done) == 1 and "3 张表" in msg and "6 个文件" in msg and folder == str(rec.folder)
    assert not warning


def test_batch_cancel_stops_after_the_current_form(window, store, rec, year_of_three, progress_dialogs,
                                                   monkeypatch):
    real = eb._export_planned
    calls = []

    def export_then_cancel(item, result):
        calls.append(item.label)
        real(item, result)
        progress_dialogs[0].cancel()                  # the clerk presses 取消 during the first form
    monkeypatch.setattr(eb, "_export_planned", export_then_cancel)
    result = eb.run_batch(window, store, 2023, rec.folder)
    assert len(calls) == 1
    assert files(rec.folder) == sorted(["2023_测试单位_甲项目_绩效自评表.xlsx", "2023_测试单位_甲项目_绩效自评表.pdf"])
    assert result.canceled and len(result.exported) == 1 and result.percent == 33
    msg, _folder, warning = rec.done[-1]
    assert "已取消" in msg and "其余 2 张" in msg and warning


def test_batch_lists_missing_glyphs_and_failures_in_one_message(window, store, rec, progress_dialogs):
    add(store, load(CENTRAL), 2023, 项目名称=f"丙{RARE}项目", 实施单位="测试单位")
    add(store, load(CENTRAL), 2023, 项目名称="丁项目", 实施单位="测试单位")
    add(store, load(CENTRAL), 2023, 项目名称="戊项目", 实施单位="测试单位")
    blocked = rec.folder / "2023_测试单位_丁项目_绩效自评表.xlsx"
    blocked.mkdir()                               # a folder where the workbook should go
    result = eb.run_batch(window, store, 2023, rec.folder)
    assert len(rec.asked) == 1 and rec.asked[0][1] == "覆盖"      # only the name clash is asked about
    assert len(result.failures) == 1 and "丁项目" in result.failures[0][0]
    assert len(result.missing) == 1 and RARE in result.missing[0][1][0]
    assert blocked.is_dir()
    written = files(rec.folder)
    assert f"2023_测试单位_丙{RARE}项目_绩效自评表.pdf" in written
    assert "2023_测试单位_丁项目_绩效自评表.pdf" in written          # the other file of it still written
    assert "2023_测试单位_戊项目_绩效自评表.xlsx" in written
    assert not any(n.endswith(".tmp") for n in written)
    assert len(rec.done) == 1
    msg, _folder, warning = rec.done[0]
    assert warning and "未能导出" in msg and "丁项目" in msg and "Excel" in msg
    assert f"“{RARE}”(U+2A6A5)" in msg and "□" in msg and "丙" in msg


def test_batch_existing_files_cancel_writes_nothing(window, store, rec, year_of_three):
    old = rec.folder / "2023_测试单位_乙项目_绩效自评表.pdf"
    old.write_bytes(b"old")
    rec.answers = [False]
    assert eb.run_batch(window, store, 2023, rec.folder) is None
    assert files(rec.folder) == [old.name] and old.read_bytes() == b"old"


def test_batch_dialog_defaults_to_the_filter_year(window, store, rec, year_of_three, monkeypatch):
    w = window
    w.reload_years()
    w.year_box.setCurrentIndex(w.year_box.findData(2022))
    seen = []

    def fake_exec(dlg):
        seen.append((dlg.year(), dlg.count_label.text(), dlg.folder()))
        dlg.year_box.setCurrentIndex(dlg.year_box.findData(2023))
        seen.append(dlg.count_label.text())
        dlg.folder_edit.setText(str(rec.folder))
        return QDialog.DialogCode.Accepted
    monkeypatch.setattr(eb.BatchExportDialog, "exec", fake_exec)
    result = eb.batch_export(w)
    assert seen[0][0] == 2022 and "共 1 张表" in seen[0][1]
    assert "共 3 张表" in seen[1]
    assert result is not None and len(result.written) == 6
    assert Settings().export_dir == str(rec.folder)


def test_batch_dialog_refuses_a_missing_folder(window, store, rec, year_of_three, tmp_path):
    dlg = eb.BatchExportDialog(window, store, store.years(), None, str(tmp_path / "没有这个文件夹"))
    assert dlg.year() == 2023                               # newest when the list shows 全部年度
    dlg.accept()
    assert dlg.result() != QDialog.DialogCode.Accepted and "找不到文件夹" in rec.errors[-1]
    dlg.folder_edit.setText(str(rec.folder))
    dlg.accept()
    assert dlg.result() == QDialog.DialogCode.Accepted


def test_ctrl_e_in_the_editor_exports_both(window, store, rec, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    ed = window.open_form(add(store, load(SEED004)))
    window.activateWindow()
    qtbot.waitActive(window)
    ed.view.setFocus()
    QTest.keyClick(ed.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert files(rec.folder) == sorted(export_names(ed.session.form))
    assert rec.done and rec.done[-1][0].startswith("已导出到")
