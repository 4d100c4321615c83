"""Starting the GUI: ``run_app(argv)`` (called by main.py).

    python main.py              the default store (the user's local data folder)
    python main.py --db FILE    another SQLite store
    python main.py FILE …       files dropped on ziping.exe or opened with it: a .db is the store,
                                .json and .xlsx files are imported into it once the window is up
                                (into the window already open on that store, if there is one)
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from core.store import (Store, StoreDamaged, StoreError, default_store_path, newest_good_backup,
                        recover_from_backup, set_aside)

from . import common
from .samples import load_samples  # noqa: F401 - part of this module's API (tests, driver)

log = logging.getLogger("ziping")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """``--db FILE`` and the files given (main.for_the_window): the first .db among them is the
    store when --db is not given; the forms and workbooks are ``args.imports``."""
    p = argparse.ArgumentParser(prog="main.py", add_help=False)
    p.add_argument("--db", default=None)
    p.add_argument("paths", nargs="*")
    args, _unknown = p.parse_known_args(argv)
    stores = [f for f in args.paths if f.lower().endswith(".db")]
    if args.db is None and stores:
        args.db = stores[0]
    args.other_stores = [f for f in stores if os.path.abspath(f) != os.path.abspath(args.db or "")]
    args.imports = [os.path.abspath(f) for f in args.paths if not f.lower().endswith(".db")]
    return args


def import_given(win, paths: list[str], other_stores: list[str] = ()) -> None:
    """Import the files given on the command line (or handed over by a later start) into the window."""
    from . import form_files
    if other_stores:
        common.show_info(win, "一次只能打开一个表单库，以下文件没有打开：\n" + "\n".join(other_stores), "打开表单库")
    if paths:
        form_files.import_paths(win, list(paths))


def _backup_time(backup: Path) -> str:
    """2024-03-05 09:30（第 12 份）, from the backup's own creation record."""
    from core.store import describe_backup
    return describe_backup(backup)


def open_store(path: Path, ask=True, readonly: bool = False) -> Store | None:
    """Open the store.  A damaged one is explained and left exactly where it is until the clerk
    chooses: 从备份恢复 (the damaged file is renamed aside, never deleted, and the newest good daily
    backup is copied into place with the SQLite backup API, see core.store.database.recover_from_backup),
    新建空表单库 when there is no backup, or 退出.  None when the clerk quits."""
    try:
        return Store(path, readonly=readonly)
    except StoreDamaged as exc:
        if not ask:
            raise
        log.warning("damaged store %s: %s", path, exc)
        if readonly or exc.foreign:
            # Read-only: nothing may be changed.  Another program's database: not ours to move.
            common.show_error(None, str(exc), "无法打开表单库")
            return None
        backup = newest_good_backup(path)
        if backup is not None:
            when = _backup_time(backup)
            if not common.ask_yes_no(
                    None, f"{exc}\n\n可以用最近的自动备份（{when}）恢复表单库。"
                    f"备份之后所做的修改不在备份中，需要重新填写。\n"
                    "损坏的文件会改名保留在原文件夹中，不会删除。\n\n要从备份恢复吗？",
                    "表单库已损坏", yes="从备份恢复", no="退出", default_yes=True):
                return None
            try:
                done = recover_from_backup(path, backup)
                store = Store(path)
            except StoreError as exc2:
                common.show_error(None, f"恢复未能完成。\n\n{exc2}", "表单库已损坏")
                return None
            kept = f"\n损坏的文件已改名保留：{done.moved_to}" if done.moved_to else ""
            common.show_info(None, f"已用 {when} 的备份恢复表单库，共 {store.count()} 张表。"
                             f"请检查备份之后的修改，需要时重新填写。{kept}", "已从备份恢复")
            return store
        if not common.ask_yes_no(None, f"{exc}\n\n没有找到可用的自动备份。要新建一个空的表单库吗？"
                                 "损坏的文件会改名保留在原文件夹中，不会删除。",
                                 "表单库已损坏", yes="新建空表单库", no="退出"):
            return None
        try:
            if path.exists():
                set_aside(path)
            return Store(path)
        except (OSError, StoreError) as exc2:
            common.show_error(None, f"无法新建表单库：{exc2}")
        return None
    except StoreError as exc:
        common.show_error(None, str(exc), "无法打开表单库")
        return None


def prepare_store(store: Store) -> None:
    """At start: the samples of a first start. (The day's check and backup run in the background
    after the window's first paint: ui.store_status.)"""
    try:
        load_samples(store)
    except StoreError as exc:
        log.warning("samples not loaded: %s", exc)


