"""新建: the dialog (template, year, header) and the header a new form starts with.

The header comes from 设置 (单位名称, 填报人, 联系电话) and the clerk's own most recent form —
never from a shipped sample (their units and names are someone else's).
"""
from __future__ import annotations

import datetime as _dt

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from core.form import all_templates, get_template
from core.store import StoreError

from . import common, wiring
from .samples import sample_ids


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


def prefill(store) -> dict:
    """The header a new form starts with: today's date; the unit, 填报人, 联系电话 and 主管部门 of
    the most recent form the clerk made (samples are skipped); 单位名称, 填报人 and 联系电话 from
    设置 win over those."""
    out = {"填报日期": _dt.date.today().isoformat()}
    try:
        samples = sample_ids(store)
        recent = [r for r in store.list_forms() if r["id"] not in samples][:1]
    except StoreError:
        recent = []
    if recent:
        try:
            data = store.get(recent[0]["id"])
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
