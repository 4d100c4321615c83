"""Benchmark: 导出报送材料 of a unit with 40 project forms of 30 indicators each.

Writes the whole package (40 tables as xlsx + pdf, the 汇总表 xlsx + pdf, the unit report and
40 project reports as docx + pdf: 164 files) into a temp folder, once as a folder and once as
a .zip, after one warm-up run of one form (imports, font registration).  Goal: under 10 s.

Run from the repository root:  .venv/bin/python bench/package.py
"""
from __future__ import annotations

import sys
from pathlib import Path

# This folder may hold scripts named like standard modules (bench/typing.py):
# never let them shadow the standard library.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p and str(Path(p).resolve()) != _HERE]

import os  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.form import Form, new_form  # noqa: E402
from core.package import Entry, make_package, write_package  # noqa: E402
from core.form import get_template  # noqa: E402

N_FORMS = 40
N_INDICATORS = 30
GOAL_SECONDS = 10.0
UNIT = "某县乡村振兴服务中心"
GROUPS = (("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标"), 50, 14),
          ("效益指标", ("社会效益指标", "可持续影响指标"), 30, 10),
          ("满意度指标", ("服务对象满意度指标",), 10, 6))
ROWS = [("≥10次", "{}次"), ("=100%", "{}%"), ("≤30天", "{}天"), ("同比上升", "有所上升"), ("95%以上", "{}%")]


def make_form(k: int, rnd: random.Random) -> Form:
    f = new_form(get_template("central-project"), 2023,
                 {"项目名称": f"乡村振兴衔接资金第{k + 1}批", "主管部门": "某县农业农村局", "实施单位": UNIT,
                  "填报人": "李四", "联系电话": "0731-12345678", "填报日期": "2024-03-15"})
    budget = rnd.randint(50, 3000)
    executed = round(budget * rnd.uniform(0.8, 1.0), 2)
    f.data["funds"]["total"].update(initial=str(budget), budget=str(budget), executed=str(executed))
    f.data["funds"]["sources"][0].update(initial=str(budget), budget=str(budget), executed=str(executed))
    g = f.goals[0]
    g["planned"] = "巩固拓展脱贫攻坚成果，推进乡村全面振兴。" * 3
    g["achieved"] = "全面完成年度目标任务，群众满意度进一步提升。" * 3
    g["indicators"] = []
    for l1, subs, total_w, cnt in GROUPS:
        for i in range(cnt):
            target, actual = ROWS[i % 5]
            w = round(total_w / cnt, 2)
            ind = {"level1": l1, "level2": subs[i * len(subs) // cnt], "name": f"第{i + 1}项：农村公路养护里程达标情况",
                   "target": target, "actual": actual.format(rnd.randint(8, 12) if i % 5 in (0, 2) else rnd.randint(90, 100)),
                   "weight": str(w), "score": None, "tier": None, "measure": "",
                   "reason": "受汛期影响，部分路段施工延期，已调整计划。" if i % 6 == 0 else ""}
            if i % 5 == 3:
                ind["tier"], ind["score"] = 2, f"{w * 0.7:.2f}"
            g["indicators"].append(ind)
    return f


def main() -> None:
    rnd = random.Random(13)
    forms = [make_form(k, rnd) for k in range(N_FORMS)]
    assert all(f.indicator_count() == N_INDICATORS for f in forms)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        warm = tmp / "warm"
        warm.mkdir()
        write_package(make_package([Entry(forms[0])]), warm)
        results = []
        for as_zip in (False, True):
            out = tmp / ("zip" if as_zip else "folder")
            out.mkdir()
            t, c = time.perf_counter(), time.process_time()
            pkg = make_package([Entry(f) for f in forms])        # scoring counts: it is part of the job
            path = write_package(pkg, out, as_zip=as_zip)
            seconds, cpu = time.perf_counter() - t, time.process_time() - c
            size = path.stat().st_size if as_zip else sum(p.stat().st_size for p in path.iterdir())
            results.append((as_zip, seconds, cpu, len(pkg.files), size))
    print(f"package: {N_FORMS} forms × {N_INDICATORS} indicators (central-project)")
    for as_zip, seconds, cpu, n, size in results:
        verdict = "OK" if seconds < GOAL_SECONDS else "SLOWER THAN GOAL"
        print(f"  {'zip   ' if as_zip else 'folder'}  {seconds:6.2f} s wall  {cpu:6.2f} s CPU  {n} files  "
              f"{size / 1024 / 1024:.1f} MB   (goal < {GOAL_SECONDS:.0f} s wall: {verdict})")
    print(f"  load average while running: {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "")


if __name__ == "__main__":
    main()
