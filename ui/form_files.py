"""Files in and out of the main window, apart from 导出 / 批量导出 (ui/export_actions.py):

    import_dialog(window)             # 文件 → 导入…: form files (.json) and workbooks (.xlsx)
    import_paths(window, paths)       # the same for files dropped onto the window
    read_form(path)                   # one file -> Form, or FormError / ImportError_ (one Chinese line)
    save_as_dialog(window)            # 另存为表单文件…: a safe name, in the export folder (文档)
    save_form_file(window, form, path)
    export_one_dialog(window, kind)   # 导出 Excel… / 导出 PDF…: one file
    export_one(window, form, kind, path)

A workbook is read by ``core.reading.imports.import_workbook`` and a form file by ``core.form.load``,
so the messages are those of the command line (``main.py import``); what a file is, is told by
its first bytes, not its name (an .xlsx renamed .json is still read as a workbook).
"""
from __future__ import annotations

import copy
import logging
import os
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from core.export import ExportError, WriteError, export_form, export_names, safe_filename
from core.form import Form, FormError, dump, load, template_ids
from core.reading import ImportError_, import_workbook

from . import common, export_actions

log = logging.getLogger("ziping")

IMPORT_FILTER = ("表单文件或 Excel 工作簿 (*.json *.xlsx);;表单文件 (*.json);;Excel 工作簿 (*.xlsx);;"
                 "所有文件 (*)")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"        # .xls and password-protected .xlsx
MAX_LISTED = 10


# ---------------------------------------------------------------------------------------------
# 导入

def _is_workbook(path: Path) -> bool:
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".et"):
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return head in (ZIP_MAGIC, OLE_MAGIC)


def read_form(path: str | os.PathLike) -> Form:
    """A form from a form file or a workbook; FormError or ImportError_ with the CLI's message."""
    path = Path(path)
    if not _is_workbook(path):
        return load(path, known_templates=set(template_ids()))
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".et") or not path.is_file():
        return import_workbook(path)
    # A workbook under another name (表.json): read through a copy named .xlsx.
    with tempfile.TemporaryDirectory(prefix="ziping-import-") as tmp:
        copy_path = Path(tmp) / (path.stem + ".xlsx")
        try:
            shutil.copyfile(path, copy_path)
        except OSError:
            return import_workbook(path)
        return import_workbook(copy_path)


def import_dialog(window) -> list[int]:
    start = export_actions.start_folder()
    paths, _ = QFileDialog.getOpenFileNames(window, "导入表单文件或 Excel 工作簿", start, IMPORT_FILTER)
    return import_paths(window, paths) if paths else []


def import_paths(window, paths: list[str]) -> list[int]:
    """Import each file as a new form.  One file: its form opens.  Several: one message lists
    what came in and what did not (and why).  Returns the new forms' ids."""
    if getattr(window.store, "readonly", False):
        common.show_info(window, "表单库是只读打开的，不能导入。")
        return []
    done: list[tuple[str, int]] = []
    failed: list[tuple[str, str]] = []
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        for p in paths:
            name = Path(p).name
            try:
                form = read_form(p)
            except (FormError, ImportError_) as exc:
                failed.append((name, str(exc)))
                continue
            except Exception:        # noqa: BLE001 - a file nobody foresaw: one line, never a traceback
                log.exception("import failed: %s", p)
                failed.append((name, "读取时遇到了意外问题（详细记录已写入日志）。"))
                continue
            fid = window._create(form)
            if fid is None:
                break                # the store refused: already said
            done.append((name, fid))
    finally:
        QApplication.restoreOverrideCursor()
    if done:
        window._after_create(done[-1][1])
    if len(paths) == 1:
        if failed:
            common.show_error(window, f"无法导入“{failed[0][0]}”：\n{failed[0][1]}", "导入失败")
        elif done:
            window.open_form(done[0][1])
            window.statusBar().showMessage(f"已导入：{done[0][0]}", 10000)
        return [fid for _n, fid in done]
    parts = []
    if done:
        parts.append(f"已导入 {len(done)} 张表：\n" + _listed([n for n, _f in done]))
    if failed:
        parts.append(f"以下 {len(failed)} 个文件未能导入：\n" + _listed([f"{n}：{why}" for n, why in failed]))
    if failed:
        common.show_error(window, "\n\n".join(parts), "导入")
    elif parts:
        common.show_info(window, parts[0], "导入")
    return [fid for _n, fid in done]


def _listed(lines: list[str]) -> str:
    text = "\n".join("· " + line for line in lines[:MAX_LISTED])
    if len(lines) > MAX_LISTED:
        text += f"\n……另有 {len(lines) - MAX_LISTED} 项"
    return text


