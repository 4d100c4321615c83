"""Small builders shared by the tests."""
from __future__ import annotations

import copy
import json
from pathlib import Path

from core.form import Form
from core.form import validate

ROOT = Path(__file__).resolve().parent.parent


def examples(n: int) -> int:
    """A property test's number of examples: ``n``, times ten under the ``explore`` profile
    (conftest.py), whose default is ten times hypothesis' own."""
    from hypothesis import settings
    return n * max(1, settings.default.max_examples // 100)
SAMPLES = ROOT / "resources" / "samples"


def sample(name: str) -> Form:
    with open(SAMPLES / name, encoding="utf-8") as fh:
        return validate(json.load(fh))


def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.json"))


def central_form(indicators: list[dict], *, budget="100", executed="100", profile="central",
                 template="central-project", header=None) -> Form:
    """A central-project form with the given indicator rows (missing keys filled)."""
    rows = []
    for ind in indicators:
        row = {"level1": "产出指标", "level2": "数量指标", "name": "指标", "target": "", "actual": "",
               "weight": "", "score": None, "tier": None, "reason": "", "measure": ""}
        row.update(ind)
        rows.append(row)
    data = {
        "format": "ziping-form", "version": 1, "template": template, "profile": profile, "year": 2022,
        "header": header or {"项目名称": "测试项目", "实施单位": "测试单位", "填报日期": "2023-03-29"},
        "funds": {"total": {"label": "年度资金总额", "initial": budget, "budget": budget, "executed": executed,
                            "transfer": "", "reason": ""}, "sources": [], "uses": []},
        "goals": [{"title": "", "planned": "", "achieved": "", "indicators": rows}],
        "texts": {},
    }
    return Form(copy.deepcopy(data))


def big_central_form(n: int = 200) -> Form:
    """A central-project form with n indicator rows of every kind."""
    kinds = [("≥10次", "12次"), ("≤30天", "36天"), ("=100%", "98%"), ("=0起", "0起"),
             ("80%以上", "78%"), ("同比上升", "同比上升"), ("≥95%", "96.5%"), ("100%以内", "102%")]
    rows = []
    for i in range(n):
        t, a = kinds[i % len(kinds)]
        level1 = ["产出指标", "效益指标", "满意度指标"][min(2, i * 3 // n)]
        row = {"level1": level1, "level2": f"二级指标{i // 10}", "name": f"三级指标第{i + 1}项",
               "target": t, "actual": a, "weight": "0.45", "reason": "说明" if i % 3 else ""}
        if t == "同比上升":
            row.update(tier=1, score="0.45")
        rows.append(row)
    return central_form(rows, budget="1,000", executed="950")


UNIT = "中共南岳区委政法委员会"


def sample_unit() -> list[Form]:
    """A unit of three project forms built from the samples: the central example (scored) and the
    two Nanyue tables (unscored), all of one unit and year."""
    forms = [sample("central-project-example-2022.json"), sample("seed001-nanyue-2022-zongzhi.json"),
             sample("seed001-nanyue-2022-sixing.json")]
    forms[0].header["实施单位"] = UNIT
    forms[0].header["主管部门"] = UNIT
    for f in forms:
        f.data["year"] = 2022
    return forms
