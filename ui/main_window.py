"""The main window: the list of forms (search, year filter, sortable columns, 回收站, samples
marked 示例) and one editor tab per open form.

Pieces kept elsewhere: 新建's dialog and header (ui/new_form.py), files in and out — 导入 by menu
or by dropping files, 另存为表单文件, one-file exports — (ui/form_files.py), 导出 / 批量导出
(ui/export_actions.py) and the question before them (ui/export_question.py).
"""
from __future__ import annotations

import datetime as _dt
import logging

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QMainWindow, QTableView, QTabWidget, QToolBar, QVBoxLayout, QWidget)

from core.editing import EditSession, form_summary
from core.form import Form, FormError, get_template, new_form, template_ids, validate
from core.store import StoreError

from . import common, export_menu, form_files, list_actions, unit_view, wiring
from .editor import EditorWidget
from .list_model import MODIFIED_COLUMN, FormListModel
from .new_form import NewFormDialog, prefill
from .samples import sample_ids

__all__ = ["MainWindow", "NewFormDialog"]

log = logging.getLogger("ziping")


class MainWindow(QMainWindow):
    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        ro = "（只读）" if getattr(store, "readonly", False) else ""
        self.setWindowTitle(f"{common.APP_TITLE}{ro} — {store.path}")
        self.editors: dict[int, EditorWidget] = {}
        self._list_dirty = False
        self._samples_listed = False
        self.sample_ids = sample_ids(store)        # the shipped samples (marked 示例); fixed while open

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
        hh.setSortIndicator(MODIFIED_COLUMN, Qt.SortOrder.DescendingOrder)   # newest first, as stored
        hh.setSortIndicatorShown(True)
        self.list_view.setSortingEnabled(True)                  # a click on a header sorts by it
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

        self.saved_label = QLabel("", self)
        self.saved_label.setObjectName("savedLabel")
        self.statusBar().addPermanentWidget(self.saved_label)
        self.setAcceptDrops(True)                               # form files and workbooks

        self._make_actions()
        self.reload_years()
        self.reload()
        self.resize(1500, 900)
        wiring.install(self)        # 帮助 menu, icon, read-only store, the size and place of last time
        unit_view.install(self)     # 单位汇总与报告 (Ctrl+U): a unit's year, its 汇总表, reports, 报送材料

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
        self.act_import = act("导入…", self.import_file_dialog, ["Ctrl+I", "Ctrl+Shift+O"],
                              "导入表单文件（.json）或 Excel 工作簿（.xlsx），每个文件成为一张新表；"
                              "也可以把文件拖到窗口上（Ctrl+I）")
        self.act_export = act("另存为表单文件…", self.export_file_dialog, "Ctrl+Shift+S", "把当前的表另存为表单文件（JSON）")
        self.act_save = act("保存", self.save_now, "Ctrl+S",
                            "每次修改都已自动保存；按 Ctrl+S 确认正在输入的内容并显示保存时间")
        self.act_remove_samples = act("删除全部示例表", self.remove_samples, None,
                                      "把程序自带的示例表（列表中标有“示例”）移到回收站")
        self.act_export_xlsx = act("导出 Excel…", lambda: self.export_dialog("xlsx"), None,
                                   "只把当前的表导出为 Excel 工作簿（与屏幕版式一致）")
        self.act_export_pdf = act("导出 PDF…", lambda: self.export_dialog("pdf"), None,
                                  "只把当前的表导出为 PDF，用于打印和报送")
        # 导出… (Ctrl+E: Excel and PDF together into a folder) and 批量导出…: ui/export_actions.py
        self.act_export_both, self.act_export_batch = export_menu.make_actions(self)
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
        for a in (self.act_new, self.act_open, self.act_save, self.act_next_year, None, self.act_import, self.act_export,
                  None, self.act_export_both, self.act_export_batch, self.act_export_xlsx, self.act_export_pdf,
                  None, self.act_settings, None, self.act_close_tab, self.act_quit):
            m.addSeparator() if a is None else m.addAction(a)
        m = mb.addMenu("表单(&E)")
        for a in (self.act_delete, self.act_history, None, self.act_trash, self.act_restore, self.act_purge,
                  None, self.act_remove_samples):
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
        self.act_remove_samples.setEnabled(self._samples_listed and not wiring.is_readonly(self))
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
                                 deleted=self.act_trash.isChecked(), samples=self.sample_ids)
        except StoreError as exc:
            common.show_error(self, str(exc))
            return
        self._list_dirty = False
        self._samples_listed = self._any_sample_listed()
        n = self.list_model.rowCount()
        self.statusBar().showMessage(f"{'回收站中' if self.act_trash.isChecked() else '共'} {n} 张表    表单库：{self.store.path}")
        if selected is not None and self.list_model.row_of_id(selected) >= 0:
            self.select_id(selected)
        elif n:
            self.list_view.setCurrentIndex(self.list_model.index(0, 0))
        if hasattr(self, "act_remove_samples"):
            self._update_actions()

    def _any_sample_listed(self) -> bool:
        """Is a sample still in the list (not the 回收站), shown or filtered out?"""
        samples = self.list_model.samples
        if not samples:
            return False
        m = self.list_model
        if not m.deleted_view and self.year_box.currentData() is None and not self.search.text().strip():
            return any(m.row_of_id(fid) >= 0 for fid in samples)    # reads no rows of a lazy list
        try:
            return bool(samples & {r["id"] for r in self.store.list_forms()})
        except StoreError:
            return False

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
        self.show_saved()

    def show_saved(self) -> None:
        """“已保存 HH:MM:SS” in the status bar (stays until the next save)."""
        stamp = _dt.datetime.now().strftime("%H:%M:%S")
        self.saved_label.setText(f"已保存 {stamp}")
        self.saved_label.setToolTip("每次修改都会立即保存到表单库")

    def save_now(self) -> None:
        """Ctrl+S: every edit is saved as it is made; this confirms the cell being typed in
        (which saves it) and says when the form was saved."""
        ed = self.current_editor()
        if ed is not None:
            ed.view.commit_open_editor()
            if wiring.is_readonly(self):
                common.show_info(self, "表单库是只读打开的，修改不能保存。")
                return
        self.show_saved()
        self.statusBar().showMessage("所有修改都已保存到表单库。", 5000)

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

    def show_cell(self, form_id, where: str) -> EditorWidget | None:
        """Open a form (or bring its tab forward) with the cell of a finding current."""
        if form_id is None:
            return None
        ed = self.open_form(form_id)
        if ed is None:
            return None
        cell = ed.model.sheet.locate(where) if where else None
        if cell is not None:
            idx = ed.model.index(cell.row, cell.col)
            ed.view.setCurrentIndex(idx)
            ed.view.scrollTo(idx, QAbstractItemView.ScrollHint.PositionAtCenter)
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
        return prefill(self.store)

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
        list_actions.copy_next_year(self)

    def _selected_row(self) -> dict | None:
        idx = self.list_view.currentIndex()
        return self.list_model.row(idx.row()) if idx.isValid() else None

    def delete_selected(self, confirm: bool = True) -> None:
        list_actions.delete_selected(self, confirm)

    describe_row = staticmethod(list_actions.describe_row)

    def remove_samples(self, confirm: bool = True) -> int:
        return list_actions.remove_samples(self, confirm)

    def toggle_trash(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.reload()
        self._update_actions()

    def restore_selected(self) -> None:
        list_actions.restore_selected(self)

    def purge_selected(self, confirm: bool = True) -> None:
        list_actions.purge_selected(self, confirm)

    # ------------------------------------------------------------ files (ui/form_files.py)
    def import_file_dialog(self) -> None:
        form_files.import_dialog(self)

    def import_files(self, paths: list[str]) -> list[int]:
        return form_files.import_paths(self, paths)

    def import_form_file(self, path: str) -> EditorWidget | None:
        """Import one form file or workbook as a new form and open it (None when it failed)."""
        ids = form_files.import_paths(self, [path])
        return self.editors.get(ids[0]) if ids else None

    def dragEnterEvent(self, event) -> None:
        if form_files.dropped_paths(event.mimeData()) and not wiring.is_readonly(self):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = form_files.dropped_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        QTimer.singleShot(0, lambda: self.import_files(paths))    # not inside the drag's own loop

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
        return form, f"{row.get('year') or ''} {row.get('name') or '表单'}".strip()

    def export_file_dialog(self) -> None:
        form_files.save_as_dialog(self)

    def export_form_file(self, form: Form, path: str) -> bool:
        return form_files.save_form_file(self, form, path)

    def export_dialog(self, kind: str) -> None:
        """导出 Excel… / 导出 PDF…: choose the file, then `export_to`."""
        form_files.export_one_dialog(self, kind)

    def export_to(self, form: Form, kind: str, path: str) -> bool:
        return form_files.export_one(self, form, kind, path)

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
