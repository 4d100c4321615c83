"""The store's health at the window: the day's check and backup in the background, what went
wrong with them, and a store file lost underneath the running app.

    status = StoreStatus(window, store)      # once, after the window is built (see install())
    status.start_after_first_paint()         # the day's quick_check and backup, in a thread

* The whole-file check (once a day) and the daily backup run in a background thread after the
  window's first paint, through their own SQLite connection (WAL: edits go on meanwhile).
* A failing backup shows in the status bar (a permanent red note) and once a day as a message
  with what to do; a clock earlier than the backups is said the same way.
* When the store's file is replaced, truncated, removed or damaged underneath the app
  (core.store.guard), the store accepts no more writes; the window says so once and offers
  “另存为新的表单库…”, which saves what the store can still read plus every open form as it is in
  memory to a new file.
* `backup_rows(store)` gives 设置 its rows: the backup folder and the last good backup.
"""
from __future__ import annotations

import datetime as _dt
import logging
import threading
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from core.store import (BACKUP_LAST_KEY, StoreError, StoreLost, backup_infos, daily_backup, default_backup_dir,
                        describe_backup, local_now)

from . import common

log = logging.getLogger("ziping")

__all__ = ["StoreStatus", "install", "backup_rows", "last_good_backup_text"]

WARNED_KEY = "backup_warned"         # meta: the day a backup problem was last told in a message
JOIN_SECONDS = 15.0                  # at quit, wait this long for a backup under way


def _today() -> str:
    return local_now().date().isoformat()


def last_good_backup_text(store) -> str:
    """"2024-03-05 09:30（第 12 份）：D:\\…\\ziping-000012-….db", or "还没有"."""
    try:
        last = store.get_meta(BACKUP_LAST_KEY)
    except StoreError:
        last = None
    path = Path(last["path"]) if isinstance(last, dict) and last.get("path") else None
    if path is None or not path.is_file():
        infos = backup_infos(store.path)
        path = infos[0].path if infos else None
    if path is None:
        return "还没有"
    return f"{describe_backup(path)}：{path}"


def backup_rows(store) -> list[tuple[str, QWidget]]:
    """Rows for 设置: the backup folder and the last good backup (selectable text)."""
    rows = []
    for label, text in (("备份文件夹：", str(default_backup_dir(store.path))),
                        ("最近一次成功的备份：", last_good_backup_text(store))):
        widget = QLabel(text)
        widget.setWordWrap(True)
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rows.append((label, widget))
    return rows


