"""Benchmark: export a 200-indicator central-project form to Excel and PDF.

Prints the median of RUNS runs of
  - core.export.export_form(form, xlsx=...)   (layout + openpyxl + atomic write)
  - core.export.export_form(form, pdf=...)    (layout + reportlab + atomic write)
and, when LibreOffice is installed, the time ``soffice --headless --convert-to pdf``
takes for the same workbook, with the ratio to our own PDF export.

Run from the repository root:  .venv/bin/python bench/export.py
"""
from __future__ import annotations

import sys
from pathlib import Path

# This folder may hold scripts named like standard modules (bench/typing.py):
# never let them shadow the standard library.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p and str(Path(p).resolve()) != _HERE]

import os
import shutil
import statistics
import subprocess
import tempfile
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.export import export_form  # noqa: E402
from core.model import Form, new_form  # noqa: E402
from core.sheet import build_sheet  # noqa: E402
from core.templates import get_template  # noqa: E402

N_INDICATORS = 200
RUNS = 7
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


def median_ms(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    form = make_form(N_INDICATORS)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        x, d = tmp / "bench.xlsx", tmp / "bench.pdf"
        export_form(form, xlsx=x, pdf=d)          # warm up: imports, font registration
        sheet_ms = median_ms(lambda: build_sheet(form))
        xlsx_ms = median_ms(lambda: export_form(form, xlsx=x))
        pdf_ms = median_ms(lambda: export_form(form, pdf=d))
        print(f"form: central-project, {N_INDICATORS} indicators; median of {RUNS} runs")
        print(f"  build_sheet          {sheet_ms:8.1f} ms")
        print(f"  xlsx export          {xlsx_ms:8.1f} ms  ({x.stat().st_size / 1024:.0f} KB)")
        print(f"  pdf export           {pdf_ms:8.1f} ms  ({d.stat().st_size / 1024:.0f} KB)")
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if not soffice:
            print("  LibreOffice          not installed (apt-get install libreoffice-calc to compare)")
            return
        out = tmp / "lo"
        profile = tmp / "lo-profile"

        def convert():
            subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(out), str(x)], check=True, capture_output=True, timeout=300,
                           env={**os.environ, "HOME": str(tmp)})
        convert()                                   # first run creates the profile
        lo_ms = median_ms(convert, runs=5)
        print(f"  LibreOffice xlsx->pdf{lo_ms:8.1f} ms  (median of 5, profile warm)")
        print(f"  ratio LibreOffice / our pdf export: {lo_ms / pdf_ms:.1f}x")


if __name__ == "__main__":
    main()
