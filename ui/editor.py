"""The form editor: the paper table on screen, edited like a spreadsheet.

* :class:`SheetView` — a QTableView over :class:`ui.sheet_model.SheetModel`; spans are cleared and
  re-applied after every layout change; Enter/Tab move to the next editable cell, Delete clears,
  Ctrl+C / Ctrl+V copy and paste Excel's tab-separated text, Ctrl+Z / Ctrl+Y undo and redo.
* :class:`SheetDelegate` — a line editor for short inputs and a multi-line editor for long texts;
  every keystroke is applied live (:meth:`core.session.EditSession.preview`) so rates, scores, the
  total and the grade follow the typing; the edit is committed (and saved) on Enter / Tab / focus out.
* :class:`EditorWidget` — the view, the score strip (总分 / 等级 / 执行率), the findings panel and the
  row/goal actions; every committed change is one :class:`StepCommand` on a QUndoStack and is
  saved to the store before the next edit is accepted.
"""
from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFontMetrics, QKeySequence, QPalette, QPen, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemDelegate, QAbstractItemView, QApplication, QDialog, QDialogButtonBox, QHBoxLayout,
    QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QMenu, QPlainTextEdit, QSplitter,
    QStyle, QStyledItemDelegate, QTableView, QTableWidget, QTableWidgetItem,
    QToolBar, QVBoxLayout, QWidget,
)

from core.scoring import fmt2
from core.session import EditSession, Step, describe_path, parse_tsv, to_tsv
from core.store import READONLY_MESSAGE, StoreError
from core.widths import screen_widths

from . import common
from .sheet_model import SheetModel

PX_PER_UNIT = 9            # template column width units -> pixels
MAX_COLUMN_SCALE = 1.5     # columns widen to the window up to this factor
MAX_ROW_LINES = 4          # a long text shows at most this many lines in its row (the editor shows all)
_IND_RE = re.compile(r"^goals\.(\d+)\.indicators\.(\d+)\.")


# ---------------------------------------------------------------- editors

class LineEditor(QLineEdit):
    """The editor of a short input cell."""

    def __init__(self, cell, parent=None):
        super().__init__(parent)
        self.cell = cell
        self.initialized = False
        self.setFrame(False)


class TextEditor(QPlainTextEdit):
    """The editor of a long text (目标, 完成情况, 偏差原因): Enter is a new line; Ctrl+Enter, Tab or
    leaving the cell commits; Esc cancels."""

    def __init__(self, cell, parent=None):
        super().__init__(parent)
        self.cell = cell
        self.initialized = False
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setFrameShape(QPlainTextEdit.Shape.Box)

    def text(self) -> str:
        return self.toPlainText()


