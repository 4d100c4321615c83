"""导出 and 批量导出: a form's Excel workbook and its PDF, written together into one folder.

    act_export_both, act_export_batch = make_actions(window)      # 导出… (Ctrl+E), 批量导出…
    export_both(window)                    # the current form: pick a folder, write both files
    export_to_folder(parent, form, folder) # the same without the folder dialog
    batch_export(window)                   # pick a year and a folder, export every form of it
    run_batch(parent, store, year, folder) # the same without the dialog

File names are ``core.export.export_names`` (DOMAIN §6).  What is exported is a deep copy of the
form taken when the clerk asks, so later edits (or the autosave) cannot mix into the files.
Each file is written atomically (core.atomic): a file held open by Excel/WPS, a full disk or a
read-only folder leaves the old file as it was, and the reason comes back as one Chinese line.

The batch runs on the GUI thread, one form at a time, with a QProgressDialog (取消 stops after
the form being written) and ``processEvents`` between forms; forms are read from the store
before the first file is written, so names that clash get ``(2)``, ``(3)`` in a stable order.

Before writing, the errors that remain (ui.export_question) are listed and the clerk chooses
返回修改 or 仍然导出; a batch lists them per form and its report names the forms exported with errors.

Every question and message goes through the module-level helpers below (`choose_folder`,
`ask`, `show_error`, `show_done`, `confirm_export`), which the tests replace.
"""
from __future__ import annotations

import contextlib
import copy
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QProgressDialog, QPushButton, QVBoxLayout, QWidget)

from core.export import ExportError, WriteError, export_form, export_names, missing_glyphs
from core.export.names import fit_stem, folder_too_long
from core.model import Form, FormError, validate
from core.session import describe_path
from core.store import StoreError
from core.templates import template_ids

from . import common
from .export_question import confirm_export, error_findings

log = logging.getLogger("ziping")

__all__ = ["make_actions", "export_both", "export_to_folder", "batch_export", "run_batch",
           "BatchExportDialog", "BatchResult", "Outcome", "glyph_places"]

MAX_LISTED = 10             # lines of one kind in a message; the rest are counted
PROGRESS_TEXT_WIDTH = 480   # pixels; a longer form name is shortened in the middle


# ---------------------------------------------------------------------------------------------
# Questions and messages (replaced in the tests)

def choose_folder(parent: QWidget | None, title: str, start: str) -> str:
    return QFileDialog.getExistingDirectory(parent, title, start)


def ask(parent: QWidget | None, message: str, title: str, yes: str, no: str = "取消") -> bool:
    return common.ask_yes_no(parent, message, title, yes=yes, no=no)


def show_error(parent: QWidget | None, message: str, title: str = "导出失败") -> None:
    common.show_error(parent, message, title)


def done_box(parent: QWidget | None, message: str, folder: str | None, title: str = "导出完成",
             warning: bool = False) -> tuple[QMessageBox, QPushButton | None]:
    """The message after an export: 打开文件夹 (when something was written) and 确定."""
    icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
    box = QMessageBox(icon, title, message, QMessageBox.StandardButton.Ok, parent)
    box.button(QMessageBox.StandardButton.Ok).setText("确定")
    open_button = None
    if folder:
        open_button = box.addButton("打开文件夹", QMessageBox.ButtonRole.ActionRole)
    box.setDefaultButton(QMessageBox.StandardButton.Ok)
    return box, open_button


def show_done(parent: QWidget | None, message: str, folder: str | None, title: str = "导出完成",
              warning: bool = False) -> None:
    box, open_button = done_box(parent, message, folder, title, warning)
    box.exec()
    if open_button is not None and box.clickedButton() is open_button:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


@contextlib.contextmanager
def _busy():
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


# ---------------------------------------------------------------------------------------------
# The export folder (Settings: 默认导出文件夹, which follows the folder last exported to)

def start_folder() -> str:
    try:
        from .settings import Settings
        return Settings().export_dir_or_default()
    except Exception:            # noqa: BLE001 - unreadable settings: the home folder will do
        log.warning("settings unreadable; exporting from the home folder", exc_info=True)
        return str(Path.home())


