"""批量导出: every form of a year, Excel and PDF each, into one folder.

    batch_export(window)                   # pick a year and a folder, then run_batch
    run_batch(parent, store, year, folder) # the same without the dialog

The batch runs on the GUI thread, one form at a time, with a QProgressDialog (取消 stops after
the form being written) and ``processEvents`` between forms; forms are read from the store
before the first file is written, so names that clash get ``(2)``, ``(3)`` in a stable order,
and the names are shortened when the folder's path leaves too little room (Windows, Excel).
Forms with errors are listed first (ui.export_question) and named again in the report.

Questions and messages go through ui.export_actions' module-level helpers (``ea.ask`` …), so
the tests replace them in one place.
"""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QProgressDialog, QPushButton, QVBoxLayout, QWidget)

from core.export import export_names, fit_stem, folder_too_long, missing_glyphs
from core.form import Form, FormError, template_ids, validate
from core.store import StoreError

from . import common
from . import export_actions as ea

log = logging.getLogger("ziping")

PROGRESS_TEXT_WIDTH = 480   # pixels; a longer form name is shortened in the middle


class BatchExportDialog(QDialog):
    """批量导出: the year (default: the list's year filter, else the newest) and the folder."""

    def __init__(self, parent: QWidget | None, store, years: list[int], year: int | None = None,
                 folder: str = ""):
        super().__init__(parent)
        self.setWindowTitle("批量导出")
        self.setMinimumWidth(560)
        self.store = store
        self.year_box = QComboBox(self)
        for y in years:
            self.year_box.addItem(f"{y}年", y)
        i = self.year_box.findData(year) if year is not None else -1
        self.year_box.setCurrentIndex(max(i, 0))
        self.count_label = QLabel(self)
        self.folder_edit = QLineEdit(folder, self)
        browse = QPushButton("浏览…", self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("年度：", self.year_box)
        form.addRow("", self.count_label)
        form.addRow("导出到文件夹：", row)
        note = QLabel("每张表导出 Excel 和 PDF 两个文件，文件名为“年度_单位_项目名称_绩效自评表”；"
                      "回收站中的表不导出。", self)
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        buttons = common.dialog_buttons(self, "导出")
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(buttons)
        self.year_box.currentIndexChanged.connect(self._count)
        self._count()

    def _count(self) -> None:
        try:
            n = len(self.store.list_forms(year=self.year())) if self.year() is not None else 0
            self.count_label.setText(f"共 {n} 张表，{n * 2} 个文件")
        except StoreError:
            self.count_label.setText("")

    def _browse(self) -> None:
        folder = ea.choose_folder(self, "选择导出文件夹", self.folder_edit.text().strip() or ea.start_folder())
        if folder:
            self.folder_edit.setText(str(Path(folder)))

    def year(self) -> int | None:
        return self.year_box.currentData()

    def folder(self) -> str:
        return self.folder_edit.text().strip()

    def accept(self) -> None:
        if not self.folder() or not Path(self.folder()).is_dir():
            ea.show_error(self, f"找不到文件夹：{self.folder() or '（未选择）'}\n请选择要导出到的文件夹。", "批量导出")
            return
        super().accept()


@dataclass
class _Planned:
    form_id: int
    label: str
    form: Form
    xlsx: Path
    pdf: Path
    errors: list = field(default_factory=list)


@dataclass
class BatchResult:
    total: int = 0                                                # forms of the year
    exported: list[str] = field(default_factory=list)             # forms with both files written
    written: list[Path] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (form, reason)
    missing: list[tuple[str, list[str]]] = field(default_factory=list)  # (form, glyph_places)
    with_errors: list[tuple[str, int]] = field(default_factory=list)    # (form, errors) exported anyway
    canceled: bool = False
    percent: int = 0                                              # where the progress bar ended


def _label(row: dict) -> str:
    return " ".join(p for p in (str(row.get("unit") or "").strip(), str(row.get("name") or "").strip()) if p) \
        or f"表 {row.get('id')}"


def _unique(stem: str, used: set[str]) -> str:
    """The stem, or stem(2), stem(3)… — compared as Windows does, ignoring case."""
    name, k = stem, 2
    while name.casefold() in used:
        name = f"{stem}({k})"
        k += 1
    used.add(name.casefold())
    return name


def _make_progress(parent: QWidget | None, n: int) -> QProgressDialog:
    dlg = QProgressDialog(parent)
    dlg.setWindowTitle("批量导出")
    label = QLabel("正在准备……", dlg)
    label.setMinimumWidth(PROGRESS_TEXT_WIDTH)
    dlg.setLabel(label)
    dlg.setCancelButtonText("取消")
    dlg.setRange(0, n)
    dlg.setWindowModality(Qt.WindowModality.WindowModal)
    dlg.setAutoClose(False)
    dlg.setAutoReset(False)
    dlg.setMinimumDuration(0)
    dlg.setValue(0)
    return dlg


def batch_export(window) -> BatchResult | None:
    """批量导出…: the dialog, then `run_batch`."""
    for ed in list(getattr(window, "editors", {}).values()):
        ed.view.commit_open_editor()             # the store has what the clerk typed
    try:
        years = window.store.years()
    except StoreError as exc:
        ea.show_error(window, str(exc), "批量导出")
        return None
    if not years:
        common.show_info(window, "表单库中还没有可以导出的表。")
        return None
    current = window.year_box.currentData() if hasattr(window, "year_box") else None
    dlg = BatchExportDialog(window, window.store, years, current, ea.start_folder())
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return None
    year, folder = dlg.year(), dlg.folder()
    ea.remember_folder(folder)
    return run_batch(window, window.store, year, folder, open_cell=getattr(window, "show_cell", None))


def run_batch(parent: QWidget | None, store, year: int, folder: str | Path,
              open_cell=None) -> BatchResult | None:
    """Export every form of ``year`` (not in the 回收站) into ``folder``: both files each, missing
    characters printed as □ and listed at the end, failures listed at the end.  Forms with errors
    are listed first (返回修改 / 仍然导出) and named again in the report.  None when the clerk
    goes back to fix them or declines to replace existing files (then nothing is written)."""
    folder = Path(folder)
    result = BatchResult()
    try:
        rows = store.list_forms(year=year)
    except StoreError as exc:
        ea.show_error(parent, str(exc), "批量导出")
        return None
    if not folder.is_dir():
        ea.show_error(parent, f"找不到文件夹：{folder}", "批量导出")
        return None
    result.total = len(rows)
    known = set(template_ids())
    used: set[str] = set()
    plan: list[_Planned] = []
    too_long = False
    with ea._busy():
        for row in sorted(rows, key=lambda r: r["id"]):      # oldest first keeps the plain name
            label = _label(row)
            try:
                form = validate(copy.deepcopy(store.get(row["id"])), known)
                xlsx_name, _pdf_name = export_names(form)
            except KeyError:
                result.failures.append((label, "找不到这张表，它可能刚被删除。"))
                continue
            except (StoreError, FormError) as exc:
                result.failures.append((label, str(exc)))
                continue
            stem = fit_stem(folder, xlsx_name[: -len(".xlsx")], reserve=4)   # room for "(2)"
            if stem is None:
                too_long = True
                break
            stem = _unique(stem, used)
            plan.append(_Planned(row["id"], label, form, folder / f"{stem}.xlsx", folder / f"{stem}.pdf",
                                 ea.error_findings(form)))
    if too_long:
        ea.show_error(parent, "未能导出。\n\n" + folder_too_long(folder), "批量导出")
        return None
    problems = [(item.label, item.form_id, item.errors) for item in plan if item.errors]
    if problems and not ea.confirm_export(parent, problems, open_cell):
        return None
    existing = [p for item in plan for p in (item.xlsx, item.pdf) if p.exists()]
    if existing:
        example = "\n".join(f"· {p.name}" for p in existing[:3]) + ("\n……" if len(existing) > 3 else "")
        if not ea.ask(parent, f"文件夹“{folder}”中已有 {len(existing)} 个同名文件，例如：\n{example}\n\n要覆盖吗？",
                   "文件已存在", yes="覆盖", no="取消"):
            return None

    n = len(plan)
    progress = _make_progress(parent, n)
    done = 0
    try:
        for i, item in enumerate(plan):
            if progress.wasCanceled():
                break
            name = QFontMetrics(progress.font()).elidedText(item.label, Qt.TextElideMode.ElideMiddle,
                                                            PROGRESS_TEXT_WIDTH)
            progress.setLabelText(f"正在导出第 {i + 1} 张，共 {n} 张：\n{name}")
            progress.setValue(i)
            QApplication.processEvents()
            if progress.wasCanceled():
                break
            _export_planned(item, result)
            done = i + 1
            QApplication.processEvents()
        result.canceled = done < n
        if not result.canceled:
            progress.setValue(n)
            result.percent = round(100 * progress.value() / progress.maximum()) if n else 100
        else:
            result.percent = round(100 * done / n)
    finally:
        progress.hide()
        progress.deleteLater()
    _report(parent, year, folder, result, n, done)
    return result


def _export_planned(item: _Planned, result: BatchResult) -> None:
    """One form of the batch: never raises; the outcome goes into ``result``."""
    try:
        from core.layout import build_sheet
        sheet = build_sheet(item.form)
        missing = missing_glyphs(sheet)
    except Exception:            # noqa: BLE001 - a form the layout did not foresee
        log.exception("batch export: the sheet of form %s could not be built", item.form_id)
        result.failures.append((item.label, ea._UNEXPECTED))
        return
    out = ea.write_both(item.form, item.xlsx, item.pdf, allow_missing=True, sheet=sheet)
    result.written.extend(out.written)
    if out.ok:
        result.exported.append(item.label)
        if item.errors:
            result.with_errors.append((item.label, len(item.errors)))
    else:
        reasons = "；".join(f"{ea._kind(p)}：{why}" for p, why in out.failed)
        result.failures.append((item.label, reasons))
    if missing and item.pdf in out.written:
        result.missing.append((item.label, ea.glyph_places(missing)))


def _report(parent, year, folder: Path, result: BatchResult, n: int, done: int) -> None:
    parts = []
    if result.canceled:
        parts.append(f"批量导出已取消：已处理 {done} 张表，其余 {n - done} 张没有导出。")
    if result.exported:
        parts.append(f"已把 {year} 年度的 {len(result.exported)} 张表（{len(result.written)} 个文件）导出到：\n{folder}")
    elif result.written:
        parts.append(f"已写出 {len(result.written)} 个文件到：\n{folder}")
    elif not result.failures:
        parts.append(f"{year} 年度没有可以导出的表。")
    if result.failures:
        parts.append(f"以下 {len(result.failures)} 张表未能导出（原有的文件没有改动）：\n"
                     + ea._listed([f"{label}：{why}" for label, why in result.failures]))
    if result.with_errors:
        parts.append(f"以下 {len(result.with_errors)} 张表带着错误导出，报送前请再检查：\n"
                     + ea._listed([f"{label}：{n} 处错误" for label, n in result.with_errors]))
    if result.missing:
        parts.append("以下表中有 PDF 字体没有的字符，PDF 中已印成“□”（Excel 不受影响）：\n"
                     + ea._listed([f"{label}：{'；'.join(places[:3])}" + ("等" if len(places) > 3 else "")
                                for label, places in result.missing]))
    warning = bool(result.failures or result.missing or result.canceled or result.with_errors)
    ea.show_done(parent, "\n\n".join(parts), str(folder) if result.written else None, "批量导出", warning)
