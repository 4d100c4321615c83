"""The Qt table model over a :class:`core.layout.sheet.Sheet` (through an :class:`core.editing.session.EditSession`).

Rows and columns are the sheet's; a merged cell answers at its top-left position only (the view's
spans, re-applied by the editor after every layout change, make it cover the rest).
DisplayRole is the printed text, EditRole the raw typed text of an input cell.

The delegate reads cells through the Python methods (``model.top(index)``, ``background()``…)
rather than back through C++ ``QModelIndex.data()``: quicker, and no QVariant round trip.
"""
from __future__ import annotations

import re

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from core.editing import EditSession
from core.layout import COMPUTED, HEADER, LABEL, SCORE, TITLE, Cell, Sheet
from core.rules import QUALITATIVE

from . import common

CellRole = Qt.ItemDataRole.UserRole + 1      # the core.layout.sheet.Cell at this position (top-left only)
CoverRole = Qt.ItemDataRole.UserRole + 2     # the Cell covering this position (also inside a span)

_IND_RE = re.compile(r"^goals\.(\d+)\.indicators\.(\d+)\.")
_NOT_TAB = re.compile(r"(^funds\.(total|sources\.\d+|uses\.\d+)\.label$)|(\.level[12]$)")

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
    def sheet(self) -> Sheet:
        """The sheet this model shows (the session's, as of the last reset or refresh)."""
        return self._sheet

    def _index_layout(self) -> None:
        s = self._sheet = self.session.sheet
        self._top: dict[tuple[int, int], Cell] = {}
        self._cover: dict[tuple[int, int], Cell] = {}
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
    def cell_at(self, row: int, col: int) -> Cell | None:
        """The cell covering a position (a merged cell covers many)."""
        return self._cover.get((row, col))

    def cell(self, index: QModelIndex) -> Cell | None:
        if not index.isValid():
            return None
        return self._cover.get((index.row(), index.column()))

    def top(self, index: QModelIndex) -> Cell | None:
        """The cell whose top-left corner is at this index (None inside a span)."""
        if not index.isValid():
            return None
        return self._top.get((index.row(), index.column()))

    def index_of(self, cell: Cell) -> QModelIndex:
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
        if (c.editable or self.session.printed_path(c)) and not self.readonly:
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
            if self.session.printed_path(c):
                return self.session.printed_value(c)
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
            if c.role == SCORE and c.computed_text and c.value and c.computed_text != c.text:
                tips.append(f"按规则计算为 {c.computed_text}")
            if c.options:
                tips.append("定性指标：右键（或按菜单键）选择评价档次")
            printed = self.session.printed_value(c)
            if printed:
                tips.append(f"表中填写的是 {printed}，显示的是按数字算出的 {c.text or '（无）'}；"
                            "按 F2 修改填写值，按 Delete 清除")
            explained = self.explanation(c)
            if explained:
                tips.insert(0, f"计分说明：{explained}")
            return "\n".join(tips) if tips else None
        if role == Qt.ItemDataRole.StatusTipRole:
            return "；".join(c.messages) if c.messages else None
        return None

    # ------------------------------------------------------------ navigation and explanations
    def tab_stop(self, c: Cell | None) -> bool:
        """A cell Tab / Shift+Tab stops on: one a clerk fills.  Row labels, 一级/二级 and computed
        cells are skipped; a score only where the rules leave it to the clerk (定性 rows, a form
        that is not scored)."""
        if c is None or not c.editable:
            return False
        key = c.key or ""
        if _NOT_TAB.search(key):
            return False
        if c.role == SCORE:
            scores = self.session.scores
            if not scores.profile.scored:
                return True
            m = _IND_RE.match(key)
            res = scores.indicator(int(m.group(1)), int(m.group(2))) if m else None
            return res is None or res.kind == QUALITATIVE
        return True

    def explanation_key(self, c: Cell | None) -> str | None:
        """The key of :func:`core.rules.explain.explain` for a score cell (execution, indicator, total)."""
        if c is None or not c.key:
            return None
        if c.key in ("funds.total.score", "funds.total.rate"):
            return "execution"
        if c.key in ("total", "grade"):
            return "total"
        if c.role == SCORE:
            m = _IND_RE.match(c.key)
            return f"goals.{m.group(1)}.indicators.{m.group(2)}" if m else None
        return None

    def explanation(self, c: Cell | None) -> str:
        k = self.explanation_key(c)
        return self.session.explanation(k) if k else ""

    # ------------------------------------------------------------ look of a cell
    def background(self, c: Cell) -> QBrush:
        b = self._brushes
        if c.level == "error":
            return b["error"]
        if c.level == "warning":
            return b["warning"]
        if c.role == COMPUTED:
            return b["computed"]
        if c.role == SCORE and c.text and not c.value:
            return b["computed"]          # a score the rules computed (typing one overrides it)
        if c.role == HEADER:
            return b["header"]
        if c.role == LABEL and c.border:
            return b["label"]
        return b["input"]

    def font_of(self, c: Cell) -> QFont | None:
        if c.role == TITLE:
            return self._title
        if c.bold or c.role == HEADER:
            return self._bold
        return None

    def text_color(self, c: Cell) -> QBrush:
        if c.role in (LABEL, HEADER):
            return self._brushes["label_text"].color()
        if c.level == "error":
            return self._brushes["error_text"].color()
        return self._brushes["text"].color()

    def alignment(self, c: Cell):
        if c.multiline and c.align == "left":
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        return _ALIGN.get(c.align, _ALIGN["center"])

    def setData(self, index: QModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        c = self._top.get((index.row(), index.column()))
        if c is None or not self.session.can_edit(c):
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