def remember_folder(folder: str) -> None:
    try:
        from .settings import Settings
        s = Settings()
        s.export_dir = str(Path(folder))
        s.sync()
    except Exception:            # noqa: BLE001 - not remembering a folder is no reason to stop
        log.warning("export folder not remembered", exc_info=True)


# ---------------------------------------------------------------------------------------------
# Writing the two files

@dataclass
class Outcome:
    """What one form's export did: the files written and, for the others, why not."""
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


_UNEXPECTED = "导出时遇到了意外问题，文件没有写出（详细记录已写入日志）。表单本身不受影响。"


def _kind(path: Path) -> str:
    return "Excel" if path.suffix.lower() == ".xlsx" else "PDF"


def write_both(form: Form, xlsx: Path, pdf: Path, *, allow_missing: bool, sheet=None) -> Outcome:
    """Write the workbook, then the PDF; a failure of one does not stop the other."""
    out = Outcome()
    if sheet is None:
        try:
            from core.sheet import build_sheet
            sheet = build_sheet(form)
        except Exception:        # noqa: BLE001 - a form the layout did not foresee
            log.exception("export: the sheet could not be built")
            return Outcome(failed=[(xlsx, _UNEXPECTED), (pdf, _UNEXPECTED)])
    for path, kwargs in ((xlsx, {"xlsx": str(xlsx)}),
                         (pdf, {"pdf": str(pdf), "allow_missing": allow_missing})):
        try:
            export_form(form, sheet=sheet, **kwargs)
        except (ExportError, WriteError) as exc:
            out.failed.append((path, str(exc)))
        except Exception:        # noqa: BLE001
            log.exception("export failed: %s", path)
            out.failed.append((path, _UNEXPECTED))
        else:
            out.written.append(path)
    return out


_GRID_PATH = re.compile(r"R(\d+)C(\d+)")


def _place(path: str) -> str:
    path = (path or "").split("#")[0]
    m = _GRID_PATH.fullmatch(path)
    if m:
        return f"第 {m.group(1)} 行第 {m.group(2)} 列"
    return describe_path(path) or path


def glyph_places(missing: list[tuple[str, str]]) -> list[str]:
    """[(path, char)] -> one line per cell: 项目名称：“𪚥”(U+2A6A5)、“😀”(U+1F600)."""
    by_cell: dict[str, list[str]] = {}
    for path, ch in missing:
        chars = by_cell.setdefault(_place(path), [])
        if ch not in chars:
            chars.append(ch)
    lines = []
    for place, chars in by_cell.items():
        shown = "、".join(f"“{ch}”(U+{ord(ch):04X})" for ch in chars[:6]) + ("等" if len(chars) > 6 else "")
        lines.append(f"{place}：{shown}")
    return lines


def _listed(lines: list[str], bullet: str = "· ") -> str:
    text = "\n".join(bullet + line for line in lines[:MAX_LISTED])
    if len(lines) > MAX_LISTED:
        text += f"\n……另有 {len(lines) - MAX_LISTED} 项"
    return text


# ---------------------------------------------------------------------------------------------
# The errors that remain

def current_ref(window) -> object:
    """What `window.show_cell` needs to open the form being exported: its id in the store."""
    ed = window.current_editor() if hasattr(window, "current_editor") else None
    if ed is not None:
        return ed.session.form_id
    return window.selected_id() if hasattr(window, "selected_id") else None


def ask_about_errors(window, forms: list[tuple[str, object, Form]]) -> bool:
    """[(title, ref, form)] -> True to go on: no errors, or the clerk chose 仍然导出."""
    problems = [(title, ref, errs) for title, ref, form in forms if (errs := error_findings(form))]
    return confirm_export(window, problems, getattr(window, "show_cell", None))


# ---------------------------------------------------------------------------------------------
# 导出: the current form

