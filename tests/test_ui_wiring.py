"""The main window's wiring: 帮助 (F1, 关于), 设置, new forms from 设置, the icon, the Chinese Qt
translation, high-DPI, the window's size and place, a read-only store (pytest-qt, offscreen)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PySide6.QtCore import QByteArray, QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDialog, QTabWidget

import ui  # noqa: F401
from core.form import load
from core.editing import form_summary
from core.store import Store
from tests.helpers import ROOT, SAMPLES
from ui import help as help_mod, wiring
from ui import settings as settings_mod
from ui.app import make_app
from ui.main_window import MainWindow, NewFormDialog
from ui.settings import Settings

SEED004 = SAMPLES / "seed004-wangcheng-2020-dept.json"
CENTRAL = SAMPLES / "central-project-example-2022.json"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "forms.db")
    s.set_meta("samples_loaded", True)
    yield s
    s.close()


def add(store, path):
    f = load(path)
    return store.create(f.data, form_summary(f))


@pytest.fixture
def window(qtbot, store):
    make_app()
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    return w


def menu(w, title_start):
    return next(a.menu() for a in w.menuBar().actions() if a.text().startswith(title_start))


# ---------------------------------------------------------------------------------------------
# 帮助

def test_help_menu_and_f1_show_the_help_of_the_open_form(window, store, qtbot):
    w = window
    m = menu(w, "帮助")
    assert [a.text() for a in m.actions() if not a.isSeparator()] == ["使用说明", "关于"]
    assert w.act_help.shortcut() == QKeySequence("F1")
    w.open_form(add(store, SEED004))                        # a hunan-dept form: the hunan profile
    w.act_help.trigger()
    dlg = next(d for d in help_mod._OPEN if d.isVisible())
    assert isinstance(dlg, help_mod.HelpDialog) and dlg.windowTitle() == "使用说明"
    assert dlg.profile_box.currentData() == w.current_editor().session.scores.profile.id == "hunan"
    assert "计分" in dlg.scoring.toPlainText()
    dlg.close()
    w.tabs.setCurrentIndex(0)                              # on the list: the default profile
    assert wiring.current_profile_id(w) is None


def test_about_dialog_opens(window, monkeypatch):
    opened = []

    def fake_exec(dlg):
        opened.append((dlg.windowTitle(), dlg.findChild(QTabWidget).count()))
        return 0
    monkeypatch.setattr(help_mod.AboutDialog, "exec", fake_exec)
    window.act_about.trigger()
    assert opened and opened[0][0].startswith("关于") and opened[0][1] == 2


# ---------------------------------------------------------------------------------------------
# 设置 and new forms

def test_settings_action_opens_the_settings_dialog(window, monkeypatch):
    opened = []
    monkeypatch.setattr(settings_mod.SettingsDialog, "exec",
                        lambda dlg: opened.append(dlg.windowTitle()) or 0)
    window.act_settings.trigger()
    assert opened == ["设置"]


def test_settings_prefill_a_new_forms_header_and_template(window, store, monkeypatch):
    add(store, SEED004)                        # the most recent form: another unit and filler
    window.reload()
    s = Settings()
    s.update(unit_name="长沙市望城区财政局", filler="张三", phone="0731-88888888",
             default_template="hunan-project-simple")
    assert s.sync()
    seen = {}

    def accept(dlg):
        seen["template"] = dlg.template_id()
        seen["fields"] = {k: e.text() for k, e in dlg.edits.items()}
        return QDialog.DialogCode.Accepted
    monkeypatch.setattr(NewFormDialog, "exec", accept)
    window.new_form()
    assert seen["template"] == "hunan-project-simple"
    fields = seen["fields"]
    assert fields["实施单位"] == "长沙市望城区财政局"
    assert fields["填报人"] == "张三" and fields["联系电话"] == "0731-88888888"
    assert fields["填报日期"]
    form = window.current_editor().session.form
    assert form.template_id == "hunan-project-simple"
    assert form.header["实施单位"] == "长沙市望城区财政局" and form.header["填报人"] == "张三"


def test_without_settings_the_recent_form_still_prefills(window, store):
    add(store, SEED004)
    header = window._prefill()
    assert header["单位名称"] == "中共长沙市望城区委政法委员会"
    # A template's unit field of another name gets the unit too.
    assert header["实施单位"] == "中共长沙市望城区委政法委员会"


# ---------------------------------------------------------------------------------------------
# Icon, translation, high-DPI

def test_window_and_app_icons(window):
    assert not window.windowIcon().isNull()
    assert not QGuiApplication.windowIcon().isNull()


def test_make_app_in_a_fresh_process_is_chinese_and_dpi_aware(tmp_path):
    code = (
        "import json\n"
        "from ui.app import make_app\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "from PySide6.QtWidgets import QDialogButtonBox as B\n"
        "app = make_app()\n"
        "box = B(B.StandardButton.Open | B.StandardButton.Cancel | B.StandardButton.Yes)\n"
        "print(json.dumps({'policy': QGuiApplication.highDpiScaleFactorRoundingPolicy().name,\n"
        "  'buttons': sorted(b.text() for b in box.buttons()),\n"
        "  'look_in': QCoreApplication.translate('QFileDialog', 'Look in:')}))\n")
    env = {"QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
           "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["policy"] == "PassThrough"
    assert got["buttons"][:2] == ["取消", "打开"] and got["buttons"][2].startswith("是")
    assert got["look_in"] != "Look in:"


# ---------------------------------------------------------------------------------------------
# The window's size and place

def new_window(qtbot, store):
    w = MainWindow(store)
    qtbot.addWidget(w)
    return w


def test_geometry_round_trip(qtbot, store):
    make_app()
    w = new_window(qtbot, store)
    w.show()
    w.resize(700, 500)
    w.move(30, 40)
    qtbot.wait(10)
    pos, size = w.pos(), w.size()
    w.close()
    geo = Settings().qsettings.value(wiring.GEOMETRY_KEY)
    assert isinstance(geo, QByteArray) and len(geo)
    again = new_window(qtbot, store)                # restored before it is shown, as at start
    again.show()
    qtbot.wait(10)
    assert again.size() == size == QSize(700, 500)
    assert again.pos() == pos
    again.close()


def test_first_start_fits_the_screen(qtbot, store):
    make_app()
    w = new_window(qtbot, store)
    avail = QGuiApplication.primaryScreen().availableGeometry()
    assert w.width() <= avail.width() and w.height() <= avail.height()
    assert avail.contains(w.frameGeometry().topLeft())


def test_a_saved_place_on_a_screen_that_is_gone_comes_back(qtbot, store, monkeypatch):
    make_app()
    w = new_window(qtbot, store)
    w.setGeometry(QRect(QPoint(6000, 4000), QSize(700, 500)))      # a second monitor, unplugged
    wiring.save_window_state(w)
    w.close()
    again = new_window(qtbot, store)
    avail = QGuiApplication.primaryScreen().availableGeometry()
    assert avail.intersects(again.frameGeometry())
    assert wiring._fits_a_screen(again.frameGeometry())
    # Garbage in the settings file: the default place, no error.
    s = Settings()
    s.qsettings.setValue(wiring.GEOMETRY_KEY, "not a geometry")
    s.qsettings.setValue(wiring.STATE_KEY, QByteArray(b"\x00\x01garbage"))
    s.sync()
    third = new_window(qtbot, store)
    assert avail.contains(third.frameGeometry().topLeft())


# ---------------------------------------------------------------------------------------------
# A read-only store

def test_read_only_store_shows_it_and_disables_editing(qtbot, tmp_path, monkeypatch):
    make_app()
    path = tmp_path / "forms.db"
    with Store(path) as s:
        s.set_meta("samples_loaded", True)
        f = load(SEED004)
        fid = s.create(f.data, form_summary(f))
    ro = Store(path, readonly=True)
    try:
        w = MainWindow(ro)
        qtbot.addWidget(w)
        w.show()
        assert "只读" in w.windowTitle()
        for a in (w.act_new, w.act_next_year, w.act_delete, w.act_import, w.act_restore, w.act_purge):
            assert not a.isEnabled(), a.text()
        for a in (w.act_open, w.act_export_both, w.act_export_batch, w.act_export_xlsx, w.act_settings,
                  w.act_help):
            assert a.isEnabled(), a.text()
        ed = w.open_form(fid)
        for a in (ed.act_insert_row, ed.act_remove_row, ed.act_row_up, ed.act_row_down, ed.act_paste,
                  ed.act_clear):
            assert not a.isEnabled(), a.text()
        w.act_trash.setChecked(True)
        w.toggle_trash()                                       # _update_actions runs again
        assert not w.act_restore.isEnabled() and not w.act_purge.isEnabled()
        w.close()
    finally:
        ro.close()


def test_writable_store_keeps_editing_enabled(window, store):
    ed = window.open_form(add(store, SEED004))
    assert "只读" not in window.windowTitle()
    assert window.act_new.isEnabled() and ed.act_insert_row.isEnabled()
