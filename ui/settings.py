"""The user's settings: typed access over an INI file, and the 设置 dialog.

    s = Settings()                   # core.store.paths.settings_path(): data\\ziping.ini in portable
    s.unit_name = "长沙市望城区财政局"    # mode, else %APPDATA%\\ziping\\ziping.ini
    s.sync()                         # (QSettings also saves by itself, later)
    SettingsDialog(parent).exec()    # edits and saves them

The INI file is UTF-8 (Qt 6), its keys are ASCII, values are any text. A ``version`` key says
which layout of keys the file has; when a newer program opens an older file, the steps in
`UPGRADES` run in order (each takes the QSettings and changes keys) and the version is raised.
A file written by a newer program is read as it is and never downgraded.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings, QStandardPaths, Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QVBoxLayout, QWidget)

from core.store import is_portable, settings_path

from . import common

__all__ = ["Settings", "SettingsDialog", "SETTINGS_VERSION", "UPGRADES", "OPTIONS",
           "default_export_dir"]

SETTINGS_VERSION = 1
VERSION_KEY = "version"

# version -> step that brings a file of version-1 up to it. Add new steps at the end, e.g.
#   def _to_2(qs): qs.setValue("form/unit", qs.value("unit")); qs.remove("unit")
#   UPGRADES[2] = _to_2         (and raise SETTINGS_VERSION to 2)
UPGRADES: dict[int, Callable[[QSettings], None]] = {}


@dataclass(frozen=True)
class Option:
    attr: str       # Python attribute of Settings
    key: str        # INI key (ASCII)
    label: str      # Chinese label in the dialog
    default: str = ""


OPTIONS = (
    Option("unit_name", "form/unit_name", "单位名称"),
    Option("filler", "form/filler", "填报人"),
    Option("phone", "form/phone", "联系电话"),
    Option("export_dir", "paths/export_dir", "默认导出文件夹"),
    Option("default_template", "form/default_template", "默认模板", "central-project"),
)
_BY_ATTR = {o.attr: o for o in OPTIONS}


def default_export_dir() -> str:
    """Where exports go when no folder is set: the user's 文档 folder (or the home folder)."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return docs or str(Path.home())