def export_both(window) -> Outcome | None:
    """导出…: the form being edited (or selected in the list) as Excel and PDF into a folder."""
    found = window._form_for_export()
    if found is None:
        common.show_info(window, "请先选中或打开一张表。")
        return None
    form, title = found
    snapshot = Form(copy.deepcopy(form.data))        # the form as it is now
    if not ask_about_errors(window, [(title, current_ref(window), snapshot)]):
        return None
    folder = choose_folder(window, "选择导出文件夹（Excel 和 PDF 两个文件）", start_folder())
    if not folder:
        return None
    remember_folder(folder)
    out = export_to_folder(window, snapshot, folder)
    if out is not None and out.written and hasattr(window, "statusBar"):
        window.statusBar().showMessage(f"已导出到：{folder}", 10000)
    return out


def export_to_folder(parent: QWidget | None, form: Form, folder: str | Path) -> Outcome | None:
    """Write ``folder/{年度}_{单位}_{项目名称}_绩效自评表.xlsx`` and ``.pdf``.  Asks before printing
    missing characters as □ and before replacing existing files; None when the clerk cancels."""
    form = Form(copy.deepcopy(form.data))
    folder = Path(folder)
    xlsx_name, _pdf_name = export_names(form)
    stem = fit_stem(folder, xlsx_name[: -len(".xlsx")])       # the full paths fit Windows and Excel
    if stem is None:
        show_error(parent, "未能导出。\n\n" + folder_too_long(folder))
        return None
    xlsx, pdf = folder / f"{stem}.xlsx", folder / f"{stem}.pdf"
    try:
        from core.sheet import build_sheet
        with _busy():
            sheet = build_sheet(form)
            missing = missing_glyphs(sheet)
    except Exception:            # noqa: BLE001 - a form the layout did not foresee
        log.exception("export: the sheet could not be built")
        show_error(parent, "未能导出。\n\n" + _UNEXPECTED)
        return None
    if missing:
        lines = glyph_places(missing)
        if not ask(parent, "PDF 所用的字体中没有下面这些字符，PDF 中它们会印成“□”（Excel 文件不受影响）：\n"
                   + _listed(lines) + "\n\n可以改用常用字（生僻字可用同音字加注）后再导出。要仍然导出吗？",
                   "PDF 缺字", yes="仍然导出", no="取消"):
            return None
    existing = [p for p in (xlsx, pdf) if p.exists()]
    if existing:
        names = "\n".join(f"· {p.name}" for p in existing)
        if not ask(parent, f"文件夹“{folder}”中已有同名文件：\n{names}\n\n要覆盖吗？",
                   "文件已存在", yes="覆盖", no="取消"):
            return None
    with _busy():
        out = write_both(form, xlsx, pdf, allow_missing=bool(missing), sheet=sheet)
    if out.ok:
        show_done(parent, f"已导出到 {folder}：\n· {xlsx.name}\n· {pdf.name}", str(folder))
    elif out.written:
        done = "\n".join(f"· {p.name}" for p in out.written)
        failed = "\n".join(f"· {_kind(p)}：{why}" for p, why in out.failed)
        show_done(parent, f"已导出到 {folder}：\n{done}\n\n未能导出：\n{failed}", str(folder),
                  "部分导出", warning=True)
    else:
        reasons = [why for _p, why in out.failed]
        if len(set(reasons)) == 1:
            text = reasons[0]
        else:
            text = "\n".join(f"{_kind(p)}：{why}" for p, why in out.failed)
        show_error(parent, f"未能导出，原有的文件没有改动。\n\n{text}")
    return out


