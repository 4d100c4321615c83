"""The main window: the list of forms (search, year filter, 回收站) and one editor tab per open form."""
from __future__ import annotations

import copy
import datetime as _dt
import logging
import os

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout,
    QHeaderView, QLabel, QLineEdit, QMainWindow, QSpinBox, QTableView, QTabWidget, QToolBar,
    QApplication, QVBoxLayout, QWidget,
)

from core.export import ExportError, WriteError, export_form, export_names
from core.model import Form, FormError, dump, load, new_form, validate
from core.session import EditSession, form_summary
from core.store import StoreError
from core.templates import all_templates, get_template, template_ids

from . import common
from .editor import EditorWidget
from .list_model import FormListModel
from . import export_actions, wiring

log = logging.getLogger("ziping")


class NewFormDialog(QDialog):
    """新建: pick a template and a year; the header comes prefilled."""

    def __init__(self, year: int, prefill: dict, parent=None):
        super().__init__(parent)
        self.setWindowTitle("新建自评表")
        self.prefill = dict(prefill)
        self.template_box = QComboBox(self)
        for t in all_templates():
            self.template_box.addItem(t.get("name", t["id"]), t["id"])
        self.year_box = QSpinBox(self)
        self.year_box.setRange(2000, 2100)
        self.year_box.setValue(year)
        self.fields_box = QWidget(self)
        self.fields = QFormLayout(self.fields_box)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow("模板", self.template_box)
        form.addRow("年度", self.year_box)
        buttons = common.dialog_buttons(self, "新建")
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(QLabel("表头（可以以后在表中修改）："))
        lay.addWidget(self.fields_box)
        lay.addWidget(buttons)
        self.template_box.currentIndexChanged.connect(self._fill_fields)
        self._fill_fields()
        self.resize(460, 0)

    def _fill_fields(self) -> None:
        for name, e in self.edits.items():
            if e.text():
                self.prefill[name] = e.text()
        while self.fields.rowCount():
            self.fields.removeRow(0)
        self.edits = {}
        t = get_template(self.template_id())
        for name in t.get("header_fields", []):
            e = QLineEdit(self.fields_box)
            e.setText(self.prefill.get(name, ""))
            self.fields.addRow(name, e)
            self.edits[name] = e

    def template_id(self) -> str:
        return self.template_box.currentData()

    def values(self) -> tuple[str, int, dict]:
        return self.template_id(), self.year_box.value(), {k: e.text().strip() for k, e in self.edits.items()}


