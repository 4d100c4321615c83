"""Benchmark: how fast the exports are, in the ways a clerk meets them.

Prints, in one run:
  1. process to process: ``main.py export FORM --pdf`` against LibreOffice's
     ``soffice --headless --convert-to pdf`` of the same form's workbook (each a
     new process, median of PROC_RUNS; bytecode cached as in an installed app,
     LibreOffice's profile warm) -- goal: ours at least 3x faster;
  2. in process, a 200-indicator form: the PDF and the workbook, each median of
     RUNS -- goal: each under 100 ms;
  3. the first export after the window opens: a new process with an offscreen
     QApplication and the real main window, shown; once its background preload
     is done, the first export of both files, then a second, for the seed 004
     form and the 200-indicator one -- goal: under 400 ms;
  4. 1,000 against 5,000 indicators (PDF and workbook) -- goal: 5,000 within
     6x the time of 1,000.

Run from the repository root:  .venv/bin/python bench/export.py
"""
from __future__ import annotations

import sys
from pathlib import Path

# This folder may hold scripts named like standard modules (bench/typing.py):
# never let them shadow the standard library.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p and str(Path(p).resolve()) != _HERE]

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.form import Form, new_form  # noqa: E402
from core.form import dump
from core.form import get_template  # noqa: E402

N_INDICATORS = 200
RUNS = 7
PROC_RUNS = 5
GROUPS = {"产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
          "效益指标": ["社会效益指标", "经济效益指标", "生态效益指标", "可持续影响指标"],
          "满意度指标": ["服务对象满意度指标"]}
ROWS = [("≥10次", "12次"), ("=100%", "98%"), ("≤30天", "36天"), ("同比上升", "有所上升"), ("95%以上", "96%")]


