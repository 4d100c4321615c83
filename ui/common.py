"""Small shared pieces of the GUI: the bundled font, colours and the light palette, plain
Chinese message boxes, and where the program's own troubles are written (the log: Python
errors, native crashes through faulthandler, Qt's warnings, anything printed to a stream the
windowed exe does not have)."""
from __future__ import annotations

import atexit
import faulthandler
import logging
import logging.handlers
import os
import sys
import time
import traceback
from pathlib import Path

from PySide6.QtCore import Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QMessageBox, QWidget

from core.files import font_path

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

COLOR_TEXT = QColor("#000000")

# The one palette of the program, whatever Windows' 应用模式 (light or dark) says: the sheet is
# paper (white cells, grey labels) and every colour on it was chosen for dark text, so the
# widgets around it are light too.  Every role of every group is set, so nothing falls back to
# a dark system colour (Qt 6.5+ follows Windows' dark setting with Fusion).
_LIGHT = {
    QPalette.ColorRole.Window: "#f0f0f0",
    QPalette.ColorRole.WindowText: "#1a1a1a",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f5f7fa",
    QPalette.ColorRole.ToolTipBase: "#ffffe1",
    QPalette.ColorRole.ToolTipText: "#000000",
    QPalette.ColorRole.PlaceholderText: "#6e6e6e",
    QPalette.ColorRole.Text: "#000000",
    QPalette.ColorRole.Button: "#f0f0f0",
    QPalette.ColorRole.ButtonText: "#1a1a1a",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Light: "#ffffff",
    QPalette.ColorRole.Midlight: "#e3e3e3",
    QPalette.ColorRole.Mid: "#b4b4b4",
    QPalette.ColorRole.Dark: "#a0a0a0",
    QPalette.ColorRole.Shadow: "#696969",
    QPalette.ColorRole.Highlight: "#2b65b8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#0b57d0",
    QPalette.ColorRole.LinkVisited: "#6a1b9a",
}
_LIGHT_DISABLED = {
    QPalette.ColorRole.WindowText: "#7a7a7a",
    QPalette.ColorRole.Text: "#7a7a7a",
    QPalette.ColorRole.ButtonText: "#7a7a7a",
    QPalette.ColorRole.Base: "#f5f5f5",
    QPalette.ColorRole.Highlight: "#c8c8c8",
    QPalette.ColorRole.HighlightedText: "#1a1a1a",
}


_THEMED_CLASSES = ("QMenu", "QMenuBar", "QToolTip", "QHeaderView", "QAbstractItemView", "QLineEdit",
                   "QTextEdit", "QPlainTextEdit", "QComboBox", "QAbstractButton", "QTabBar",
                   "QMessageBox", "QLabel", "QStatusBar", "QToolBar")


def light_palette() -> QPalette:
    pal = QPalette()
    groups = (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled)
    for role, color in _LIGHT.items():
        for group in groups:
            pal.setColor(group, role, QColor(color))
    if hasattr(QPalette.ColorRole, "Accent"):
        for group in groups:
            pal.setColor(group, QPalette.ColorRole.Accent, QColor(_LIGHT[QPalette.ColorRole.Highlight]))
    for role, color in _LIGHT_DISABLED.items():
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(color))
    return pal


def apply_light_theme(app) -> None:
    """Ask Qt for the light scheme (Qt 6.8+: also the title bar) and set the light palette."""
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "setColorScheme"):
        try:
            hints.setColorScheme(Qt.ColorScheme.Light)
        except Exception:            # noqa: BLE001 - an older Qt: the palette alone does it
            log.debug("colour scheme not set", exc_info=True)
    pal = light_palette()
    app.setPalette(pal)
    # The platform theme may give some classes palettes of their own (Windows: menus, tooltips);
    # they get the light one too, so no dark piece is left between light ones.
    for cls in _THEMED_CLASSES:
        app.setPalette(pal, cls)
    from PySide6.QtWidgets import QToolTip
    QToolTip.setPalette(pal)


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


def show_warning(parent: QWidget | None, message: str, title: str = APP_TITLE) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.button(QMessageBox.StandardButton.Ok).setText("知道了")
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


LOG_MAX_BYTES = 1024 * 1024      # the main log is rotated at 1 MB …
LOG_BACKUPS = 3                  # … keeping ziping.log.1 … ziping.log.3
CRASH_DIRNAME = "crash"          # one file per start for faulthandler, beside the log
CRASH_KEEP = 10                  # crash records kept (the newest)


class _RotatingLog(logging.handlers.RotatingFileHandler):
    """The main log, rotated at LOG_MAX_BYTES.  Several windows may share it (stores in one folder,
    a read-only second window): on Windows the log cannot be renamed while another process has it
    open, so the rotation first moves the log aside and, when that is refused, leaves everything as
    it is and goes on appending (trying again a minute later) — the old logs are shifted only once
    the current one is safely aside.  A record that cannot be written is said once on the real
    stderr when there is one, never through sys.stderr, which the windowed exe routes into this log."""

    RETRY_SECONDS = 60.0
    _held_until = 0.0
    _complained = False

    def shouldRollover(self, record) -> bool:     # noqa: N802 - logging's name
        if time.monotonic() < self._held_until:
            return False
        return bool(super().shouldRollover(record))

    def doRollover(self) -> None:                 # noqa: N802 - logging's name
        if self.stream:
            self.stream.close()
            self.stream = None
        aside = f"{self.baseFilename}.{os.getpid()}.rotating"
        try:
            os.replace(self.baseFilename, aside)
        except OSError:                           # held by another window: keep appending for now
            self._held_until = time.monotonic() + self.RETRY_SECONDS
            self.stream = self._open()
            return
        try:
            for i in range(self.backupCount - 1, 0, -1):
                src, dst = f"{self.baseFilename}.{i}", f"{self.baseFilename}.{i + 1}"
                if os.path.exists(src):
                    os.replace(src, dst)
            os.replace(aside, f"{self.baseFilename}.1")
        except OSError:
            pass                                  # the log stays aside under its .rotating name
        self.stream = self._open()

    def handleError(self, record) -> None:        # noqa: N802 - logging's name
        err = sys.__stderr__
        if err is not None and not self._complained:
            self._complained = True
            try:
                err.write(f"ziping: 日志无法写入 {self.baseFilename}\n")
            except (OSError, ValueError):
                pass