class MainWindow(QMainWindow):
    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        ro = "（只读）" if getattr(store, "readonly", False) else ""
        self.setWindowTitle(f"{common.APP_TITLE}{ro} — {store.path}")
        self.editors: dict[int, EditorWidget] = {}
        self._list_dirty = False

        # -- the list page
        self.list_model = FormListModel(self)
        self.list_view = QTableView(self)
        self.list_view.setModel(self.list_model)
        self.list_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_view.verticalHeader().setVisible(False)
        self.list_view.setAlternatingRowColors(True)
        self.list_view.setWordWrap(False)
        hh = self.list_view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, w in enumerate((60, 260, 300, 230, 70, 50, 140)):
            self.list_view.setColumnWidth(col, w)
        hh.setStretchLastSection(True)
        self.list_view.installEventFilter(self)
        self.list_view.activated.connect(self._open_index)
        self.list_view.doubleClicked.connect(self._open_index)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("搜索单位或表名……")
        self.search.setClearButtonEnabled(True)
        self.year_box = QComboBox(self)
        self.trash_label = QLabel("", self)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.year_box.currentIndexChanged.connect(lambda _i: self.reload())

        page = QWidget(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("年度"))
        top.addWidget(self.year_box)
        top.addWidget(self.search, 1)
        top.addWidget(self.trash_label)
        pl = QVBoxLayout(page)
        pl.addLayout(top)
        pl.addWidget(self.list_view, 1)
        self.list_page = page

        self.tabs = QTabWidget(self)
        self.tabs.setTabsClosable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(page, "表单列表")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)

        self._make_actions()
        self.reload_years()
        self.reload()
        self.resize(1500, 900)
        wiring.install(self)        # 帮助 menu, icon, read-only store, the size and place of last time

    # ------------------------------------------------------------ actions
    def _make_actions(self) -> None:
        def act(text, slot, keys=None, tip=""):
            a = QAction(text, self)
            if keys:
                a.setShortcuts([QKeySequence(k) for k in (keys if isinstance(keys, (list, tuple)) else [keys])])
            if tip:
                a.setToolTip(tip)
                a.setStatusTip(tip)
            a.triggered.connect(slot)
            return a

        self.act_new = act("新建", self.new_form, "Ctrl+N", "按模板新建一张自评表（Ctrl+N）")
        self.act_open = act("打开", self.open_selected, "Ctrl+O", "打开选中的表（也可双击或按回车）")
        self.act_next_year = act("复制为下一年度", self.copy_next_year, None, "复制选中的表，作为下一年度的新表（保留指标和分值）")
        self.act_delete = act("删除", self.delete_selected, None, "把选中的表移到回收站")
        self.act_trash = act("回收站", self.toggle_trash, None, "查看已删除的表")
        self.act_trash.setCheckable(True)
        self.act_restore = act("还原", self.restore_selected, None, "把选中的表从回收站还原")
        self.act_purge = act("彻底删除", self.purge_selected, None, "从回收站中彻底删除选中的表（不能恢复）")
        self.act_import = act("打开表单文件…", self.import_file_dialog, "Ctrl+Shift+O", "从表单文件（JSON）导入一张表")
        self.act_export = act("另存为表单文件…", self.export_file_dialog, "Ctrl+Shift+S", "把当前的表另存为表单文件（JSON）")
        self.act_export_xlsx = act("导出 Excel…", lambda: self.export_dialog("xlsx"), None,
                                   "只把当前的表导出为 Excel 工作簿（与屏幕版式一致）")
        self.act_export_pdf = act("导出 PDF…", lambda: self.export_dialog("pdf"), None,
                                  "只把当前的表导出为 PDF，用于打印和报送")
        # 导出… (Ctrl+E: Excel and PDF together into a folder) and 批量导出…: ui/export_actions.py
        self.act_export_both, self.act_export_batch = export_actions.make_actions(self)
        self.act_settings = wiring.settings_action(self)
        self.act_history = act("修改记录", self.show_history, None, "查看选中的表的修改记录")
        self.act_list = act("表单列表", lambda: self.tabs.setCurrentIndex(0), "Ctrl+L", "回到表单列表")
        self.act_close_tab = act("关闭当前表", lambda: self.close_tab(self.tabs.currentIndex()), "Ctrl+W")
        self.act_quit = act("退出", self.close, "Ctrl+Q")

        tb = QToolBar("主工具栏", self)
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        for a in (self.act_new, self.act_open, self.act_next_year, self.act_delete, None, self.act_trash,
                  self.act_restore, None, self.act_import, self.act_export, None, self.act_export_both,
                  self.act_export_batch, None, self.act_history):
            tb.addSeparator() if a is None else tb.addAction(a)
        self.addToolBar(tb)

        mb = self.menuBar()
        m = mb.addMenu("文件(&F)")
        for a in (self.act_new, self.act_open, self.act_next_year, None, self.act_import, self.act_export,
                  None, self.act_export_both, self.act_export_batch, self.act_export_xlsx, self.act_export_pdf,
                  None, self.act_settings, None, self.act_close_tab, self.act_quit):
            m.addSeparator() if a is None else m.addAction(a)
        m = mb.addMenu("表单(&E)")
        for a in (self.act_delete, self.act_history, None, self.act_trash, self.act_restore, self.act_purge):
            m.addSeparator() if a is None else m.addAction(a)
        m = mb.addMenu("视图(&V)")
        m.addAction(self.act_list)
        self._update_actions()

    def _update_actions(self) -> None:
        trash = self.act_trash.isChecked()
        on_list = self.tabs.currentIndex() == 0
        for a in (self.act_open, self.act_next_year, self.act_delete):
            a.setEnabled(not trash or not on_list)
        self.act_restore.setEnabled(trash and on_list)
        self.act_purge.setEnabled(trash and on_list)
        self.trash_label.setText("（回收站）" if trash else "")
        wiring.apply_readonly(self)

    # ------------------------------------------------------------ the list
    def reload_years(self) -> None:
        current = self.year_box.currentData()
        self.year_box.blockSignals(True)
        self.year_box.clear()
        self.year_box.addItem("全部年度", None)
        try:
            years = self.store.years()
        except StoreError as exc:
            common.show_error(self, str(exc))
            years = []
        for y in years:
            self.year_box.addItem(f"{y}年", y)
        i = self.year_box.findData(current)
        self.year_box.setCurrentIndex(max(0, i))
        self.year_box.blockSignals(False)

    def reload(self) -> None:
        selected = self.selected_id()
        try:
            self.list_model.load(self.store, year=self.year_box.currentData(), search=self.search.text(),
                                 deleted=self.act_trash.isChecked())
        except StoreError as exc:
            common.show_error(self, str(exc))
            return
        self._list_dirty = False
        n = self.list_model.rowCount()
        self.statusBar().showMessage(f"{'回收站中' if self.act_trash.isChecked() else '共'} {n} 张表    表单库：{self.store.path}")
        if selected is not None:
            self.select_id(selected)
        elif n:
            self.list_view.setCurrentIndex(self.list_model.index(0, 0))

    def select_id(self, form_id: int) -> None:
        r = self.list_model.row_of_id(form_id)
        if r >= 0:
            self.list_view.setCurrentIndex(self.list_model.index(r, 0))
            self.list_view.scrollTo(self.list_model.index(r, 0))

    def selected_id(self) -> int | None:
        idx = self.list_view.currentIndex()
        return self.list_model.form_id(idx.row()) if idx.isValid() else None

    def _tab_changed(self, i: int) -> None:
        if i == 0 and self._list_dirty:
            self.reload_years()
            self.reload()
        self._update_actions()

    def _form_saved(self, _form_id: int) -> None:
        self._list_dirty = True

    # ------------------------------------------------------------ opening forms
    def _open_index(self, idx: QModelIndex) -> None:
        if self.act_trash.isChecked():
            return
        form_id = self.list_model.form_id(idx.row()) if idx.isValid() else None
        if form_id is not None:
            self.open_form(form_id)

    def open_selected(self) -> None:
        fid = self.selected_id()
        if fid is None:
            common.show_info(self, "请先在列表中选中一张表。")
            return
        self.open_form(fid)

    def open_form(self, form_id: int) -> EditorWidget | None:
        if form_id in self.editors:
            self.tabs.setCurrentWidget(self.editors[form_id])
            return self.editors[form_id]
        try:
            form = validate(self.store.get(form_id), set(template_ids()))
        except KeyError:
            common.show_error(self, "找不到这张表，它可能已被彻底删除。")
            return None
        except (StoreError, FormError) as exc:
            common.show_error(self, f"无法打开这张表：{exc}")
            return None
        ed = EditorWidget(EditSession(form, self.store, form_id), self)
        ed.saved.connect(self._form_saved)
        ed.title_changed.connect(lambda title, ed=ed: self._retitle(ed, title))
        self.editors[form_id] = ed
        i = self.tabs.addTab(ed, ed.title())
        self.tabs.setTabToolTip(i, ed.title())
        self.tabs.setCurrentIndex(i)
        ed.view.setFocus()
        return ed

    def _retitle(self, ed: EditorWidget, title: str) -> None:
        i = self.tabs.indexOf(ed)
        if i > 0:
            self.tabs.setTabText(i, title)
            self.tabs.setTabToolTip(i, title)

    def close_tab(self, i: int) -> None:
        if i <= 0:
            return
        ed = self.tabs.widget(i)
        if isinstance(ed, EditorWidget):
            ed.view.commit_open_editor()
            self.editors.pop(ed.session.form_id, None)
        self.tabs.removeTab(i)
        ed.deleteLater()
        if self._list_dirty:
            self.reload()

    def current_editor(self) -> EditorWidget | None:
        w = self.tabs.currentWidget()
        return w if isinstance(w, EditorWidget) else None

    # ------------------------------------------------------------ creating forms
    def _create(self, form: Form) -> int | None:
        try:
            return self.store.create(form.data, form_summary(form))
        except StoreError as exc:
            common.show_error(self, str(exc))
            return None

    def _prefill(self) -> dict:
        """The header a new form starts with: the unit of the most recent form, today's date;
        单位名称, 填报人 and 联系电话 from 设置 win over the recent form's."""
        out = {"填报日期": _dt.date.today().isoformat()}
        try:
            recent = self.store.list_forms()[:1]
        except StoreError:
            recent = []
        if recent:
            try:
                data = self.store.get(recent[0]["id"])
                t = get_template(data.get("template"))
                unit = (data.get("header") or {}).get(t.get("unit_field") or "", "")
                if unit:
                    for tt in all_templates():
                        if tt.get("unit_field"):
                            out[tt["unit_field"]] = unit
                for k in ("填报人", "联系电话", "主管部门"):
                    v = (data.get("header") or {}).get(k)
                    if v:
                        out[k] = v
            except (KeyError, StoreError):
                pass
        return wiring.prefill_from_settings(out)

    def new_form(self) -> None:
        dlg = NewFormDialog(_dt.date.today().year - 1, self._prefill(), self)
        wiring.select_default_template(dlg)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        tid, year, header = dlg.values()
        self.create_new(tid, year, header)

    def create_new(self, template_id: str, year: int, header: dict) -> EditorWidget | None:
        form = new_form(get_template(template_id), year, header)
        fid = self._create(form)
        if fid is None:
            return None
        self._after_create(fid)
        return self.open_form(fid)

    def _after_create(self, fid: int) -> None:
        self.reload_years()
        self.reload()
        self.select_id(fid)

    def copy_next_year(self) -> None:
        fid = self.selected_id() if self.tabs.currentIndex() == 0 else (
            self.current_editor().session.form_id if self.current_editor() else None)
        if fid is None:
            common.show_info(self, "请先在列表中选中一张表。")
            return
        try:
            form = validate(self.store.get(fid), set(template_ids())).next_year_copy()
        except (KeyError, StoreError, FormError) as exc:
            common.show_error(self, f"无法复制这张表：{exc}")
            return
        new_id = self._create(form)
        if new_id is not None:
            self._after_create(new_id)
            self.open_form(new_id)

    # ------------------------------------------------------------ deleting
    def _selected_row(self) -> dict | None:
        idx = self.list_view.currentIndex()
        return self.list_model.row(idx.row()) if idx.isValid() else None

    def delete_selected(self, confirm: bool = True) -> None:
        if self.tabs.currentIndex() != 0 and self.current_editor():
            fid = self.current_editor().session.form_id
            row = {"id": fid, "name": self.current_editor().title()}
        else:
            row = self._selected_row()
        if row is None:
            common.show_info(self, "请先在列表中选中一张表。")
            return
        name = row.get("name") or row.get("unit") or "这张表"
        if confirm and not common.ask_yes_no(self, f"确定要删除“{name}”吗？\n\n删除后可以在“回收站”中还原。",
                                             "删除", yes="删除", no="取消"):
            return
        if row["id"] in self.editors:
            self.close_tab(self.tabs.indexOf(self.editors[row["id"]]))
        try:
            self.store.delete(row["id"])
        except (KeyError, StoreError) as exc:
            common.show_error(self, f"无法删除：{exc}")
            return
        self.tabs.setCurrentIndex(0)
        self.reload_years()
        self.reload()

    def toggle_trash(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.reload()
        self._update_actions()

    def restore_selected(self) -> None:
        row = self._selected_row()
        if row is None or not self.act_trash.isChecked():
            return
        try:
            self.store.restore(row["id"])
        except (KeyError, StoreError) as exc:
            common.show_error(self, f"无法还原：{exc}")
            return
        self.reload_years()
        self.reload()

    def purge_selected(self, confirm: bool = True) -> None:
        row = self._selected_row()
        if row is None or not self.act_trash.isChecked():
            return
        if confirm and not common.ask_yes_no(self, f"确定要彻底删除“{row.get('name') or '这张表'}”吗？\n\n彻底删除后不能恢复。",
                                             "彻底删除", yes="彻底删除", no="取消"):
            return
        try:
            self.store.purge(row["id"])
        except (KeyError, StoreError) as exc:
            common.show_error(self, f"无法删除：{exc}")
            return
        self.reload()

    # ------------------------------------------------------------ form files
    def import_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "打开表单文件", "", "表单文件 (*.json);;所有文件 (*)")
        if path:
            self.import_form_file(path)

    def import_form_file(self, path: str) -> EditorWidget | None:
        try:
            form = load(path, known_templates=set(template_ids()))
        except FormError as exc:
            common.show_error(self, f"无法打开表单文件：\n{exc}")
            return None
        fid = self._create(form)
        if fid is None:
            return None
        self._after_create(fid)
        return self.open_form(fid)

    def _form_for_export(self) -> tuple[Form, str] | None:
        ed = self.current_editor()
        if ed is not None:
            ed.view.commit_open_editor()
            return ed.session.form, ed.title()
        fid = self.selected_id()
        if fid is None:
            return None
        try:
            form = Form(self.store.get(fid))
        except (KeyError, StoreError) as exc:
            common.show_error(self, f"无法读取这张表：{exc}")
            return None
        row = self._selected_row() or {}
        return form, f"{row.get('year') or ''}{row.get('name') or '表单'}"

    def export_file_dialog(self) -> None:
        found = self._form_for_export()
        if found is None:
            common.show_info(self, "请先选中或打开一张表。")
            return
        form, title = found
        safe = "".join(ch for ch in title if ch not in '\\/:*?"<>|').strip() or "表单"
        path, _ = QFileDialog.getSaveFileName(self, "另存为表单文件", os.path.join(os.path.expanduser("~"), safe + ".json"),
                                              "表单文件 (*.json)")
        if path:
            self.export_form_file(form, path)

    def export_form_file(self, form: Form, path: str) -> bool:
        if not path.lower().endswith(".json"):
            path += ".json"
        try:
            dump(form, path)
        except OSError as exc:
            common.show_error(self, f"无法保存表单文件：{path}\n（{exc.strerror or exc}）")
            return False
        self.statusBar().showMessage(f"已另存为：{path}", 8000)
        return True

    # ------------------------------------------------------------ Excel and PDF
    def _export_folder(self) -> str:
        try:
            from .settings import Settings
            return Settings().export_dir_or_default()
        except Exception:            # settings unreadable: the home folder will do
            return os.path.expanduser("~")

    def export_dialog(self, kind: str) -> None:
        """导出 Excel… / 导出 PDF…: choose the file, then `export_to`."""
        found = self._form_for_export()
        if found is None:
            common.show_info(self, "请先选中或打开一张表。")
            return
        form, _title = found
        xlsx_name, pdf_name = export_names(form)
        name = xlsx_name if kind == "xlsx" else pdf_name
        pattern = "Excel 工作簿 (*.xlsx)" if kind == "xlsx" else "PDF 文件 (*.pdf)"
        path, _ = QFileDialog.getSaveFileName(self, "导出 Excel" if kind == "xlsx" else "导出 PDF",
                                              os.path.join(self._export_folder(), name), pattern)
        if path:
            self.export_to(form, kind, path)

    def export_to(self, form: Form, kind: str, path: str) -> bool:
        """Write the workbook or the PDF of `form` to `path` (atomically: a failed or killed export
        never leaves half a file under that name).  Before a PDF, the characters its font lacks
        are named; the clerk may cancel or export anyway (they print as □).  Every failure is one
        plain Chinese message."""
        suffix = "." + kind
        if not path.lower().endswith(suffix):
            path += suffix
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
                    if common.ask_yes_no(self, f"{exc}\n\n要仍然导出吗？", "PDF 缺字",
                                         yes="仍然导出", no="取消"):
                        allow_missing = True
                        continue
                    return False
                common.show_error(self, f"未能导出。\n\n{exc}", "导出失败")
                return False
            except WriteError as exc:
                QApplication.restoreOverrideCursor()
                common.show_error(self, f"未能导出。\n\n{exc}", "导出失败")
                return False
            except Exception:            # noqa: BLE001 - a form the exporter did not foresee
                QApplication.restoreOverrideCursor()
                log.exception("export failed: %s", path)
                common.show_error(self, "导出时遇到了意外问题，文件没有写出。表单本身不受影响。"
                                  "\n可以先导出另一种格式，或把表单另存为表单文件后联系技术支持。", "导出失败")
                return False
            QApplication.restoreOverrideCursor()
            break
        self.statusBar().showMessage(f"已导出：{path}", 10000)
        return True

    # ------------------------------------------------------------ history
    def show_history(self) -> None:
        ed = self.current_editor()
        if ed is None:
            fid = self.selected_id()
            if fid is None:
                common.show_info(self, "请先选中一张表。")
                return
            ed = self.open_form(fid)
            if ed is None:
                return
        ed.show_history()

    def eventFilter(self, obj, event):
        if obj is self.list_view and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Delete and event.modifiers() == Qt.KeyboardModifier.NoModifier:
                if self.act_trash.isChecked():
                    self.purge_selected()
                else:
                    self.delete_selected()
                return True
        return super().eventFilter(obj, event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # Once the window is up, load openpyxl, reportlab and the fonts in the background:
        # the first export is then as fast as the next ones.
        from core.export import preload_in_background
        QTimer.singleShot(300, preload_in_background)

    def closeEvent(self, event) -> None:
        for ed in list(self.editors.values()):
            ed.view.commit_open_editor()
        wiring.save_window_state(self)
        super().closeEvent(event)
