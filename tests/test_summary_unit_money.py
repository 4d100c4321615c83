"""The 汇总表's 合计 is the projects' money (PACKAGE.md): a 部门整体 form stands on its own line and
is never added to them (its budget already holds the project money); a project without a 全年预算数
or a 全年执行数 is listed and left out of both sums; the means are over scored projects. Every
figure below is summed here, by the test, from the forms' own cells."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from core.form import get_template, new_form
from core.package import build_unit_report, summarize
from core.package.summary_xlsx import write_summary_xlsx
from core.rules import evaluate
from tests.helpers import central_form, sample

D = Decimal


def q2(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def dept():
    f = sample("seed004-wangcheng-2020-dept.json")
    f.data["year"] = 2022
    return f


def project(name, budget, executed, actual="100个", profile="central"):
    return central_form([{"name": "完成数", "target": "≥100个", "actual": actual, "weight": "90"}],
                        budget=budget, executed=executed, profile=profile,
                        header={"项目名称": name, "实施单位": "某单位", "填报日期": "2023-03-29"})


def no_budget_project():
    """hunan-project-simple has no 全年预算数 column: only 年初预算数 and 执行数."""
    f = new_form(get_template("hunan-project-simple"), 2022, {"项目名称": "没有全年预算数的项目", "实施单位": "某单位"})
    f.data["funds"]["total"].update(initial="50", executed="48")
    return f


def amounts(f):
    t = f.data["funds"]["total"]
    return (D(t["budget"]) if t.get("budget") not in (None, "") else None,
            D(t["executed"]) if t.get("executed") not in (None, "") else None)


UNITS = {
    "dept and projects": lambda: [project("甲", "120", "96"), dept(), project("乙", "80", "80", "90个")],
    "projects only": lambda: [project("甲", "120", "96"), project("乙", "80", "80", "90个"),
                              project("丙", "33.33", "11.11", "50个")],
    "a project without 全年预算数": lambda: [project("甲", "120", "96"), no_budget_project(),
                                        project("乙", "80", "80", "90个")],
    "an unscored project": lambda: [project("甲", "120", "96"), project("不计分的", "500", "490", profile="none"),
                                    dept()],
}


@pytest.mark.parametrize("case", sorted(UNITS))
def test_the_total_is_the_projects_money_summed_here(case):
    forms = UNITS[case]()
    s = summarize(forms)
    depts = [f for f in forms if evaluate(f).template.get("kind") == "dept"]
    projects = [f for f in forms if f not in depts]
    # the 部门整体 form first, on its own line, without a number; the projects numbered 1…n
    assert [r.dept for r in s.rows] == [True] * len(depts) + [False] * len(projects)
    assert [r.no for r in s.projects] == list(range(1, len(projects) + 1))
    assert s.count == len(projects)
    counted = [f for f in projects if None not in amounts(f)]
    budget = sum((amounts(f)[0] for f in counted), D(0))
    executed = sum((amounts(f)[1] for f in counted), D(0))
    assert (s.budget, s.executed) == (budget, executed)
    assert s.rate == (q2(executed / budget * 100) if budget else None)
    assert [r.name for r in s.left_out] == [f.header.get("项目名称") for f in projects if f not in counted]
    scored = [(f, evaluate(f)) for f in projects if evaluate(f).profile.scored]
    if scored:
        plain = q2(sum((sc.total for _f, sc in scored), D(0)) / len(scored))
        weight = sum((amounts(f)[0] for f, _sc in scored if amounts(f)[0]), D(0))
        weighted = q2(sum((sc.total * amounts(f)[0] for f, sc in scored if amounts(f)[0]), D(0)) / weight)
        assert (s.plain_mean, s.weighted_mean) == (plain, weighted)
    # the unit's own money: its 部门整体 form, apart from the projects
    unit_budget, unit_executed, _rate = s.unit_money()
    if depts:
        assert (unit_budget, unit_executed) == amounts(depts[0])
        assert any("部门整体支出单列，不计入合计" in n for n in s.notes())
    else:
        assert unit_budget is None
    if s.left_out:
        assert any("没有全年预算数的项目" in n and "未计入合计" in n for n in s.notes())


def test_the_unit_report_says_the_units_money_first_and_the_projects_apart():
    forms = UNITS["dept and projects"]()
    s = summarize(forms)
    text = build_unit_report(forms).section("basic").all_text()
    b, e = amounts(dept())
    assert f"部门整体支出全年预算 {b:,.2f} 万元，全年执行 {e:,.2f} 万元" in text
    assert f"其中共有 2 个项目开展绩效自评，项目全年预算 {s.budget:,.2f} 万元，全年执行 {s.executed:,.2f} 万元" in text
    assert s.budget == D("200") and s.executed == D("176")


def test_the_workbook_notes_what_the_total_leaves_out(tmp_path):
    from openpyxl import load_workbook
    forms = UNITS["a project without 全年预算数"]() + [dept()]
    write_summary_xlsx(summarize(forms), tmp_path / "s.xlsx")
    ws = load_workbook(tmp_path / "s.xlsx").active
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert any(t.startswith("注：部门整体支出单列") for t in texts)
    assert any(t.startswith("注：“没有全年预算数的项目”缺少全年预算数或全年执行数") for t in texts)
    total = next(row for row in ws.iter_rows() if row[0].value == "合计")
    assert total[6].value == D("200") or float(total[6].value) == 200.0          # 全年预算数: 甲 120 + 乙 80
