"""The form editor: the paper table on screen, edited like a spreadsheet (Excel / WPS habits).

* :class:`ui.sheet_view.SheetView` — the table; navigation between the cells a clerk fills.
* :class:`ui.delegates.SheetDelegate` — the in-cell editors (input methods live there); every
  keystroke is applied live (:meth:`core.editing.session.EditSession.preview`) so rates, scores, the total
  and the grade follow the typing; the edit is committed (and saved) on Enter / Tab / focus out.
* :mod:`ui.clipboard` — copy and paste with Excel and WPS (HTML table and tab-separated text).
* :class:`ui.findings_panel.FindingsPanel` — 检查结果 with one-click fixes, 计分说明.
* :class:`EditorWidget` — all of the above, the score strip (总分 / 等级 / 执行率) and the
  row/goal actions; every committed change is one :class:`StepCommand` on a QUndoStack and is
  saved to the store before the next edit is accepted.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFontMetrics, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QHBoxLayout, QLabel, QSplitter, QToolBar,
                               QVBoxLayout, QWidget)

from core.editing import EditSession, Step
from core.layout import screen_widths
from core.rules import fmt2
from core.store import READONLY_MESSAGE, StoreError

from . import clipboard, common
from .delegates import LineEditor, SheetDelegate, TextEditor
from .findings_panel import FindingsPanel, PanelActions
from .history_dialog import HistoryDialog
from .row_actions import RowActions
from .sheet_model import SheetModel
from .sheet_view import SheetView

__all__ = ["EditorWidget", "StepCommand", "SheetView", "SheetDelegate", "LineEditor", "TextEditor",
           "HistoryDialog"]

PX_PER_UNIT = 9            # template column width units -> pixels
MAX_COLUMN_SCALE = 1.5     # columns widen to the window up to this factor


# ---------------------------------------------------------------- undo

class StepCommand(QUndoCommand):
    """One committed edit.  It was applied and saved before being pushed, so the first redo()
    (QUndoStack.push calls it) does nothing."""

    def __init__(self, editor: "EditorWidget", step: Step):
        super().__init__(step.label)
        self.editor = editor
        self.step = step
        self._fresh = True

    def redo(self):
        if self._fresh:
            self._fresh = False
            return
        self.editor.replay(self.step, forward=True)

    def undo(self):
        self.editor.replay(self.step, forward=False)


# ---------------------------------------------------------------- the editor

class EditorWidget(PanelActions, RowActions, QWidget):
    """One open form.  ``saved(form_id)`` after each save (the list refreshes its row)."""

    saved = Signal(int)
    title_changed = Signal(str)

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.undo_stack = QUndoStack(self)
        self._sync_pending = False
        self._pending_focus = None

        self.model = SheetModel(session, self)
        self.model.commit_requested.connect(self.commit_text)
        self.model.modelReset.connect(self.apply_spans)

        self.view = SheetView(self)
        self.delegate = SheetDelegate(self)
        self.view.setItemDelegate(self.delegate)
        self.view.setModel(self.model)
        self.view.selectionModel().currentChanged.connect(lambda *_: self.explain_current())
        self.model.modelReset.connect(lambda: self.view.selectionModel().currentChanged.connect(
            lambda *_: self.explain_current(), Qt.ConnectionType.UniqueConnection))
        self.apply_spans()
        self.apply_column_widths()

        # The score strip: always visible.
        self.strip = QLabel(self)
        self.strip.setTextFormat(Qt.TextFormat.RichText)
        self.strip.setObjectName("scoreStrip")
        self.strip.setStyleSheet("#scoreStrip { padding: 4px 14px; font-size: 12pt; }")

        # Findings and explanations.
        self.panel = FindingsPanel(self)
        self.findings = self.panel.list
        self.findings_title = self.panel.title
        self.panel.go_to.connect(self.go_to_path)
        self.panel.fix_requested.connect(self.apply_fix)
        self.panel.currentChanged.connect(lambda i: i == 1 and self.show_every_explanation())
        self._findings_timer = QTimer(self)
        self._findings_timer.setSingleShot(True)
        self._findings_timer.setInterval(200)
        self._findings_timer.timeout.connect(self._typing_paused)
        find_box = self.panel

        self.toolbar = QToolBar(self)
        self._make_actions()

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.view)
        split.addWidget(find_box)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([1100, 300])
        self.splitter = split

        top = QWidget(self)
        top.setObjectName("editorTop")
        top.setStyleSheet("#editorTop { background: #f4f7fb; border-bottom: 1px solid #c8d3e0; }")
        tl = QHBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(0)
        tl.addWidget(self.toolbar)
        tl.addStretch(1)
        tl.addWidget(self.strip)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(top)
        lay.addWidget(split, 1)

        # Columns keep the template's proportions and widen to fill the view (rows re-fit after).
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(60)
        self._fit_timer.timeout.connect(self.fit_columns)
        self.view.viewport().installEventFilter(self)

        self.refresh_strip()
        self.refresh_findings()
        self.view.resizeRowsToContents()
        first = self.view.next_editable(0, 0, "right")
        if first.isValid():
            self.view.setCurrentIndex(first)

    # ------------------------------------------------------------ actions
    def _make_actions(self) -> None:
        tb = self.toolbar
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut

        def act(text, slot, keys=(), tip=""):
            a = QAction(text, self)
            if keys:
                a.setShortcuts([QKeySequence(k) for k in keys])
                a.setShortcutContext(ctx)
            if tip:
                a.setToolTip(tip)
            a.triggered.connect(slot)
            self.addAction(a)
            return a

        self.act_undo = self.undo_stack.createUndoAction(self, "撤销")
        self.act_undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.act_undo.setShortcutContext(ctx)
        self.act_redo = self.undo_stack.createRedoAction(self, "重做")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        self.act_redo.setShortcutContext(ctx)
        self.addAction(self.act_undo)
        self.addAction(self.act_redo)
        tb.addAction(self.act_undo)
        tb.addAction(self.act_redo)
        tb.addSeparator()
        self.act_insert_row = act("插入指标行", self.insert_indicator, ("Alt+Insert",), "在当前行下方插入一行指标（Alt+Insert）")
        self.act_remove_row = act("删除指标行", self.remove_indicator, ("Alt+Delete",), "删除当前指标行（Alt+Delete）")
        self.act_row_up = act("上移", lambda: self.move_indicator(-1), ("Alt+Up",), "当前指标行上移（Alt+↑）")
        self.act_row_down = act("下移", lambda: self.move_indicator(1), ("Alt+Down",), "当前指标行下移（Alt+↓）")
        for a in (self.act_insert_row, self.act_remove_row, self.act_row_up, self.act_row_down):
            tb.addAction(a)
        if self.session.multi_goal:
            tb.addSeparator()
            self.act_add_goal = act("增加目标", self.insert_goal, (), "在当前目标之后增加一个年度目标")
            self.act_remove_goal = act("删除目标", self.remove_goal, (), "删除当前年度目标及其指标")
            tb.addAction(self.act_add_goal)
            tb.addAction(self.act_remove_goal)
        tb.addSeparator()
        self.act_history = act("修改记录", self.show_history, (), "查看这张表的修改记录")
        tb.addAction(self.act_history)
        self.act_copy = act("复制", self.copy_selection, ())
        self.act_paste = act("粘贴", self.paste, ())
        self.act_clear = act("清除内容", self.clear_selection, ())

    # ------------------------------------------------------------ layout helpers
    def apply_spans(self) -> None:
        """clearSpans() then setSpan() for every merged cell: spans survive setModel() and grow
        when rows are inserted inside them, so they are always re-derived from the sheet."""
        v = self.view
        v.clearSpans()
        for r, c, rs, cs in self.model.sheet.spans():
            v.setSpan(r, c, rs, cs)

    def apply_column_widths(self, scale: float = 1.0) -> None:
        # The print widths, balanced again for the screen's font and width (core.layout.widths).
        em = QFontMetrics(self.view.font()).horizontalAdvance("中")
        for i, w in enumerate(screen_widths(self.model.sheet, self.natural_width() * scale, em)):
            self.view.setColumnWidth(i, w)
        self._scale = scale

    def fit_columns(self) -> None:
        """Widen the columns (never below the template's widths, at most ×1.5) to the view."""
        natural = self.natural_width()
        avail = self.view.viewport().width() - 2
        scale = max(1.0, min(MAX_COLUMN_SCALE, avail / natural)) if natural else 1.0
        if abs(scale - getattr(self, "_scale", 1.0)) < 0.01:
            return
        self.apply_column_widths(scale)
        self.view.resizeRowsToContents()

    def eventFilter(self, obj, event):
        if obj is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_timer.start()
        return super().eventFilter(obj, event)

    def natural_width(self) -> int:
        return sum(int(w * PX_PER_UNIT) for w in self.model.sheet.col_widths)

    # ------------------------------------------------------------ live typing
    def on_typing(self, cell, text: str) -> None:
        # Scores follow each keystroke at once; the checks (findings) follow when typing pauses.
        changed = self.session.preview(cell, text, checks=False)
        if changed:
            self.model.cells_changed(changed)
        self.refresh_strip()
        self._findings_timer.start()

    def _typing_paused(self) -> None:
        changed = self.session.refresh_checks()
        if changed:
            self.model.cells_changed(changed)
            self.refresh_strip()
        self.refresh_findings()

    def cancel_preview(self) -> None:
        changed = self.session.end_preview(restore=True)
        if changed:
            self.model.cells_changed(changed)
            self.refresh_strip()
            self._findings_timer.start()

    # ------------------------------------------------------------ committing
    def _run(self, fn, *args) -> Step | None:
        """Run a session operation that saves; a store error becomes a Chinese message."""
        if self.model.readonly:
            common.show_info(self, READONLY_MESSAGE)
            return None
        try:
            return fn(*args)
        except StoreError as exc:
            common.show_error(self, f"修改未能保存，已撤回这次修改。\n\n{exc}")
            self.sync()
            return None

    def commit_text(self, cell, text: str) -> None:
        step = self._run(self.session.edit_text, cell, text)
        if step is None:
            if self.session.form.get_raw((cell.key or "").split("#")[0]) != text:
                self.model.reject_commit()
            self.sync(rows_of=[cell])
            return
        self.push(step, cells=[cell])

    def push(self, step: Step, cells=None) -> None:
        self.undo_stack.push(StepCommand(self, step))
        self.sync(step, rows_of=cells)
        if self.session.form_id is not None:
            self.saved.emit(self.session.form_id)

    def replay(self, step: Step, forward: bool) -> None:
        try:
            (self.session.redo if forward else self.session.undo)(step)
        except StoreError as exc:
            common.show_error(self, f"{'重做' if forward else '撤销'}未能保存。\n\n{exc}")
            QTimer.singleShot(0, self.undo_stack.clear)
            return
        self.sync(step if forward else Step(step.label, step.changes))
        self.select_changed(step)
        if self.session.form_id is not None:
            self.saved.emit(self.session.form_id)

    def select_changed(self, step: Step) -> None:
        """After undo / redo the cell that changed is current again (as in Excel)."""
        if step.focus and step.focus[0]:
            return                           # a structural step focuses its row itself
        for path, _o, _n in step.changes:
            idx = self.model.index_for_key(path)
            if idx.isValid():
                self.view.setCurrentIndex(idx)
                self.view.scrollTo(idx)
                return

    def sync(self, step: Step | None = None, rows_of=None) -> None:
        """Bring the view up to date with the form after a committed change."""
        structural = self.session.rebuild()
        if structural:
            self._pending_focus = step.focus if step else None
            if self.view.state() == QAbstractItemView.State.EditingState:
                self._sync_pending = True      # reset after the editor has closed
                return
            self._relayout()
        else:
            self.model.refresh_all()
            rows = set()
            for c in rows_of or ():
                cell = self.model.sheet.cell_for(c.key) if c.key else None
                if cell is not None:
                    rows.update(range(cell.row, cell.row + cell.rowspan))
            if step is not None:
                for p, _o, _n in step.changes:
                    cell = self.model.sheet.cell_for(p)
                    if cell is not None:
                        rows.update(range(cell.row, cell.row + cell.rowspan))
            for r in rows:
                self.view.resizeRowToContents(r)
            if step is not None and step.focus and step.focus[0]:
                self.focus_path(step.focus[0])
        self.refresh_strip()
        self.refresh_findings()
        self.title_changed.emit(self.title())

    def flush_pending_sync(self) -> None:
        if self._sync_pending:
            self._sync_pending = False
            self._relayout()

    def _relayout(self) -> None:
        cur = self.view.currentIndex()
        pos = (cur.row(), cur.column()) if cur.isValid() else (0, 0)
        self.model.reset_layout()          # modelReset -> apply_spans()
        self.view.resizeRowsToContents()
        focus, self._pending_focus = self._pending_focus, None
        if focus and focus[0]:
            self.focus_path(focus[0], pos[1])
        elif self.model.rowCount():
            cell = self.model.cell_at(min(pos[0], self.model.rowCount() - 1), pos[1])
            if cell is not None:
                self.view.setCurrentIndex(self.model.index(cell.row, cell.col))

    def focus_path(self, path: str, col: int | None = None) -> None:
        """Make current the cell of a path (or of the row an indicator path names)."""
        if col is None:
            cur = self.view.currentIndex()
            col = cur.column() if cur.isValid() else 0
        m = self.model
        target = None
        for c in m.sheet.cells:
            keys = c.keys or ((c.key,) if c.key else ())
            for i, k in enumerate(keys):
                if k == path or k.startswith(path + "."):
                    target = (c.row + (i if c.keys and c.rowspan > 1 else 0), c.col)
                    break
            if target:
                break
        if target is None:
            return
        cell = m.cell_at(target[0], col) or m.cell_at(*target)
        idx = m.index(cell.row, cell.col)
        self.view.setCurrentIndex(idx)
        self.view.scrollTo(idx)

    # ------------------------------------------------------------ strip and findings
    def title(self) -> str:
        s = self.session.summary()
        name = s.get("name") or s.get("unit") or "表单"
        return f"{s.get('year') or ''} {name}".strip()

    def refresh_strip(self) -> None:
        sc = self.session.scores
        parts = []
        blank = self.session.blank              # an empty form: —, not “0.00 差”
        if sc.profile.scored:
            total = fmt2(sc.total) if sc.total is not None and not blank else "—"
            parts.append(f"总分 <b>{total}</b>")
            parts.append(f"等级 <b>{(sc.grade if not blank else '') or '—'}</b>")
        else:
            parts.append("本表不计分")
        parts.append(f"执行率 <b>{fmt2(sc.rate) + '%' if sc.rate is not None else '—'}</b>")
        errors = sum(1 for f in sc.findings if f.level == "error")
        warnings = len(sc.findings) - errors
        if errors:
            parts.append(f"<span style='color:#c62828'>错误 {errors}</span>")
        if warnings:
            parts.append(f"<span style='color:#9a6a00'>提示 {warnings}</span>")
        self.strip.setText("&nbsp;&nbsp;&nbsp;&nbsp;".join(parts))

    # ------------------------------------------------------------ clipboard, clear
    def _selected_cells(self) -> list:
        seen, out = set(), []
        for idx in self.view.selectionModel().selectedIndexes() or [self.view.currentIndex()]:
            c = self.model.cell(idx)
            if c is not None and id(c) not in seen:
                seen.add(id(c))
                out.append(c)
        return out

    def clear_selection(self) -> None:
        pairs = [(c, "") for c in self._selected_cells() if self.session.can_edit(c)]
        if not pairs:
            return
        step = self._run(self.session.edit_many, pairs, "清除内容")
        if step:
            self.push(step, cells=[c for c, _ in pairs])

    def copy_selection(self) -> None:
        rows = clipboard.block_of(self.model, self.view.selectionModel().selectedIndexes()
                                  or [self.view.currentIndex()])
        if rows:
            QApplication.clipboard().setMimeData(clipboard.mime_for(rows))

    def paste(self) -> None:
        grid = clipboard.grid_from_mime(QApplication.clipboard().mimeData())
        cur = self.view.currentIndex()
        anchor = self.model.cell(cur) if cur.isValid() else None
        if not grid or anchor is None:
            return
        pairs = clipboard.targets_for(self.model, anchor, grid)
        if not pairs:
            common.show_info(self, "粘贴的位置没有可以填写的单元格。")
            return
        step = self._run(self.session.edit_many, pairs, "粘贴")
        if step:
            self.push(step, cells=[c for c, _ in pairs])

    # ------------------------------------------------------------ history
    def show_history(self) -> None:
        if self.session.store is None or self.session.form_id is None:
            common.show_info(self, "这张表没有保存在表单库中，没有修改记录。")
            return
        try:
            rows = self.session.store.history(self.session.form_id, limit=500)
        except StoreError as exc:
            common.show_error(self, str(exc))
            return
        HistoryDialog(rows, self.title(), self).exec()

    # ------------------------------------------------------------ scripted editing (driver, tests)
    def open_editor(self, key: str) -> QWidget | None:
        idx = self.model.index_for_key(key)
        if not idx.isValid():
            return None
        self.view.setCurrentIndex(idx)
        self.view.scrollTo(idx)
        self.view.edit(idx)
        return self.delegate.current_editor
