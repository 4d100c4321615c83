"""The editor, driven with the keyboard (pytest-qt, offscreen)."""
from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

import ui  # noqa: F401
from core.form import load
from core.editing import EditSession, form_summary
from core.store import Store
from tests.helpers import SAMPLES
from ui import common
from ui.app import make_app
from ui.editor import EditorWidget, TextEditor

SEED004 = SAMPLES / "seed004-wangcheng-2020-dept.json"
CAIDIAN = SAMPLES / "seed000-caidian-2022-dept.json"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "forms.db")
    yield s
    s.close()


def open_editor(qtbot, store, path=SEED004):
    make_app()                                  # the bundled font, as in the app
    form = load(path)
    fid = store.create(form.data, form_summary(form))
    ew = EditorWidget(EditSession(form, store, fid))
    qtbot.addWidget(ew)
    ew.resize(1400, 900)
    ew.show()
    ew.activateWindow()
    qtbot.waitActive(ew)
    return ew, fid


@pytest.fixture
def editor(qtbot, store):
    return open_editor(qtbot, store)


@pytest.fixture
def messages(monkeypatch):
    shown = []
    monkeypatch.setattr(common, "show_error", lambda parent, msg, title="": shown.append(msg))
    monkeypatch.setattr(common, "show_info", lambda parent, msg, title="": shown.append(msg))
    return shown


def text(ew, key):
    return ew.model.value_for_key(key)


def stored(store, fid, path):
    node = store.get(fid)
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def select(ew, key):
    idx = ew.model.index_for_key(key)
    assert idx.isValid(), key
    ew.view.setCurrentIndex(idx)
    ew.view.setFocus()
    return idx


def type_chars(widget, s):
    """Non-ASCII text must go one key event per character (QTest.keyClicks aborts on it)."""
    for ch in s:
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, ch, Qt.KeyboardModifier.NoModifier)


def view_spans(ew):
    v, m = ew.view, ew.model
    out = set()
    for r in range(m.rowCount()):
        for c in range(m.columnCount()):
            rs, cs = v.rowSpan(r, c), v.columnSpan(r, c)
            if (rs > 1 or cs > 1) and m.top(m.index(r, c)) is not None:
                out.add((r, c, rs, cs))
    return out


# ---------------------------------------------------------------- live scoring, commit, undo

