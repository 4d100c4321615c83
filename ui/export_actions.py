"""导出: a form's Excel workbook and its PDF, written together into one folder.

    export_both(window)                    # the current form: pick a folder, write both files
    export_to_folder(parent, form, folder) # the same without the folder dialog

批量导出 is ui/export_batch.py (which uses the helpers here); both become the window's actions in
ui/export_menu.py.

File names are ``core.export.export_names`` (DOMAIN §6), shortened when the folder's path leaves
too little room (core.export.names.fit_stem: Windows' 260 and Excel's 218 characters).  What is
exported is a deep copy of the form taken when the clerk asks, so later edits (or the autosave)
cannot mix into the files.  Each file is written atomically (core.files.atomic): a file held open by
Excel/WPS, a full disk or a read-only folder leaves the old file as it was, and the reason comes
back as one Chinese line.

Before writing, the errors that remain (ui.export_question) are listed and the clerk chooses
返回修改 or 仍然导出.

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
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton, QWidget

from core.editing import describe_path
from core.export import (ExportError, WriteError, export_form, export_names, fit_stem, folder_too_long,
                         missing_glyphs)
from core.form import Form

from . import common
from .export_question import confirm_export, error_findings

log = logging.getLogger("ziping")

__all__ = ["export_both", "export_to_folder", "Outcome", "glyph_places"]

MAX_LISTED = 10             # lines of one kind in a message; the rest are counted


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
            from core.layout import build_sheet
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
        from core.layout import build_sheet
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
