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
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QLabel, QListView, QListWidget,
                               QListWidgetItem, QVBoxLayout, QWidget)

from core.editing import describe_path

log = logging.getLogger("ziping")

__all__ = ["confirm_export", "ExportQuestion", "error_findings", "Problem"]

Problem = tuple  # (form_title: str, form_ref: object, findings: list[Finding])

ERROR_TEXT = QColor("#b71c1c")


def error_findings(form) -> list:
    """The error-level findings of a form (warnings do not stop an export)."""
    from core.rules import evaluate
    try:
        scores = evaluate(form)
    except Exception:                                # noqa: BLE001 - never block an export on this
        log.exception("export question: the form could not be evaluated")
        return []
    return [f for f in scores.findings if f.level == "error"]


def finding_text(finding) -> str:
    where = describe_path(getattr(finding, "where", "") or "")
    text = f"{where}：{finding.message}" if where else finding.message
    fix = getattr(finding, "fix_label", "")
    if fix:
        text += f"（可一键修正：{fix}）"
    return text


class ExportQuestion(QDialog):
    """The list of errors (one branch per form) and 返回修改 / 仍然导出."""

    def __init__(self, parent: QWidget | None, problems: Iterable[Problem],
                 open_cell: Callable[[object, str], None] | None = None, blanks: Iterable = (),
                 open_section: Callable[[object], None] | None = None):
        super().__init__(parent)
        self.problems = [p for p in problems if p[2]]
        self.blanks = list(blanks)                  # core.package.Blank: the reports' 【请填写】
        self.open_cell = open_cell
        self.open_section = open_section
        self.opened: tuple[object, str] | None = None
        n_forms = len(self.problems)
        n_errors = sum(len(p[2]) for p in self.problems)
        self.setWindowTitle("导出前检查")
        self.setMinimumSize(640, 360)
        self.resize(760, 420)

        parts = []
        if n_forms == 1:
            parts.append(f"“{self.problems[0][0]}”还有 {n_errors} 处错误")
        elif n_forms:
            parts.append(f"有 {n_forms} 张表还有错误，共 {n_errors} 处")
        if self.blanks:
            parts.append(f"自评报告中还有 {len(self.blanks)} 处【请填写】")
        head = "，".join(parts) + "。"
        self.label = QLabel(head + "带着这些报送，财政部门通常会退回。\n"
                            + ("点一条可以直接转到那个单元格或那一节修改。" if open_cell or open_section else ""),
                            self)
        self.label.setWordWrap(True)

        # One list (it wraps long lines): a heading per form when there are several, then its errors.
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setUniformItemSizes(False)
        self.list.setSpacing(2)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        several = n_forms + (1 if self.blanks else 0) > 1
        indent = "　　" if several else ""
        for title, ref, findings in self.problems:
            if several:
                self._heading(f"{title}（{len(findings)} 处错误）")
            for f in findings:
                item = QListWidgetItem(indent + finding_text(f), self.list)
                item.setData(Qt.ItemDataRole.UserRole, (ref, f.where))
                item.setForeground(ERROR_TEXT)
                item.setToolTip("点击转到这个单元格")
        if self.blanks:
            if several:
                self._heading(f"自评报告（{len(self.blanks)} 处【请填写】）")
            for b in self.blanks:
                item = QListWidgetItem(indent + b.line(), self.list)
                item.setData(Qt.ItemDataRole.UserRole, ("blank", b))
                item.setToolTip("点击转到报告的这一节")
        self.tree = self.list              # its first name (ui.unit_view's tests use it)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)

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
        lay.addWidget(self.list, 1)
        lay.addWidget(buttons)
        self.back_button.setFocus()

    def _heading(self, text: str) -> None:
        """A bold line of the list that is no link: a form's name, or the reports'."""
        head = QListWidgetItem(text, self.list)
        font = head.font()
        font.setBold(True)
        head.setFont(font)
        head.setFlags(Qt.ItemFlag.ItemIsEnabled)

    def finding_items(self) -> list[QListWidgetItem]:
        items = (self.list.item(i) for i in range(self.list.count()))
        return [it for it in items if it.data(Qt.ItemDataRole.UserRole) is not None]

    def headings(self) -> list[str]:
        items = (self.list.item(i) for i in range(self.list.count()))
        return [it.text() for it in items if it.data(Qt.ItemDataRole.UserRole) is None]

    def _clicked(self, item: QListWidgetItem) -> None:
        target = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(target, tuple) and target and target[0] == "blank":
            if self.open_section is not None:
                self.opened = target
                self.reject()
                try:
                    self.open_section(target[1])
                except Exception:                    # noqa: BLE001 - going to the section is a help only
                    log.exception("export question: the report section could not be opened")
            return
        if target is None or self.open_cell is None:
            return
        self.opened = target
        self.reject()
        ref, where = target
        try:
            self.open_cell(ref, where)
        except Exception:                            # noqa: BLE001 - going to the cell is a help only
            log.exception("export question: the cell could not be opened")


def confirm_export(parent: QWidget | None, problems: list, open_cell=None, blanks=(), open_section=None) -> bool:
    """True when there is nothing to ask or the clerk chose 仍然导出.  ``blanks`` (the package's
    reports' 【请填写】, core.package.Blank) are listed after the tables' errors."""
    problems = [p for p in problems if p[2]]
    blanks = list(blanks)
    if not problems and not blanks:
        return True
    dlg = ExportQuestion(parent, problems, open_cell, blanks, open_section)
    answer = dlg.exec() == QDialog.DialogCode.Accepted
    dlg.deleteLater()
    return answer