class StoreStatus(QObject):
    """Ties a store's background upkeep and its loss to a main window."""

    upkeepDone = Signal(object)      # dict, from the worker thread (queued to the window's thread)
    lost = Signal(object)            # StoreLost, from whichever thread wrote

    def __init__(self, window, store):
        super().__init__(window)
        self.window = window
        self.store = store
        self.thread: threading.Thread | None = None
        self.result: dict | None = None
        self.told_lost = False
        self.note = QLabel("")
        self.note.setOpenExternalLinks(False)
        self.note.linkActivated.connect(lambda _link: self.save_to_new_store())
        self.note.hide()
        window.statusBar().addPermanentWidget(self.note)
        self.upkeepDone.connect(self._on_upkeep)
        self.lost.connect(self._on_lost)
        store.on_lost.append(self.lost.emit)
        self._painted = False
        from PySide6.QtWidgets import QApplication
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.wait)

    # -- the day's check and backup --------------------------------------------------------

    def start_after_first_paint(self) -> None:
        """Start the upkeep once the window has been painted (never before: start-up stays fast)."""
        if self.window.isVisible() and self._painted:
            self.start()
            return
        self.window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:      # noqa: N802 (Qt)
        if obj is self.window and event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            self.window.removeEventFilter(self)
            QTimer.singleShot(0, self.start)
        return False

    def start(self) -> None:
        if self.thread is not None or self.store.readonly or self.store.conn is None:
            return
        self.thread = threading.Thread(target=self._work, name="ziping-upkeep", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        result: dict = {}
        reader = None
        try:
            reader = self.store.reader()
            result["check"] = self.store.daily_check(reader)
            if result["check"] is not False:
                result["outcome"] = daily_backup(self.store, source=reader)
        except StoreError as exc:
            result["error"] = str(exc)
        except Exception:           # noqa: BLE001 - told as one Chinese line, details in the log
            log.exception("background backup")
            result["error"] = "自动备份未能完成：程序遇到了意外的问题（详情已记入日志）。"
        finally:
            if reader is not None:
                reader.close()
        self.result = result
        self.upkeepDone.emit(result)

    def wait(self, timeout: float = JOIN_SECONDS) -> None:
        """Let a backup under way finish (at quit)."""
        if self.thread is not None:
            self.thread.join(timeout)

    def _on_upkeep(self, result: dict) -> None:
        bar = self.window.statusBar()
        folder = default_backup_dir(self.store.path)
        if result.get("check") is False:
            self._show_note("表单库文件检查发现损坏")
            common.show_error(
                self.window,
                "今天的表单库检查发现文件已经损坏。\n请先把正在填写的表导出保存，然后关闭程序再重新打开："
                "程序会再次检查，并提供从备份恢复。\n"
                f"表单库：{self.store.path}", "表单库已损坏")
            return
        error = result.get("error")
        if error:
            log.warning("daily backup failed: %s", error)
            self._show_note("自动备份未能完成", tip=error)
            self._tell_once(
                f"{error}\n\n已有的备份没有改动，表单库本身也没有问题，可以继续填写。\n"
                "请检查备份文件夹是否存在、能否写入、磁盘是否已满；程序下次启动时会再试。\n"
                f"备份文件夹：{folder}\n（“设置”中可以看到备份文件夹和最近一次成功的备份。）",
                "自动备份未能完成")
            return
        outcome = result.get("outcome")
        if outcome is None:
            return
        if outcome.clock_behind is not None:
            now = local_now().strftime("%Y-%m-%d %H:%M")
            latest = outcome.clock_behind.strftime("%Y-%m-%d %H:%M")
            self._show_note("电脑时钟可能不准")
            self._tell_once(
                f"这台电脑现在的日期和时间是 {now}，比已有的备份（{latest}）还早，电脑的时钟可能不准"
                "（例如主板电池没电）。\n请在 Windows 的“设置 → 时间和语言 → 日期和时间”中改正。\n"
                "备份按先后顺序编号保存，不受时钟影响，最新的备份不会被删除。", "电脑时钟可能不准")
        elif outcome.made is not None:
            bar.showMessage(f"已自动备份：{describe_backup(outcome.made)}", 8000)

    def _tell_once(self, message: str, title: str) -> None:
        """A message box at most once a day for backup problems (the status bar says it always)."""
        today = _today()
        try:
            if self.store.get_meta(WARNED_KEY) == today:
                return
            self.store.set_meta(WARNED_KEY, today)
        except StoreError:
            pass
        common.show_info(self.window, message, title)

    def _show_note(self, text: str, link: bool = False, tip: str = "") -> None:
        shown = f'<a href="save" style="color:#b00020">{text}</a>' if link else text
        self.note.setText(shown)
        self.note.setStyleSheet("color: #b00020; font-weight: bold; padding: 0 6px;")
        self.note.setToolTip(tip or ("点击“另存为新的表单库…”" if link else ""))
        self.note.show()

    # -- the store lost underneath us --------------------------------------------------------

    def _on_lost(self, exc: StoreLost) -> None:
        self._show_note("表单库文件已失效，修改不能保存 —— 另存为新的表单库…", link=True)
        for ed in list(getattr(self.window, "editors", {}).values()):
            model = getattr(ed, "model", None)
            if model is not None:           # the open forms take no more typing (kept as they are)
                model.readonly = True
        if self.told_lost:
            return
        self.told_lost = True
        # Asked once the failed save has unwound (the editor says its own word about that edit
        # first); never a modal question from inside the store's write.
        QTimer.singleShot(0, lambda: self._offer_new_store(exc))

    def _offer_new_store(self, exc: StoreLost) -> None:
        if common.ask_yes_no(self.window, f"{exc}\n\n现在就把它们另存为新的表单库吗？",
                             "表单库文件已失效", yes="另存为新的表单库…", no="稍后", default_yes=True):
            QTimer.singleShot(0, self.save_to_new_store)

    def open_forms(self) -> dict[int, tuple[dict, dict]]:
        """Every open editor's form as it is in memory: {form id: (form, summary)}."""
        from core.editing import form_summary
        forms = {}
        for form_id, ed in list(getattr(self.window, "editors", {}).items()):
            try:
                forms[form_id] = (ed.session.form.data, form_summary(ed.session.form))
            except Exception:       # noqa: BLE001 - one broken editor never stops the rest
                log.exception("open form %s not saved", form_id)
        return forms

    def save_to_new_store(self, dest: str | None = None) -> Path | None:
        if dest is None:
            stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            start = str(self.store.path.with_name(f"{self.store.path.stem}-另存-{stamp}.db"))
            dest, _ = QFileDialog.getSaveFileName(self.window, "另存为新的表单库", start, "表单库 (*.db)")
            if not dest:
                return None
        try:
            n = self.store.salvage_to(dest, self.open_forms())
        except StoreError as exc:
            common.show_error(self.window, f"未能另存为新的表单库。\n\n{exc}")
            return None
        common.show_info(
            self.window,
            f"已把 {n} 张表（包括窗口中打开的表的当前内容）保存到新的表单库：\n{dest}\n\n"
            "请关闭程序。要继续使用这个新的表单库，可以把它改名为原来的文件名放回原处，"
            "或者启动程序时用“--db 文件名”打开它。", "已另存为新的表单库")
        return Path(dest)


def install(window, store, start: bool = True) -> StoreStatus:
    """Attach the store's status to the main window; start the day's upkeep after the first paint."""
    status = StoreStatus(window, store)
    window.store_status = status
    if start:
        status.start_after_first_paint()
    return status
