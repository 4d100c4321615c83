"""单位汇总与报告 in the window: the unit's forms, state column, double-click, report sections,
导出报送材料 with errors present."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from core.package.report_texts import form_key, history, load_texts, unit_key
from core.editing import form_summary
from core.store import Store
from tests.helpers import UNIT, sample, sample_unit
from ui import common, unit_view
from ui.app import make_app
from ui.main_window import MainWindow
from ui.unit_view import FORM_COLUMNS

NAME = f"2022_{UNIT}_绩效自评材料"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "forms.db")
    for f in sample_unit():
        s.create(f.data, form_summary(f))
    other = sample("seed004-wangcheng-2020-dept.json")
    s.create(other.data, form_summary(other))
    yield s
    s.close()


@pytest.fixture
def window(qtbot, store, monkeypatch):
    make_app()
    monkeypatch.setattr(common, "show_error", lambda *a, **k: pytest.fail(f"unexpected error: {a[1:]}"))
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitActive(w)
    return w


def _open_view(window):
    window.act_unit_view.trigger()
    view = window.unit_view
    assert window.tabs.currentWidget() is view
    view.choose(2022, UNIT)
    return view


def test_open_the_unit_view_and_its_state_column(window):
    view = _open_view(window)
    assert view.year() == 2022 and view.unit() == UNIT
    assert [view.year_box.itemData(i) for i in range(view.year_box.count())] == [2022, 2020]
    assert view.forms.rowCount() == 3
    names = [view.forms.item(r, 1).text() for r in range(3)]
    assert names == ["社会治安综合治理专项经费", "综治、平安建设经费", "四型平安小区以奖代拨经费"]
    col = FORM_COLUMNS.index
    assert [view.row_state(r) for r in range(3)] == ["可提交", "有错误", "有错误"]
    assert view.forms.item(0, col("自评得分")).text() == "94.25"
    assert view.forms.item(0, col("自评等级")).text() == "优"
    assert view.forms.item(1, col("自评得分")).text() == "不计分"
    assert view.forms.item(1, col("执行率")).text() == "85.11%"
    assert view.forms.item(1, col("错误")).text() == "2"
    # the 汇总表 tab: three rows and 合计
    assert view.summary.rowCount() == 4
    assert view.summary.item(3, 0).text() == "合计"
    assert view.summary.item(3, 6).text() == "931.00"
    # the other year lists the other unit
    view.year_box.setCurrentIndex(1)
    assert view.unit() == "中共长沙市望城区委政法委员会" and view.forms.rowCount() == 1


def test_double_click_opens_the_form_and_an_edit_shows_in_the_view(window, qtbot):
    view = _open_view(window)
    rect = view.forms.visualRect(view.forms.model().index(1, 1))
    QTest.mouseClick(view.forms.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    QTest.mouseDClick(view.forms.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      rect.center())
    ed = window.current_editor()
    assert ed is not None and "综治、平安建设经费" in ed.title()
    # fix the 填报日期 error and the funds sum in the store, as the editor's autosave would
    fid = view.entries[1].ref
    form = window.store.get(fid)
    form["header"]["填报日期"] = "2023-03-29"
    form["funds"]["sources"][0]["executed"] = "20.64"
    from core.form import validate
    window.store.save(fid, form, form_summary(validate(form)))
    window.tabs.setCurrentWidget(view)                 # coming back reloads
    assert view.row_state(1) == "可提交"


def test_edit_a_report_section(window, qtbot):
    view = _open_view(window)
    view.tabs.setCurrentIndex(2)
    editor = view.unit_report
    editor.select_section("org")
    assert editor.current_section() == "org"
    assert editor.text.toPlainText().startswith("【请填写：组织实施情况")
    assert "2022年度本单位共有 3 个项目" not in editor.live.toPlainText()
    editor.text.setFocus()
    editor.text.selectAll()
    editor.text.insertPlainText("成立了绩效自评工作小组。\n逐表核对了数据。")
    qtbot.waitUntil(lambda: "org" in load_texts(window.store, unit_key(2022, UNIT)), timeout=3000)
    assert load_texts(window.store, unit_key(2022, UNIT))["org"] == "成立了绩效自评工作小组。\n逐表核对了数据。"
    assert history(window.store, unit_key(2022, UNIT))[0]["section"] == "org"
    # the basic section shows live figures
    editor.select_section("basic")
    assert "共有 3 个项目" in editor.live.toPlainText()
    # a project's report: the selected form's
    view.forms.setCurrentCell(0, 1)
    view.project_report.select_section("other")
    view.project_report.text.selectAll()
    view.project_report.text.insertPlainText("无")
    view.project_report.flush()
    assert load_texts(window.store, form_key(view.entries[0].ref)) == {"other": "无"}
    # the table changes: the text stays, the figures follow
    view.reload()
    view.tabs.setCurrentIndex(2)
    editor.select_section("org")
    assert editor.text.toPlainText() == "成立了绩效自评工作小组。\n逐表核对了数据。"
    editor.reset_section()
    assert "org" not in load_texts(window.store, unit_key(2022, UNIT))
    assert editor.text.toPlainText().startswith("【请填写：")


def test_export_package_with_errors_present(window, tmp_path, monkeypatch):
    view = _open_view(window)
    asked = []
    answer = {"go": False}

    def fake_confirm(parent, found, open_cell, blanks=(), open_section=None):
        asked.append([(title, ref, [f.message for f in fs]) for title, ref, fs in found])
        if not answer["go"]:
            open_cell(found[0][1], found[0][2][0].where)        # the clerk clicks the first finding
        return answer["go"]
    done = []
    monkeypatch.setattr(unit_view, "confirm", fake_confirm)
    monkeypatch.setattr(unit_view, "show_done", lambda parent, msg, folder: done.append(msg))
    out = tmp_path / "out"
    out.mkdir()
    # 返回修改: nothing is written, the form with the error is opened
    assert view.export_package(str(out), as_zip=False) is None
    assert list(out.iterdir()) == []
    titles = [t for t, _, _ in asked[0]]
    assert titles == ["综治、平安建设经费", "四型平安小区以奖代拨经费"]
    assert any("30.64" in m for m in asked[0][0][2])
    assert window.current_editor() is not None
    assert "综治、平安建设经费" in window.current_editor().title()
    # 仍然导出: the package is written, with a progress bar on the way
    window.tabs.setCurrentWidget(view)
    answer["go"] = True
    path = view.export_package(str(out), as_zip=True)
    assert path == out / (NAME + ".zip") and path.is_file()
    assert done and "16 个文件" in done[0]
    import zipfile
    with zipfile.ZipFile(path) as zf:
        assert len(zf.namelist()) == 16


def test_export_dialog_writes_a_folder(window, tmp_path, monkeypatch):
    view = _open_view(window)
    monkeypatch.setattr(unit_view, "confirm", lambda parent, found, open_cell, *blanks: True)
    monkeypatch.setattr(unit_view, "choose_target", lambda parent, start: (str(tmp_path), False))
    monkeypatch.setattr(unit_view, "show_done", lambda parent, msg, folder: None)
    window.tabs.setCurrentIndex(0)
    window.act_export_package.trigger()                 # 文件 → 导出报送材料…
    assert window.tabs.currentWidget() is view
    assert (tmp_path / NAME).is_dir() and len(list((tmp_path / NAME).iterdir())) == 16


from tests.test_export_question import _stop_pollers, answer_when_asked, click_item  # noqa: E402,F401


def test_the_real_question_lists_the_errors_and_a_click_opens_the_cell(window, tmp_path, qtbot, monkeypatch):
    view = _open_view(window)
    monkeypatch.setattr(unit_view, "show_done", lambda parent, msg, folder: None)
    out = tmp_path / "out"
    out.mkdir()
    seen = answer_when_asked(qtbot, lambda dlg: click_item(qtbot, dlg.tree, dlg.finding_items()[0]))
    assert view.export_package(str(out), as_zip=False) is None
    assert list(out.iterdir()) == []
    assert len(seen) == 1 and any("30.64" in line for line in seen[0])
    ed = window.current_editor()
    assert ed is not None and ed.session.form_id == view.entries[1].ref
    cell = ed.model.cell_at(ed.view.currentIndex().row(), ed.view.currentIndex().column())
    assert cell.key == "header.填报日期"


def test_text_typed_just_before_closing_is_kept(window):
    view = _open_view(window)
    view.tabs.setCurrentIndex(2)
    view.unit_report.select_section("other")
    view.unit_report.text.selectAll()
    view.unit_report.text.insertPlainText("无")
    window.close()                                     # before the save timer fires
    assert load_texts(window.store, unit_key(2022, UNIT)) == {"other": "无"}


def test_the_export_question_lists_the_reports_blanks_and_opens_their_section(window, tmp_path, monkeypatch, qtbot):
    """导出报送材料 asks about the 【请填写】 left in the reports too, one line each; a click on one
    shows that report at that section, and nothing is written."""
    from ui.export_question import ExportQuestion
    view = _open_view(window)
    seen = {}

    def real_question(parent, found, open_cell, blanks=(), open_section=None):
        dlg = ExportQuestion(parent, found, open_cell, blanks, open_section)
        seen["label"] = dlg.label.text()
        items = [dlg.list.item(i) for i in range(dlg.list.count())]
        seen["lines"] = [it.text().strip() for it in items]
        unit_blank = next(it for it in items if "单位自评报告 七、" in it.text())
        dlg.list.itemClicked.emit(unit_blank)                  # the clerk clicks it
        seen["result"] = dlg.result()
        return False
    monkeypatch.setattr(unit_view, "confirm", real_question)
    out = tmp_path / "out"
    out.mkdir()
    assert view.export_package(str(out)) is None
    assert list(out.iterdir()) == []
    assert "处【请填写】" in seen["label"]
    assert any(line.startswith("单位自评报告 一、基本情况：【请填写：") for line in seen["lines"])
    assert any("”自评报告 " in line and "【请填写：" in line for line in seen["lines"])
    assert view.tabs.currentWidget() is view.unit_report and view.unit_report.current_section() == "other"
    # a project's blank: its row is selected and its report shown at the section
    from core.package import make_package, report_blanks
    pkg = make_package(view.entries, view.year(), view.unit(), dict(view.unit_report.edits))
    blank = next(b for b in report_blanks(pkg) if b.ref is not None)
    view.open_section(blank)
    assert view.forms.currentRow() == [e.ref for e in view.entries].index(blank.ref)
    assert view.project_report.current_section() == blank.section_key
    assert view.tabs.currentWidget() is view.project_report.parentWidget()
