"""The list of the store's forms as a Qt table model (no view needed to test it).

Columns sort by a click on their header (`sort`, kept across reloads); the shipped sample forms
carry a 示例 mark before their name."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from core.form import all_templates

COLUMNS = ("年度", "单位", "表名/项目名称", "模板", "总分", "等级", "修改时间")
_KEYS = ("year", "unit", "name", "template", "total", "grade", "modified")
FormIdRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2
SampleRole = Qt.ItemDataRole.UserRole + 3
SAMPLE_MARK = "示例"
MODIFIED_COLUMN = _KEYS.index("modified")
SAMPLE_TEXT = QColor("#6b6b6b")


def template_names() -> dict[str, str]:
    return {t["id"]: t.get("name", t["id"]) for t in all_templates()}


class FormListModel(QAbstractTableModel):
    """Rows are the summary dicts of ``Store.list_forms``; nothing is formatted until shown."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[dict] = []
        self._names = template_names()
        self.deleted_view = False
        self.samples: set[int] = set()
        self._sort: tuple[int, Qt.SortOrder] | None = None     # None: the store's order

    def set_rows(self, rows: list[dict], deleted_view: bool = False, samples: set[int] | None = None) -> None:
        self.beginResetModel()
        # A lazy FormRows (Store.list_view) stays lazy while the store's own order is shown: a list
        # of 100,000 forms then costs what is on the screen. Sorting by a column needs every row.
        self._stored = rows
        lazy = self._sort is None and hasattr(rows, "index_of_id")
        self._rows = rows if lazy else list(rows)
        self.deleted_view = deleted_view
        if samples is not None:
            self.samples = set(samples)
        if self._sort is not None:
            self._rows.sort(key=self._sort_key(self._sort[0]),
                            reverse=self._sort[1] == Qt.SortOrder.DescendingOrder)
        self.endResetModel()

    def load(self, store, *, year: int | None = None, search: str = "", deleted: bool = False,
             samples: set[int] | None = None) -> None:
        lister = getattr(store, "list_view", store.list_forms)    # lazy: fast at 100,000 forms
        self.set_rows(lister(year=year, search=search, deleted=deleted), deleted, samples)

    def is_sample(self, r: int) -> bool:
        row = self.row(r)
        return row is not None and row["id"] in self.samples

    # -- sorting
    def _sort_key(self, col: int):
        key = _KEYS[col] if 0 <= col < len(_KEYS) else "modified"
        if key == "modified" and self.deleted_view:
            key = "deleted_at"
        names = self._names

        def number(v):
            try:
                return (0, Decimal(str(v)))
            except (InvalidOperation, ValueError):
                return (1, Decimal(0))

        def k(row):
            v = row.get(key)
            if v is None or v == "":
                return (1, (0, Decimal(0)) if key in ("year", "total") else "")   # empty last
            if key in ("year", "total"):
                return (0, number(v))
            if key == "template":
                return (0, names.get(v, str(v)))
            return (0, str(v))
        return k

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [self._rows[p.row()] if 0 <= p.row() < len(self._rows) else None for p in persistent]
        stored = getattr(self, "_stored", self._rows)
        if column == MODIFIED_COLUMN and order == Qt.SortOrder.DescendingOrder:
            # Newest first is the store's own order: the rows as the store gave them (a lazy list
            # of 100,000 forms stays lazy: nothing more is read).
            self._sort = None
            self._rows = stored if hasattr(stored, "index_of_id") else list(stored)
            where = {id(row): self.row_of_id(row["id"]) for row in held if row is not None}
        else:
            self._sort = (column, order)
            self._rows = list(stored)          # sorting by another column needs every row
            self._rows.sort(key=self._sort_key(column), reverse=order == Qt.SortOrder.DescendingOrder)
            where = {id(row): i for i, row in enumerate(self._rows)}
        moved = [self.index(where[id(row)], p.column()) if row is not None and where.get(id(row), -1) >= 0
                 else QModelIndex() for p, row in zip(persistent, held)]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def row(self, r: int) -> dict | None:
        return self._rows[r] if 0 <= r < len(self._rows) else None

    def form_id(self, r: int) -> int | None:
        row = self.row(r)
        return None if row is None else row["id"]

    def row_of_id(self, form_id: int) -> int:
        if hasattr(self._rows, "index_of_id"):
            return self._rows.index_of_id(form_id)
        for i, row in enumerate(self._rows):
            if row["id"] == form_id:
                return i
        return -1

    # -- Qt API
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            if self.deleted_view and section == len(COLUMNS) - 1:
                return "删除时间"
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def flags(self, index: QModelIndex):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            key = _KEYS[col]
            if key == "modified" and self.deleted_view:
                key = "deleted_at"
            value = row.get(key)
            if value is None:
                return "" if key != "total" else "—"
            if key == "template":
                return self._names.get(value, value)
            if key in ("modified", "deleted_at"):
                return str(value).replace("T", " ")[:16]
            if key == "name" and row["id"] in self.samples:
                return f"【{SAMPLE_MARK}】{value}"
            return str(value)
        if role == FormIdRole:
            return row["id"]
        if role == RowRole:
            return row
        if role == SampleRole:
            return row["id"] in self.samples
        if role == Qt.ItemDataRole.ForegroundRole and row["id"] in self.samples:
            return SAMPLE_TEXT
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if _KEYS[col] in ("year", "total", "grade"):
                return Qt.AlignmentFlag.AlignCenter
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and _KEYS[col] in ("unit", "name"):
            text = row.get(_KEYS[col]) or None
            if row["id"] in self.samples:
                return f"{text or ''}\n（程序自带的示例表，可以删除：表单 → 删除全部示例表）".strip()
            return text
        return None