def make_form(n: int) -> Form:
    f = new_form(get_template("central-project"), 2023,
                 {"项目名称": "乡村振兴衔接资金", "主管部门": "某县农业农村局", "实施单位": "某县乡村振兴服务中心",
                  "填报人": "李四", "联系电话": "0731-12345678", "填报日期": "2024-03-15"})
    f.data["funds"]["total"].update(initial="1210.99", budget="1210.99", executed="1180.5")
    f.data["funds"]["sources"][0].update(initial="1000", budget="1000", executed="980.5")
    g = f.goals[0]
    g["planned"] = "巩固拓展脱贫攻坚成果，推进乡村全面振兴。" * 6
    g["achieved"] = "全面完成年度目标任务，群众满意度进一步提升。" * 6
    g["indicators"] = []
    n_out, n_ben = n * 5 // 9, n * 3 // 9
    for l1, cnt, total_w in (("产出指标", n_out, 50), ("效益指标", n_ben, 30), ("满意度指标", n - n_out - n_ben, 10)):
        subs = GROUPS[l1]
        weights = [round(total_w / cnt, 2)] * cnt
        for i in range(cnt):
            target, actual = ROWS[i % 5]
            ind = {"level1": l1, "level2": subs[i * len(subs) // cnt], "name": f"第{i + 1}项：农村公路养护里程与质量达标情况",
                   "target": target, "actual": actual, "weight": str(weights[i]), "score": None, "tier": None,
                   "reason": "受汛期影响，部分路段施工延期，已调整计划。" if i % 6 == 0 else ""}
            if i % 5 == 3:
                ind["tier"] = 2
                ind["score"] = f"{weights[i] * 0.7:.2f}"
            g["indicators"].append(ind)
    return f


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def median_ms(fn, runs: int = RUNS) -> float:
    return statistics.median(timed(fn) for _ in range(runs))


def child_env(tmp: Path) -> dict:
    """A new process as a clerk's: bytecode cached (an installed app has its .pyc), its own
    home, nothing of this shell's PYTHONPATH but the repository."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env.update(PYTHONPYCACHEPREFIX=str(tmp / "pycache"), PYTHONPATH=str(ROOT), HOME=str(tmp / "home"),
               XDG_CONFIG_HOME=str(tmp / "home" / "config"), XDG_DATA_HOME=str(tmp / "home" / "data"),
               QT_QPA_PLATFORM="offscreen")
    return env


# ---------------------------------------------------------------- 3. the window (child process)

def window_child(form_path: str, out_dir: str) -> None:
    """Run in a new process: open the real main window, wait for its preload, export twice."""
    t0 = time.perf_counter()
    from core.form import load
    from core.store import Store
    from ui.app import make_app, prepare_store
    from ui.main_window import MainWindow

    app = make_app("ziping")
    store = Store(Path(out_dir) / "forms.db")
    prepare_store(store)
    win = MainWindow(store)
    win.show()
    app.processEvents()
    shown = time.perf_counter()
    from core import export
    deadline = time.monotonic() + 60
    while export._preloading is None and time.monotonic() < deadline:    # started by the window
        app.processEvents()
        time.sleep(0.005)
    export._preloading.join(60)
    preloaded = time.perf_counter()
    form = load(form_path)
    out = Path(out_dir)
    first = timed(lambda: export.export_form(form, xlsx=out / "a.xlsx", pdf=out / "a.pdf"))
    second = timed(lambda: export.export_form(form, xlsx=out / "b.xlsx", pdf=out / "b.pdf"))
    print(json.dumps({"shown": (shown - t0) * 1000, "preload": (preloaded - shown) * 1000,
                      "first": first, "second": second}))
    win.close()
    store.close()


# ---------------------------------------------------------------- main

def main() -> None:
    from core.export import export_form, preload

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "home").mkdir()
        env = child_env(tmp)
        form = make_form(N_INDICATORS)
        form_json = tmp / "form.json"
        dump(form, form_json)
        x, d = tmp / "bench.xlsx", tmp / "bench.pdf"
        preload()
        export_form(form, xlsx=x, pdf=d)          # warm up

        # 1. process to process
        print(f"form: central-project, {N_INDICATORS} indicators")
        cmd = [sys.executable, str(ROOT / "main.py"), "export", str(form_json), "--pdf", str(tmp / "p.pdf")]
        subprocess.run(cmd, check=True, env=env, capture_output=True)           # writes the bytecode cache
        ours = statistics.median(timed(lambda: subprocess.run(cmd, check=True, env=env, capture_output=True))
                                 for _ in range(PROC_RUNS))
        print(f"1. process: main.py export --pdf     {ours:8.0f} ms  (median of {PROC_RUNS})")
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice:
            lo_cmd = [soffice, f"-env:UserInstallation=file://{tmp / 'lo-profile'}", "--headless",
                      "--convert-to", "pdf", "--outdir", str(tmp / "lo"), str(x)]

            def convert():
                subprocess.run(lo_cmd, check=True, capture_output=True, timeout=300, env=env)
            convert()                                   # the first run creates the profile
            lo = statistics.median(timed(convert) for _ in range(PROC_RUNS))
            print(f"   process: LibreOffice --convert-to pdf {lo:8.0f} ms  (median of {PROC_RUNS}, profile warm)")
            print(f"   ratio LibreOffice / main.py export: {lo / ours:.1f}x   (goal >= 3x)")
        else:
            print("   LibreOffice not installed: no ratio (apt-get install libreoffice-calc)")

        # 2. in process
        pdf_ms = median_ms(lambda: export_form(form, pdf=d))
        xlsx_ms = median_ms(lambda: export_form(form, xlsx=x))
        print(f"2. in process, {N_INDICATORS} indicators (median of {RUNS}):")
        print(f"   pdf  {pdf_ms:7.1f} ms  ({d.stat().st_size / 1024:.0f} KB)   (goal < 100 ms)")
        print(f"   xlsx {xlsx_ms:7.1f} ms  ({x.stat().st_size / 1024:.0f} KB)   (goal < 100 ms)")

        # 3. the window: a real form (seed 004, 12 indicators) and the 200-indicator one
        print("3. window (a new process each): first export of both files once the preload is done")
        for k, (label, path) in enumerate((("seed004 sample",
                                            ROOT / "resources" / "samples" / "seed004-wangcheng-2020-dept.json"),
                                           (f"{N_INDICATORS} indicators", form_json))):
            out = tmp / f"window-{k}"
            out.mkdir()
            p = subprocess.run([sys.executable, __file__, "--window-child", str(path), str(out)],
                               env=env, capture_output=True, text=True, timeout=300)
            if p.returncode == 0:
                w = json.loads(p.stdout.strip().splitlines()[-1])
                print(f"   {label:15s}: shown after {w['shown']:5.0f} ms, preload {w['preload']:5.0f} ms; "
                      f"first export {w['first']:6.1f} ms, second {w['second']:6.1f} ms   (goal < 400 ms)")
            else:
                print(f"   {label}: could not run:", (p.stderr.strip().splitlines() or ["?"])[-1])

        # 4. scaling
        print("4. scaling (one run each):")
        times = {}
        for n in (1000, 5000):
            big = make_form(n)
            times[n] = (timed(lambda: export_form(big, pdf=tmp / f"s{n}.pdf")),
                        timed(lambda: export_form(big, xlsx=tmp / f"s{n}.xlsx")))
            print(f"   {n:5d} indicators: pdf {times[n][0]:8.0f} ms, xlsx {times[n][1]:8.0f} ms")
        print(f"   5,000 / 1,000: pdf {times[5000][0] / times[1000][0]:.1f}x, "
              f"xlsx {times[5000][1] / times[1000][1]:.1f}x   (goal <= 6x)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--window-child"]:
        window_child(*sys.argv[2:4])
    else:
        main()
