"""Reading workbooks by their layout (core.layout_import): the sheet backwards.

For each of the five templates, a workbook exported by the app with its hidden data sheet deleted
(a clerk copied the table into a new workbook) reads back as the same form, and so does the same
workbook after a blank row is inserted, the table is moved one column right, or the 一级指标
cells are unmerged and merged again.  "The same form" is defined in tests/layout_check.py."""
from __future__ import annotations

import pytest

from core.imports import import_workbook
from core.model import new_form
from core.evaluate import evaluate as score
from core.templates import get_template
from tests.helpers import sample, sample_paths
from tests.layout_check import differences, paper, workbook_without_data
from tests.xlsx_edit import find, insert_col, insert_row, remerge_column

IDS = ["central-project", "hunan-dept", "hubei-dept", "hunan-project-simple", "sichuan-project"]


def filled(tid: str, profile: str | None = None):
    """A form of the template with every cell the table draws filled in, different from row to row."""
    t = get_template(tid)
    form = new_form(t, 2023, {k: f"{k}的内容" for k in t.get("header_fields", [])})
    form.data["header"]["填报日期"] = "2024-03-29"
    if profile:
        form.data["profile"] = profile
    total = form.funds["total"]
    total.update(label=total["label"] or "年度资金总额", initial="120", budget="100", executed="95.5",
                 transfer="0", reason="按进度支付")
    for i, row in enumerate(form.sources):
        row.update(initial=str(60 * (i == 0)), budget=str(100 * (i == 0)), executed=str(95.5 * (i == 0)))
    for i, row in enumerate(form.uses):
        row["executed"] = ["60", "35.5"][i % 2]
    for k in form.texts:
        form.texts[k] = f"{k}：第一段\n第二段"
    kinds = [("≥10次", "12次"), ("≤30天", "28天"), ("=100%", "100%"), ("同比上升", "同比上升"), ("≥95%", "96%")]
    if t.get("multi_goal"):
        form.goals.append({"title": "年度目标2:维护社会稳定", "planned": "", "achieved": "", "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "name": "", "target": "", "actual": "", "weight": "",
             "score": None, "tier": None, "reason": "", "measure": ""}]})
    n = 0
    for gi, goal in enumerate(form.goals):
        if t.get("multi_goal"):
            goal["title"] = goal["title"] or f"年度目标{gi + 1}:做好本职工作"
        goal["planned"] = f"目标{gi + 1}的预期"
        goal["achieved"] = f"目标{gi + 1}已完成"
        for ind in goal["indicators"]:
            target, actual = kinds[n % len(kinds)]
            ind.update(name=f"三级指标{n + 1}", target=target, actual=actual, weight="10", content=f"内容{n}",
                       reason="" if n % 2 else f"原因{n}", measure=f"措施{n}" if "measure" in ind else "")
            if target == "同比上升":
                ind.update(tier=2, score="7")
            n += 1
    return form


def read_back(tmp_path, form, edit=None, name="t.xlsx"):
    x = tmp_path / name
    x.write_bytes(workbook_without_data(form, edit))
    return import_workbook(x)


def _insert_blank_rows(ws):
    """Blank rows where clerks add them: under the title, before the indicator table, before the end."""
    r, _ = find(ws, "一级指标")
    insert_row(ws, r)                  # just above the indicator table's header row
    insert_row(ws, 2)                  # under the title
    insert_row(ws, ws.max_row)         # above the last row


def _move_right(ws):
    insert_col(ws, 1)


def _remerge_level1(ws, merge_again):
    r, c = find(ws, "一级指标")
    remerge_column(ws, c, r + 1, fill=True, merge_again=merge_again)


EDITS = {
    "plain": None,
    "blank-rows": _insert_blank_rows,
    "moved-right": _move_right,
    "level1-unmerged": lambda ws: _remerge_level1(ws, False),
    "level1-remerged": lambda ws: _remerge_level1(ws, True),
}


def _check(tmp_path, form, edit=None):
    back = read_back(tmp_path, form, edit)
    assert differences(form, back) == []
    return back


def _template_case(tmp_path, tid):
    forms = [filled(tid)] + [sample(p.name) for p in sample_paths() if sample(p.name).template_id == tid]
    for form in forms:
        for name, edit in EDITS.items():
            back = _check(tmp_path, form, edit)
            assert back.template_id == tid, name
            if "{year}" in get_template(tid)["title"] + get_template(tid).get("subtitle", ""):
                assert back.year == form.year, name


def test_central_project_reads_back_by_layout(tmp_path):
    _template_case(tmp_path, "central-project")


def test_hunan_dept_reads_back_by_layout(tmp_path):
    _template_case(tmp_path, "hunan-dept")


def test_hubei_dept_reads_back_by_layout(tmp_path):
    _template_case(tmp_path, "hubei-dept")


def test_hunan_project_simple_reads_back_by_layout(tmp_path):
    _template_case(tmp_path, "hunan-project-simple")


def test_sichuan_project_reads_back_by_layout(tmp_path):
    _template_case(tmp_path, "sichuan-project")


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.name)
def test_every_sample_reads_back_with_its_scores(tmp_path, path):
    form = sample(path.name)
    back = read_back(tmp_path, form)
    assert differences(form, back) == []
    s0, s1 = score(form), score(back)
    assert (s1.total, s1.rate, s1.grade, s1.profile.id) == (s0.total, s0.rate, s0.grade, s0.profile.id)


@pytest.mark.parametrize("tid,profile", [("central-project", "hubei-2020"), ("central-project", "beijing-2016"),
                                         ("hunan-dept", "central"), ("sichuan-project", "hubei-2020")])
def test_the_profile_the_sheet_prints_is_found(tmp_path, tid, profile):
    """A form scored under another profile comes back under it, with the same scores (issue 11:
    forms under beijing-2016 or hubei-2020 came back as central)."""
    form = filled(tid, profile)
    if profile == "beijing-2016":
        form.funds["total"]["initial"] = "80"           # beijing rates against 年初预算数
    if tid == "hunan-dept":
        form.funds["total"]["executed"] = "108"         # over budget: hunan gives 10 × (2 − 1.08), central 10
    back = _check(tmp_path, form)
    assert back.profile_id == profile
    assert score(back).total == score(form).total


def test_template_is_detected_not_assumed(tmp_path):
    """Seed 001 (hunan-project-simple) used to come back as central-project with every amount lost."""
    for p in sample_paths():
        form = sample(p.name)
        back = read_back(tmp_path, form)
        assert back.template_id == form.template_id
        assert paper(back) == paper(form)
