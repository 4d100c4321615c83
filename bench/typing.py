"""Benchmark the editor's live path and the form list (offscreen).

1. A central-project form of 200 and of 1,000 indicators in the editor: the time from a key sent
   to the open line editor to the total cell repainted with its new value (textChanged -> re-score
   -> dataChanged of the changed cells -> the event loop paints them), over 60 keystrokes.
   Goal: median < 16 ms at both sizes.
2. Listing 10,000 forms: from opening the store to the main window's list model populated.
   Goal: < 200 ms.

Run from the repository root:  .venv/bin/python bench/typing.py
"""
from __future__ import annotations

import os
import sys

# This file is named like the standard library's ``typing``: run as a script, its folder comes
# first on sys.path and would shadow it.  Drop that folder before anything imports typing.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ui  # noqa: E402,F401
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from core.form import load  # noqa: E402
from core.rules import evaluate  # noqa: E402
from core.editing import EditSession, form_summary  # noqa: E402
from core.store import Store  # noqa: E402
from ui.app import make_app  # noqa: E402
from ui.editor import EditorWidget  # noqa: E402
from ui.list_model import FormListModel  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SIZES = (200, 1000)
KEYSTROKES = 60
N_FORMS = 10_000

LEVELS = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"), ("产出指标", "成本指标"),
          ("效益指标", "经济效益指标"), ("效益指标", "社会效益指标"), ("效益指标", "生态效益指标"),
          ("满意度指标", "服务对象满意度指标")]


def big_form(n: int):
    form = load(ROOT / "resources" / "samples" / "central-project-example-2022.json")
    inds = []
    for i in range(n):
        l1, l2 = LEVELS[i * len(LEVELS) // n]
        kind = i % 4
        target, actual = [("≥100次", "95次"), ("≤30天", "28天"), ("≥95%", "97%"), ("同比上升", "同比上升")][kind]
        inds.append({"level1": l1, "level2": l2, "name": f"三级指标{i + 1}", "target": target, "actual": actual,
                     "weight": "0.45", "score": "0.45" if kind == 3 else None, "tier": 1 if kind == 3 else None,
                     "reason": "偏差原因说明" if i % 7 == 0 else "", "measure": ""})
    form.goals[0]["indicators"] = inds
    form.goals[0]["indicators"][-1].update(target="≥100", actual="", weight="10", score=None, tier=None)
    return form


def bench_typing(app, n: int) -> tuple[float, float, float, int]:
    form = big_form(n)
    t0 = time.perf_counter()
    s = evaluate(form)
    score_ms = (time.perf_counter() - t0) * 1000
    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "t.db")
        fid = store.create(form.data, form_summary(form, s))
        ew = EditorWidget(EditSession(form, store, fid))
        ew.resize(1500, 950)
        ew.show()
        ew.activateWindow()
        QTest.qWait(300)               # the columns fit the window (a timer) before anything is measured
        key = f"goals.0.indicators.{n - 1}.actual"
        total_cell = ew.session.sheet.cell_for("total")
        total_idx = ew.model.index(total_cell.row, total_cell.col)
        ew.view.scrollTo(total_idx)
        ed = ew.open_editor(key)
        ew.view.scrollTo(total_idx)
        QTest.qWait(100)
        assert ed is not None and ew.view.visualRect(total_idx).intersects(ew.view.viewport().rect())

        painted = {"total": False}
        real_paint = ew.delegate.paint

        def spy(painter, option, index):
            if index.row() == total_cell.row and index.column() == total_cell.col:
                painted["total"] = True
            real_paint(painter, option, index)
        ew.delegate.paint = spy

        keys = ["5", "0", Qt.Key.Key_Backspace, Qt.Key.Key_Backspace] * (KEYSTROKES // 4 + 1)
        times, seen_totals = [], set()
        for k in keys[:KEYSTROKES]:
            before = ew.model.value_for_key("total")
            painted["total"] = False
            t0 = time.perf_counter()
            QTest.keyClick(ed, k)
            while not painted["total"]:
                app.processEvents()
                if time.perf_counter() - t0 > 2:
                    raise RuntimeError("the total was not repainted")
            times.append((time.perf_counter() - t0) * 1000)
            after = ew.model.value_for_key("total")
            assert after != before, (k, before, after)
            seen_totals.add(after)
        ew.delegate.paint = real_paint
        ew.close()
        store.close()
    return statistics.median(times), sorted(times)[int(len(times) * 0.9)], score_ms, len(seen_totals)


def bench_list(app) -> tuple[float, float]:
    form = load(ROOT / "resources" / "samples" / "central-project-example-2022.json")
    summ = form_summary(form)
    runs = []
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.db"
        st = Store(path)
        t0 = time.perf_counter()
        with st.transaction():
            for i in range(N_FORMS):
                st.create(form.data, dict(summ, name=f"{summ['name']}{i}", year=2015 + i % 10))
        create_s = time.perf_counter() - t0
        st.close()
        model = FormListModel()
        for _ in range(7):
            t0 = time.perf_counter()
            st = Store(path)
            model.load(st)
            assert model.rowCount() == N_FORMS
            model.data(model.index(0, 6))
            runs.append((time.perf_counter() - t0) * 1000)
            st.close()
    return statistics.median(runs), create_s


def main() -> int:
    app = make_app("bench")
    medians = []
    for n in SIZES:
        med, p90, score_ms, distinct = bench_typing(app, n)
        medians.append(med)
        print(f"{n} indicators: keystroke to repainted total: median {med:.1f} ms (p90 {p90:.1f} ms, "
              f"{KEYSTROKES} keystrokes; evaluate() alone {score_ms:.1f} ms; {distinct} distinct totals)")
    lst, create_s = bench_list(app)
    print(f"list {N_FORMS:,} forms (open store + list model populated): median {lst:.1f} ms "
          f"(store filled in {create_s:.1f} s)")
    ok = all(m < 16 for m in medians) and lst < 200
    print("goals (< 16 ms at 200 and at 1,000 indicators, < 200 ms):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
