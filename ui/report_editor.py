"""The 自评报告 editor: the sections of one report, each with its live part (figures, tables and
sentences made from the forms, read-only) and the clerk's text (plain multi-line text).

The clerk's text is saved to the store (core.package.report_texts, with history) a moment after typing
stops, when another section is chosen, and when the editor is left; the live part is made
afresh from the forms each time the report is shown, so the figures follow the tables.
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QPlainTextEdit, QPushButton, QSplitter,
                               QTextBrowser, QVBoxLayout, QWidget)

from core.package import Report, load_texts, save_text
from core.store import StoreError

from . import common

SAVE_DELAY_MS = 600


def blocks_html(section) -> str:
    """The live part of a section as simple HTML (headings, paragraphs, tables)."""
    out = []
    for b in section.blocks:
        if b.kind == "h2":
            out.append(f"<p><b>{escape(b.text)}</b></p>")
        elif b.kind == "table":
            rows = []
            for ri, row in enumerate(b.rows):
                tag = "th" if ri == 0 else "td"
                rows.append("<tr>" + "".join(f"<{tag}>{escape(str(v)).replace(chr(10), '<br>')}</{tag}>" for v in row)
                            + "</tr>")
            out.append('<table border="1" cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>")
        else:
            out.append(f"<p>{escape(b.text).replace(chr(10), '<br>')}</p>")
    return "".join(out) or "<p style='color:#777'>（本节没有从表中生成的内容，请在下方填写。）</p>"


class ReportEditor(QWidget):
    """Edit the free texts of one report.  ``set_report(build, key)``: ``build(edits) -> Report``
    makes the report from the forms; ``key`` names its texts in the store."""

    saved = Signal(str)             # section key

    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        self.key: str | None = None
        self.build = None
        self.report: Report | None = None
        self.edits: dict[str, str] = {}
        self._current: str | None = None
        self._loading = False

        self.heading = QLabel("", self)
        self.heading.setWordWrap(True)
        self.sections = QListWidget(self)
        self.sections.setMaximumWidth(260)
        self.live = QTextBrowser(self)
        self.live.setOpenLinks(False)
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText("在此填写本节的文字；留空则使用草稿中的提示。")
        self.text_label = QLabel("本节文字（可编辑）：", self)
        self.reset_button = QPushButton("恢复草稿", self)
        self.reset_button.setToolTip("删去本节已填写的文字，恢复为自动生成的草稿")
        self.status = QLabel("", self)

        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel("由表中数字生成（随表更新，不能在此修改）：", self))
        split = QSplitter(Qt.Orientation.Vertical, right)
        split.addWidget(self.live)
        box = QWidget(split)
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.text_label, 1)
        row.addWidget(self.reset_button)
        bl.addLayout(row)
        bl.addWidget(self.text, 1)
        bl.addWidget(self.status)
        split.addWidget(box)
        split.setSizes([300, 260])
        rl.addWidget(split, 1)

        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        body = QHBoxLayout()
        body.addWidget(self.sections)
        body.addWidget(right, 1)
        lay.addLayout(body, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        self.text.textChanged.connect(self._typed)
        self.sections.currentRowChanged.connect(self._show_section)
        self.reset_button.clicked.connect(self.reset_section)
        self.setEnabled(False)

    # ------------------------------------------------------------ loading
    def set_report(self, build, key: str | None, base: dict | None = None) -> None:
        """``base``: texts that came with the form (its file's ``report``), under the stored ones."""
        self.flush()
        self.build, self.key = build, key
        if build is None or key is None:
            self.report = None
            self.sections.clear()
            self.live.clear()
            self.text.clear()
            self.heading.setText("")
            self.setEnabled(False)
            return
        self.edits = dict(base or {})
        try:
            self.edits.update(load_texts(self.store, key))
        except StoreError as exc:
            common.show_error(self, str(exc))
        self.refresh()
        self.setEnabled(True)

    def refresh(self) -> None:
        """Make the report afresh from the forms (the figures follow the tables)."""
        if self.build is None:
            return
        keep = self.sections.currentRow()
        self.report = self.build(self.edits)
        self.heading.setText(f"<b>{escape(self.report.title)}</b>")
        self.sections.blockSignals(True)
        self.sections.clear()
        for sec in self.report.sections:
            self.sections.addItem(sec.title + ("  ✎" if sec.edited else ""))
        self.sections.blockSignals(False)
        self._current = None
        self.sections.setCurrentRow(keep if 0 <= keep < self.sections.count() else 0)

    def _show_section(self, row: int) -> None:
        self.flush()
        if self.report is None or not (0 <= row < len(self.report.sections)):
            return
        sec = self.report.sections[row]
        self._current = sec.key
        self.live.setHtml(blocks_html(sec))
        self._loading = True
        self.text.setPlainText(sec.text)
        self._loading = False
        self.status.setText("已按您的修改保存" if sec.edited else "草稿（尚未修改）")

    # ------------------------------------------------------------ saving
    def _typed(self) -> None:
        if not self._loading and self._current:
            self._timer.start()

    def current_section(self) -> str | None:
        return self._current

    def select_section(self, key: str) -> None:
        if self.report:
            keys = [s.key for s in self.report.sections]
            if key in keys:
                self.sections.setCurrentRow(keys.index(key))

    def flush(self) -> None:
        """Save the text being edited now (if it changed)."""
        self._timer.stop()
        if self.report is None or self._current is None or self.key is None:
            return
        sec = self.report.section(self._current)
        text = self.text.toPlainText()
        if text == sec.text:
            return
        try:
            save_text(self.store, self.key, sec.key, text)
        except StoreError as exc:
            common.show_error(self, str(exc))
            return
        self.edits[sec.key] = text
        sec.text, sec.edited = text, True
        row = self.sections.currentRow()
        if row >= 0:
            self.sections.item(row).setText(sec.title + "  ✎")
        self.status.setText("已保存")
        self.saved.emit(sec.key)

    def reset_section(self) -> None:
        if self.report is None or self._current is None or self.key is None:
            return
        self._timer.stop()
        try:
            save_text(self.store, self.key, self._current, None)
        except StoreError as exc:
            common.show_error(self, str(exc))
            return
        self.edits.pop(self._current, None)
        self.refresh()

    def hideEvent(self, event) -> None:
        self.flush()
        super().hideEvent(event)