class SheetDelegate(QStyledItemDelegate):
    def __init__(self, editor_widget: "EditorWidget"):
        super().__init__(editor_widget)
        self.ew = editor_widget
        self.current_editor: QWidget | None = None

    # -- editors
    def createEditor(self, parent, option, index):
        cell = self.ew.model.top(index)
        if cell is None or not cell.editable:
            return None
        if cell.multiline:
            ed = TextEditor(cell, parent)
            ed.textChanged.connect(lambda ed=ed: ed.initialized and self.ew.on_typing(ed.cell, ed.toPlainText()))
        else:
            ed = LineEditor(cell, parent)
            ed.textEdited.connect(lambda text, ed=ed: self.ew.on_typing(ed.cell, text))
        align = self.ew.model.data(index, Qt.ItemDataRole.TextAlignmentRole)
        if isinstance(ed, LineEditor) and align is not None:
            ed.setAlignment(Qt.AlignmentFlag(int(align)) if not isinstance(align, Qt.AlignmentFlag) else align)
        self.current_editor = ed
        return ed

    def forget(self, ed) -> None:
        if self.current_editor is ed:
            self.current_editor = None

    def setEditorData(self, editor, index):
        # Only once: while typing, the cell's own dataChanged (a finding appearing on it) must not
        # put the committed value back into the editor.
        if getattr(editor, "initialized", True):
            return
        value = self.ew.model.data(index, Qt.ItemDataRole.EditRole)
        value = "" if value is None else str(value)
        if isinstance(editor, TextEditor):
            editor.blockSignals(True)
            editor.setPlainText(value)
            editor.blockSignals(False)
            cur = editor.textCursor()
            cur.movePosition(cur.MoveOperation.End)
            editor.setTextCursor(cur)
        else:
            editor.setText(value)
        editor.initialized = True

    def setModelData(self, editor, model, index):
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor, option, index):
        rect = QRect(option.rect)
        if isinstance(editor, TextEditor):
            rect.setWidth(max(rect.width(), 320))
            rect.setHeight(max(rect.height(), 150))
            vp = self.ew.view.viewport().rect()
            if rect.bottom() > vp.bottom():
                rect.moveBottom(max(vp.bottom(), rect.height()))
            if rect.right() > vp.right():
                rect.moveRight(max(vp.right(), rect.width()))
        editor.setGeometry(rect)

    # -- keys inside an editor
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.KeyPress and isinstance(obj, (LineEditor, TextEditor)):
            key, mods = event.key(), event.modifiers()
            ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if isinstance(obj, TextEditor) and not ctrl:
                    return False                     # a new line inside the text
                self._finish(obj, "down" if not (mods & Qt.KeyboardModifier.ShiftModifier) else "up")
                return True
            if key == Qt.Key.Key_Tab and not ctrl:
                self._finish(obj, "right")
                return True
            if key == Qt.Key.Key_Backtab:
                self._finish(obj, "left")
                return True
            if key == Qt.Key.Key_Escape:
                self.closeEditor.emit(obj, QAbstractItemDelegate.EndEditHint.RevertModelCache)
                return True
        return super().eventFilter(obj, event)

    def _finish(self, editor, move: str) -> None:
        self.ew.view.pending_move = move
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    # -- painting: the paper table's lines, the findings' frames, the current cell.
    # Everything is drawn here from the core.sheet.Cell, without QStyledItemDelegate.paint():
    # that would read the model back through C++ (see the note in ui/sheet_model.py).
    def paint(self, painter, option, index):
        m = self.ew.model
        cell = m.top(index)
        if cell is None:
            return
        r = option.rect
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        has_focus = bool(state & QStyle.StateFlag.State_HasFocus)
        painter.save()
        painter.fillRect(r, m.background(cell) if not selected else self.ew.view.palette().highlight())
        if cell.text:
            font = m.font_of(cell) or option.font
            painter.setFont(font)
            painter.setPen(m.text_color(cell))
            flags = int(m.alignment(cell)) | int(Qt.TextFlag.TextWordWrap)
            box = r.adjusted(4, 2, -4, -2)
            fm = QFontMetrics(font)
            need = fm.boundingRect(QRect(0, 0, max(1, box.width()), 1_000_000), flags, cell.text).height()
            if need > box.height():
                # Show whole lines only, and say there is more (the editor and the tooltip show all).
                lines = max(1, box.height() // fm.lineSpacing())
                box.setHeight(lines * fm.lineSpacing())
                flags = (flags & ~int(Qt.AlignmentFlag.AlignVertical_Mask)) | int(Qt.AlignmentFlag.AlignTop)
                painter.setClipRect(box)
                painter.drawText(box, flags, cell.text)
                painter.setClipping(False)
                painter.setPen(QColor("#777777"))
                painter.drawText(r.adjusted(4, 0, -4, -1), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom), "…")
            else:
                painter.setClipRect(r)
                painter.drawText(box, flags, cell.text)
                painter.setClipping(False)
        if cell.border:
            painter.setPen(QPen(common.COLOR_BORDER, 1))
            painter.drawLine(r.topRight(), r.bottomRight())
            painter.drawLine(r.bottomLeft(), r.bottomRight())
            left = m.cell_at(cell.row, cell.col - 1) if cell.col > 0 else None
            if left is None or not left.border:
                painter.drawLine(r.topLeft(), r.bottomLeft())
            up = m.cell_at(cell.row - 1, cell.col) if cell.row > 0 else None
            if up is None or not up.border:
                painter.drawLine(r.topLeft(), r.topRight())
        if cell.level:
            color = common.COLOR_ERROR_BORDER if cell.level == "error" else common.COLOR_WARNING_BORDER
            painter.setPen(QPen(color, 2))
            painter.drawRect(r.adjusted(2, 2, -2, -2))
        if has_focus:
            painter.setPen(QPen(QColor("#1a5fb4"), 2))
            painter.drawRect(r.adjusted(1, 1, -1, -1))
        painter.restore()

    def sizeHint(self, option, index):
        cell = self.ew.model.top(index)
        font = (self.ew.model.font_of(cell) if cell is not None else None) or option.font
        fm = QFontMetrics(font)
        line = fm.height()
        base = line + 10
        if cell is None or cell.rowspan > 1 or not cell.text:
            return QSize(40, base)
        width = option.rect.width()
        if width <= 0:
            view = self.ew.view
            width = sum(view.columnWidth(c) for c in range(cell.col, cell.col + cell.colspan))
        width = max(20, width - 10)
        rect = fm.boundingRect(QRect(0, 0, width, 100000),
                               int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap), cell.text)
        h = min(rect.height(), fm.lineSpacing() * MAX_ROW_LINES) + 8
        return QSize(width, max(base, h))


