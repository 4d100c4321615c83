"""Benchmark: start-up time, from process start to the first painted main window (offscreen).

Creates a temporary store with 1,000 forms (copies of the shipped samples, one transaction), then
starts the app 1 + 5 times as a new process. Each child runs the real start-up —
``ui.app.run_app(["--db", STORE])``, unchanged — with an application-wide event filter that notes
the first Paint event of the main window, lets that paint cycle finish, prints the times since a
timestamp the parent took just before ``subprocess.Popen``, and quits the app. The first run is
reported apart (it makes the day's backup); the median of the next 5 is the result.

Run from the repository root:  .venv/bin/python bench/startup.py [--runs 5] [--forms 1000]
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
        print(json.dumps({"qt_imported": t_qt - t0, "ui_imported": t_import - t0,
                          "first_paint": self.seen - t0, "painted": done - t0}), flush=True)
        QApplication.instance().quit()

spy = FirstPaint()
app.installEventFilter(spy)
code = ui.app.run_app(["--db", store])
sys.exit(code)
"""


def make_store(path: Path, n: int) -> float:
    from core.model import load
    from core.session import form_summary
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
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise SystemExit(f"the app did not paint a main window within 120 s\n{err[-2000:]}")
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if not lines:
        raise SystemExit(f"no measurement (exit {proc.returncode})\n{out[-1000:]}\n{err[-3000:]}")
    return json.loads(lines[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--forms", type=int, default=1000)
    args = ap.parse_args()

    try:
        import ui.app  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"ui.app is not importable yet ({exc}): nothing to measure")

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.db"
        insert_s = make_store(store, args.forms)
        print(f"store: {args.forms} forms, {store.stat().st_size / 2**20:.1f} MB, "
              f"inserted in {insert_s:.1f} s (one transaction)")

        first = run_once(store)
        print(f"first start (makes the day's backup): painted at {first['painted'] * 1000:.0f} ms")
        runs = [run_once(store) for _ in range(args.runs)]

        def med(key):
            return statistics.median(r[key] for r in runs) * 1000

        print(f"median of {args.runs} starts (ms since Popen):")
        print(f"  PySide6 imported       {med('qt_imported'):7.0f}")
        print(f"  ui.app imported        {med('ui_imported'):7.0f}")
        print(f"  first Paint event      {med('first_paint'):7.0f}")
        each = ", ".join(f"{r['painted'] * 1000:.0f}" for r in runs)
        print(f"  main window painted    {med('painted'):7.0f}   (runs: {each})")


if __name__ == "__main__":
    main()
