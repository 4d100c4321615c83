"""Settings: typed values through the INI file, versions and upgrades, the 设置 dialog."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from ui import settings as settings_mod
from ui.settings import Settings, SettingsDialog

VALUES = {
    "unit_name": "长沙市望城区财政局（办公室）, 预算股; \"引号\" = 等号 #井号",
    "filler": "张三",
    "phone": "0731-88888888 转 123",
    "export_dir": "D:\\绩效自评\\2024年",
    "default_template": "hunan-dept",
}


def test_round_trip_through_the_ini_file(tmp_path):
    path = tmp_path / "设置" / "ziping.ini"
    s = Settings(path)
    assert s.values() == {"unit_name": "", "filler": "", "phone": "", "export_dir": "",
                          "default_template": "central-project"}
    s.update(**VALUES)
    assert s.sync(), s.error()
    text = path.read_text(encoding="utf-8")          # UTF-8, the Chinese as it is
    assert "张三" in text and "长沙市望城区财政局" in text
    assert "version=1" in text

    again = Settings(path)
    assert again.values() == VALUES
    assert again.version == settings_mod.SETTINGS_VERSION
    assert again.upgraded_from is None


def test_attribute_access_and_unknown_names(tmp_path):
    s = Settings(tmp_path / "a.ini")
    s.filler = "李四"
    assert s.filler == "李四"
    s.phone = None
    assert s.phone == ""
    with pytest.raises(AttributeError):
        _ = s.no_such_setting
    with pytest.raises(KeyError):
        s.update(no_such_setting="x")


def test_unknown_template_falls_back_and_unknown_keys_survive(tmp_path):
    path = tmp_path / "ziping.ini"
    path.write_text("[General]\nversion=1\n[form]\ndefault_template=gone-template\n"
                    "[later]\nsomething=保留\n", encoding="utf-8")
    s = Settings(path)
    assert s.default_template == "central-project"
    s.unit_name = "单位"
    assert s.sync()
    text = path.read_text(encoding="utf-8")
    assert "something=保留" in text


def test_upgrade_hooks_run_in_order_once(tmp_path, monkeypatch):
    path = tmp_path / "ziping.ini"
    path.write_text("[General]\nversion=1\nunit=旧键里的单位\n", encoding="utf-8")
    calls = []

    def to_2(qs):
        calls.append(2)
        qs.setValue("form/unit_name", qs.value("unit"))
        qs.remove("unit")

    def to_3(qs):
        calls.append(3)

    monkeypatch.setattr(settings_mod, "SETTINGS_VERSION", 3)
    monkeypatch.setattr(settings_mod, "UPGRADES", {2: to_2, 3: to_3})
    s = Settings(path)
    assert calls == [2, 3]
    assert s.upgraded_from == 1 and s.version == 3
    assert s.unit_name == "旧键里的单位"
    assert s.sync()
    assert Settings(path).upgraded_from is None
    assert calls == [2, 3]                             # not again


def test_newer_file_is_not_downgraded(tmp_path, monkeypatch):
    path = tmp_path / "ziping.ini"
    path.write_text("[General]\nversion=7\n[form]\nfiller=王五\n", encoding="utf-8")
    monkeypatch.setattr(settings_mod, "UPGRADES", {1: lambda qs: pytest.fail("must not run")})
    s = Settings(path)
    assert s.version == 7 and s.filler == "王五"
    assert s.sync()
    assert "version=7" in path.read_text(encoding="utf-8")


def test_unwritable_settings_file_reports_in_chinese(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    s = Settings(blocker / "ziping.ini")
    s.filler = "张三"
    assert not s.sync()
    assert "无法写入设置文件" in s.error()


def test_default_settings_file_is_settings_path(tmp_path, monkeypatch):
    monkeypatch.setattr(settings_mod, "settings_path", lambda: tmp_path / "cfg" / "ziping.ini")
    s = Settings()
    s.filler = "张三"
    assert s.sync()
    assert (tmp_path / "cfg" / "ziping.ini").is_file()


def test_dialog_opens_offscreen_shows_and_saves(qtbot, tmp_path):
    path = tmp_path / "ziping.ini"
    pre = Settings(path)
    pre.unit_name = "原单位"
    pre.default_template = "sichuan-project"
    pre.sync()

    dlg = SettingsDialog(None, Settings(path))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert dlg.windowTitle() == "设置"
    assert dlg.unit_name.text() == "原单位"
    assert dlg.default_template.currentData() == "sichuan-project"
    # The combo offers every template by its Chinese name.
    from core.form import all_templates
    names = [dlg.default_template.itemText(i) for i in range(dlg.default_template.count())]
    assert names == [t["name"] for t in all_templates()]

    dlg.unit_name.setText("长沙市望城区财政局")
    dlg.filler.setText("张三")
    dlg.phone.setText("0731-88888888")
    dlg.export_dir.setText(str(tmp_path))
    dlg.default_template.setCurrentIndex(dlg.default_template.findData("hunan-dept"))
    dlg.accept()
    assert dlg.result() == QDialog.DialogCode.Accepted

    saved = Settings(path)
    assert saved.values() == {"unit_name": "长沙市望城区财政局", "filler": "张三",
                              "phone": "0731-88888888", "export_dir": str(tmp_path),
                              "default_template": "hunan-dept"}
    assert saved.export_dir_or_default() == str(tmp_path)


def test_dialog_refuses_a_missing_export_folder(qtbot, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(settings_mod.QMessageBox, "warning",
                        lambda parent, title, text, *a: warnings.append(text))
    path = tmp_path / "ziping.ini"
    dlg = SettingsDialog(None, Settings(path))
    qtbot.addWidget(dlg)
    dlg.filler.setText("张三")
    dlg.export_dir.setText(str(tmp_path / "没有这个文件夹"))
    dlg.accept()
    assert dlg.result() != QDialog.DialogCode.Accepted
    assert warnings and "找不到文件夹" in warnings[0]
    assert Settings(path).filler == ""                  # nothing saved