def setup_logging(log_file: str | None) -> None:
    if not log_file:
        return
    try:
        handler = _RotatingLog(log_file, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8",
                               delay=False)
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


_fault_file = None          # kept open for the life of the program: faulthandler writes to it
crash_file_path: Path | None = None


def crash_dir(log_file: str) -> Path:
    return Path(log_file).parent / CRASH_DIRNAME


def _crash_records(folder: Path) -> list[Path]:
    try:
        return sorted(folder.glob("ziping-crash-*.log"), key=lambda p: p.name)
    except OSError:
        return []


def enable_faulthandler(log_file: str | None) -> bool:
    """A native crash (in Qt, SQLite, a font library) writes the Python stacks into a crash record
    of this start (``crash/ziping-crash-<date>-<time>-<pid>.log`` beside the log), which the windowed
    exe's missing stderr would lose.  At a clean exit the record is removed: what faulthandler wrote
    then was no crash (on Windows it also reports exceptions the program handled, such as a COM call
    refused during input, as "Windows fatal exception"), and the main log says so in one line.
    Records left by earlier starts are crashes: the main log names them; the newest ten are kept."""
    global _fault_file, crash_file_path
    if not log_file:
        return False
    folder = crash_dir(log_file)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        earlier = []
        for record in _crash_records(folder):
            if _running(record):                  # another window's own record, still running
                continue
            try:
                if record.stat().st_size == 0:    # ended without a word (killed, shut down): nothing to keep
                    record.unlink()
                else:
                    earlier.append(record)
            except OSError:
                pass
        for old in earlier[:-CRASH_KEEP + 1]:
            try:
                old.unlink()
            except OSError:
                pass
        earlier = earlier[-CRASH_KEEP + 1:]
        if earlier:
            log.warning("上次运行异常结束，崩溃记录：%s", ", ".join(str(p) for p in earlier[-3:]))
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = folder / f"ziping-crash-{stamp}-{os.getpid()}.log"
        fh = open(path, "w", encoding="utf-8")       # noqa: SIM115 - must stay open
        faulthandler.enable(file=fh, all_threads=True)
    except (OSError, ValueError, RuntimeError):
        log.warning("faulthandler not enabled", exc_info=True)
        return False
    if _fault_file is not None and _fault_file is not fh:
        try:
            _fault_file.close()
        except OSError:
            pass
    _fault_file, crash_file_path = fh, path
    atexit.register(_clean_exit, fh, path)
    return True


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        try:
            import ctypes
            kernel32 = ctypes.windll.kernel32
            handle = kernel32.OpenProcess(0x00100000, False, pid)       # SYNCHRONIZE
            if not handle:
                return False
            try:
                return kernel32.WaitForSingleObject(handle, 0) == 0x102   # WAIT_TIMEOUT: still running
            finally:
                kernel32.CloseHandle(handle)
        except Exception:         # noqa: BLE001 - unknown: treat as running, keep the record
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:               # it exists but is someone else's
        return True
    return True


def _running(record: Path) -> bool:
    """The start that writes ``ziping-crash-<date>-<time>-<pid>.log`` is still running."""
    try:
        pid = int(record.stem.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return False
    return pid != os.getpid() and _pid_alive(pid)


def _clean_exit(fh, path: Path) -> None:
    """The program ends normally: this start's crash record holds no crash."""
    try:
        if faulthandler.is_enabled() and _fault_file is fh:
            faulthandler.disable()
        fh.close()
        size = path.stat().st_size
        if size:
            log.info("正常退出；Windows 报告的 %d 字节异常信息是程序已处理的，不是崩溃。", size)
        path.unlink()
    except (OSError, ValueError):
        pass


class LogStream:
    """A text stream that writes lines to the log (for a windowed exe's missing stdout/stderr)."""

    def __init__(self, level: int):
        self.level = level
        self._buf = ""
        self.encoding = "utf-8"
        self.errors = "replace"

    def write(self, text) -> int:
        text = str(text)
        self._buf += text
        while "\n" in self._buf:
            line, self._buf = self._buf.split("\n", 1)
            if line.strip():
                log.log(self.level, "%s", line.rstrip())
        return len(text)

    def flush(self) -> None:
        if self._buf.strip():
            log.log(self.level, "%s", self._buf.rstrip())
        self._buf = ""

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


def route_lost_streams() -> None:
    """The windowed exe has no stdout/stderr (both None): what anything prints there — a warning
    at start-up, a library's message — goes to the log instead of raising or vanishing."""
    if sys.stderr is None:
        sys.stderr = LogStream(logging.WARNING)
    if sys.stdout is None:
        sys.stdout = LogStream(logging.INFO)


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def install_qt_message_handler() -> None:
    """Qt's own warnings (a font not found, a platform plugin) go to the log."""
    def handler(mode, context, message):
        log.log(_QT_LEVELS.get(mode, logging.WARNING), "Qt: %s", message)
    qInstallMessageHandler(handler)


def dialog_buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    """The OK / 取消 buttons of a dialog, in Chinese, wired to accept and reject."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
