"""Typing as a clerk does with Excel / WPS habits and a Chinese input method (pytest-qt, offscreen).

Input-method events are sent as the platform sends them: to the widget that has the focus (the
view while a cell is only selected, the open editor afterwards).
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.test_ui_editor import open_editor, select, stored, text, type_chars
from ui.delegates import LineEditor, TextEditor

ONE_LINE = "goals.0.indicators.1.actual"      # 实际完成值 “50 次以上”
MULTI_LINE = "goals.0.indicators.1.name"      # 三级指标 “平安望城建设”
CELLS = [pytest.param(ONE_LINE, LineEditor, id="one-line"), pytest.param(MULTI_LINE, TextEditor, id="multi-line")]


@pytest.fixture
def editor(qtbot, tmp_path):
    from core.store import Store
    s = Store(tmp_path / "forms.db")
    ew, fid = open_editor(qtbot, s)
    yield ew, fid, s
    s.close()


def ime(commit: str = "", preedit: str = "") -> None:
    """One input-method event to the focus widget: a composition (preedit) and/or committed text."""
    attrs = []
    if preedit:
        attrs.append(QInputMethodEvent.Attribute(QInputMethodEvent.AttributeType.Cursor, len(preedit), 1))
    ev = QInputMethodEvent(preedit, attrs)
    if commit:
        ev.setCommitString(commit)
    target = QApplication.focusWidget()
    assert target is not None
    QApplication.sendEvent(target, ev)


def current_key(ew) -> str:
    return ew.model.top(ew.view.currentIndex()).key


def editing(ew) -> bool:
    return ew.delegate.current_editor is not None and ew.view.state() == ew.view.State.EditingState


# ---------------------------------------------------------------- input methods

@pytest.mark.parametrize("key,kind", CELLS)
def test_commit_only_input_method_event_starts_editing_with_its_text(editor, key, kind):
    ew, fid, store = editor
    select(ew, key)
    assert QApplication.focusWidget() is ew.view
    ime(commit="培训人次")                               # handwriting / voice: no preedit first
    ed = ew.delegate.current_editor
    assert isinstance(ed, kind)
    assert ed.text() == "培训人次"                        # replaces the old content, like typing
    assert QApplication.focusWidget() is ed
    QTest.keyClick(ed, Qt.Key.Key_Tab)
    QApplication.processEvents()
    assert ew.session.form.get(key) == "培训人次"
    assert stored(store, fid, key) == "培训人次"


@pytest.mark.parametrize("key,kind", CELLS)
def test_preedit_is_shown_in_the_cell_then_commit(editor, key, kind):
    ew, fid, store = editor
    old = ew.session.form.get(key)
    select(ew, key)
    ime(preedit="peixun")
    ed = ew.delegate.current_editor
    assert isinstance(ed, kind) and ed.isVisible()
    assert ed.text() == ""                               # composing: the old text is gone...
    QApplication.processEvents()
    composing = ed.grab().toImage()
    assert ew.session.form.get(key) == old               # ...but nothing is applied yet
    ime(preedit="")                                      # blank the composition to compare
    blank = ed.grab().toImage()
    assert composing != blank                            # the preedit was drawn in the cell
    ime(preedit="peixun")
    ime(commit="培训")
    assert ed.text() == "培训"
    assert ew.session.form.get(key) == "培训"             # applied live (the preview), as typing is
    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert stored(store, fid, key) == "培训"
    assert not editing(ew)


@pytest.mark.parametrize("key,kind", CELLS)
def test_preedit_then_cancel_leaves_the_cell_as_it_was(editor, key, kind):
    ew, _fid, _store = editor
    old = ew.session.form.get(key)
    select(ew, key)
    ime(preedit="pei")
    assert isinstance(ew.delegate.current_editor, kind)
    ime()                                                # Esc in the input method: empty event
    QApplication.processEvents()
    assert not editing(ew)
    assert ew.session.form.get(key) == old and text(ew, key) == old
    assert ew.undo_stack.count() == 0
    assert current_key(ew) == key


@pytest.mark.parametrize("key,kind", CELLS)
def test_two_phrases_then_enter_confirms_without_a_new_line(editor, key, kind):
    ew, fid, store = editor
    select(ew, key)
    ime(preedit="pei")
    ime(commit="培训")
    ime(preedit="ren")
    ime(commit="人次")
    ed = ew.delegate.current_editor
    assert isinstance(ed, kind) and ed.text() == "培训人次"
    QTest.keyClick(ed, Qt.Key.Key_Return)                # Enter confirms (also in a long text)
    QTest.keyClick(ew.view, Qt.Key.Key_Tab)
    QApplication.processEvents()
    assert stored(store, fid, key) == "培训人次"            # not “培训人次\n”
    assert ew.undo_stack.count() == 1


@pytest.mark.parametrize("key,kind", CELLS)
def test_full_width_digits_and_punctuation_are_kept_as_typed(editor, key, kind):
    ew, fid, store = editor
    select(ew, key)
    ime(commit="１２３，")                                # a commit-only full-width run
    ime(commit="（９５％）。")
    QTest.keyClick(ew.delegate.current_editor, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert stored(store, fid, key) == "１２３，（９５％）。"


def test_full_width_actual_value_scores_like_half_width(editor):
    ew, _fid, _store = editor
    select(ew, ONE_LINE)
    ime(commit="４０次")                                   # 40 of ≥50 → 10 × 40/50 = 8.00
    QTest.keyClick(ew.delegate.current_editor, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert ew.session.form.get(ONE_LINE) == "４０次"
    assert text(ew, "goals.0.indicators.1.score") == "8.00"


def test_input_method_on_a_computed_cell_does_nothing(editor):
    ew, _fid, _store = editor
    select(ew, "goals.0.indicators.1.score")
    before = ew.session.form.get("goals.0.indicators.1.score")
    select(ew, "funds.total.score")
    ime(commit="九")
    QApplication.processEvents()
    assert not editing(ew)
    assert current_key(ew) == "funds.total.score"            # no jump to a cell starting with 九
    assert ew.session.form.get("goals.0.indicators.1.score") == before


# ---------------------------------------------------------------- Excel / WPS habits

def test_typing_on_a_filled_multi_line_cell_replaces_it(editor):
    ew, fid, store = editor
    assert ew.session.form.get(MULTI_LINE) == "平安望城建设"
    select(ew, MULTI_LINE)
    QTest.keyClicks(ew.view, "A")                        # the first key starts editing...
    ed = ew.delegate.current_editor
    assert isinstance(ed, TextEditor) and ed.text() == "A"   # ...and replaces the old text
    type_chars(ed, "培训")
    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert stored(store, fid, MULTI_LINE) == "A培训"
    assert current_key(ew) != MULTI_LINE                 # Enter moved down


def test_f2_edits_in_place_keeping_the_text(editor):
    ew, fid, store = editor
    select(ew, MULTI_LINE)
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    assert ed.text() == "平安望城建设"
    type_chars(ed, "二期")                                # the cursor is at the end
    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert stored(store, fid, MULTI_LINE) == "平安望城建设二期"


def test_double_click_edits_in_place(editor):
    ew, _fid, _store = editor
    idx = ew.model.index_for_key(ONE_LINE)
    ew.view.scrollTo(idx)
    pos = ew.view.visualRect(idx).center()
    QTest.mouseClick(ew.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    QTest.mouseDClick(ew.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    ed = ew.delegate.current_editor
    assert isinstance(ed, LineEditor) and ed.text() == "50 次以上"


def test_alt_enter_inserts_a_new_line_and_enter_confirms(editor):
    ew, fid, store = editor
    key = "goals.0.indicators.1.reason"
    select(ew, key)
    type_chars(ew.view, "第")
    ed = ew.delegate.current_editor
    type_chars(ed, "一行")
    QTest.keyClick(ed, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    type_chars(ed, "第二行")
    assert ed.text() == "第一行\n第二行" and editing(ew)
    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert stored(store, fid, key) == "第一行\n第二行"
    assert not editing(ew)
    # In a one-line cell Alt+Enter adds nothing and keeps editing.
    select(ew, ONE_LINE)
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    QTest.keyClick(ed, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    assert editing(ew) and ed.text() == "50 次以上"


def test_escape_cancels_a_replacing_edit_of_a_long_text(editor):
    ew, _fid, _store = editor
    select(ew, MULTI_LINE)
    type_chars(ew.view, "新")
    assert ew.session.form.get(MULTI_LINE) == "新"        # live preview
    QTest.keyClick(ew.delegate.current_editor, Qt.Key.Key_Escape)
    QApplication.processEvents()
    assert not editing(ew)
    assert ew.session.form.get(MULTI_LINE) == "平安望城建设" and text(ew, MULTI_LINE) == "平安望城建设"
    assert ew.undo_stack.count() == 0


def test_tab_path_through_one_indicator_row(editor):
    """Tab goes through the cells a clerk fills: not 一级/二级, not the computed 得分."""
    ew, _fid, _store = editor
    select(ew, "goals.0.indicators.1.name")
    path = [current_key(ew)]
    for _ in range(7):
        QTest.keyClick(ew.view, Qt.Key.Key_Tab)
        path.append(current_key(ew))
    p = "goals.0.indicators.1."
    assert path[:7] == [p + "name", p + "content", p + "target", p + "actual", p + "weight",   # 得分 skipped
                        p + "reason", p + "measure"]
    assert path[7] == "goals.0.indicators.2.name"        # the next row: 一级/二级 skipped
    for _ in range(7):
        QTest.keyClick(ew.view, Qt.Key.Key_Backtab)
    assert current_key(ew) == p + "name"
    QTest.keyClick(ew.view, Qt.Key.Key_Backtab)          # back over 一级/二级 to the row above
    assert current_key(ew) == "goals.0.indicators.0.measure"


def test_tab_while_editing_commits_and_skips_the_computed_score(editor):
    ew, fid, store = editor
    select(ew, "goals.0.indicators.1.weight")
    QTest.keyClicks(ew.view, "8")
    QTest.keyClick(ew.delegate.current_editor, Qt.Key.Key_Tab)
    QApplication.processEvents()
    assert stored(store, fid, "goals.0.indicators.1.weight") == "8"
    assert current_key(ew) == "goals.0.indicators.1.reason"      # not 得分
    assert not ew.session.form.get("goals.0.indicators.1.score")


def test_tab_stops_on_the_score_of_a_qualitative_row(qtbot, tmp_path):
    from core.store import Store
    from tests.helpers import SAMPLES
    s = Store(tmp_path / "f.db")
    try:
        ew, _fid = open_editor(qtbot, s, SAMPLES / "central-project-example-2022.json")
        quals = [r for r in ew.session.scores.indicators if r.kind == "qualitative"]
        assert quals, "the central sample has a qualitative row"
        q = quals[0]
        select(ew, f"{q.path}.actual")
        QTest.keyClick(ew.view, Qt.Key.Key_Tab)
        QTest.keyClick(ew.view, Qt.Key.Key_Tab)
        assert current_key(ew) == f"{q.path}.score"              # left to the clerk
        positives = [r for r in ew.session.scores.indicators if r.kind == "positive"]
        p = positives[0]
        select(ew, f"{p.path}.actual")
        QTest.keyClick(ew.view, Qt.Key.Key_Tab)
        QTest.keyClick(ew.view, Qt.Key.Key_Tab)
        assert current_key(ew) != f"{p.path}.score"               # computed: skipped
        # …but a computed score is still reached by a click and F2.
        select(ew, f"{p.path}.score")
        QTest.keyClick(ew.view, Qt.Key.Key_F2)
        assert ew.delegate.current_editor is not None
    finally:
        s.close()


def test_tab_skips_the_funds_row_labels_and_computed_cells(editor):
    ew, _fid, _store = editor
    select(ew, "funds.sources.0.budget")
    seen = []
    for _ in range(4):
        QTest.keyClick(ew.view, Qt.Key.Key_Tab)
        seen.append(current_key(ew))
    assert seen == ["funds.sources.0.executed", "funds.sources.0.transfer",      # not 执行率, 得分,
                    "funds.total.budget", "funds.total.executed"]              # nor 年度资金总额


def test_undo_and_redo_select_the_changed_cell(editor):
    ew, _fid, _store = editor
    select(ew, ONE_LINE)
    QTest.keyClicks(ew.view, "6")
    QTest.keyClick(ew.delegate.current_editor, Qt.Key.Key_Return)
    QApplication.processEvents()
    select(ew, "header.填报人")
    QTest.keyClick(ew.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert current_key(ew) == ONE_LINE
    assert ew.session.form.get(ONE_LINE) == "50 次以上"
    select(ew, "header.填报人")
    QTest.keyClick(ew.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert current_key(ew) == ONE_LINE and ew.session.form.get(ONE_LINE) == "6"


def test_popup_editor_stays_beside_its_cell_at_1366x768(editor):
    """A long text near the bottom right of a small screen: the editor covers its cell, stays in
    the view and is only as tall as its text needs."""
    ew, _fid, _store = editor
    ew.resize(1366, 768)
    QApplication.processEvents()
    key = "goals.0.indicators.6.reason"        # a long text, right-hand column, lower rows
    idx = ew.model.index_for_key(key)
    ew.view.scrollTo(idx, ew.view.ScrollHint.PositionAtBottom)
    QApplication.processEvents()
    select(ew, key)
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    assert isinstance(ed, TextEditor)
    QApplication.processEvents()
    cell = ew.view.visualRect(idx)
    vp = ew.view.viewport().rect()
    geo = ed.geometry()
    assert vp.contains(geo)                                   # on screen, inside the table
    assert geo.intersects(cell)                               # over its own cell
    short = geo.height()
    assert short <= max(cell.height(), 2 * ed.fontMetrics().lineSpacing() + 24)   # no needless height
    for _ in range(8):
        QTest.keyClick(ed, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
        type_chars(ed, "一行")
    QApplication.processEvents()
    geo = ed.geometry()
    assert geo.height() > short and vp.contains(geo) and geo.intersects(cell)
    screen = QGuiApplication.primaryScreen().availableGeometry()
    top_left = ew.view.viewport().mapToGlobal(geo.topLeft())
    assert screen.contains(top_left)


def test_backspace_empties_the_cell_and_starts_editing(editor):
    ew, fid, store = editor
    select(ew, ONE_LINE)
    QTest.keyClick(ew.view, Qt.Key.Key_Backspace)
    ed = ew.delegate.current_editor
    assert isinstance(ed, LineEditor) and ed.text() == ""
    QTest.keyClick(ed, Qt.Key.Key_Escape)                     # Esc: the old text stays
    QApplication.processEvents()
    assert ew.session.form.get(ONE_LINE) == "50 次以上"
    QTest.keyClick(ew.view, Qt.Key.Key_Backspace)
    type_chars(ew.delegate.current_editor, "60次")
    QTest.keyClick(ew.delegate.current_editor, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert stored(store, fid, ONE_LINE) == "60次"
