"""The main window's ties to the pieces around it, kept out of main_window.py:

    before_app()                # high-DPI rounding; only before the QApplication exists
    install_translator(app)     # qtbase_zh_CN: standard dialogs and buttons in Chinese
    app_icon()                  # resources/icons/app.ico
    settings_action(window)     # 设置…
    install(window)             # 帮助 menu (使用说明 F1, 关于), icon, read-only store, size and place
    save_window_state(window)   # from closeEvent
    prefill_from_settings(header) / default_template()   # new forms start from 设置
    apply_readonly(window)      # a read-only store: every action that would change it is disabled
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QLibraryInfo, QRect, Qt, QTranslator
from PySide6.QtGui import QAction, QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from core.files import resource

log = logging.getLogger("ziping")

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
DEFAULT_SIZE = (1500, 900)

_translators: list[QTranslator] = []      # kept alive for the life of the application


# ---------------------------------------------------------------------------------------------
# Application start

def before_app() -> None:
    """Qt 6 scales by the screen's factor; PassThrough keeps 125 % and 150 % as they are
    (not rounded to 1 or 2).  Only possible before the QApplication exists."""
    if QGuiApplication.instance() is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)


def _translation_dirs() -> list[Path]:
    dirs = [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))]
    try:                        # a PyInstaller bundle without qt.conf: beside the package
        import PySide6
        base = Path(PySide6.__file__).resolve().parent
        dirs += [base / "Qt" / "translations", base / "translations"]
    except Exception:           # noqa: BLE001
        pass
    return dirs


def install_translator(app: QApplication) -> bool:
    """Load Qt's own Chinese (QFileDialog, the buttons of QMessageBox, the context menus of text
    fields).  The UI is Chinese only, so the system's language is not consulted."""
    if _translators:
        return True
    for folder in _translation_dirs():
        tr = QTranslator(app)
        if tr.load("qtbase_zh_CN", str(folder)):
            app.installTranslator(tr)
            _translators.append(tr)
            return True
    log.warning("qtbase_zh_CN.qm not found; Qt's standard dialogs stay in English")
    return False


def app_icon() -> QIcon:
    icon = QIcon(str(resource("icons", "app.ico")))
    if icon.isNull():
        icon = QIcon(str(resource("icons", "app.png")))
    return icon


# ---------------------------------------------------------------------------------------------
# Settings

def _settings():
    try:
        from .settings import Settings
        return Settings()
    except Exception:           # noqa: BLE001 - unreadable settings never stop the window
        log.warning("settings unreadable", exc_info=True)
        return None


def prefill_from_settings(header: dict, settings=None) -> dict:
    """单位名称 (into every template's unit field), 填报人 and 联系电话 from 设置, over what the
    most recent form suggested."""
    s = settings if settings is not None else _settings()
    if s is None:
        return header
    from core.form import all_templates
    unit = (s.unit_name or "").strip()
    if unit:
        for t in all_templates():
            if t.get("unit_field"):
                header[t["unit_field"]] = unit
    for key, value in (("填报人", s.filler), ("联系电话", s.phone)):
        if (value or "").strip():
            header[key] = value.strip()
    return header


def default_template(settings=None) -> str | None:
    s = settings if settings is not None else _settings()
    return s.default_template if s is not None else None


def select_default_template(dialog) -> None:
    """NewFormDialog starts on 设置's 默认模板."""
    tid = default_template()
    i = dialog.template_box.findData(tid) if tid else -1
    if i >= 0:
        dialog.template_box.setCurrentIndex(i)


def settings_action(window: QWidget) -> QAction:
    a = QAction("设置…", window)
    a.setToolTip("单位名称、填报人、联系电话（自动填入新表）、默认导出文件夹、默认模板")
    a.setStatusTip(a.toolTip())
    a.triggered.connect(lambda: show_settings(window))
    return a


def show_settings(window: QWidget) -> int:
    from .settings import SettingsDialog
    return SettingsDialog(window).exec()


# ---------------------------------------------------------------------------------------------
# Help