class Settings:
    """Typed settings. Every attribute in `OPTIONS` reads and writes a string; unknown keys in the
    file are kept as they are."""

    unit_name: str
    filler: str
    phone: str
    export_dir: str
    default_template: str

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(os.fspath(path)) if path is not None else settings_path()
        self.qsettings = QSettings(str(self.path), QSettings.Format.IniFormat)
        self.upgraded_from: int | None = None
        self._upgrade()

    # -- versions -----------------------------------------------------------------------------

    @property
    def version(self) -> int:
        try:
            return int(self.qsettings.value(VERSION_KEY, 0))
        except (TypeError, ValueError):
            return 0

    def _upgrade(self) -> None:
        found = self.version
        if found >= SETTINGS_VERSION and self.qsettings.contains(VERSION_KEY):
            return
        if found and found < SETTINGS_VERSION:
            self.upgraded_from = found
        for step in range(found + 1, SETTINGS_VERSION + 1):
            hook = UPGRADES.get(step)
            if hook is not None:
                hook(self.qsettings)
        self.qsettings.setValue(VERSION_KEY, SETTINGS_VERSION)

    # -- values -------------------------------------------------------------------------------

    def __getattr__(self, attr: str) -> str:
        option = _BY_ATTR.get(attr)
        if option is None:
            raise AttributeError(attr)
        value = self.qsettings.value(option.key, option.default)
        if value is None:
            return option.default
        if isinstance(value, (list, tuple)):   # a value with commas written by hand
            value = ",".join(str(v) for v in value)
        value = str(value)
        if attr == "default_template":
            return value if value in _template_ids() else option.default
        return value

    def __setattr__(self, attr: str, value) -> None:
        option = _BY_ATTR.get(attr)
        if option is None:
            super().__setattr__(attr, value)
            return
        self.qsettings.setValue(option.key, "" if value is None else str(value))

    def values(self) -> dict[str, str]:
        return {o.attr: getattr(self, o.attr) for o in OPTIONS}

    def update(self, **values: str) -> None:
        for attr, value in values.items():
            if attr not in _BY_ATTR:
                raise KeyError(attr)
            setattr(self, attr, value)

    def export_dir_or_default(self) -> str:
        folder = self.export_dir
        return folder if folder and os.path.isdir(folder) else default_export_dir()

    def sync(self) -> bool:
        """Write to disk now. False (and `error()` says why, in Chinese) when that failed."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
        self.qsettings.sync()
        return self.qsettings.status() == QSettings.Status.NoError

    def error(self) -> str:
        status = self.qsettings.status()
        if status == QSettings.Status.AccessError:
            return f"无法写入设置文件，请检查文件夹是否可以写入：{self.path}"
        if status == QSettings.Status.FormatError:
            return f"设置文件的格式有误，无法读取：{self.path}"
        return ""


def _template_ids() -> list[str]:
    from core.form import template_ids
    return template_ids()


class SettingsDialog(QDialog):
    """设置: 单位名称, 填报人, 联系电话 (prefilled into new forms), 默认导出文件夹, 默认模板."""

    def __init__(self, parent: QWidget | None = None, settings: Settings | None = None):
        super().__init__(parent)
        self.settings = settings or Settings()
        self.setWindowTitle("设置")
        self.setMinimumWidth(520)

        from core.form import all_templates

        self.unit_name = QLineEdit()
        self.unit_name.setPlaceholderText("例如：长沙市望城区财政局")
        self.filler = QLineEdit()
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("例如：0731-88888888")
        self.export_dir = QLineEdit()
        self.export_dir.setPlaceholderText(f"未设置时为：{default_export_dir()}")
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.setContentsMargins(0, 0, 0, 0)
        folder_row.addWidget(self.export_dir, 1)
        folder_row.addWidget(browse)
        folder = QWidget()
        folder.setLayout(folder_row)
        self.default_template = QComboBox()
        for t in all_templates():
            self.default_template.addItem(t["name"], t["id"])

        form = QFormLayout()
        form.addRow("单位名称：", self.unit_name)
        form.addRow("填报人：", self.filler)
        form.addRow("联系电话：", self.phone)
        form.addRow("默认导出文件夹：", folder)
        form.addRow("默认模板：", self.default_template)
        store = getattr(parent, "store", None)
        if store is not None:                  # the open store's backups (ui.store_status)
            from .store_status import backup_rows
            for label, widget in backup_rows(store):
                form.addRow(label, widget)

        where = "（便携模式）" if is_portable() else ""
        note = QLabel(f"单位名称、填报人和联系电话会自动填入新建的表单。\n"
                      f"设置保存在{where}：{self.settings.path}")
        note.setWordWrap(True)
        note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note.setStyleSheet("color: #555;")

        buttons = common.dialog_buttons(self, "保存")

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._load()

    def _load(self) -> None:
        s = self.settings
        self.unit_name.setText(s.unit_name)
        self.filler.setText(s.filler)
        self.phone.setText(s.phone)
        self.export_dir.setText(s.export_dir)
        i = self.default_template.findData(s.default_template)
        self.default_template.setCurrentIndex(max(i, 0))

    def _browse(self) -> None:
        start = self.export_dir.text().strip() or default_export_dir()
        folder = QFileDialog.getExistingDirectory(self, "选择默认导出文件夹", start)
        if folder:
            self.export_dir.setText(os.path.normpath(folder))

    def values(self) -> dict[str, str]:
        return {
            "unit_name": self.unit_name.text().strip(),
            "filler": self.filler.text().strip(),
            "phone": self.phone.text().strip(),
            "export_dir": self.export_dir.text().strip(),
            "default_template": self.default_template.currentData() or "",
        }

    def accept(self) -> None:
        values = self.values()
        folder = values["export_dir"]
        if folder and not os.path.isdir(folder):
            QMessageBox.warning(self, "设置", f"找不到文件夹：{folder}\n请重新选择默认导出文件夹，或者留空。")
            return
        self.settings.update(**values)
        if not self.settings.sync():
            QMessageBox.warning(self, "设置未能保存", self.settings.error())
            return
        super().accept()