def take_lock(path: Path):
    """One window per store: a second start on the same store says so and stops.
    Returns (lock or None, go on?)."""
    try:
        from core.store import acquire_lock
    except ImportError:          # pragma: no cover - the lock module is optional
        return None, True
    try:
        lock = acquire_lock(path)
    except OSError as exc:
        log.warning("store lock not taken: %s", exc)
        return None, True
    if lock is None:
        common.show_info(None, "这个表单库已经在另一个窗口中打开了，请切换到那个窗口继续填写。\n\n"
                         f"表单库：{path}", "已经打开")
        return None, False
    return lock, True


LOCATION_WARNED_KEY = "warnings/location_warned"


def warn_about_location(parent, path: Path, settings=None) -> str:
    """Once per store path: a store in a synced folder (OneDrive, WPS云盘, 坚果云, 百度网盘) or on a
    network path is said to be at risk, with what to do.  Returns the warning shown ('' if none)."""
    from core.store import location_warning
    message = location_warning(str(path))
    if not message:
        return ""
    try:
        if settings is None:
            from .settings import Settings
            settings = Settings()
        warned = str(settings.qsettings.value(LOCATION_WARNED_KEY, "") or "")
    except Exception:                # noqa: BLE001 - unreadable settings: warn (again)
        log.warning("settings unreadable", exc_info=True)
        settings, warned = None, ""
    if warned and warned.casefold() == str(path).casefold():
        return ""
    log.warning("store in a synced folder or on a network path: %s", path)
    common.show_warning(parent, message, "表单库的位置")
    if settings is not None:
        settings.qsettings.setValue(LOCATION_WARNED_KEY, str(path))
        settings.sync()
    return message


def make_app(argv0: str = "ziping"):
    from PySide6.QtWidgets import QApplication

    from . import wiring
    app = QApplication.instance()
    if app is None:
        wiring.before_app()          # high-DPI rounding policy: only before the QApplication
        app = QApplication([argv0])
    app.setApplicationName("ziping")
    app.setApplicationDisplayName(common.APP_TITLE)
    app.setStyle("Fusion")
    common.apply_light_theme(app)    # readable under Windows' dark 应用模式 too
    common.install_app_font(app)
    wiring.install_translator(app)   # qtbase_zh_CN: QFileDialog and standard buttons in Chinese
    app.setWindowIcon(wiring.app_icon())
    return app


def run_app(argv: list[str]) -> int:
    args = parse_args(list(argv))
    path = Path(args.db).expanduser() if args.db else default_store_path()
    app = make_app(sys.argv[0] if sys.argv else "ziping")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        log_file = str(path.parent / "ziping.log")
    except OSError:
        log_file = None
    common.setup_logging(log_file)
    common.route_lost_streams()      # the windowed exe: what is printed goes to the log
    common.enable_faulthandler(log_file)
    common.install_qt_message_handler()
    common.install_excepthook(log_file)
    readonly = False
    lock = inst = None
    try:
        from .single_instance import ensure_single
    except ImportError:          # pragma: no cover - fall back to the bare lock
        ensure_single = None
    if ensure_single is not None:
        inst = ensure_single(path, files=args.imports)
        if inst is None:         # another window on this store came forward, or the user quit
            return 0
        readonly = inst.readonly
    else:
        lock, ok = take_lock(path)
        if not ok:
            return 1
    store = open_store(path, readonly=readonly)
    if store is None:
        return 1
    if not readonly and inst is not None and inst.lock is not None and not inst.lock.bind(path):
        store.close()            # the same file is open for writing under another name (a link)
        common.show_info(None, "这个表单库文件已经在另一个窗口中打开（通过另一个路径或链接），"
                         f"这个窗口只能以只读方式打开它。\n\n表单库：{path}", "已经打开")
        store = open_store(path, readonly=True)
        if store is None:
            return 1
        readonly = True
    if not readonly:
        prepare_store(store)
    from . import store_status
    from .main_window import MainWindow
    win = MainWindow(store)
    store_status.install(win, store)        # the day's check and backup after the first paint
    win.show()
    from PySide6.QtCore import QTimer
    QTimer.singleShot(0, lambda: warn_about_location(win, path))
    if inst is not None:            # files a later start (a drop on ziping.exe) hands to this window
        inst.filesRequested.connect(lambda _files: import_given(win, inst.take_pending_files()))
    early = inst.take_pending_files() if inst is not None else []     # handed over while starting
    if args.imports or args.other_stores or early:
        QTimer.singleShot(0, lambda: import_given(win, args.imports + early, args.other_stores))
    try:
        return app.exec()
    finally:
        from .clipboard import release_before_exit
        release_before_exit()
        store.close()
        if lock is not None:
            lock.release()


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(run_app(sys.argv[1:]))
