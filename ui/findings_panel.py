"""The panel beside the table: 检查结果 (findings, click → cell, one-click fixes) and 计分说明
(how the selected score was computed, and every score of the form).

A finding with one right answer (``Finding.fix_label`` / ``Finding.fix``, built in core) is
followed by a button “改为 108.21%”; pressing it emits ``fix_requested(finding)`` and the editor
applies the fix as one undoable edit.
"""
from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QLabel, QListWidget, QListWidgetItem, QPushButton, QTabWidget,
                               QTextBrowser, QVBoxLayout, QWidget)

from core.editing import describe_path

_IND_RE = re.compile(r"^goals\.(\d+)\.indicators\.(\d+)\.")
FindingRole = Qt.ItemDataRole.UserRole + 10     # the Finding of a fix row
COLOR_ERROR_TEXT = QColor("#c62828")
COLOR_WARNING_TEXT = QColor("#8a5a00")


def finding_text(f) -> str:
    tag = "错误" if f.level == "error" else "提示"
    where = describe_path(f.where)
    return f"【{tag}】{where}：{f.message}" if where else f"【{tag}】{f.message}"


def fix_of(f) -> tuple[str, tuple]:
    """(label, ((path, value), ...)) of a finding's fix, or ("", ()) when it has none."""
    label = getattr(f, "fix_label", "") or ""
    fix = tuple(getattr(f, "fix", ()) or ())
    return (label, fix) if label and fix else ("", ())


class FindingsPanel(QTabWidget):
    """``go_to(where)`` when a finding is clicked, ``fix_requested(finding)`` for a fix button."""

    go_to = Signal(str)
    fix_requested = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("findingsPanel")
        # 检查结果
        box = QWidget(self)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(4, 4, 4, 4)
        self.title = QLabel("检查结果", box)
        self.title.setWordWrap(True)
        self.list = QListWidget(box)
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        lay.addWidget(self.title)
        lay.addWidget(self.list, 1)
        self.addTab(box, "检查结果")
        # 计分说明
        ex = QWidget(self)
        el = QVBoxLayout(ex)
        el.setContentsMargins(4, 4, 4, 4)
        self.explain_current = QLabel("选中一个得分、执行率或总分单元格，这里说明它是怎样算出来的。", ex)
        self.explain_current.setWordWrap(True)
        self.explain_current.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explain_current.setObjectName("explainCurrent")
        self.explain_current.setStyleSheet(
            "#explainCurrent { background: #eef4fc; color: #000000; border: 1px solid #b8cbe4; padding: 6px; "
            "font-size: 11pt; }")
        self.explain_all = QTextBrowser(ex)
        self.explain_all.setOpenLinks(False)
        self.explain_all.anchorClicked.connect(lambda url: self.go_to.emit(url.toString()))
        el.addWidget(self.explain_current)
        el.addWidget(QLabel("本表各项得分：", ex))
        el.addWidget(self.explain_all, 1)
        self.addTab(ex, "计分说明")
        self.fix_buttons: list[QPushButton] = []

    # ------------------------------------------------------------ findings
    def show_findings(self, findings: list, readonly: bool = False) -> None:
        lst = self.list
        lst.setUpdatesEnabled(False)
        lst.clear()
        self.fix_buttons = []
        for f in sorted(findings, key=lambda f: 0 if f.level == "error" else 1):
            item = QListWidgetItem(finding_text(f))
            item.setData(Qt.ItemDataRole.UserRole, f.where)
            item.setForeground(COLOR_ERROR_TEXT if f.level == "error" else COLOR_WARNING_TEXT)
            lst.addItem(item)
            label, _fix = fix_of(f)
            if label and not readonly:
                row = QListWidgetItem(label)
                row.setData(Qt.ItemDataRole.UserRole, f.where)
                row.setData(FindingRole, f)
                row.setToolTip(f"一键修改：{label}（可撤销）")
                lst.addItem(row)
                btn = QPushButton(f"✔ {label}", lst)
                btn.setObjectName("fixButton")
                btn.setToolTip(row.toolTip())
                btn.setCursor(Qt.CursorShape.PointingHandCursor)
                btn.setStyleSheet("#fixButton { text-align: left; padding: 2px 8px; color: #0b4f9c; "
                                  "background: #e8f0fb; border: 1px solid #9dbbe3; border-radius: 3px; }")
                btn.clicked.connect(lambda _c=False, f=f: self.fix_requested.emit(f))
                row.setSizeHint(btn.sizeHint())
                lst.setItemWidget(row, btn)
                self.fix_buttons.append(btn)
        lst.setUpdatesEnabled(True)
        n = len(findings)
        self.title.setText(f"检查结果（{n} 条）" if n else "检查结果：未发现问题")

    def _activated(self, item: QListWidgetItem) -> None:
        f = item.data(FindingRole)
        if f is not None:
            self.fix_requested.emit(f)
            return
        where = item.data(Qt.ItemDataRole.UserRole)
        if where:
            self.go_to.emit(where)

    def finding_rows(self) -> list[str]:
        """The texts of the finding rows (without the fix buttons)."""
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).data(FindingRole) is None]

    # ------------------------------------------------------------ explanations
    def show_explanation(self, title: str, text: str) -> None:
        self.explain_current.setText(f"<b>{title}</b><br>{text}" if title else text)

    def show_all_explanations(self, lines: list[tuple[str, str, str]], rules: list[str] = ()) -> None:
        """(path, name, text) for every score of the form, then the profile's rules."""
        import html
        rows = "".join(f"<tr><td style='padding:2px 6px' nowrap><a href='{html.escape(p)}'>{html.escape(n)}</a></td>"
                       f"<td style='padding:2px 6px'>{html.escape(t)}</td></tr>" for p, n, t in lines)
        out = f"<table>{rows}</table>" if rows else "<p>本表不计分。</p>"
        if rules:
            out += ("<p><b>" + html.escape(rules[0]) + "</b></p><ul>"
                    + "".join(f"<li>{html.escape(r)}</li>" for r in rules[1:]) + "</ul>")
        self.explain_all.setHtml(out)


