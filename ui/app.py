"""Starting the GUI: ``run_app(argv)`` (called by main.py).

    python main.py              the default store (the user's local data folder)
    python main.py --db FILE    another SQLite store
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from pathlib import Path

from core.model import FormError, load
from core.paths import default_store_path
from core.resources import resource
from core.session import form_summary, newest_backup
from core.store import Store, StoreDamaged, StoreError, set_aside

from . import common

log = logging.getLogger("ziping")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="main.py", add_help=False)
    p.add_argument("--db", default=None)
    args, _unknown = p.parse_known_args(argv)
    return args


def load_samples(store: Store) -> int:
    """First start of an empty store: put the shipped sample forms into it, so a new user sees
    real forms.  Returns how many were added (0 when done before or the store has forms)."""
    if store.get_meta("samples_loaded"):
        return 0
    if store.count() or store.count(deleted=True):
        store.set_meta("samples_loaded", True)
        return 0
    n = 0
    with store.transaction():
        for path in sorted(Path(resource("samples")).glob("*.json")):
            try:
                form = load(path)
            except FormError as exc:
                log.warning("sample %s skipped: %s", path.name, exc)
                continue
            store.create(form.data, form_summary(form))
            n += 1
        store.set_meta("samples_loaded", True)
    return n


def open_store(path: Path, ask=True, readonly: bool = False) -> Store | None:
    """Open the store; a damaged one is set aside and, if the user agrees, replaced by its newest
    daily backup (or by a new empty store).  None when the user gives up."""
    try:
        return Store(path, readonly=readonly)
    except StoreDamaged as exc:
        if readonly:
            common.show_error(None, str(exc), "表单库已损坏")
            return None
        backup = newest_backup(path)
        if not ask:
            raise
        if backup is not None:
            stamp = backup.stem.rsplit("-", 2)
            when = f"{stamp[-2][:4]}-{stamp[-2][4:6]}-{stamp[-2][6:]} {stamp[-1][:2]}:{stamp[-1][2:4]}" if len(stamp) >= 3 else backup.name
            if common.ask_yes_no(None, f"{exc}\n\n要用最近的自动备份（{when}）恢复表单库吗？\n"
                                 "损坏的文件会改名保留，不会删除。", "表单库已损坏",
                                 yes="用备份恢复", no="不恢复", default_yes=True):
                try:
                    if path.exists():
                        set_aside(path)
                    shutil.copy2(backup, path)
                    return Store(path)
                except (OSError, StoreError) as exc2:
                    common.show_error(None, f"恢复未能完成：{exc2}")
                    return None
        if common.ask_yes_no(None, f"{exc}\n\n要新建一个空的表单库吗？损坏的文件会改名保留，不会删除。",
                             "表单库已损坏", yes="新建", no="退出"):
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
    """At start: the daily backup, then the samples of a first start."""
    try:
        store.daily_backup()
    except StoreError as exc:
        log.warning("daily backup failed: %s", exc)
    try:
        load_samples(store)
    except StoreError as exc:
        log.warning("samples not loaded: %s", exc)


def take_lock(path: Path):
    """One window per store: a second start on the same store says so and stops.
    Returns (lock or None, go on?)."""
    try:
        from core import instance
    except ImportError:          # pragma: no cover - the lock module is optional
        return None, True
    try:
        lock = instance.acquire(path)
    except OSError as exc:
        log.warning("store lock not taken: %s", exc)
        return None, True
    if lock is None:
        common.show_info(None, "这个表单库已经在另一个窗口中打开了，请切换到那个窗口继续填写。\n\n"
                         f"表单库：{path}", "已经打开")
        return None, False
    return lock, True


def make_app(argv0: str = "ziping"):
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        app = QApplication([argv0])
    app.setApplicationName("ziping")
    app.setApplicationDisplayName(common.APP_TITLE)
    app.setStyle("Fusion")
    common.install_app_font(app)
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
    common.install_excepthook(log_file)
    readonly = False
    lock = None
    try:
        from .single_instance import ensure_single
    except ImportError:          # pragma: no cover - fall back to the bare lock
        ensure_single = None
    if ensure_single is not None:
        inst = ensure_single(path)
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
    if not readonly:
        prepare_store(store)
    from .main_window import MainWindow
    win = MainWindow(store)
    win.show()
    try:
        return app.exec()
    finally:
        store.close()
        if lock is not None:
            lock.release()


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(run_app(sys.argv[1:]))