def current_profile_id(window) -> str | None:
    """The scoring profile of the form being edited (None on the list)."""
    ed = window.current_editor() if hasattr(window, "current_editor") else None
    if ed is None:
        return None
    try:
        return ed.session.scores.profile.id
    except Exception:           # noqa: BLE001
        return ed.session.form.profile_id


def add_help_menu(window: QMainWindow) -> None:
    from .help import help_action, show_about
    window.act_help = help_action(window, lambda: current_profile_id(window),
                                  store_path=getattr(window.store, "path", None))
    window.act_help.setToolTip("使用说明：怎样填写、怎样计分、文件在哪里（F1）")
    window.act_about = QAction("关于", window)
    window.act_about.triggered.connect(lambda: show_about(window))
    m = window.menuBar().addMenu("帮助(&H)")
    m.addAction(window.act_help)
    m.addSeparator()
    m.addAction(window.act_about)


# ---------------------------------------------------------------------------------------------
# A read-only store

_MAIN_EDITING = ("act_new", "act_next_year", "act_delete", "act_restore", "act_purge", "act_import")
_EDITOR_EDITING = ("act_insert_row", "act_remove_row", "act_row_up", "act_row_down", "act_add_goal",
                   "act_remove_goal", "act_paste", "act_clear", "act_undo", "act_redo")


def is_readonly(window) -> bool:
    return bool(getattr(getattr(window, "store", None), "readonly", False))


def apply_readonly(window) -> None:
    """A store opened read-only (another window has it): the actions that would change it are
    disabled, in the window and in every open editor.  Called after each _update_actions."""
    if not is_readonly(window):
        return
    for name in _MAIN_EDITING:
        a = getattr(window, name, None)
        if a is not None:
            a.setEnabled(False)
    for ed in list(getattr(window, "editors", {}).values()):
        for name in _EDITOR_EDITING:
            a = getattr(ed, name, None)
            if a is not None:
                a.setEnabled(False)


# ---------------------------------------------------------------------------------------------
# The window's size and place

def _fits_a_screen(rect: QRect) -> bool:
    """At least a usable piece of the window (its title bar area) is on some screen."""
    probe = QRect(rect.x(), rect.y(), max(1, rect.width()), min(40, max(1, rect.height())))
    for screen in QGuiApplication.screens():
        inter = screen.availableGeometry().intersected(probe)
        if inter.width() >= min(200, rect.width()) and inter.height() >= 1:
            return True
    return False


def fit_to_screen(window: QWidget) -> None:
    """The default size, but never larger than the primary screen; centred on it."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(*DEFAULT_SIZE)
        return
    avail = screen.availableGeometry()
    w = min(DEFAULT_SIZE[0], int(avail.width() * 0.95))
    h = min(DEFAULT_SIZE[1], int(avail.height() * 0.92))
    window.resize(w, h)
    window.move(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h) // 2)


def restore_window_state(window: QMainWindow, settings=None) -> bool:
    """Size, place, maximised, toolbars as the window was last closed.  A saved place on a screen
    that is gone (a second monitor, a projector) falls back to the primary screen."""
    s = settings if settings is not None else _settings()
    restored = False
    if s is not None:
        geo = s.qsettings.value(GEOMETRY_KEY)
        if isinstance(geo, (QByteArray, bytes, bytearray)) and len(geo):
            restored = window.restoreGeometry(QByteArray(geo))
        state = s.qsettings.value(STATE_KEY)
        if isinstance(state, (QByteArray, bytes, bytearray)) and len(state):
            window.restoreState(QByteArray(state))
    if not restored or not _fits_a_screen(window.frameGeometry()):
        fit_to_screen(window)
        return False
    return True


def save_window_state(window: QMainWindow, settings=None) -> bool:
    s = settings if settings is not None else _settings()
    if s is None:
        return False
    s.qsettings.setValue(GEOMETRY_KEY, window.saveGeometry())
    s.qsettings.setValue(STATE_KEY, window.saveState())
    return s.sync()


# ---------------------------------------------------------------------------------------------

def install(window: QMainWindow) -> None:
    """Called once at the end of MainWindow.__init__."""
    window.setWindowIcon(app_icon())
    add_help_menu(window)
    apply_readonly(window)
    restore_window_state(window)
