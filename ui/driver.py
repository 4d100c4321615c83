"""A scripted run of the real app, for crash tests, benchmarks and screenshots.

    python -m ui.driver --db FILE [--form ID] [--screenshot OUT.png] [--size 1600x1000]

Opens the store (loading the samples into an empty one, as the app does), opens a form (the first
of the list, or ``--form``) in an editor tab of the main window, and then reads commands from stdin,
one a line, answering each on stdout:

    set KEY VALUE     type VALUE into the cell of form path KEY, key by key, and press Enter
                      (Ctrl+Enter in a long-text cell) -> "ok N" once the edit is saved
    undo | redo       -> "ok N"
    get KEY           -> "value <json>"
    quit

N counts the acknowledged edits.  Every "ok" is printed only after the store's save returned
(committed and synced), so a kill after it must never lose that edit.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _type(widget, text: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    for ch in text:
        if ch == "\n":
            QTest.keyClick(widget, Qt.Key.Key_Return)
        elif ch.isascii() and ch.isprintable():
            QTest.keyClicks(widget, ch)
        else:   # QTest.keyClicks aborts on non-ASCII text: one key event per character
            QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, ch, Qt.KeyboardModifier.NoModifier)


def type_into(editor_widget, key: str, value: str) -> bool:
    """Type a value into a cell through the real editor, then commit it with the keyboard."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from .editor import TextEditor
    ed = editor_widget.open_editor(key)
    if ed is None:
        return False
    ed.selectAll()
    if ed.text():
        QTest.keyClick(ed, Qt.Key.Key_Delete)
    _type(ed, value)
    if isinstance(ed, TextEditor):
        QTest.keyClick(ed, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    else:
        QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()
    return True


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    p = argparse.ArgumentParser(prog="python -m ui.driver")
    p.add_argument("--db", required=True)
    p.add_argument("--form", type=int, default=None)
    p.add_argument("--screenshot", default=None)
    p.add_argument("--size", default="1600x1000")
    p.add_argument("--select", default=None, help="form path of the cell to make current (screenshot)")
    args = p.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from core.store import Store

    from .app import make_app, prepare_store
    from .main_window import MainWindow

    app = make_app("ziping-driver")
    store = Store(Path(args.db))
    prepare_store(store)
    win = MainWindow(store)
    if not args.screenshot:
        from . import store_status
        store_status.install(win, store)    # the day's check and backup in the background, as the app
    w, h = (int(x) for x in args.size.lower().split("x"))
    win.resize(w, h)
    win.show()
    fid = args.form
    if fid is None:
        rows = store.list_forms()
        if not rows:
            print("err no forms", flush=True)
            return 2
        fid = rows[0]["id"]
    ed = win.open_form(fid)
    if ed is None:
        print("err cannot open", flush=True)
        return 2
    for _ in range(5):
        QApplication.processEvents()

    if args.screenshot:
        win.activateWindow()
        if args.select:
            ed.focus_path(args.select)
        ed.fit_columns()
        for _ in range(10):
            QApplication.processEvents()
        pix = win.grab()
        pix.save(args.screenshot, "PNG", 0)      # quality 0 = smallest PNG
        store.close()
        print(f"saved {args.screenshot} {pix.width()}x{pix.height()}", flush=True)
        return 0

    print(f"ready {fid} {ed.session.form.template_id}", flush=True)
    acked = 0
    for line in sys.stdin:
        line = line.rstrip("\r\n")
        if not line:
            continue
        cmd, _, rest = line.partition(" ")
        if cmd == "quit":
            break
        if cmd == "set":
            key, _, value = rest.partition(" ")
            value = value.replace("\\n", "\n")
            if not type_into(ed, key, value):
                print(f"err nocell {key}", flush=True)
                continue
            if ed.session.form.get(key) != value:
                print(f"err notset {key} {json.dumps(ed.session.form.get(key), ensure_ascii=False)}", flush=True)
                continue
            acked += 1
            print(f"ok {acked}", flush=True)
        elif cmd in ("undo", "redo"):
            (ed.undo_stack.undo if cmd == "undo" else ed.undo_stack.redo)()
            QApplication.processEvents()
            acked += 1
            print(f"ok {acked}", flush=True)
        elif cmd == "get":
            print("value " + json.dumps(ed.session.form.get(rest), ensure_ascii=False), flush=True)
        else:
            print(f"err unknown {cmd}", flush=True)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
