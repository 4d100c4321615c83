"""The in-cell editors and the delegate that makes and paints them.

* :class:`LineEditor` — a short input cell; :class:`TextEditor` — a long text (目标, 完成情况, 偏差原因).
* :class:`SheetDelegate` — creates the editor for a cell, applies every keystroke live
  (:meth:`ui.editor.EditorWidget.on_typing`), handles the keys inside an editor (Enter, Tab, Esc…)
  and paints the paper table's cells.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetrics, QPen, QPolygon
from PySide6.QtWidgets import (QAbstractItemDelegate, QLineEdit, QPlainTextEdit, QStyle, QStyledItemDelegate,
                               QWidget)

from . import common

MAX_ROW_LINES = 4          # a long text shows at most this many lines in its row (the editor shows all)


class _CellEditing:
    """What both in-cell editors share: the cell, how editing started, the input method."""

    def _init_cell(self, cell, delegate) -> None:
        self.cell = cell
        self.delegate = delegate
        self.initialized = False
        self.previewed = None          # the text last applied live
        self.opened_by_ime = False     # opened by an input-method event on the view
        self.ime_committed = False     # some composed text was committed since

    def inputMethodEvent(self, event):
        super().inputMethodEvent(event)
        if event.commitString():
            self.ime_committed = True
        elif (self.opened_by_ime and not self.ime_committed and not event.preeditString()
              and not self.text()):
            # The composition that opened this editor was cancelled before anything was typed:
            # leave the cell as it was, as if no key had been pressed.
            QTimer.singleShot(0, lambda: self.delegate.cancel(self))


class LineEditor(_CellEditing, QLineEdit):
    """The editor of a short input cell."""

    def __init__(self, cell, parent=None, delegate=None):
        super().__init__(parent)
        self._init_cell(cell, delegate)
        self.setFrame(False)


class TextEditor(_CellEditing, QPlainTextEdit):
    """The editor of a long text (目标, 完成情况, 偏差原因), as in Excel: Enter confirms and moves
    down, Alt+Enter starts a new line, Tab moves on, Esc cancels.  It opens over its cell, as
    wide as needed for comfortable typing and as tall as its text (within the view)."""

    def __init__(self, cell, parent=None, delegate=None):
        super().__init__(parent)
        self._init_cell(cell, delegate)
        self.cell_rect = QRect()
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setFrameShape(QPlainTextEdit.Shape.Box)

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)


class SheetDelegate(QStyledItemDelegate):
    MIN_POPUP_WIDTH = 320      # a long text's editor is at least this wide
    MAX_POPUP_HEIGHT = 260     # and grows with its text up to this height (then scrolls)

    def __init__(self, editor_widget: "ui.editor.EditorWidget"):
        super().__init__(editor_widget)
        self.ew = editor_widget
        self.current_editor: QWidget | None = None

    # -- editors
    def createEditor(self, parent, option, index):
        cell = self.ew.model.top(index)
        if not self.ew.session.can_edit(cell):
            return None
        if cell.multiline:
            ed = TextEditor(cell, parent, self)
            ed.textChanged.connect(lambda ed=ed: ed.initialized and self._typed(ed))
        else:
            ed = LineEditor(cell, parent, self)
            ed.textChanged.connect(lambda _t, ed=ed: ed.initialized and self._typed(ed))
        align = self.ew.model.data(index, Qt.ItemDataRole.TextAlignmentRole)
        if isinstance(ed, LineEditor) and align is not None:
            ed.setAlignment(Qt.AlignmentFlag(int(align)) if not isinstance(align, Qt.AlignmentFlag) else align)
        self.current_editor = ed
        return ed

    def _typed(self, ed) -> None:
        if ed is not self.current_editor:
            return                           # an editor already closed (deleted later)
        text = ed.text()
        if text == ed.previewed:
            return                           # e.g. a composition (preedit) changed, not the text
        ed.previewed = text
        self.ew.on_typing(ed.cell, text)
        if isinstance(ed, TextEditor):
            self.place_text_editor(ed)

    def forget(self, ed) -> None:
        if self.current_editor is ed:
            self.current_editor = None

    def setEditorData(self, editor, index):
        # Only once: while typing, the cell's own dataChanged (a finding appearing on it) must not
        # put the committed value back into the editor.
        if getattr(editor, "initialized", True):
            return
        if self.ew.view.take_replace():
            value = ""                       # typing on a cell replaces its content (Excel)
        else:
            value = self.ew.model.data(index, Qt.ItemDataRole.EditRole)
            value = "" if value is None else str(value)
        editor.blockSignals(True)
        if isinstance(editor, TextEditor):
            editor.setPlainText(value)
            cur = editor.textCursor()
            cur.movePosition(cur.MoveOperation.End)
            editor.setTextCursor(cur)
        else:
            editor.setText(value)
        editor.blockSignals(False)
        editor.previewed = value
        editor.initialized = True

    def setModelData(self, editor, model, index):
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor, option, index):
        if isinstance(editor, TextEditor):
            editor.cell_rect = QRect(option.rect)
            self.place_text_editor(editor)
        else:
            editor.setGeometry(option.rect)

    def place_text_editor(self, editor: TextEditor) -> None:
        """Over its cell, growing right and down (left and up near the view's edges), only as
        tall as its text needs: it covers no more of the neighbouring rows than it must."""
        cell = editor.cell_rect
        vp = self.ew.view.viewport().rect()
        width = min(max(cell.width(), self.MIN_POPUP_WIDTH), vp.width())
        fm = QFontMetrics(editor.font())
        margin = 2 * editor.frameWidth() + 2 * int(editor.document().documentMargin()) + 4
        text = editor.toPlainText() or " "
        need = fm.boundingRect(QRect(0, 0, max(1, width - margin - 16), 1_000_000),
                               int(Qt.TextFlag.TextWordWrap), text).height() + margin + fm.lineSpacing()
        height = max(cell.height(), min(need, self.MAX_POPUP_HEIGHT))
        height = min(height, vp.height())
        rect = QRect(cell.left(), cell.top(), width, height)
        if rect.right() > vp.right():
            rect.moveRight(vp.right())
        if rect.left() < vp.left():
            rect.moveLeft(vp.left())
        if rect.bottom() > vp.bottom():
            rect.moveBottom(vp.bottom())
        if rect.top() < vp.top():
            rect.moveTop(vp.top())
        if rect != editor.geometry():
            editor.setGeometry(rect)

    # -- keys inside an editor
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.KeyPress and isinstance(obj, (LineEditor, TextEditor)):
            key, mods = event.key(), event.modifiers()
            ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
            alt = bool(mods & Qt.KeyboardModifier.AltModifier)
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if alt:                              # Alt+Enter: a new line inside the cell
                    if isinstance(obj, TextEditor):
                        obj.textCursor().insertText("\n")
                    return True
                self._finish(obj, "up" if mods & Qt.KeyboardModifier.ShiftModifier else "down")
                return True
            if key == Qt.Key.Key_Tab and not ctrl:
                self._finish(obj, "right")
                return True
            if key == Qt.Key.Key_Backtab:
                self._finish(obj, "left")
                return True
            if key == Qt.Key.Key_Escape:
                self.cancel(obj)
                return True
        return super().eventFilter(obj, event)

    def _finish(self, editor, move: str) -> None:
        self.ew.view.pending_move = move
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def cancel(self, editor) -> None:
        """Esc: close the editor; the cell keeps its value (the live preview is put back)."""
        if editor is self.current_editor:
            self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.RevertModelCache)

    # -- painting: the paper table's lines, the findings' frames, the current cell.
    # Everything is drawn here from the core.layout.sheet.Cell, without QStyledItemDelegate.paint():
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
        if cell.role == "computed" and self.ew.session.printed_path(cell):
            printed = self.ew.session.printed_value(cell).strip()
            if printed and printed != cell.text:
                # The paper form printed another value here: a corner mark, as Excel marks a
                # comment; the tooltip says what was printed, F2 edits it.
                x, y = r.right() - 3, r.top() + 3
                corner = QPolygon([QPoint(x - 10, y), QPoint(x, y), QPoint(x, y + 10)])
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor("#8b0000"))
                painter.drawPolygon(corner)
        if has_focus:
            painter.setPen(QPen(QColor("#1a5fb4"), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
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
