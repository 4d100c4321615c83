"""单位汇总与报告: a unit's year as one view.

Choose 年度 and 单位 (from the forms in the store) → all their forms in one table (rate, score,
grade, errors, warnings, state 未完成 / 有错误 / 可提交; double-click opens the form), the 汇总表,
the unit's 自评报告 and each project's 自评报告 (free sections editable, core.package.report_texts), and
导出报送材料: the forms' remaining errors first (返回修改 / 仍然导出), then one folder or .zip
(core.package.bundle) with a progress bar.

    install(window)        # adds 单位汇总与报告 (Ctrl+U) to the main window's 视图 menu and toolbar

Every question and message goes through the module-level helpers below, which the tests replace.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QCheckBox, QComboBox, QDialog, QFileDialog,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QProgressDialog,
                               QPushButton, QTableWidget, QTableWidgetItem, QTabWidget, QToolBar, QVBoxLayout,
                               QWidget)

from core.export import ExportError
from core.files import WriteError
from core.form import FormError
from core.package import (COLUMNS, HAS_ERRORS, INCOMPLETE, Entry, build_report, build_unit_report, check_glyphs,
                          form_key, form_state, make_package, problems, report_blanks, summarize,
                          unit_entries_from_store, unit_key, units_in_store, write_package)
from core.store import StoreError

from . import common
from .report_editor import ReportEditor

log = logging.getLogger("ziping")

FORM_COLUMNS = ("序号", "项目名称", "实施单位", "执行率", "自评得分", "自评等级", "错误", "提示", "状态")
STATE_COLOR = {HAS_ERRORS: "#c62828", INCOMPLETE: "#b26a00"}


# ---------------------------------------------------------------------------------------------
# Questions and messages (replaced in the tests)

def confirm(parent, found, open_cell, blanks=(), open_section=None) -> bool:
    """The forms' remaining errors and the reports' 【请填写】 with 返回修改 / 仍然导出."""
    try:
        from .export_question import confirm_export
    except ImportError:
        return _confirm_fallback(parent, found)
    return confirm_export(parent, found, open_cell, blanks, open_section)


def _confirm_fallback(parent, found) -> bool:
    if not found:
        return True
    lines = []
    for title, _ref, findings in found:
        lines.append(f"“{title}”：{len(findings)} 处错误")
        lines += [f"    · {f.message}" for f in findings[:5]]
        if len(findings) > 5:
            lines.append(f"    ……另有 {len(findings) - 5} 处")
    box = QMessageBox(QMessageBox.Icon.Warning, "还有错误", "以下表中还有错误：\n\n" + "\n".join(lines),
                      QMessageBox.StandardButton.NoButton, parent)
    back = box.addButton("返回修改", QMessageBox.ButtonRole.RejectRole)
    go = box.addButton("仍然导出", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(back)
    box.exec()
    return box.clickedButton() is go


def choose_target(parent, start: str) -> tuple[str, bool] | None:
    dlg = PackageTargetDialog(start, parent)
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return None
    return dlg.folder(), dlg.as_zip()


def ask(parent, message: str, title: str, yes: str, no: str = "取消") -> bool:
    return common.ask_yes_no(parent, message, title, yes=yes, no=no)


def show_error(parent, message: str, title: str = "导出失败") -> None:
    common.show_error(parent, message, title)


def show_done(parent, message: str, folder: str | None) -> None:
    from .export_actions import show_done as _done
    _done(parent, message, folder)


# ---------------------------------------------------------------------------------------------

class PackageTargetDialog(QDialog):
    """Where to write the package, and whether as one .zip."""

    def __init__(self, start: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("导出报送材料")
        self.path = QLineEdit(start, self)
        browse = QPushButton("浏览…", self)
        browse.clicked.connect(self._browse)
        self.zip = QCheckBox("打包为一个 .zip 文件（便于用电子邮件发送）", self)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("报送材料（全部表、汇总表和自评报告）将放在此文件夹中：", self))
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        lay.addLayout(row)
        lay.addWidget(self.zip)
        lay.addWidget(common.dialog_buttons(self, "导出"))
        self.resize(560, 150)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择文件夹", self.path.text())
        if folder:
            self.path.setText(folder)

    def folder(self) -> str:
        return self.path.text().strip()

    def as_zip(self) -> bool:
        return self.zip.isChecked()


def _item(text: str, align=Qt.AlignmentFlag.AlignCenter, data=None) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    it.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    if data is not None:
        it.setData(Qt.ItemDataRole.UserRole, data)
    return it


def _table(parent, headers) -> QTableWidget:
    t = QTableWidget(0, len(headers), parent)
    t.setHorizontalHeaderLabels(list(headers))
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class UnitView(QWidget):
    """One unit's year: its forms, the 汇总表, the reports, and 导出报送材料."""

    def __init__(self, store, parent=None, open_form=None, show_cell=None):
        super().__init__(parent)
        self.store = store
        self.open_form = open_form
        self.show_cell = show_cell
        self.entries: list[Entry] = []
        self._units: dict[int, list[str]] = {}

        self.year_box = QComboBox(self)
        self.unit_box = QComboBox(self)
        self.unit_box.setMinimumWidth(260)
        self.refresh_button = QPushButton("刷新", self)
        self.export_button = QPushButton("导出报送材料…", self)
        self.export_button.setToolTip("把本单位本年度的全部表、汇总表和自评报告写入一个文件夹或 .zip")
        self.counts = QLabel("", self)

        self.forms = _table(self, FORM_COLUMNS)
        for col, w in enumerate((50, 300, 220, 80, 80, 70, 50, 50)):
            self.forms.setColumnWidth(col, w)
        self.forms.cellDoubleClicked.connect(lambda r, _c: self.open_row(r))
        self.forms.currentCellChanged.connect(lambda r, _c, _pr, _pc: self._show_project_report(r))
        self.summary = _table(self, COLUMNS)
        for col, w in enumerate((40, 80, 220, 80, 180, 90, 90, 90, 80, 140, 70, 70, 260)):
            self.summary.setColumnWidth(col, w)
        self.unit_report = ReportEditor(store, self)
        self.project_report = ReportEditor(store, self)
        self.project_label = QLabel("在“表单”页选中一张表，在此编辑它的自评报告。", self)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.forms, "表单")
        self.tabs.addTab(self.summary, "汇总表")
        self.tabs.addTab(self.unit_report, "单位自评报告")
        page = QWidget(self)
        pl = QVBoxLayout(page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.project_label)
        pl.addWidget(self.project_report, 1)
        self.tabs.addTab(page, "项目自评报告")

        top = QHBoxLayout()
        top.addWidget(QLabel("年度", self))
        top.addWidget(self.year_box)
        top.addWidget(QLabel("单位", self))
        top.addWidget(self.unit_box, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.counts)
        lay.addWidget(self.tabs, 1)

        self.year_box.currentIndexChanged.connect(lambda _i: self._fill_units())
        self.unit_box.currentIndexChanged.connect(lambda _i: self.reload())
        self.refresh_button.clicked.connect(self.reload_choices)
        self.export_button.clicked.connect(self.export_dialog)
        self.reload_choices()

    # ------------------------------------------------------------ choosing
    def reload_choices(self, year: int | None = None, unit: str | None = None) -> None:
        year = year if year is not None else self.year()
        unit = unit if unit is not None else self.unit()
        try:
            self._units = units_in_store(self.store)
        except StoreError as exc:
            common.show_error(self, str(exc))
            self._units = {}
        self.year_box.blockSignals(True)
        self.year_box.clear()
        for y in self._units:
            self.year_box.addItem(f"{y}年", y)
        i = self.year_box.findData(year)
        self.year_box.setCurrentIndex(i if i >= 0 else (0 if self._units else -1))
        self.year_box.blockSignals(False)
        self._fill_units(unit)

    def _fill_units(self, unit: str | None = None) -> None:
        unit = unit if unit is not None else self.unit()
        self.unit_box.blockSignals(True)
        self.unit_box.clear()
        for u in self._units.get(self.year(), []):
            self.unit_box.addItem(u, u)
        i = self.unit_box.findData(unit)
        self.unit_box.setCurrentIndex(i if i >= 0 else (0 if self.unit_box.count() else -1))
        self.unit_box.blockSignals(False)
        self.reload()

    def choose(self, year: int, unit: str) -> None:
        self.reload_choices(year, unit)

    def year(self) -> int | None:
        return self.year_box.currentData()

    def unit(self) -> str | None:
        return self.unit_box.currentData()

    # ------------------------------------------------------------ showing
    def reload(self) -> None:
        """Read the unit's forms again from the store and show them."""
        year, unit = self.year(), self.unit()
        keep = self.selected_id()
        self.entries = []
        if year is not None and unit:
            try:
                self.entries = unit_entries_from_store(self.store, year, unit)
            except (StoreError, FormError) as exc:
                common.show_error(self, f"无法读取本单位的表：{exc}")
        self._fill_forms()
        self._fill_summary()
        if self.entries:
            entries = self.entries
            self.unit_report.set_report(
                lambda edits: build_unit_report([e.form for e in entries], edits, year=year, unit=unit,
                                                scores=[e.scores for e in entries]),
                unit_key(year, unit))
        else:
            self.unit_report.set_report(None, None)
        row = next((i for i, e in enumerate(self.entries) if e.ref == keep), 0 if self.entries else -1)
        if row >= 0:
            self.forms.setCurrentCell(row, 1)
        self._show_project_report(row)
        self.export_button.setEnabled(bool(self.entries))

    def _fill_forms(self) -> None:
        self.forms.setRowCount(len(self.entries))
        n_err = 0
        for r, e in enumerate(self.entries):
            sc = e.scores
            errors = sum(1 for f in sc.findings if f.level == "error")
            warnings = len(sc.findings) - errors
            state = form_state(sc)
            n_err += state == HAS_ERRORS
            scored = sc.profile.scored
            cells = [str(r + 1), e.title, self.unit() or "", f"{sc.rate:.2f}%" if sc.rate is not None else "",
                     (f"{sc.total:.2f}" if sc.total is not None else "") if scored else "不计分",
                     (sc.grade or "") if scored else "不计分", str(errors), str(warnings), state]
            for c, text in enumerate(cells):
                align = Qt.AlignmentFlag.AlignLeft if c in (1, 2) else Qt.AlignmentFlag.AlignCenter
                it = _item(text, align, e.ref)
                if c == 8 and state in STATE_COLOR:
                    it.setForeground(QBrush(QColor(STATE_COLOR[state])))
                self.forms.setItem(r, c, it)
        ready = sum(1 for e in self.entries if form_state(e.scores) not in (HAS_ERRORS, INCOMPLETE))
        self.counts.setText(f"共 {len(self.entries)} 张表：可提交 {ready} 张，有错误 {n_err} 张，"
                            f"未完成 {len(self.entries) - ready - n_err} 张。双击一行打开该表。"
                            if self.entries else "请选择年度和单位。")

    def _fill_summary(self) -> None:
        if not self.entries:
            self.summary.setRowCount(0)
            return
        s = summarize([e.form for e in self.entries], self.year(), self.unit(), [e.scores for e in self.entries])
        rows = [r.cells() for r in s.rows] + [s.total_cells()]
        self.summary.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                align = Qt.AlignmentFlag.AlignRight if c in (5, 6, 7, 8) else (
                    Qt.AlignmentFlag.AlignLeft if c in (2, 4, 12, 13) else Qt.AlignmentFlag.AlignCenter)
                self.summary.setItem(r, c, _item(text, align))
        self.summary.resizeRowsToContents()

    def _show_project_report(self, row: int) -> None:
        if not (0 <= row < len(self.entries)):
            self.project_report.set_report(None, None)
            return
        e = self.entries[row]
        self.project_label.setText(f"“{e.title}”的自评报告：")
        self.project_report.set_report(lambda edits, e=e: build_report(e.form, edits, e.scores), form_key(e.ref),
                                       e.edits)

    def selected_id(self) -> int | None:
        r = self.forms.currentRow()
        return self.entries[r].ref if 0 <= r < len(self.entries) else None

    def row_state(self, row: int) -> str:
        return self.forms.item(row, FORM_COLUMNS.index("状态")).text()

    def open_row(self, row: int):
        if 0 <= row < len(self.entries) and self.open_form is not None:
            return self.open_form(self.entries[row].ref)
        return None

    def open_section(self, blank) -> None:
        """Show the report section of a blank (core.package.Blank): the unit's report, or the
        project's with its row selected."""
        if blank.ref is None:
            self.tabs.setCurrentWidget(self.unit_report)
            self.unit_report.select_section(blank.section_key)
            return
        row = next((i for i, e in enumerate(self.entries) if e.ref == blank.ref), None)
        if row is None:
            return
        self.forms.setCurrentCell(row, 0)
        self._show_project_report(row)
        self.tabs.setCurrentWidget(self.project_report.parentWidget())
        self.project_report.select_section(blank.section_key)

    def _open_cell(self, form_ref, where: str) -> None:
        if self.show_cell is not None:
            self.show_cell(form_ref, where)
            return
        ed = self.open_form(form_ref) if self.open_form is not None else None
        if ed is not None and where and hasattr(ed, "focus_path"):
            ed.focus_path(where)

    # ------------------------------------------------------------ 导出报送材料
    def export_dialog(self) -> None:
        from .export_actions import remember_folder, start_folder
        target = choose_target(self, start_folder())
        if not target:
            return
        folder, as_zip = target
        if self.export_package(folder, as_zip) is not None:
            remember_folder(folder)

    def export_package(self, folder: str, as_zip: bool = False) -> Path | None:
        """Check the forms, ask about their errors, write the package; returns its path or None."""
        self.unit_report.flush()
        self.project_report.flush()
        self.reload()                                   # the latest saved state of every form
        if not self.entries:
            return None
        pkg = make_package(self.entries, self.year(), self.unit(), dict(self.unit_report.edits))
        if not confirm(self, problems(self.entries), self._open_cell, report_blanks(pkg), self.open_section):
            return None
        missing = check_glyphs(pkg)
        if missing and not ask(self, "PDF 字体中没有以下字符，打印出来会缺字：\n"
                               + "\n".join(f"“{t}”：{c}" for t, c in missing)
                               + "\n\n仍然导出吗？（这些字将印成“□”）", "缺字", "仍然导出"):
            return None
        progress = QProgressDialog("正在导出报送材料……", "", 0, 100, self)
        progress.setWindowTitle("导出报送材料")
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setValue(0)

        def step(done: int, total: int, name: str) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(done)
            if name:
                progress.setLabelText(f"正在写入：{name}")
            QApplication.processEvents()

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            path = write_package(pkg, folder, as_zip=as_zip, progress=step)
        except (WriteError, ExportError) as exc:
            show_error(self, str(exc))
            return None
        except Exception as exc:          # noqa: BLE001 - one plain line, never a traceback
            log.exception("package export failed")
            show_error(self, f"导出失败：{exc}")
            return None
        finally:
            QApplication.restoreOverrideCursor()
            progress.close()
        show_done(self, f"已导出 {len(pkg.files)} 个文件到：\n{path}", str(path.parent))
        return path


