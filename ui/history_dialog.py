"""修改记录: the dialog listing every saved change of one form."""
from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from core.editing import describe_path


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