# ---------------------------------------------------------------------------------------------
# 批量导出: every form of a year

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
        folder = choose_folder(self, "选择导出文件夹", self.folder_edit.text().strip() or start_folder())
        if folder:
            self.folder_edit.setText(str(Path(folder)))

    def year(self) -> int | None:
        return self.year_box.currentData()

    def folder(self) -> str:
        return self.folder_edit.text().strip()

    def accept(self) -> None:
        if not self.folder() or not Path(self.folder()).is_dir():
            show_error(self, f"找不到文件夹：{self.folder() or '（未选择）'}\n请选择要导出到的文件夹。", "批量导出")
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
        show_error(window, str(exc), "批量导出")
        return None
    if not years:
        common.show_info(window, "表单库中还没有可以导出的表。")
        return None
    current = window.year_box.currentData() if hasattr(window, "year_box") else None
    dlg = BatchExportDialog(window, window.store, years, current, start_folder())
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return None
    year, folder = dlg.year(), dlg.folder()
    remember_folder(folder)
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
        show_error(parent, str(exc), "批量导出")
        return None
    if not folder.is_dir():
        show_error(parent, f"找不到文件夹：{folder}", "批量导出")
        return None
    result.total = len(rows)
    known = set(template_ids())
    used: set[str] = set()
    plan: list[_Planned] = []
    too_long = False
    with _busy():
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
                                 error_findings(form)))
    if too_long:
        show_error(parent, "未能导出。\n\n" + folder_too_long(folder), "批量导出")
        return None
    problems = [(item.label, item.form_id, item.errors) for item in plan if item.errors]
    if problems and not confirm_export(parent, problems, open_cell):
        return None
    existing = [p for item in plan for p in (item.xlsx, item.pdf) if p.exists()]
    if existing:
        example = "\n".join(f"· {p.name}" for p in existing[:3]) + ("\n……" if len(existing) > 3 else "")
        if not ask(parent, f"文件夹“{folder}”中已有 {len(existing)} 个同名文件，例如：\n{example}\n\n要覆盖吗？",
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
        from core.sheet import build_sheet
        sheet = build_sheet(item.form)
        missing = missing_glyphs(sheet)
    except Exception:            # noqa: BLE001 - a form the layout did not foresee
        log.exception("batch export: the sheet of form %s could not be built", item.form_id)
        result.failures.append((item.label, _UNEXPECTED))
        return
    out = write_both(item.form, item.xlsx, item.pdf, allow_missing=True, sheet=sheet)
    result.written.extend(out.written)
    if out.ok:
        result.exported.append(item.label)
        if item.errors:
            result.with_errors.append((item.label, len(item.errors)))
    else:
        reasons = "；".join(f"{_kind(p)}：{why}" for p, why in out.failed)
        result.failures.append((item.label, reasons))
    if missing and item.pdf in out.written:
        result.missing.append((item.label, glyph_places(missing)))


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
                     + _listed([f"{label}：{why}" for label, why in result.failures]))
    if result.with_errors:
        parts.append(f"以下 {len(result.with_errors)} 张表带着错误导出，报送前请再检查：\n"
                     + _listed([f"{label}：{n} 处错误" for label, n in result.with_errors]))
    if result.missing:
        parts.append("以下表中有 PDF 字体没有的字符，PDF 中已印成“□”（Excel 不受影响）：\n"
                     + _listed([f"{label}：{'；'.join(places[:3])}" + ("等" if len(places) > 3 else "")
                                for label, places in result.missing]))
    warning = bool(result.failures or result.missing or result.canceled or result.with_errors)
    show_done(parent, "\n\n".join(parts), str(folder) if result.written else None, "批量导出", warning)


# ---------------------------------------------------------------------------------------------
# Actions

def make_actions(window) -> tuple[QAction, QAction]:
    """导出… (Ctrl+E) and 批量导出… for the main window's toolbar and 文件 menu."""
    both = QAction("导出…", window)
    both.setShortcut(QKeySequence("Ctrl+E"))
    tip = "把当前的表同时导出为 Excel 和 PDF，保存到选定的文件夹（Ctrl+E）"
    both.setToolTip(tip)
    both.setStatusTip(tip)
    both.triggered.connect(lambda: export_both(window))
    batch = QAction("批量导出…", window)
    tip = "把某一年度的全部表导出为 Excel 和 PDF，保存到选定的文件夹"
    batch.setToolTip(tip)
    batch.setStatusTip(tip)
    batch.triggered.connect(lambda: batch_export(window))
    return both, batch
