"""Small shared pieces of the GUI: the bundled font, colours, plain Chinese message boxes."""
from __future__ import annotations

import logging
import sys
import traceback

from PySide6.QtGui import QColor, QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QMessageBox, QWidget

from core.resources import font_path

log = logging.getLogger("ziping")

APP_TITLE = "绩效自评填报"
FONT_POINT_SIZE = 10

# Cell colours (paper-like: white inputs, grey labels, light blue computed values).
COLOR_INPUT = QColor("#ffffff")
COLOR_LABEL = QColor("#f2f2f2")
COLOR_HEADER = QColor("#e9e9e9")
COLOR_COMPUTED = QColor("#e6f0fb")
COLOR_ERROR = QColor("#ffd9d9")
COLOR_WARNING = QColor("#fff1c7")
COLOR_BORDER = QColor("#6e6e6e")
COLOR_ERROR_BORDER = QColor("#d32f2f")
COLOR_WARNING_BORDER = QColor("#e09b00")
COLOR_LABEL_TEXT = QColor("#333333")

_font_family: str | None = None


def install_app_font(app: QApplication | None = None) -> str | None:
    """Load the bundled Noto Serif SC and make it the application font, so Chinese renders the
    same on every machine (and under Xvfb / offscreen, where no CJK font is installed)."""
    global _font_family
    app = app or QApplication.instance()
    if _font_family is None:
        fid = QFontDatabase.addApplicationFont(str(font_path()))
        families = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
        _font_family = families[0] if families else None
        if _font_family is None:
            log.warning("bundled font could not be loaded: %s", font_path())
    if app is not None and _font_family:
        font = QFont(_font_family, FONT_POINT_SIZE)
        font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
        app.setFont(font)
    return _font_family


def show_error(parent: QWidget | None, message: str, title: str = "出错了") -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.button(QMessageBox.StandardButton.Ok).setText("确定")
    box.exec()


def show_info(parent: QWidget | None, message: str, title: str = APP_TITLE) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, title, message, QMessageBox.StandardButton.Ok, parent)
    box.button(QMessageBox.StandardButton.Ok).setText("确定")
    box.exec()


def ask_yes_no(parent: QWidget | None, message: str, title: str = APP_TITLE,
               yes: str = "是", no: str = "否", default_yes: bool = False) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, message,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.button(QMessageBox.StandardButton.Yes).setText(yes)
    box.button(QMessageBox.StandardButton.No).setText(no)
    box.setDefaultButton(QMessageBox.StandardButton.Yes if default_yes else QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def install_excepthook(log_file: str | None = None) -> None:
    """An unexpected error is logged (with its traceback, to the log file) and shown to the user as
    one plain Chinese message — never a traceback in a dialog."""
    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        from core.store import StoreError
        if isinstance(exc, StoreError):
            message = str(exc)
        else:
            message = "程序遇到了一个意外问题，刚才的操作可能没有完成。已经保存的内容不受影响。"
            if log_file:
                message += f"\n\n问题的详细记录已写入：{log_file}"
        try:
            if QApplication.instance() is not None:
                show_error(QApplication.activeWindow(), message, "意外错误")
        except Exception:  # pragma: no cover - never let the hook itself fail
            pass
    sys.excepthook = hook


def setup_logging(log_file: str | None) -> None:
    if not log_file:
        return
    try:
        handler = logging.FileHandler(log_file, encoding="utf-8")
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def dialog_buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    """The OK / 取消 buttons of a dialog, in Chinese, wired to accept and reject."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
