"""Benchmark: start-up time, from process start to the painted main window (offscreen).

For 1,000 and 100,000 forms (copies of the shipped samples, one transaction each), starts the app
as a new process, `--runs` times as the first start of the day and `--runs` times as a later start,
in the same run. Each child runs the real start-up — ``ui.app.run_app(["--db", STORE])``,
unchanged — with an application-wide event filter that notes the first Paint event of the main
window, lets that paint cycle finish, prints the times since a timestamp the parent took just
before ``subprocess.Popen``, and quits the app (which waits for a background backup to finish).

"First start of the day": the day's whole-file check and backup are due (the backups folder is
emptied and the store's last-check date set back before each such start); they run in the
background after the first paint. "Later start": both already done today. Every start follows a
clean exit (after a crash the whole-file check runs at open, before the window).

Run from the repository root:  .venv/bin/python bench/startup.py [--runs 5] [--forms 1000,100000]
Goal: every median under 1 s.
"""
from __future__ import annotations

import os
import sys

# bench/typing.py shadows the standard library's typing when this folder is on sys.path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The child: the app's own start-up, observed from outside (no wrapping, no monkeypatching).
CHILD = r"""
import json, sys, time
t0 = float(sys.argv[1])
store = sys.argv[2]
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
t_qt = time.time()
import ui.app
t_import = time.time()
app = QApplication.instance() or QApplication(["ziping"])   # run_app's make_app reuses it

class FirstPaint(QObject):
    seen = None
    def eventFilter(self, obj, event):
        if self.seen is None and event.type() == QEvent.Type.Paint and obj.isWidgetType():
            window = obj.window()
            if isinstance(window, QMainWindow):
                self.seen = time.time()
                QTimer.singleShot(0, self.report)      # after this paint cycle completes
        return False
    def report(self):
        done = time.time()
        self.result = {"qt_imported": t_qt - t0, "ui_imported": t_import - t0,
                       "first_paint": self.seen - t0, "painted": done - t0}
        self.wait_upkeep()

    def wait_upkeep(self):
        # The day's check and backup run in the background after the first paint: let them end
        # (a clerk does not quit within a millisecond) and note how long they took.
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow)]
        status = getattr(windows[0], "store_status", None) if windows else None
        if status is not None and status.result is None and time.time() - t0 < 240:
            QTimer.singleShot(20, self.wait_upkeep)
            return
        self.result["upkeep_done"] = time.time() - t0
        print(json.dumps(self.result), flush=True)
        QApplication.instance().quit()

spy = FirstPaint()
app.installEventFilter(spy)
code = ui.app.run_app(["--db", store])
sys.exit(code)
"""


def make_store(path: Path, n: int) -> float:
    from core.form import load
    from core.editing import form_summary
    from core.store import Store

    samples = []
    for p in sorted((ROOT / "resources" / "samples").glob("*.json")):
        form = load(p)
        samples.append((form.data, form_summary(form)))
    t0 = time.perf_counter()
    store = Store(path)
    with store.transaction():
        for i in range(n):
            data, summary = samples[i % len(samples)]
            data = copy.deepcopy(data)
            summary = dict(summary)
            year = 2018 + i % 7
            data["year"] = year
            summary["year"] = year
            summary["name"] = f"{summary['name'] or '表'} {i + 1:04d}"
            store.create(data, summary)
    store.close()
    return time.perf_counter() - t0


def run_once(store: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, repr(t0), str(store)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8")
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise SystemExit(f"the app did not paint a main window within 300 s\n{err[-2000:]}")
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if not lines:
        raise SystemExit(f"no measurement (exit {proc.returncode})\n{out[-1000:]}\n{err[-3000:]}")
    return json.loads(lines[-1])


def make_due(store: Path) -> None:
    """The day's check and backup are due again: no backup in the folder, last check long ago."""
    import shutil
    import sqlite3
    shutil.rmtree(store.parent / "backups", ignore_errors=True)
    conn = sqlite3.connect(store)
    conn.execute("INSERT INTO meta (key, value) VALUES ('last_check', '\"2000-01-01\"')"
                 " ON CONFLICT(key) DO UPDATE SET value = excluded.value")
    conn.commit()
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--forms", default="1000,100000", help="comma-separated store sizes")
    args = ap.parse_args()

    try:
        import ui.app  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"ui.app is not importable yet ({exc}): nothing to measure")

    table = []
    for n in [int(x) for x in args.forms.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp) / "bench.db"
            insert_s = make_store(store, n)
            print(f"store: {n:,} forms, {store.stat().st_size / 2**20:.0f} MB, "
                  f"inserted in {insert_s:.1f} s (one transaction)", flush=True)
            run_once(store)                        # the store's first start (samples flag etc.)
            firsts = []
            for _ in range(args.runs):
                make_due(store)
                firsts.append(run_once(store))
                assert list((store.parent / "backups").glob("bench-*.db")), "no backup was made"
            laters = [run_once(store) for _ in range(args.runs)]
            for label, runs in (("first start of the day", firsts), ("later start", laters)):
                painted = statistics.median(r["painted"] for r in runs) * 1000
                each = ", ".join(f"{r['painted'] * 1000:.0f}" for r in runs)
                parts = ", ".join(f"{k} {statistics.median(r[k] for r in runs) * 1000:.0f}"
                                  for k in ("qt_imported", "ui_imported", "first_paint"))
                parts += (", background check+backup done at "
                          f"{statistics.median(r['upkeep_done'] for r in runs) * 1000:.0f}")
                print(f"  {label:24s} painted: median {painted:5.0f} ms   (runs: {each}; {parts})", flush=True)
                table.append((n, label, painted))

    print("\nmedian start -> painted main window (ms):")
    for n, label, painted in table:
        verdict = "ok" if painted < 1000 else "over 1 s"
        print(f"  {n:>7,} forms  {label:24s} {painted:6.0f}   {verdict}")


if __name__ == "__main__":
    main()