class PanelActions:
    """The editor's side of the panel (a mixin of :class:`ui.editor.EditorWidget`, which provides
    ``session``, ``model``, ``view``, ``panel``, ``_run`` and ``push``): findings, fixes, 计分说明."""

    # ------------------------------------------------------------ one-click fixes
    def apply_fix(self, finding) -> None:
        """A finding's fix (“改为 108.21%”) as one undoable, saved edit."""
        self.view.commit_open_editor()
        label, fix = fix_of(finding)
        if not fix:
            return
        step = self._run(self.session.apply_fix, fix, label)
        if step:
            self.push(step)
            self.select_changed(step)

    def refresh_findings(self) -> None:
        self.panel.show_findings(self.session.scores.findings, readonly=self.model.readonly)
        self.refresh_explanations()

    # ------------------------------------------------------------ 计分说明
    def explain_current(self) -> None:
        """The selected score cell's rule, in the 计分说明 tab: shown when a score is selected, and
        检查结果 comes back when a cell without a score is selected after that."""
        cell = self.model.cell(self.view.currentIndex())
        text = self.model.explanation(cell)
        keep = getattr(self, "_keep_tab", False)
        if not text:
            if getattr(self, "_auto_tab", False) and not keep and self.panel.currentIndex() == 1:
                self._auto_tab = False
                self.panel.setCurrentIndex(0)
            return
        key = self.model.explanation_key(cell)
        self.panel.show_explanation(self._explain_name(key), text)
        if not keep and self.panel.currentIndex() != 1:
            self.panel.setCurrentIndex(1)
            self._auto_tab = True

    def _explain_name(self, key: str) -> str:
        if key == "execution":
            return "预算执行率得分"
        if key == "total":
            return "总分"
        m = _IND_RE.match(key + ".")
        if m:
            gi, ii = int(m.group(1)), int(m.group(2))
            name = str(self.session.form.get(f"{key}.name") or "").strip()
            goal = f"目标{gi + 1} " if len(self.session.form.goals) > 1 else ""
            return f"{goal}第{ii + 1}行指标" + (f"“{name}”" if name else "")
        return key

    def refresh_explanations(self) -> None:
        cell = self.model.cell(self.view.currentIndex())
        text = self.model.explanation(cell)
        if text:
            self.panel.show_explanation(self._explain_name(self.model.explanation_key(cell)), text)
        # The list of every score is written only while its tab is shown (a long form's list
        # takes a while); otherwise when the tab is next opened.
        self._explanations_stale = True
        if self.panel.currentIndex() == 1:
            self.show_every_explanation()

    def show_every_explanation(self) -> None:
        if not getattr(self, "_explanations_stale", True):
            return
        self._explanations_stale = False
        ex = self.session.explanations()
        links = {"execution": "funds.total.score", "total": "total"}
        lines = [(links.get(k, k + ".score"), self._explain_name(k), v) for k, v in ex.items()]
        rules = []
        if ex:
            from core.rules import profile_rules
            rules = profile_rules(self.session.scores.profile)
        self.panel.show_all_explanations(lines, rules)

    def go_to_finding(self, item: QListWidgetItem) -> None:
        where = item.data(Qt.ItemDataRole.UserRole)
        if where:
            self.go_to_path(where)

    def go_to_path(self, where: str) -> None:
        cell = self.model.sheet.locate(where) if where else None
        if cell is None:
            return
        idx = self.model.index(cell.row, cell.col)
        self._keep_tab = True                 # stay on the panel's tab the click came from
        try:
            self.view.setCurrentIndex(idx)
        finally:
            self._keep_tab = False
        self.view.scrollTo(idx, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.view.setFocus()
