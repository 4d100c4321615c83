"""Forms that stress the printed layout: long texts, many indicators.

Used by tests/test_export_layout.py and by docs/renders/make_renders.py.
"""
from __future__ import annotations

from pathlib import Path

from core.form import Form, new_form
from core.form import load
from core.form import get_template

ROOT = Path(__file__).resolve().parents[1]
SEED004 = ROOT / "resources" / "samples" / "seed004-wangcheng-2020-dept.json"

SENTENCES = [
    "全年共完成农村公路养护里程326公里，其中县道84公里、乡道142公里、村道100公里，优良路率达到86.5%。",
    "按照“建管养运”一体化要求，落实路长制，县、乡、村三级路长共412名，每月开展巡查不少于两次。",
    "受汛期持续强降雨影响，部分路段出现塌方和水毁，已及时组织抢修，确保道路安全畅通。",
    "资金拨付严格按照国库集中支付制度执行，专款专用，未发现截留、挤占、挪用等情况。",
    "下一步将进一步健全绩效目标管理，细化量化指标，加强过程监控，及时纠正执行偏差。",
]
STANDARD = [("产出指标", "数量指标", "养护里程", "≥300公里", "326公里"),
            ("产出指标", "质量指标", "优良路率", "≥85%", "86.5%"),
            ("产出指标", "时效指标", "水毁修复及时率", "=100%", "100%"),
            ("产出指标", "成本指标", "每公里养护成本", "≤310.2万元", "298.6万元"),
            ("效益指标", "社会效益指标", "群众出行便利程度", "明显改善", "明显改善"),
            ("效益指标", "可持续影响指标", "长效管护机制", "健全", "基本健全"),
            ("满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥90%", "93%")]


def long_text(n_chars: int, tag: str = "段") -> str:
    """A long explanation, numbered every sentence (【第0001段】…) so pieces can be followed
    across pages, with a paragraph break every fourth sentence."""
    parts, i = [], 0
    while sum(map(len, parts)) < n_chars:
        parts.append(f"【第{i:04d}{tag}】" + SENTENCES[i % len(SENTENCES)] + ("\n" if i % 4 == 3 else ""))
        i += 1
    return "".join(parts)[:n_chars]


def project_form(n_indicators: int = 7, title: str = "农村公路养护工程") -> Form:
    """A central-project form with ``n_indicators`` indicators (the standard 一级/二级 names),
    weights adding up to 90."""
    f = new_form(get_template("central-project"), 2026,
                 {"项目名称": title, "主管部门": "某县交通运输局", "实施单位": "某县公路事务中心",
                  "填报人": "王五", "联系电话": "0731-88886666", "填报日期": "2026-12-01"})
    f.data["funds"]["total"].update(initial="1,210.99", budget="1210.99", executed="1180.5")
    f.data["funds"]["sources"][0].update(initial="1000", budget="1000", executed="980.5")
    f.data["funds"]["sources"][1].update(initial="210.99", budget="210.99", executed="200")
    g = f.goals[0]
    g["planned"] = "完成农村公路养护300公里以上，优良路率不低于85%，水毁路段及时修复。"
    g["achieved"] = "全年完成养护326公里，优良路率86.5%，水毁路段全部修复。"
    inds = []
    base, extra = divmod(90, n_indicators)
    for i in range(n_indicators):
        l1, l2, name, target, actual = STANDARD[i * len(STANDARD) // n_indicators]
        weight = base + (1 if i < extra else 0)
        inds.append({"level1": l1, "level2": l2, "name": f"{name}{i + 1}" if n_indicators > 7 else name,
                     "target": target, "actual": actual, "weight": str(weight), "score": None, "tier": None,
                     "reason": SENTENCES[i % 5] if i % 6 == 2 else ""})
    g["indicators"] = inds
    return f


def achieved_2500() -> Form:
    """实际完成情况 of 2,500 characters."""
    f = project_form(7, "农村公路养护工程（实际完成情况2500字）")
    f.goals[0]["achieved"] = long_text(2500)
    return f


def reason_5000() -> Form:
    """One 偏差原因分析及改进措施 of 5,000 characters."""
    f = project_form(7, "农村公路养护工程（偏差原因5000字）")
    f.goals[0]["indicators"][3]["reason"] = long_text(5000)
    return f


def indicators_150() -> Form:
    return project_form(150, "农村公路养护工程（150项指标）")


def seed004() -> Form:
    return load(SEED004)


STRESS = {"achieved2500": achieved_2500, "reason5000": reason_5000, "ind150": indicators_150, "seed004": seed004}
