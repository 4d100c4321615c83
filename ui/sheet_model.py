"""The Qt table model over a :class:`core.sheet.Sheet` (through an :class:`core.session.EditSession`).

Rows and columns are the sheet's; a merged cell answers at its top-left position only (the view's
spans, re-applied by the editor after every layout change, make it cover the rest).
DisplayRole is the printed text, EditRole the raw typed text of an input cell.

The delegate reads cells through the Python methods (``model.top(index)``, ``background()``…)
rather than back through C++ ``QModelIndex.data()``: quicker, and no QVariant round trip.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from core import sheet as sh
from core.session import EditSession

from . import common

CellRole = Qt.ItemDataRole.UserRole + 1      # the core.sheet.Cell at this position (top-left only)
CoverRole = Qt.ItemDataRole.UserRole + 2     # the Cell covering this position (also inside a span)

_ALIGN = {
    "left": Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    "center": Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
    "right": Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
}


class SheetModel(QAbstractTableModel):
    """Table model of one form's sheet.  ``commit_requested(cell, text)`` is emitted by setData;
    the editor turns it into a saved, undoable step."""

    commit_requested = Signal(object, str)

    def __init__(self, session: EditSession, parent=None):
        super().__init__(parent)
        self.session = session
        self._accept: bool = True
        store = session.store
        self.readonly = bool(getattr(store, "readonly", False))   # a store opened read-only
        self._index_layout()
        base = QFont()
        self._bold = QFont(base)
        self._bold.setBold(True)
        self._title = QFont(base)
        self._title.setBold(True)
        self._title.setPointSize(base.pointSize() + 5)
        self._brushes = {
            "input": QBrush(common.COLOR_INPUT), "label": QBrush(common.COLOR_LABEL),
            "header": QBrush(common.COLOR_HEADER), "computed": QBrush(common.COLOR_COMPUTED),
            "error": QBrush(common.COLOR_ERROR), "warning": QBrush(common.COLOR_WARNING),
            "label_text": QBrush(common.COLOR_LABEL_TEXT),
            "text": QBrush(QColor("#000000")), "error_text": QBrush(QColor("#b71c1c")),
        }

    # ------------------------------------------------------------ layout
    @property
    def sheet(self) -> sh.Sheet:
        """The sheet this model shows (the session's, as of the last reset or refresh)."""
        return self._sheet

    def _index_layout(self) -> None:
        s = self._sheet = self.session.sheet
        self._top: dict[tuple[int, int], sh.Cell] = {}
        self._cover: dict[tuple[int, int], sh.Cell] = {}
        for c in s.cells:
            self._top[(c.row, c.col)] = c
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    self._cover[(r, k)] = c
        self._total_cell = s.cell_for("total")

    def reset_layout(self) -> None:
        """The session's sheet was rebuilt with another layout: reset (the view re-applies spans)."""
        self.beginResetModel()
        self._index_layout()
        self.endResetModel()

    def refresh_all(self) -> None:
        """The session's sheet was rebuilt with the same layout: every cell may show new text."""
        self._index_layout()
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def cells_changed(self, cells) -> None:
        for c in cells:
            idx = self.index(c.row, c.col)
            self.dataChanged.emit(idx, idx)

    # ------------------------------------------------------------ lookup
    def cell_at(self, row: int, col: int) -> sh.Cell | None:
        """The cell covering a position (a merged cell covers many)."""
        return self._cover.get((row, col))

    def cell(self, index: QModelIndex) -> sh.Cell | None:
        if not index.isValid():
            return None
        return self._cover.get((index.row(), index.column()))

    def top(self, index: QModelIndex) -> sh.Cell | None:
        """The cell whose top-left corner is at this index (None inside a span)."""
        if not index.isValid():
            return None
        return self._top.get((index.row(), index.column()))

    def index_of(self, cell: sh.Cell) -> QModelIndex:
        return self.index(cell.row, cell.col)

    def index_for_key(self, key: str) -> QModelIndex:
        c = self.sheet.cell_for(key)
        if c is None:
            for cell in self.sheet.cells:
                if key in cell.keys:
                    c = cell
                    break
        return self.index(c.row, c.col) if c is not None else QModelIndex()

    def value_for_key(self, key: str, role=Qt.ItemDataRole.DisplayRole):
        return self.data(self.index_for_key(key), role)

    # ------------------------------------------------------------ Qt model API
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._sheet.nrows

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._sheet.ncols

    def flags(self, index: QModelIndex):
        c = self._top.get((index.row(), index.column())) if index.isValid() else None
        if c is None:
            return Qt.ItemFlag.NoItemFlags if not index.isValid() else Qt.ItemFlag.ItemIsEnabled
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if c.editable and not self.readonly:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        pos = (index.row(), index.column())
        if role == CoverRole:
            return self._cover.get(pos)
        c = self._top.get(pos)
        if c is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return c.text
        if role == Qt.ItemDataRole.EditRole:
            if c.editable:
                return c.value if c.value is not None else ""
            return c.text
        if role == CellRole:
            return c
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.background(c)
        if role == Qt.ItemDataRole.FontRole:
            return self.font_of(c)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.text_color(c)      # every role: dark text whatever the system's scheme
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(c)
        if role == Qt.ItemDataRole.ToolTipRole:
            tips = list(c.messages)
            if c.multiline and len(c.text) > 60:
                tips.insert(0, c.text if len(c.text) <= 1500 else c.text[:1500] + "……")
            if c.role == sh.SCORE and c.computed_text and c.value and c.computed_text != c.text:
                tips.append(f"按规则计算为 {c.computed_text}")
            if c.options:
                tips.append("定性指标：右键（或按菜单键）选择评价档次")
            return "\n".join(tips) if tips else None
        if role == Qt.ItemDataRole.StatusTipRole:
            return "；".join(c.messages) if c.messages else None
        return None

    # ------------------------------------------------------------ look of a cell
    def background(self, c: sh.Cell) -> QBrush:
        b = self._brushes
        if c.level == "error":
            return b["error"]
        if c.level == "warning":
            return b["warning"]
        if c.role == sh.COMPUTED:
            return b["computed"]
        if c.role == sh.SCORE and c.text and not c.value:
            return b["computed"]          # a score the rules computed (typing one overrides it)
        if c.role == sh.HEADER:
            return b["header"]
        if c.role == sh.LABEL and c.border:
            return b["label"]
        return b["input"]

    def font_of(self, c: sh.Cell) -> QFont | None:
        if c.role == sh.TITLE:
            return self._title
        if c.bold or c.role == sh.HEADER:
            return self._bold
        return None

    def text_color(self, c: sh.Cell) -> QBrush:
        if c.role in (sh.LABEL, sh.HEADER):
            return self._brushes["label_text"].color()
        if c.level == "error":
            return self._brushes["error_text"].color()
        return self._brushes["text"].color()

    def alignment(self, c: sh.Cell):
        if c.multiline and c.align == "left":
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        return _ALIGN.get(c.align, _ALIGN["center"])

    def setData(self, index: QModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        c = self._top.get((index.row(), index.column()))
        if c is None or not c.editable:
            return False
        text = "" if value is None else str(value)
        self._accept = True
        self.commit_requested.emit(c, text)
        return self._accept

    def reject_commit(self) -> None:
        """Called by the editor when a commit could not be saved."""
        self._accept = False

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            n, out = section, ""
            while True:
                out = chr(ord("A") + n % 26) + out
                n = n // 26 - 1
                if n < 0:
                    return out
        return str(section + 1)