# ---------------------------------------------------------------------------------------------
# The hook in the main window

def show_unit_view(window) -> UnitView:
    view = getattr(window, "unit_view", None)
    if view is None or window.tabs.indexOf(view) < 0:
        view = UnitView(window.store, window, open_form=window.open_form, show_cell=getattr(window, "show_cell", None))
        window.unit_view = view
        window.tabs.addTab(view, "单位汇总与报告")
        row = window._selected_row() if hasattr(window, "_selected_row") else None
        if row and row.get("year") and row.get("unit"):
            view.choose(row["year"], row["unit"])
    else:
        view.reload()
    window.tabs.setCurrentWidget(view)
    return view


def install(window) -> QAction:
    act = QAction("单位汇总与报告", window)
    act.setShortcut(QKeySequence("Ctrl+U"))
    act.setToolTip("一个单位一个年度的全部表、汇总表、自评报告和报送材料（Ctrl+U）")
    act.setStatusTip(act.toolTip())
    act.triggered.connect(lambda: show_unit_view(window))
    window.act_unit_view = act
    package = QAction("导出报送材料…", window)
    package.setToolTip("把一个单位一个年度的全部表、汇总表和自评报告写入一个文件夹或 .zip")
    package.setStatusTip(package.toolTip())
    package.triggered.connect(lambda: show_unit_view(window).export_dialog())
    window.act_export_package = package
    for a in window.menuBar().actions():
        if a.menu() is not None and a.text().startswith("视图"):
            a.menu().addAction(act)
        if a.menu() is not None and a.text().startswith("文件"):
            menu = a.menu()
            after = getattr(window, "act_export_batch", None)
            actions = menu.actions()
            i = actions.index(after) if after in actions else -1
            if 0 <= i < len(actions) - 1:
                menu.insertAction(actions[i + 1], package)
            else:
                menu.addAction(package)
    tb = window.findChild(QToolBar, "mainToolbar")
    if tb is not None:
        tb.addSeparator()
        tb.addAction(act)

    def tab_changed(i: int) -> None:
        view = getattr(window, "unit_view", None)
        if view is not None and window.tabs.widget(i) is view:
            view.reload()
    window.tabs.currentChanged.connect(tab_changed)
    return act
