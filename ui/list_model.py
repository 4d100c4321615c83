"""The list of the store's forms as a Qt table model (no view needed to test it)."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from core.templates import all_templates

COLUMNS = ("年度", "单位", "表名/项目名称", "模板", "总分", "等级", "修改时间")
_KEYS = ("year", "unit", "name", "template", "total", "grade", "modified")
FormIdRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2


def template_names() -> dict[str, str]:
    return {t["id"]: t.get("name", t["id"]) for t in all_templates()}


class FormListModel(QAbstractTableModel):
    """Rows are the summary dicts of ``Store.list_forms``; nothing is formatted until shown."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[dict] = []
        self._names = template_names()
        self.deleted_view = False

    def set_rows(self, rows: list[dict], deleted_view: bool = False) -> None:
        self.beginResetModel()
        self._rows = rows
        self.deleted_view = deleted_view
        self.endResetModel()

    def load(self, store, *, year: int | None = None, search: str = "", deleted: bool = False) -> None:
        lister = getattr(store, "list_view", store.list_forms)    # lazy: fast at 100,000 forms
        self.set_rows(lister(year=year, search=search, deleted=deleted), deleted)

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
            return str(value)
        if role == FormIdRole:
            return row["id"]
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if _KEYS[col] in ("year", "total", "grade"):
                return Qt.AlignmentFlag.AlignCenter
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and _KEYS[col] in ("unit", "name"):
            return row.get(_KEYS[col]) or None
        return None