def dropped_paths(mime) -> list[str]:
    """The local files of a drop (folders and web links are left out)."""
    if mime is None or not mime.hasUrls():
        return []
    out = []
    for url in mime.urls():
        if url.isLocalFile():
            p = url.toLocalFile()
            if os.path.isfile(p):
                out.append(p)
    return out


# ---------------------------------------------------------------------------------------------
# 另存为表单文件

def form_file_name(form: Form) -> str:
    """The name 另存为表单文件 proposes: the export name's stem (safe on Windows) + .json."""
    xlsx_name, _pdf = export_names(form)
    return safe_filename(xlsx_name[: -len(".xlsx")]) + ".json"


def save_as_dialog(window) -> bool:
    found = window._form_for_export()
    if found is None:
        common.show_info(window, "请先选中或打开一张表。")
        return False
    form, _title = found
    start = os.path.join(export_actions.start_folder(), form_file_name(form))
    path, _ = QFileDialog.getSaveFileName(window, "另存为表单文件", start, "表单文件 (*.json)")
    if not path:
        return False
    if save_form_file(window, form, path):
        export_actions.remember_folder(str(Path(path).parent))
        return True
    return False


def save_form_file(window, form: Form, path: str) -> bool:
    if not path.lower().endswith(".json"):
        path += ".json"
    from core.export import path_problem
    problem = path_problem(Path(path))
    if problem:
        common.show_error(window, f"无法保存表单文件。\n\n{problem}")
        return False
    try:
        dump(form, path)
    except WriteError as exc:
        common.show_error(window, f"无法保存表单文件：{path}\n\n{exc}")
        return False
    except OSError as exc:
        common.show_error(window, f"无法保存表单文件：{path}\n（{exc.strerror or exc}）")
        return False
    window.statusBar().showMessage(f"已另存为：{path}", 8000)
    return True


# ---------------------------------------------------------------------------------------------
# 导出 Excel… / 导出 PDF…: one file

def export_one_dialog(window, kind: str) -> bool:
    found = window._form_for_export()
    if found is None:
        common.show_info(window, "请先选中或打开一张表。")
        return False
    form, title = found
    if not export_actions.ask_about_errors(window, [(title, export_actions.current_ref(window), form)]):
        return False
    xlsx_name, pdf_name = export_names(form)
    name = xlsx_name if kind == "xlsx" else pdf_name
    pattern = "Excel 工作簿 (*.xlsx)" if kind == "xlsx" else "PDF 文件 (*.pdf)"
    path, _ = QFileDialog.getSaveFileName(window, "导出 Excel" if kind == "xlsx" else "导出 PDF",
                                          os.path.join(export_actions.start_folder(), name), pattern)
    if not path:
        return False
    return export_one(window, form, kind, path)


def export_one(window, form: Form, kind: str, path: str) -> bool:
    """Write the workbook or the PDF of `form` to `path` (atomically: a failed or killed export
    never leaves half a file under that name).  Before a PDF, the characters its font lacks
    are named; the clerk may cancel or export anyway (they print as □).  Every failure is one
    plain Chinese message."""
    suffix = "." + kind
    if not path.lower().endswith(suffix):
        path += suffix
    from core.export import path_problem
    problem = path_problem(Path(path))
    if problem:
        common.show_error(window, f"未能导出。\n\n{problem}", "导出失败")
        return False
    snapshot = Form(copy.deepcopy(form.data))        # what is exported is one version of the form
    allow_missing = False
    while True:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if kind == "xlsx":
                export_form(snapshot, xlsx=path)
            else:
                export_form(snapshot, pdf=path, allow_missing=allow_missing)
        except ExportError as exc:
            QApplication.restoreOverrideCursor()
            if exc.missing and not allow_missing:
                if common.ask_yes_no(window, f"{exc}\n\n要仍然导出吗？", "PDF 缺字",
                                     yes="仍然导出", no="取消"):
                    allow_missing = True
                    continue
                return False
            common.show_error(window, f"未能导出。\n\n{exc}", "导出失败")
            return False
        except WriteError as exc:
            QApplication.restoreOverrideCursor()
            common.show_error(window, f"未能导出。\n\n{exc}", "导出失败")
            return False
        except Exception:            # noqa: BLE001 - a form the exporter did not foresee
            QApplication.restoreOverrideCursor()
            log.exception("export failed: %s", path)
            common.show_error(window, "导出时遇到了意外问题，文件没有写出。表单本身不受影响。"
                              "\n可以先导出另一种格式，或把表单另存为表单文件后联系技术支持。", "导出失败")
            return False
        QApplication.restoreOverrideCursor()
        break
    window.statusBar().showMessage(f"已导出：{path}", 10000)
    return True
