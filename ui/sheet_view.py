"""The view of the paper table: navigation between the cells a clerk fills, keys on the view.

Enter/Tab move to the next cell to fill, Delete clears, Ctrl+C / Ctrl+V copy and paste,
Ctrl+Z / Ctrl+Y undo and redo (the actions live on :class:`ui.editor.EditorWidget`).
"""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QInputMethodEvent, QKeySequence, QPalette
from PySide6.QtWidgets import QAbstractItemDelegate, QAbstractItemView, QApplication, QHeaderView, QTableView

from .sheet_model import SheetModel


class SheetView(QTableView):
    def __init__(self, editor_widget: "ui.editor.EditorWidget"):
        super().__init__(editor_widget)
        self.ew = editor_widget
        self.pending_move: str | None = None
        self._replace = False            # the editor being opened starts empty (typing replaces)
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
                if c is not None and c is not start and m.tab_stop(c) and c.row == r:
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

    # -- starting an edit
    def edit(self, index, trigger=None, event=None):
        if trigger is None:
            return super().edit(index)
        self._replace = trigger == QAbstractItemView.EditTrigger.AnyKeyPressed
        try:
            return super().edit(index, trigger, event)
        finally:
            self._replace = False

    def take_replace(self) -> bool:
        """Asked by the delegate while it fills a new editor: was editing started by typing?"""
        r, self._replace = self._replace, False
        return r

    def inputMethodEvent(self, event):
        """A Chinese input method on a selected cell that is not being edited.  Qt opens the editor
        but does not hand it the event, so a commit-only event (handwriting, voice, full-width
        punctuation, several IMEs) would be lost: open the editor (replacing the content, as
        typing does) and forward the event to it ourselves."""
        if self.state() != QAbstractItemView.State.EditingState and (event.commitString() or event.preeditString()):
            idx = self.currentIndex()
            if not (idx.isValid() and self.model().flags(idx) & Qt.ItemFlag.ItemIsEditable):
                event.accept()           # a computed cell takes no text (and the selection stays)
                return
            if self.edit(idx, QAbstractItemView.EditTrigger.AnyKeyPressed, event):
                ed = self.ew.delegate.current_editor
                if ed is not None:
                    ed.opened_by_ime = True
                    copy = QInputMethodEvent(event.preeditString(), event.attributes())
                    copy.setCommitString(event.commitString(), event.replacementStart(),
                                         event.replacementLength())
                    QApplication.sendEvent(ed, copy)
                    event.accept()
                    return
        super().inputMethodEvent(event)

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
            if key == Qt.Key.Key_Backspace and not event.modifiers():
                # Excel: Backspace empties the cell and starts editing it (Esc keeps the old text).
                idx = self.currentIndex()
                if idx.isValid() and self.model().flags(idx) & Qt.ItemFlag.ItemIsEditable:
                    self.edit(idx, QAbstractItemView.EditTrigger.AnyKeyPressed, None)
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
