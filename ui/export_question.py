"""The question before 导出 and 批量导出 when errors remain (the ones a finance bureau sends back).

    problems = [(title, form_ref, error_findings(form)), ...]      # only forms with errors
    if not confirm_export(parent, problems, open_cell=window.show_cell):
        return                                                     # 返回修改

Every error is listed under its form; a click on one calls ``open_cell(form_ref, finding.where)``
and closes the question (the export does not happen).  返回修改 is the default button; only
仍然导出 returns True.  With no problems nothing is shown and the answer is True.
"""
from __future__ import annotations

import logging
from typing import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from core.session import describe_path

log = logging.getLogger("ziping")

__all__ = ["confirm_export", "ExportQuestion", "error_findings", "Problem"]

Problem = tuple  # (form_title: str, form_ref: object, findings: list[Finding])

ERROR_TEXT = QColor("#b71c1c")


def error_findings(form) -> list:
    """The error-level findings of a form (warnings do not stop an export)."""
    try:
        from core.evaluate import evaluate          # the agreed entry point, once it exists
    except ImportError:
        from core.scoring import score as evaluate
    try:
        scores = evaluate(form)
    except Exception:                                # noqa: BLE001 - never block an export on this
        log.exception("export question: the form could not be evaluated")
        return []
    return [f for f in scores.findings if f.level == "error"]


def finding_text(finding) -> str:
    where = describe_path(getattr(finding, "where", "") or "")
    return f"{where}：{finding.message}" if where else finding.message


class ExportQuestion(QDialog):
    """The list of errors (one branch per form) and 返回修改 / 仍然导出."""

    def __init__(self, parent: QWidget | None, problems: Iterable[Problem],
                 open_cell: Callable[[object, str], None] | None = None):
        super().__init__(parent)
        self.problems = [p for p in problems if p[2]]
        self.open_cell = open_cell
        self.opened: tuple[object, str] | None = None
        n_forms = len(self.problems)
        n_errors = sum(len(p[2]) for p in self.problems)
        self.setWindowTitle("导出前检查")
        self.setMinimumSize(620, 360)

        if n_forms == 1:
            head = f"这张表还有 {n_errors} 处错误。"
        else:
            head = f"有 {n_forms} 张表还有错误，共 {n_errors} 处。"
        self.label = QLabel(head + "带着这些错误报送，财政部门通常会退回。\n"
                            + ("点一条错误可以直接转到那个单元格修改。" if open_cell else ""), self)
        self.label.setWordWrap(True)

        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setWordWrap(True)
        self.tree.setRootIsDecorated(n_forms > 1)
        self.tree.setUniformRowHeights(False)
        for title, ref, findings in self.problems:
            parent_item = self.tree.invisibleRootItem()
            if n_forms > 1:
                parent_item = QTreeWidgetItem(self.tree, [f"{title}（{len(findings)} 处错误）"])
                parent_item.setData(0, Qt.ItemDataRole.UserRole, None)
                parent_item.setExpanded(True)
            for f in findings:
                item = QTreeWidgetItem(parent_item, [finding_text(f)])
                item.setData(0, Qt.ItemDataRole.UserRole, (ref, f.where))
                item.setForeground(0, ERROR_TEXT)
                item.setToolTip(0, finding_text(f))
        self.tree.itemClicked.connect(self._clicked)
        self.tree.itemActivated.connect(self._clicked)

        buttons = QDialogButtonBox(self)
        self.back_button = buttons.addButton("返回修改", QDialogButtonBox.ButtonRole.RejectRole)
        self.export_button = buttons.addButton("仍然导出", QDialogButtonBox.ButtonRole.AcceptRole)
        self.back_button.setDefault(True)
        self.back_button.setAutoDefault(True)
        self.export_button.setAutoDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        lay.addWidget(self.tree, 1)
        lay.addWidget(buttons)
        self.back_button.setFocus()

    def finding_items(self) -> list[QTreeWidgetItem]:
        out = []
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop(0)
            if item.data(0, Qt.ItemDataRole.UserRole) is not None:
                out.append(item)
            stack[:0] = [item.child(i) for i in range(item.childCount())]
        return out

    def _clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        target = item.data(0, Qt.ItemDataRole.UserRole)
        if target is None or self.open_cell is None:
            return
        self.opened = target
        self.reject()
        ref, where = target
        try:
            self.open_cell(ref, where)
        except Exception:                            # noqa: BLE001 - going to the cell is a help only
            log.exception("export question: the cell could not be opened")


def confirm_export(parent: QWidget | None, problems: list, open_cell=None) -> bool:
    """True when there is nothing to ask or the clerk chose 仍然导出."""
    problems = [p for p in problems if p[2]]
    if not problems:
        return True
    dlg = ExportQuestion(parent, problems, open_cell)
    answer = dlg.exec() == QDialog.DialogCode.Accepted
    dlg.deleteLater()
    return answer