# ---------------------------------------------------------------- the view

class SheetView(QTableView):
    def __init__(self, editor_widget: "EditorWidget"):
        super().__init__(editor_widget)
        self.ew = editor_widget
        self.pending_move: str | None = None
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setShowGrid(False)
        self.setWordWrap(True)
        self.setTabKeyNavigation(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.horizontalHeader().setVisible(False)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Highlight, QColor("#cfe2fb"))
        pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#000000"))
        pal.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
        self.setPalette(pal)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)

    @property
    def sheet_model(self) -> SheetModel:
        return self.model()

    # -- navigation between editable cells
    def next_editable(self, row: int, col: int, direction: str) -> QModelIndex:
        m = self.sheet_model
        if m is None:
            return QModelIndex()
        nrows, ncols = m.rowCount(), m.columnCount()
        start = m.cell_at(row, col)
        if start is None:
            return QModelIndex()
        if direction in ("down", "up"):
            step = 1 if direction == "down" else -1
            r = (start.row + start.rowspan) if step > 0 else start.row - 1
            while 0 <= r < nrows:
                c = m.cell_at(r, col)
                if c is not None and c is not start and c.editable:
                    return m.index(c.row, c.col)
                r = (c.row + c.rowspan) if (c is not None and step > 0) else r + step
                if c is not None and step < 0:
                    r = c.row - 1
            return QModelIndex()
        step = 1 if direction == "right" else -1
        r, k = start.row, (start.col + start.colspan if step > 0 else start.col - 1)
        while 0 <= r < nrows:
            while 0 <= k < ncols:
                c = m.cell_at(r, k)
                if c is not None and c is not start and c.editable and c.row == r:
                    return m.index(c.row, c.col)
                k = (c.col + c.colspan) if (c is not None and step > 0) else (c.col - 1 if c is not None else k + step)
            r += step
            k = 0 if step > 0 else ncols - 1
        return QModelIndex()

    def go(self, direction: str) -> None:
        cur = self.currentIndex()
        if not cur.isValid():
            return
        nxt = self.next_editable(cur.row(), cur.column(), direction)
        if nxt.isValid():
            self.setCurrentIndex(nxt)
            self.scrollTo(nxt)

    def moveCursor(self, action, modifiers):
        cur = self.currentIndex()
        if cur.isValid() and action in (QAbstractItemView.CursorAction.MoveNext,
                                        QAbstractItemView.CursorAction.MovePrevious):
            nxt = self.next_editable(cur.row(), cur.column(),
                                     "right" if action == QAbstractItemView.CursorAction.MoveNext else "left")
            return nxt if nxt.isValid() else cur
        return super().moveCursor(action, modifiers)

    def closeEditor(self, editor, hint):
        super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint
                            if hint != QAbstractItemDelegate.EndEditHint.RevertModelCache else hint)
        self.ew.delegate.forget(editor)
        # Whatever was previewed and not committed (Esc) is put back.
        self.ew.cancel_preview()
        move, self.pending_move = self.pending_move, None
        if move:
            self.go(move)
        self.ew.flush_pending_sync()

    def keyPressEvent(self, event):
        if self.state() != QAbstractItemView.State.EditingState:
            key = event.key()
            if event.matches(QKeySequence.StandardKey.Copy):
                self.ew.copy_selection()
                return
            if event.matches(QKeySequence.StandardKey.Paste):
                self.ew.paste()
                return
            if event.matches(QKeySequence.StandardKey.Undo):
                self.ew.undo_stack.undo()
                return
            if event.matches(QKeySequence.StandardKey.Redo) or (
                    key == Qt.Key.Key_Y and event.modifiers() == Qt.KeyboardModifier.ControlModifier):
                self.ew.undo_stack.redo()
                return
            if key == Qt.Key.Key_Delete:
                self.ew.clear_selection()
                return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (event.modifiers() & Qt.KeyboardModifier.ControlModifier):
                self.go("up" if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else "down")
                return
            if key == Qt.Key.Key_Tab:
                self.go("right")
                return
            if key == Qt.Key.Key_Backtab:
                self.go("left")
                return
        super().keyPressEvent(event)

    def commit_open_editor(self) -> None:
        """Commit what is being typed before a row action (clicking a button would do it by focus)."""
        ed = self.ew.delegate.current_editor
        if ed is not None and self.state() == QAbstractItemView.State.EditingState:
            self.ew.delegate.commitData.emit(ed)
            self.ew.delegate.closeEditor.emit(ed, QAbstractItemDelegate.EndEditHint.NoHint)

    def contextMenuEvent(self, event):
        idx = self.indexAt(event.pos()) if event.reason() != event.Reason.Keyboard else self.currentIndex()
        if idx.isValid() and idx != self.currentIndex():
            self.setCurrentIndex(idx)
        menu = self.ew.build_context_menu(idx)
        menu.exec(event.globalPos() if event.reason() != event.Reason.Keyboard
                  else self.viewport().mapToGlobal(self.visualRect(idx).center()))


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

