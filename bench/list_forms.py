"""Benchmark: list 10,000 forms from the store.

Creates a temporary store with 10,000 forms (realistic summaries, ~5 KB of form JSON each, all
inserted in one transaction), then prints the median of 20 runs of
  - Store(path) open + list_forms()
  - list_forms() alone (plus a search and a year filter)

Run from the repository root:  .venv/bin/python bench/list_forms.py
"""
from __future__ import annotations

import os as _os
import sys as _sys

# bench/typing.py is named like the standard library's typing (its issue asks for that name):
# drop this folder from sys.path before anything imports typing.
_HERE = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _HERE]


import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.store import Store  # noqa: E402

N_FORMS = 10_000
RUNS = 20

UNITS = [
    "中共南岳区委政法委员会", "衡阳市南岳区财政局", "南岳区教育局", "南岳区卫生健康局",
    "南岳区农业农村局", "南岳区住房和城乡建设局", "南岳区交通运输局", "南岳区民政局",
    "南岳区人力资源和社会保障局", "南岳区自然资源局", "南岳区文化旅游广电体育局",
    "南岳区市场监督管理局", "南岳区应急管理局", "南岳区水利局", "南岳区退役军人事务局",
    "武汉市江岸区发展和改革局", "武汉市江岸区城市管理执法局", "湖北省黄冈市审计局",
]
PROJECTS = [
    "综治、平安建设经费", "义务教育公用经费", "基本公共卫生服务项目", "高标准农田建设",
    "农村公路养护", "城乡居民最低生活保障", "就业补助资金", "森林防火专项经费",
    "文物保护专项资金", "食品安全抽检经费", "防汛抗旱专项经费", "部门整体支出",
]
TEMPLATES = ["central-project", "hunan-dept", "hubei-dept"]
GRADES = ["优", "良", "中", "差"]


def make_form(rng: random.Random, year: int, unit: str, name: str, template: str) -> dict:
    indicators = []
    for i in range(15):
        indicators.append({
            "level1": rng.choice(["产出指标", "效益指标", "满意度指标"]),
            "level2": rng.choice(["数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标"]),
            "name": f"{rng.choice(['公众安全感民意调查', '培训人次', '项目完成率', '群众满意度'])}{i}",
            "target": rng.choice(["≥10次", "=100%", "≥95%", "≤30万元", "按时完成"]),
            "actual": rng.choice(["10次", "100%", "96.5%", "28.3万元", "已完成"]),
            "weight": str(rng.choice([5, 10, 15])),
            "score": None, "tier": None,
            "reason": rng.choice(["", "无", "受疫情影响部分活动延期"]),
            "measure": "",
        })
    return {
        "format": "ziping-form", "version": 1, "template": template, "profile": "central",
        "year": year,
        "header": {"项目名称": name, "主管部门": "", "实施单位": unit, "填报日期": f"{year + 1}-03-29"},
        "funds": {
            "total": {"label": "年度资金总额", "initial": "36", "budget": "36", "executed": "30.64",
                      "transfer": "", "reason": ""},
            "sources": [{"label": "当年财政拨款", "initial": "36", "budget": "36", "executed": "9.8"},
                        {"label": "其他资金", "initial": "", "budget": "", "executed": "10"}],
            "uses": [{"label": "基本支出", "executed": "583.73"},
                     {"label": "项目支出", "executed": "575.98"}],
        },
        "goals": [{"title": "年度目标1", "planned": "深化平安建设，" * 20,
                   "achieved": "完成年度目标。" * 20, "indicators": indicators}],
        "texts": {"部门职能概述": "负责本部门职能范围内的工作。" * 5,
                  "偏差大或目标未完成原因分析": "无", "改进措施及结果应用方案": "无"},
    }


def median_ms(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        store = Store(path)
        with store.transaction():
            for i in range(N_FORMS):
                year = rng.choice(range(2019, 2025))
                unit, name, template = rng.choice(UNITS), rng.choice(PROJECTS), rng.choice(TEMPLATES)
                form = make_form(rng, year, unit, name, template)
                summary = {"year": year, "unit": unit, "name": f"{name}{i}", "template": template,
                           "total": f"{rng.uniform(60, 100):.2f}", "grade": rng.choice(GRADES)}
                store.create(form, summary)
        insert_s = time.perf_counter() - t0
        store.close()
        avg_kb = sqlite3.connect(path).execute(
            "SELECT avg(length(CAST(data AS BLOB))) FROM forms").fetchone()[0] / 1024
        print(f"store: {N_FORMS} forms, ~{avg_kb:.1f} KB JSON each, "
              f"{path.stat().st_size / 2**20:.1f} MB file, inserted in {insert_s:.1f} s (one transaction)")

        def open_and_list():
            s = Store(path)
            rows = s.list_forms()
            s.close()
            assert len(rows) == N_FORMS

        print(f"open + list {N_FORMS} forms: median {median_ms(open_and_list):.1f} ms")

        store = Store(path)
        assert len(store.list_forms()) == N_FORMS
        print(f"list {N_FORMS} forms: median {median_ms(store.list_forms):.1f} ms")
        print(f"list with search '政法': median {median_ms(lambda: store.list_forms(search='政法')):.1f} ms")
        print(f"list year 2022: median {median_ms(lambda: store.list_forms(year=2022)):.1f} ms")
        print(f"years(): median {median_ms(store.years):.1f} ms")
        store.close()


if __name__ == "__main__":
    main()
