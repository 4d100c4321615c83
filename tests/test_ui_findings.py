"""The findings panel: printed values kept visible and editable, one-click fixes, an empty form's
strip (pytest-qt, offscreen)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.form import new_form
from core.editing import EditSession
from core.form import get_template
from tests.test_ui_editor import open_editor, select, stored, text, type_chars  # noqa: F401
from ui.editor import EditorWidget


@pytest.fixture
def editor(qtbot, tmp_path):
    from core.store import Store
    s = Store(tmp_path / "forms.db")
    ew, fid = open_editor(qtbot, s)
    yield ew, fid, s
    s.close()


def findings_at(ew, where):
    return [f for f in ew.session.scores.findings if f.where == where]


def fix_button(ew, label):
    buttons = [b for b in ew.panel.fix_buttons if label in b.text()]
    assert buttons, [b.text() for b in ew.panel.fix_buttons]
    return buttons[0]


def type_over(ew, key, value):
    """Select a cell, type over it (the first key opens the editor) and press Enter."""
    select(ew, key)
    type_chars(ew.view, value[0])            # one key event per character (non-ASCII too)
    ed = ew.delegate.current_editor
    type_chars(ed, value[1:])
    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()


def tooltip(ew, key):
    return ew.model.data(ew.model.index_for_key(key), Qt.ItemDataRole.ToolTipRole) or ""


# ---------------------------------------------------------------- printed values

def test_the_printed_rate_stays_visible_and_editable(editor):
    ew, fid, store = editor
    assert text(ew, "funds.total.rate") == "108.21%"              # the computed rate is shown
    tip = tooltip(ew, "funds.total.rate")
    assert "108.00%" in tip and "108.21%" in tip                  # the printed one beside it
    select(ew, "funds.total.rate")
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    assert ed is not None and ed.text() == "108.00%"             # and it can be corrected
    ed.selectAll()
    QTest.keyClicks(ed, "108.21%")
    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert stored(store, fid, "funds.total.rate") == "108.21%"
    assert not findings_at(ew, "funds.total.rate")


def test_delete_clears_a_printed_total(editor):
    ew, fid, store = editor
    type_over(ew, "funds.total.executed", "1784")                # any change: the printed total differs
    assert findings_at(ew, "total")
    select(ew, "total")
    QTest.keyClick(ew.view, Qt.Key.Key_Delete)
    assert stored(store, fid, "total") == ""
    assert not findings_at(ew, "total")
    assert text(ew, "total") == "99.00"                          # the computed total stays


def test_one_click_fix_on_seed_004(editor):
    ew, fid, store = editor
    f = findings_at(ew, "funds.total.rate")
    assert f and "108.00%" in f[0].message
    steps = ew.undo_stack.count()
    btn = fix_button(ew, "改为 108.21%")
    assert btn.isVisible()
    QTest.mouseClick(btn, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    # The printed rate now agrees with the numbers: the finding is gone, the values consistent.
    assert ew.session.form.get("funds.total.rate") == "108.21%"
    assert stored(store, fid, "funds.total.rate") == "108.21%"
    assert not findings_at(ew, "funds.total.rate")
    assert text(ew, "funds.total.rate") == "108.21%"
    assert ew.undo_stack.count() == steps + 1                     # one undoable edit
    assert ew.model.top(ew.view.currentIndex()).key == "funds.total.rate"
    assert not any("108.00%" in t for t in ew.panel.finding_rows() if "合计行" in t)
    # The source row's printed rate has its own fix.
    QTest.mouseClick(fix_button(ew, "改为 108.21%"), Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert not [x for x in ew.session.scores.findings if x.code == "printed-rate"]
    assert not [b for b in ew.panel.fix_buttons if "108.21%" in b.text()]
    # Undo brings the printed value and the finding back.
    ew.undo_stack.undo()
    ew.undo_stack.undo()
    assert ew.session.form.get("funds.total.rate") == "108.00%"
    assert stored(store, fid, "funds.total.rate") == "108.00%"
    assert findings_at(ew, "funds.total.rate")


def test_printed_total_after_a_change_has_a_fix(editor):
    ew, fid, store = editor
    type_over(ew, "funds.total.executed", "1784")
    assert text(ew, "total") == "99.00"
    assert findings_at(ew, "total")
    QTest.mouseClick(fix_button(ew, "99.00"), Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert stored(store, fid, "total") == "99.00"
    assert not findings_at(ew, "total")


def test_fix_of_a_sum_by_keyboard(editor):
    """A 合计 that is not the sum of its rows: the fix row is reached and pressed with the keyboard."""
    ew, fid, store = editor
    type_over(ew, "funds.sources.0.budget", "1800")
    assert findings_at(ew, "funds.total.budget")
    lst = ew.findings
    row = next(i for i in range(lst.count()) if "合计改为" in lst.item(i).text())
    lst.setFocus()
    lst.setCurrentRow(row)
    QTest.keyClick(lst, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert ew.session.form.get("funds.total.budget") == stored(store, fid, "funds.total.budget") == "1800"
    assert not findings_at(ew, "funds.total.budget")


def test_clicking_a_finding_goes_to_its_cell(editor):
    ew, _fid, _store = editor
    lst = ew.findings
    row = next(i for i in range(lst.count()) if "填报日期" in lst.item(i).text())
    item = lst.item(row)
    QTest.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=lst.visualItemRect(item).center())
    assert ew.model.top(ew.view.currentIndex()).key == "header.填报日期"


# ---------------------------------------------------------------- an empty form

@pytest.mark.parametrize("tid", ["central-project", "hunan-dept", "sichuan-project"])
def test_an_empty_form_shows_dashes_not_zero_and_poor(qtbot, tid):
    form = new_form(get_template(tid), 2024)
    ew = EditorWidget(EditSession(form, None, None))
    qtbot.addWidget(ew)
    strip = ew.strip.text()
    assert "总分 <b>—</b>" in strip and "等级 <b>—</b>" in strip
    assert "差" not in strip and "0.00" not in strip
    # Once a row can be scored the strip shows the score.
    ew.show()
    target = ew.model.index_for_key("goals.0.indicators.0.target")
    if not target.isValid():                   # a three-column target: operator, value, unit
        type_over(ew, "goals.0.indicators.0.target#value", "10")
    else:
        type_over(ew, "goals.0.indicators.0.target", "≥10")
    type_over(ew, "goals.0.indicators.0.weight", "10")
    assert "总分 <b>—</b>" in ew.strip.text()             # no actual value yet
    type_over(ew, "goals.0.indicators.0.actual", "5")
    assert "总分 <b>—</b>" not in ew.strip.text() and "总分 <b>" in ew.strip.text()


# ---------------------------------------------------------------- 计分说明

def test_selecting_a_reverse_indicator_score_explains_it(qtbot, tmp_path):
    from core.store import Store
    from tests.helpers import SAMPLES
    s = Store(tmp_path / "f.db")
    try:
        ew, _fid = open_editor(qtbot, s, SAMPLES / "central-project-example-2022.json")
        key = "goals.0.indicators.2.score"
        assert ew.session.scores.indicator(0, 2).kind == "reverse"
        select(ew, key)
        assert ew.panel.currentIndex() == 1 and ew.panel.tabText(1) == "计分说明"
        shown = ew.panel.explain_current.text()
        assert "反向指标：10 × (2 − 36 ÷ 30) = 8.00" in shown
        assert "反向指标：10 × (2 − 36 ÷ 30) = 8.00" in tooltip(ew, key)
        # Every score of the form is listed, with the profile's rules.
        every = ew.panel.explain_all.toPlainText()
        assert "反向指标：10 × (2 − 36 ÷ 30) = 8.00" in every and "总分 =" in every and "计分方案" in every
        # The explanation follows the numbers: 33 days instead of 36.
        select(ew, "goals.0.indicators.2.actual")
        QTest.keyClicks(ew.view, "3")
        QTest.keyClicks(ew.delegate.current_editor, "3")
        QTest.keyClick(ew.delegate.current_editor, Qt.Key.Key_Return)
        QApplication.processEvents()
        select(ew, key)
        assert "10 × (2 − 33 ÷ 30) = 9.00" in ew.panel.explain_current.text()
    finally:
        s.close()


def test_execution_and_total_are_explained_on_seed_004(editor):
    ew, _fid, _store = editor
    select(ew, "funds.total.score")
    assert "湖南方案：10 × (2 − 1.0821) = 9.18" in ew.panel.explain_current.text()
    select(ew, "total")
    assert "总分 = 预算执行率 9.18" in ew.panel.explain_current.text()
    assert "98.18" in tooltip(ew, "total")
    # An input cell has no explanation: the tab's text stays, no tooltip line is invented.
    select(ew, "header.填报人")
    assert "计分说明" not in tooltip(ew, "header.填报人")


def test_a_finding_clicked_keeps_the_findings_tab(editor):
    ew, _fid, _store = editor
    ew.panel.setCurrentIndex(0)
    ew.go_to_path("funds.total.rate")          # a computed cell that is also explained
    assert ew.model.top(ew.view.currentIndex()).key == "funds.total.rate"
    assert ew.panel.currentIndex() == 0        # the fix button stays in sight


def test_f1_help_lists_the_profile_rules():
    from core.rules import profile_rules
    from ui.help import scoring_html
    html = scoring_html("hunan")
    for line in profile_rules("hunan")[1:]:
        assert line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in html


def test_a_printed_value_that_differs_is_marked_in_its_cell(editor):
    from PySide6.QtGui import QColor

    ew, _fid, _store = editor
    idx = ew.model.index_for_key("funds.total.rate")
    select(ew, "header.填报人")                               # the rate cell not current

    def corner_is_marked():
        ew.view.viewport().repaint()
        rect = ew.view.visualRect(idx)
        img = ew.view.viewport().grab(rect).toImage()
        x, y = rect.width() - 5, 5                              # inside the mark, at the top right
        return img.pixelColor(x, y) == QColor("#8b0000")
    assert corner_is_marked()
    QTest.mouseClick(fix_button(ew, "改为 108.21%"), Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert ew.session.form.get("funds.total.rate") == "108.21%"
    assert not corner_is_marked()


@pytest.mark.parametrize("typed", ["/", "—"])
def test_a_printed_rate_that_reads_as_nothing_is_a_finding(editor, typed):
    ew, fid, store = editor
    type_over(ew, "funds.total.rate", typed)
    assert stored(store, fid, "funds.total.rate") == typed
    assert findings_at(ew, "funds.total.rate")
    assert text(ew, "funds.total.rate") == "108.21%"


def test_the_findings_tab_comes_back_after_a_score(editor):
    ew, _fid, _store = editor
    ew.panel.setCurrentIndex(0)
    select(ew, "funds.total.score")
    assert ew.panel.currentIndex() == 1                 # shown by selecting a score
    select(ew, "funds.total.score")
    select(ew, "header.填报人")
    assert ew.panel.currentIndex() == 0                 # and 检查结果 is back for an input cell
    ew.panel.setCurrentIndex(1)                         # chosen by the clerk: it stays
    select(ew, "funds.total.executed")
    assert ew.panel.currentIndex() == 1