class EditorWidget(QWidget):
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
        self.apply_spans()
        self.apply_column_widths()

        # The score strip: always visible.
        self.strip = QLabel(self)
        self.strip.setTextFormat(Qt.TextFormat.RichText)
        self.strip.setObjectName("scoreStrip")
        self.strip.setStyleSheet("#scoreStrip { padding: 4px 14px; font-size: 12pt; }")

        # Findings.
        self.findings = QListWidget(self)
        self.findings.setWordWrap(True)
        self.findings.itemActivated.connect(self.go_to_finding)
        self.findings.itemClicked.connect(self.go_to_finding)
        self._findings_timer = QTimer(self)
        self._findings_timer.setSingleShot(True)
        self._findings_timer.setInterval(200)
        self._findings_timer.timeout.connect(self.refresh_findings)
        find_box = QWidget(self)
        fl = QVBoxLayout(find_box)
        fl.setContentsMargins(0, 0, 0, 0)
        self.findings_title = QLabel("检查结果", find_box)
        fl.addWidget(self.findings_title)
        fl.addWidget(self.findings)

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
        # The print widths, balanced again for the screen's font and width (core.widths).
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
        changed = self.session.preview(cell, text)
        if changed:
            self.model.cells_changed(changed)
        self.refresh_strip()
        self._findings_timer.start()

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
        if self.session.form_id is not None:
            self.saved.emit(self.session.form_id)

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
        if sc.profile.scored:
            total = fmt2(sc.total) if sc.total is not None else "—"
            parts.append(f"总分 <b>{total}</b>")
            parts.append(f"等级 <b>{sc.grade or '—'}</b>")
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

    def refresh_findings(self) -> None:
        sc = self.session.scores
        lst = self.findings
        lst.setUpdatesEnabled(False)
        lst.clear()
        for f in sorted(sc.findings, key=lambda f: 0 if f.level == "error" else 1):
            tag = "错误" if f.level == "error" else "提示"
            where = describe_path(f.where)
            item = QListWidgetItem(f"【{tag}】{where}：{f.message}" if where else f"【{tag}】{f.message}")
            item.setData(Qt.ItemDataRole.UserRole, f.where)
            item.setForeground(QColor("#c62828") if f.level == "error" else QColor("#8a5a00"))
            lst.addItem(item)
        lst.setUpdatesEnabled(True)
        n = len(sc.findings)
        self.findings_title.setText(f"检查结果（{n} 条）" if n else "检查结果：未发现问题")

    def go_to_finding(self, item: QListWidgetItem) -> None:
        where = item.data(Qt.ItemDataRole.UserRole)
        cell = self.model.sheet.locate(where) if where else None
        if cell is None:
            return
        idx = self.model.index(cell.row, cell.col)
        self.view.setCurrentIndex(idx)
        self.view.scrollTo(idx, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.view.setFocus()

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
        pairs = [(c, "") for c in self._selected_cells() if c.editable]
        if not pairs:
            return
        step = self._run(self.session.edit_many, pairs, "清除内容")
        if step:
            self.push(step, cells=[c for c, _ in pairs])

    def copy_selection(self) -> None:
        idxs = self.view.selectionModel().selectedIndexes() or [self.view.currentIndex()]
        idxs = [i for i in idxs if i.isValid()]
        if not idxs:
            return
        r0, r1 = min(i.row() for i in idxs), max(i.row() for i in idxs)
        c0, c1 = min(i.column() for i in idxs), max(i.column() for i in idxs)
        m = self.model
        rows = []
        for r in range(r0, r1 + 1):
            vals, k = [], c0
            while k <= c1:
                c = m.cell_at(r, k)
                if c is None:
                    vals.append("")
                    k += 1
                    continue
                if c.row == r:
                    vals.append((c.value or "") if c.editable else c.text)
                else:
                    vals.append("")
                k = c.col + c.colspan
            rows.append(vals)
        QApplication.clipboard().setText(to_tsv(rows))

    def paste(self) -> None:
        text = QApplication.clipboard().text()
        if not text:
            return
        grid = parse_tsv(text)
        cur = self.view.currentIndex()
        if not cur.isValid() or not grid:
            return
        m = self.model
        anchor = m.cell(cur)
        if anchor is None:
            return
        pairs = []
        for i, vals in enumerate(grid):
            r = anchor.row + i
            if r >= m.rowCount():
                break
            k = anchor.col
            for v in vals:
                if k >= m.columnCount():
                    break
                c = m.cell_at(r, k)
                if c is None:
                    k += 1
                    continue
                if c.editable and c.row == r:
                    pairs.append((c, v))
                k = c.col + c.colspan
        if not pairs:
            common.show_info(self, "粘贴的位置没有可以填写的单元格。")
            return
        step = self._run(self.session.edit_many, pairs, "粘贴")
        if step:
            self.push(step, cells=[c for c, _ in pairs])

    # ------------------------------------------------------------ rows and goals
    def _current_row(self) -> int | None:
        cur = self.view.currentIndex()
        return cur.row() if cur.isValid() else None

    def current_indicator(self) -> tuple[int, int] | None:
        r = self._current_row()
        return None if r is None else self.session.indicator_at_row(r)

    def _current_goal(self) -> int:
        r = self._current_row()
        g = self.session.goal_at_row(r) if r is not None else None
        return 0 if g is None else g

    def insert_indicator(self) -> None:
        self.view.commit_open_editor()
        pos = self.current_indicator()
        if pos is None:
            gi = self._current_goal()
            if gi >= len(self.session.form.goals):
                return
            at = len(self.session.form.goals[gi].get("indicators") or [])
        else:
            gi, at = pos[0], pos[1] + 1
        step = self._run(self.session.insert_indicator, gi, at)
        if step:
            self.push(step)

    def remove_indicator(self) -> None:
        self.view.commit_open_editor()
        pos = self.current_indicator()
        if pos is None:
            common.show_info(self, "请先选中要删除的指标行。")
            return
        step = self._run(self.session.remove_indicator, *pos)
        if step:
            self.push(step)

    def move_indicator(self, delta: int) -> None:
        self.view.commit_open_editor()
        pos = self.current_indicator()
        if pos is None:
            return
        step = self._run(self.session.move_indicator, pos[0], pos[1], delta)
        if step:
            self.push(step)

    def insert_goal(self) -> None:
        self.view.commit_open_editor()
        step = self._run(self.session.insert_goal, self._current_goal() + 1)
        if step:
            self.push(step)

    def remove_goal(self) -> None:
        self.view.commit_open_editor()
        if len(self.session.form.goals) <= 1:
            common.show_info(self, "至少要保留一个年度目标。")
            return
        gi = self._current_goal()
        step = self._run(self.session.remove_goal, gi)
        if step:
            self.push(step)

    def choose_tier(self, cell, tier: int | None) -> None:
        m = _IND_RE.match(cell.key or "")
        if not m:
            return
        step = self._run(self.session.set_tier, int(m.group(1)), int(m.group(2)), tier)
        if step:
            self.push(step, cells=[cell])

    def build_context_menu(self, idx: QModelIndex) -> QMenu:
        menu = QMenu(self)
        cell = self.model.cell(idx) if idx.isValid() else None
        if cell is not None and cell.options:
            m = _IND_RE.match(cell.key or "")
            current = None
            if m:
                current = self.session.form.get_raw(f"goals.{m.group(1)}.indicators.{m.group(2)}.tier")
            sub = menu.addMenu("评价档次")
            for i, label in enumerate(cell.options, start=1):
                a = sub.addAction(label)
                a.setCheckable(True)
                a.setChecked(current == i)
                a.triggered.connect(lambda _c=False, i=i, cell=cell: self.choose_tier(cell, i))
            sub.addSeparator()
            a = sub.addAction("清除档次")
            a.triggered.connect(lambda _c=False, cell=cell: self.choose_tier(cell, None))
            menu.addSeparator()
        for a in (self.act_copy, self.act_paste, self.act_clear):
            menu.addAction(a)
        menu.addSeparator()
        for a in (self.act_insert_row, self.act_remove_row, self.act_row_up, self.act_row_down):
            menu.addAction(a)
        if self.session.multi_goal:
            menu.addSeparator()
            menu.addAction(self.act_add_goal)
            menu.addAction(self.act_remove_goal)
        return menu

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


class HistoryDialog(QDialog):
    """修改记录: every saved change of one form, newest first."""

    def __init__(self, rows: list[dict], title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"修改记录 — {title}")
        self.resize(900, 520)
        table = QTableWidget(len(rows), 5, self)
        table.setHorizontalHeaderLabels(["时间", "位置", "原内容", "新内容", "操作"])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)

        def show(v):
            if v is None:
                return ""
            if isinstance(v, dict):
                return v.get("name") or v.get("title") or "（一行）"
            if isinstance(v, list):
                return f"（{len(v)} 项）"
            return str(v)
        for r, h in enumerate(rows):
            at = (h.get("at") or "").replace("T", " ")
            for c, text in enumerate((at, describe_path(h.get("path")), show(h.get("old")), show(h.get("new")),
                                      h.get("op") or "编辑")):
                table.setItem(r, c, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"共 {len(rows)} 条修改记录（最新的在最上面）" if rows else "还没有修改记录。"))
        lay.addWidget(table)
        lay.addWidget(buttons)
        self.table = table