def test_live_scores_while_typing_then_commit_save_undo_redo(editor, store):
    ew, fid = editor
    form = ew.session.form
    assert text(ew, "funds.total.executed") == "1,930.54"
    assert (text(ew, "funds.total.score"), text(ew, "total"), text(ew, "grade")) == ("9.18", "98.18", "优")

    select(ew, "funds.total.executed")
    QTest.keyClick(ew.view, Qt.Key.Key_Delete)               # clear: one committed, saved step
    assert form.get("funds.total.executed") == ""
    assert stored(store, fid, "funds.total.executed") == ""
    cleared = (text(ew, "funds.total.score"), text(ew, "total"))
    assert cleared[1] != "98.18"
    assert ew.undo_stack.count() == 1

    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    assert isinstance(ed, QLineEdit) and ed.text() == ""

    QTest.keyClicks(ed, "1784")                               # midway: rate 100% -> full 10 points
    assert text(ew, "funds.total.rate") == "100.00%"
    assert text(ew, "funds.total.score") == "10.00"
    assert text(ew, "total") == "99.00"
    ed.selectAll()
    QTest.keyClick(ed, Qt.Key.Key_Backspace)
    for i, ch in enumerate("1930.54"):                        # key by key, scores follow each key
        QTest.keyClick(ed, ch)
        assert ed.text() == "1930.54"[: i + 1]
    assert text(ew, "funds.total.rate") == "108.21%"
    assert text(ew, "funds.total.score") == "9.18"
    assert text(ew, "total") == "98.18"
    assert text(ew, "grade") == "优"
    assert "98.18" in ew.strip.text() and "108.21%" in ew.strip.text()
    # Not committed yet: neither the store nor the undo stack has it.
    assert stored(store, fid, "funds.total.executed") == ""
    assert ew.undo_stack.count() == 1

    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert form.get("funds.total.executed") == "1930.54"
    assert stored(store, fid, "funds.total.executed") == "1930.54"
    assert ew.undo_stack.count() == 2                         # one step per committed edit
    hist = store.history(fid)
    assert hist[0]["path"] == "funds.total.executed" and (hist[0]["old"], hist[0]["new"]) == ("", "1930.54")
    assert text(ew, "funds.total.executed") == "1,930.54"
    assert ew.model.top(ew.view.currentIndex()).key != "funds.total.executed"   # Enter moved on

    QTest.keyClick(ew.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert form.get("funds.total.executed") == ""
    assert (text(ew, "funds.total.score"), text(ew, "total")) == cleared
    assert stored(store, fid, "funds.total.executed") == ""

    QTest.keyClick(ew.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert form.get("funds.total.executed") == "1930.54"
    assert (text(ew, "funds.total.score"), text(ew, "total")) == ("9.18", "98.18")
    assert stored(store, fid, "funds.total.executed") == "1930.54"

    QTest.keyClick(ew.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(ew.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)   # and the clear
    assert form.get("funds.total.executed") == "1930.54"
    assert stored(store, fid, "funds.total.executed") == "1930.54"


def test_escape_cancels_the_live_preview(editor, store):
    ew, fid = editor
    select(ew, "funds.total.executed")
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    ed.selectAll()
    QTest.keyClicks(ed, "1784")
    assert text(ew, "total") == "99.00"
    QTest.keyClick(ed, Qt.Key.Key_Escape)
    QApplication.processEvents()
    assert ew.session.form.get("funds.total.executed") == "1930.54"
    assert (text(ew, "funds.total.score"), text(ew, "total")) == ("9.18", "98.18")
    assert ew.undo_stack.count() == 0


def test_typing_starts_editing_and_tab_moves_right(editor):
    ew, _fid = editor
    select(ew, "goals.0.indicators.1.actual")
    QTest.keyClicks(ew.view, "4")                         # a key on a cell starts editing with it
    ed = ew.delegate.current_editor
    assert ed is not None and ed.text() == "4"
    QTest.keyClicks(ed, "0")
    type_chars(ed, "次")
    QTest.keyClick(ed, Qt.Key.Key_Tab)
    QApplication.processEvents()
    assert ew.session.form.get("goals.0.indicators.1.actual") == "40次"
    assert ew.model.top(ew.view.currentIndex()).key == "goals.0.indicators.1.weight"
    # 40 of ≥50: 10 × 40/50 = 8.00, live and committed
    assert text(ew, "goals.0.indicators.1.score") == "8.00"


def test_findings_show_on_cells_and_in_the_panel(editor):
    ew, _fid = editor
    cell = ew.session.sheet.cell_for("funds.total.rate")
    assert cell.level == "error"
    assert ew.model.data(ew.model.index(cell.row, cell.col), Qt.ItemDataRole.ToolTipRole)
    assert ew.model.background(cell).color() == common.COLOR_ERROR
    assert len(ew.panel.finding_rows()) == len(ew.session.scores.findings) > 0
    item = next(ew.findings.item(i) for i in range(ew.findings.count())
                if ew.findings.item(i).data(Qt.ItemDataRole.UserRole) == "funds.total.rate")
    ew.go_to_finding(item)
    assert ew.model.top(ew.view.currentIndex()) is ew.session.sheet.cell_for("funds.total.rate")
    computed = ew.session.sheet.cell_for("total")
    assert ew.model.background(computed).color() == common.COLOR_COMPUTED
    grade = ew.session.sheet.cell_for("grade")
    assert not ew.model.flags(ew.model.index(grade.row, grade.col)) & Qt.ItemFlag.ItemIsEditable
    # The total shows the computed value; what is editable there is the printed total (98.18).
    assert ew.model.data(ew.model.index(computed.row, computed.col), Qt.ItemDataRole.EditRole) == "98.18"


# ---------------------------------------------------------------- clipboard

def test_paste_block_lands_in_cells_and_is_one_undo_step(editor, store):
    ew, fid = editor
    form = ew.session.form
    rows = (1, 2, 3)

    def values():
        return [(form.get(f"goals.0.indicators.{i}.target"), form.get(f"goals.0.indicators.{i}.actual")) for i in rows]
    before = values()
    n_hist = len(store.history(fid))
    # Excel's clipboard: CRLF rows, a quoted cell holding a line break.
    QApplication.clipboard().setText("≥60次\t55次\r\n90%以上\t95%\r\n\"=不少于\n2 次\"\t完成\r\n")
    select(ew, "goals.0.indicators.1.target")
    QTest.keyClick(ew.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert values() == [("≥60次", "55次"), ("90%以上", "95%"), ("=不少于\n2 次", "完成")]
    assert ew.undo_stack.count() == 1
    assert stored(store, fid, "goals.0.indicators.3.target") == "=不少于\n2 次"
    assert len(store.history(fid)) == n_hist + 6                    # saved in one go
    assert text(ew, "goals.0.indicators.1.score") == "9.17"        # 10 × 55/60
    assert text(ew, "goals.0.indicators.0.name") == "各项救助基金发放"  # untouched around it
    assert form.get("goals.0.indicators.1.weight") == "10"

    QTest.keyClick(ew.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert values() == before
    assert stored(store, fid, "goals.0.indicators.1.target") == before[0][0]
    assert text(ew, "total") == "98.18"


def test_paste_skips_computed_cells_and_copy_round_trips(editor):
    ew, _fid = editor
    form = ew.session.form
    # From 分值: weight, score (editable override), reason.  Then a computed cell is never written.
    QApplication.clipboard().setText("8\t\t原因\n")
    select(ew, "goals.0.indicators.3.weight")
    ew.paste()
    assert form.get("goals.0.indicators.3.weight") == "8"
    assert form.get("goals.0.indicators.3.reason") == "原因"
    assert form.get_raw("goals.0.indicators.3.score") is None
    QApplication.clipboard().setText("1\t2\t3\n")
    select(ew, "funds.total.transfer")                     # C, then 分值 and 执行率 are computed
    ew.paste()
    assert form.get("funds.total.transfer") == "1"
    assert text(ew, "funds.total.weight") == "10"

    # Copy a range with a multi-line text, paste it elsewhere: same values.
    form.set("goals.0.indicators.4.reason", "两行\n文字\t制表")
    ew.session.rebuild()
    ew.model.refresh_all()
    ew.view.clearSelection()
    a = ew.model.index_for_key("goals.0.indicators.4.target")
    b = ew.model.index_for_key("goals.0.indicators.4.reason")
    sel = ew.view.selectionModel()
    from PySide6.QtCore import QItemSelection, QItemSelectionModel
    sel.select(QItemSelection(a, b), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    ew.copy_selection()
    clip = QApplication.clipboard().text()
    assert '"两行\n文字\t制表"' in clip
    select(ew, "goals.0.indicators.5.target")
    ew.paste()
    for k in ("target", "actual", "weight", "reason"):
        assert form.get(f"goals.0.indicators.5.{k}") == form.get(f"goals.0.indicators.4.{k}")


def test_delete_clears_a_range_in_one_step(editor, store):
    ew, fid = editor
    form = ew.session.form
    from PySide6.QtCore import QItemSelection, QItemSelectionModel
    a = ew.model.index_for_key("goals.0.indicators.1.target")
    b = ew.model.index_for_key("goals.0.indicators.2.actual")
    ew.view.setCurrentIndex(a)
    ew.view.selectionModel().select(QItemSelection(a, b), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    QTest.keyClick(ew.view, Qt.Key.Key_Delete)
    for i in (1, 2):
        assert form.get(f"goals.0.indicators.{i}.target") == ""
        assert form.get(f"goals.0.indicators.{i}.actual") == ""
        assert stored(store, fid, f"goals.0.indicators.{i}.actual") == ""
    assert ew.undo_stack.count() == 1
    ew.undo_stack.undo()
    assert form.get("goals.0.indicators.2.actual") == "98%以上"


# ---------------------------------------------------------------- text as typed

def test_cjk_typed_key_by_key_is_stored_byte_for_byte(editor, store):
    ew, fid = editor
    select(ew, "goals.0.indicators.1.target")
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    ed.selectAll()
    QTest.keyClick(ed, Qt.Key.Key_Delete)
    type_chars(ed, "同比上升")
    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert ew.session.form.get("goals.0.indicators.1.target") == "同比上升"
    raw = sqlite3.connect(store.path).execute("SELECT data FROM forms WHERE id = ?", (fid,)).fetchone()[0]
    assert json.loads(raw)["goals"][0]["indicators"][1]["target"].encode("utf-8") == "同比上升".encode("utf-8")
    assert "同比上升" in raw                                          # stored as text, not \\u escapes
    assert ew.session.sheet.cell_for("goals.0.indicators.1.score").options   # now qualitative


def test_formula_like_text_stays_text(editor, store):
    ew, fid = editor
    select(ew, "goals.0.indicators.0.reason")
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    assert isinstance(ed, TextEditor)
    QTest.keyClicks(ed, "=SUM(A1:B2)")
    QTest.keyClick(ed, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)   # Alt+Enter: a new line
    type_chars(ed, "第二行")
    QTest.keyClick(ed, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)   # commits
    QApplication.processEvents()
    assert ew.session.form.get("goals.0.indicators.0.reason") == "=SUM(A1:B2)\n第二行"
    assert stored(store, fid, "goals.0.indicators.0.reason") == "=SUM(A1:B2)\n第二行"
    assert text(ew, "goals.0.indicators.0.reason") == "=SUM(A1:B2)\n第二行"
    select(ew, "goals.0.indicators.1.actual")
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    QTest.keyClicks(ew.delegate.current_editor, "=1+1")
    QTest.keyClick(ew.delegate.current_editor, Qt.Key.Key_Return)
    assert stored(store, fid, "goals.0.indicators.1.actual") == "=1+1"


def test_leaving_a_long_text_commits_it(editor, store):
    ew, fid = editor
    select(ew, "goals.0.planned")
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    assert isinstance(ed, TextEditor)
    QTest.keyClick(ed, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    type_chars(ed, "目标 3：新增")
    ew.findings.setFocus()                                  # focus leaves the editor
    QApplication.processEvents()
    assert ew.session.form.get("goals.0.planned").endswith("\n目标 3：新增")
    assert stored(store, fid, "goals.0.planned").endswith("\n目标 3：新增")
    assert ew.undo_stack.count() == 1


def test_an_edit_that_changes_the_merges_relayouts_after_the_editor_closes(editor):
    ew, _fid = editor
    key = "goals.0.indicators.7.level2"                   # 经济效益指标 -> same as the row below
    below = ew.session.sheet.cell_for("goals.0.indicators.8.level2")
    assert below.text == "社会效益指标" and ew.view.rowSpan(below.row, below.col) == 1
    select(ew, key)
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    ed.selectAll()
    QTest.keyClick(ed, Qt.Key.Key_Delete)
    type_chars(ed, "社会效益指标")
    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()
    merged = ew.session.sheet.cell_for(key)
    assert merged.rowspan == 2 and merged.keys[1] == "goals.0.indicators.8.level2"
    assert ew.view.rowSpan(merged.row, merged.col) == 2
    assert view_spans(ew) == set(ew.session.sheet.spans())
    assert ew.model.rowCount() == ew.session.sheet.nrows
    ew.undo_stack.undo()
    assert view_spans(ew) == set(ew.session.sheet.spans())
    assert ew.view.rowSpan(merged.row, merged.col) == 1


# ---------------------------------------------------------------- rows, goals, tiers

def test_rows_add_remove_move_reapply_spans(editor, store):
    ew, fid = editor
    form = ew.session.form
    v = ew.view
    first = ew.session.sheet.cell_for("goals.0.indicators.0.level1")       # 产出指标, 7 rows
    r0, c0 = first.row, first.col
    assert (v.rowSpan(r0, c0), first.text) == (7, "产出指标")
    assert view_spans(ew) == set(ew.session.sheet.spans())

    select(ew, "goals.0.indicators.2.name")
    ew.insert_indicator()
    QApplication.processEvents()
    assert len(form.goals[0]["indicators"]) == 13
    assert form.goals[0]["indicators"][3]["level1"] == "产出指标"
    assert v.rowSpan(r0, c0) == 8
    assert view_spans(ew) == set(ew.session.sheet.spans())
    assert len(store.get(fid)["goals"][0]["indicators"]) == 13
    assert ew.session.indicator_at_row(v.currentIndex().row()) == (0, 3)   # on the new row

    ew.undo_stack.undo()
    assert len(form.goals[0]["indicators"]) == 12
    assert v.rowSpan(r0, c0) == 7
    assert view_spans(ew) == set(ew.session.sheet.spans())
    assert len(store.get(fid)["goals"][0]["indicators"]) == 12

    select(ew, "goals.0.indicators.1.name")
    ew.remove_indicator()
    assert len(form.goals[0]["indicators"]) == 11
    assert v.rowSpan(r0, c0) == 6
    assert view_spans(ew) == set(ew.session.sheet.spans())
    ew.undo_stack.undo()
    assert form.goals[0]["indicators"][1]["name"] == "平安望城建设"
    assert v.rowSpan(r0, c0) == 7

    # Move the last 产出 row down into 效益: 产出 shrinks to 6, the moved row stands alone.
    select(ew, "goals.0.indicators.6.name")
    ew.move_indicator(+1)
    assert form.goals[0]["indicators"][7]["content"] == "预算执行不超标"
    assert v.rowSpan(r0, c0) == 6
    assert view_spans(ew) == set(ew.session.sheet.spans())
    assert ew.session.indicator_at_row(v.currentIndex().row()) == (0, 7)
    ew.move_indicator(-1)
    assert form.goals[0]["indicators"][6]["content"] == "预算执行不超标"
    assert v.rowSpan(r0, c0) == 7
    assert ew.undo_stack.count() == 2          # the undone steps were dropped by the new ones
    assert text(ew, "total") == "98.18"


def test_goals_add_and_remove_where_the_template_allows(qtbot, store):
    ew, fid = open_editor(qtbot, store, CAIDIAN)
    form = ew.session.form
    n = len(form.goals)
    assert ew.session.multi_goal
    select(ew, "goals.0.title")
    ew.insert_goal()
    assert len(form.goals) == n + 1
    assert form.goals[1]["title"].startswith("年度目标")
    assert len(store.get(fid)["goals"]) == n + 1
    assert view_spans(ew) == set(ew.session.sheet.spans())
    assert ew.model.top(ew.view.currentIndex()).key == "goals.1.title"
    ew.remove_goal()
    assert len(form.goals) == n
    assert view_spans(ew) == set(ew.session.sheet.spans())
    ew.undo_stack.undo()
    ew.undo_stack.undo()
    assert len(form.goals) == n and len(store.get(fid)["goals"]) == n


def test_qualitative_tier_from_the_menu(editor, store):
    ew, fid = editor
    cell = ew.session.sheet.cell_for("goals.0.indicators.0.score")
    assert cell.options                                      # 同比上升: qualitative
    menu = ew.build_context_menu(ew.model.index(cell.row, cell.col))
    tiers = menu.actions()[0].menu().actions()
    assert [a.text() for a in tiers[:3]] == list(cell.options)
    tiers[1].trigger()                                       # 部分达成: 0.7 w
    assert ew.session.form.get("goals.0.indicators.0.tier") == 2
    assert ew.session.form.get("goals.0.indicators.0.score") == "7.00"
    assert text(ew, "goals.0.indicators.0.score") == "7.00"
    assert text(ew, "total") == "95.18"
    assert stored(store, fid, "goals.0.indicators.0.tier") == 2
    ew.undo_stack.undo()
    assert text(ew, "total") == "98.18"


def test_history_dialog_lists_saved_changes(editor, monkeypatch):
    ew, _fid = editor
    select(ew, "header.填报人")
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    type_chars(ew.delegate.current_editor, "张三")
    QTest.keyClick(ew.delegate.current_editor, Qt.Key.Key_Return)
    from ui import editor as editor_mod
    seen = {}
    monkeypatch.setattr(editor_mod.HistoryDialog, "exec", lambda self: seen.setdefault("t", self.table) and 0)
    ew.show_history()
    t = seen["t"]
    assert t.rowCount() == 1
    assert [t.item(0, c).text() for c in (1, 2, 3)] == ["填报人", "", "张三"]


def test_a_failed_save_is_undone_and_said_in_chinese(editor, messages, monkeypatch):
    ew, fid = editor
    from core.store import StoreError

    def broken(*a, **k):
        raise StoreError("磁盘空间不足，修改未能保存。")
    monkeypatch.setattr(ew.session.store, "save", broken)
    select(ew, "funds.total.executed")
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    ed.selectAll()
    QTest.keyClicks(ed, "1784")
    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert ew.session.form.get("funds.total.executed") == "1930.54"
    assert text(ew, "total") == "98.18"
    assert ew.undo_stack.count() == 0
    assert messages and "磁盘空间不足" in messages[0]


# ---------------------------------------------------------------- models

def test_qtmodeltester_sheet_model(editor, qtmodeltester):
    ew, _fid = editor
    qtmodeltester.check(ew.model)
    qtmodeltester.check(ew.model, force_py=True)


def test_sheet_model_rows_for_valid_parent_is_zero(editor):
    ew, _fid = editor
    m = ew.model
    assert m.rowCount(m.index(0, 0)) == 0 and m.columnCount(m.index(0, 0)) == 0
    assert m.rowCount() == ew.session.sheet.nrows and m.columnCount() == ew.session.sheet.ncols


def test_a_read_only_store_is_shown_but_not_edited(qtbot, tmp_path, messages):
    path = tmp_path / "ro.db"
    s = Store(path)
    form = load(SEED004)
    fid = s.create(form.data, form_summary(form))
    s.close()
    ro = Store(path, readonly=True)
    try:
        ew = EditorWidget(EditSession(load(SEED004), ro, fid))
        qtbot.addWidget(ew)
        idx = ew.model.index_for_key("funds.total.executed")
        assert not ew.model.flags(idx) & Qt.ItemFlag.ItemIsEditable
        ew.view.setCurrentIndex(idx)
        ew.clear_selection()
        assert messages and "只读" in messages[-1]
        assert ew.session.form.get("funds.total.executed") == "1930.54"
    finally:
        ro.close()
