"""Reading workbooks by their layout (core.reading.layout_import): the sheet backwards.

For each of the five templates, a workbook exported by the app with its hidden data sheet deleted
(a clerk copied the table into a new workbook) reads back as the same form, and so does the same
workbook after a blank row is inserted, the table is moved one column right, the 一级指标
cells are unmerged and merged again, or every merged cell is split.  "The same form" is defined in tests/layout_check.py."""
from __future__ import annotations

from decimal import Decimal

import pytest

from core.reading import import_workbook
from core.form import new_form
from core.rules import evaluate as score
from core.form import get_template
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


def _unmerge_all(ws):
    """Every merged cell split again, its value left in the top-left cell (a pasted copy)."""
    for m in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(m))


EDITS = {
    "plain": None,
    "all-unmerged": _unmerge_all,
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


# ---------------------------------------------------------------- tables as clerks make them

def _clerk_workbook(path, *, split_header=False, unit_columns=False, one_line_signature=False,
                    printed=("85.11%", "94.51"), formula=False):
    """A 项目支出绩效自评表 typed by hand in Excel (no hidden sheet, no app styles)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目支出绩效自评表"])
    ws.append(["（2022年度）"])
    ws.append([])                                                  # an extra blank row
    ws.append(["项目名称", None, "综治、平安建设经费"])
    ws.append(["主管部门", None, "南岳区委政法委", None, None, "实施单位", None, "中共南岳区委政法委员会"])
    ws.append(["项目资金\n（万元）", None, None, None, "年初预算数", "全年预算数\n（A）", "全年执行数（B）", "分值",
               "执行率（B/A）", "得分"])
    ws.append([None, None, "年度资金总额", None, 36, 36, 30.64, 10, printed[0], 8.51])
    ws.append([None, None, "其中：当年财政拨款", None, 36, 36, 30.64, "—", "—", "—"])
    ws.append(["年度总体目标", None, "预期目标", None, None, None, "实际完成情况"])
    ws.append([None, None, "深化平安建设", None, None, None, "已完成"])
    rows = [("产出指标", "数量指标", "公众安全感民意调查", ("≥", 10, "次"), ("", 10, "次"), 20, 20, None),
            (None, None, "“平安县市区”工作考评", ("≥", 10, "次"), ("", 8, "次"), 20, 16, "疫情影响"),
            (None, "质量指标", "综治考评合格率", ("=", 100, "%"), ("", 100, "%"), 10, 10, None),
            ("效益指标", "社会效益指标", "群众安全感", ("≥", 95, "%"), ("", 96, "%"), 30, 30, None),
            ("满意度指标", "服务对象满意度指标", "群众满意度", ("≥", 90, "%"), ("", 92, "%"), 10, 10, None)]
    if split_header:      # 年度指标值 over 指标性质 | 指标值 | 度量单位, on two header rows
        ws.append(["绩效指标", "一级指标", "二级 指标", "三级指标", "年度指标值", None, None, "实际完成值", "分值", "得分",
                   "偏差原因分析及改进措施"])
        ws.append([None, None, None, None, "指标性质", "指标值", "度量单位"])
        top = ws.max_row - 1
        ws.merge_cells(start_row=top, start_column=5, end_row=top, end_column=7)
        for col in (2, 3, 4, 8, 9, 10, 11):
            ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
        for l1, l2, name, (op, v, u), (_, av, au), w, s, why in rows:
            ws.append([None, l1, l2, name, op, v, u, f"{av}{au}", w, s, why])
    elif unit_columns:    # value and unit in cells of their own
        ws.append(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "单位", "实际完成值", "单位", "分值", "得分",
                   "偏差原因分析及改进措施"])
        for l1, l2, name, (op, v, u), (_, av, au), w, s, why in rows:
            ws.append([None, l1, l2, name, f"{op}{v}", u, av, au, w, s, why])
    else:
        ws.append(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                   "偏差原因分析及改进措施"])
        for l1, l2, name, (op, v, u), (_, av, au), w, s, why in rows:
            ws.append([None, l1, l2, name, f"{op}{v}{u}", f"{av}{au}", w, s, why])
    ws.append(["总分", None, None, None, None, None, 100, printed[1], "自评等级", "优"])
    if one_line_signature:
        ws.append(["填报人：王五    联系电话：0734-5678901    填报日期：2023-03-29"])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=10)
    else:
        ws.append(["填报人：", "王五", None, "联系电话：", None, "0734-5678901", None, "填报日期：", "2023-03-29"])
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                c.data_type = "s"                               # "=100%" typed as text, not a formula
            if formula and c.value == "8次":
                c.value = "=8&\"次\""                          # a formula saved without its result
    wb.save(path)


def _inds(f):
    return [(i["level1"], i["level2"], i["name"], i["target"], i["actual"]) for _, _, i in f.indicators()]


EXPECTED = [("产出指标", "数量指标", "公众安全感民意调查", "≥10次", "10次"),
            ("产出指标", "数量指标", "“平安县市区”工作考评", "≥10次", "8次"),
            ("产出指标", "质量指标", "综治考评合格率", "=100%", "100%"),
            ("效益指标", "社会效益指标", "群众安全感", "≥95%", "96%"),
            ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%")]


@pytest.mark.parametrize("arrangement", ["plain", "split_header", "unit_columns"])
def test_a_clerks_table_is_read_whatever_the_arrangement(tmp_path, arrangement):
    x = tmp_path / "clerk.xlsx"
    _clerk_workbook(x, **({arrangement: True} if arrangement != "plain" else {}))
    f = import_workbook(x)
    assert f.template_id == "central-project" and f.year == 2022
    assert _inds(f) == EXPECTED
    assert f.header["项目名称"] == "综治、平安建设经费" and f.header["实施单位"] == "中共南岳区委政法委员会"
    assert f.header["填报人"] == "王五" and f.header["联系电话"] == "0734-5678901"
    total = f.funds["total"]
    assert (total["initial"], total["budget"], total["executed"]) == ("36", "36", "30.64")
    assert [s["label"] for s in f.sources] == ["当年财政拨款"]
    assert f.goals[0]["planned"] == "深化平安建设" and f.goals[0]["achieved"] == "已完成"
    assert score(f).total == Decimal("94.51")


def test_signature_line_typed_into_one_merged_cell(tmp_path):
    x = tmp_path / "clerk.xlsx"
    _clerk_workbook(x, one_line_signature=True)
    f = import_workbook(x)
    assert (f.header["填报人"], f.header["联系电话"], f.header["填报日期"]) == ("王五", "0734-5678901", "2023-03-29")


def test_printed_rate_and_total_that_the_numbers_do_not_give_are_kept_and_flagged(tmp_path):
    """Issue 11: a typed 执行率 or 总分 that disagrees with the numbers was discarded."""
    x = tmp_path / "clerk.xlsx"
    _clerk_workbook(x, printed=("90.00%", "96.00"))
    f = import_workbook(x)
    assert f.funds["total"]["rate"] == "90.00%" and f.data["total"] == "96.00"
    found = {(x.where, x.code) for x in score(f).findings}
    assert ("funds.total.rate", "printed-rate") in found and ("total", "printed-total") in found
    # the same table with the printed figures the numbers give keeps neither
    _clerk_workbook(x)
    g = import_workbook(x)
    assert "rate" not in g.funds["total"] and "total" not in g.data


def test_a_formula_without_its_result_is_a_finding_on_its_cell(tmp_path):
    from core.reading.layout_import import FORMULA_MESSAGE

    x = tmp_path / "clerk.xlsx"
    _clerk_workbook(x, formula=True)
    f = import_workbook(x)
    assert f.get("goals.0.indicators.1.actual") == ""
    at = [x for x in score(f).findings if x.where == "goals.0.indicators.1.actual"]
    assert [(x.message, x.level) for x in at if x.message == FORMULA_MESSAGE] == [(FORMULA_MESSAGE, "error")]
    f.set("goals.0.indicators.1.actual", "8次")            # filled in: the finding goes
    assert not [x for x in score(f).findings if x.message == FORMULA_MESSAGE]


def test_a_formula_without_its_result_in_our_own_workbook(tmp_path):
    import openpyxl

    from core.export import export_form
    from core.reading.layout_import import FORMULA_MESSAGE
    from core.layout import build_sheet

    form = sample("central-project-example-2022.json")
    x = tmp_path / "ours.xlsx"
    export_form(form, xlsx=x)
    wb = openpyxl.load_workbook(x)
    c = build_sheet(form).cell_for("goals.0.indicators.0.actual")
    wb.worksheets[0].cell(c.row + 1, c.col + 1).value = "=10&\"次\""
    wb.save(x)
    f = import_workbook(x)
    assert FORMULA_MESSAGE in [m.message for m in score(f).findings if m.where == "goals.0.indicators.0.actual"]


def test_a_sichuan_table_with_operator_value_and_unit_in_three_cells(tmp_path):
    """A new template file brings its reader: the Sichuan table is found by its own labels."""
    form = filled("sichuan-project")
    back = read_back(tmp_path, form)
    assert back.template_id == "sichuan-project"
    assert [i["target"] for _, _, i in back.indicators()] == [i["target"] for _, _, i in form.indicators()]


def test_a_workbook_in_no_template_is_refused_naming_the_closest(tmp_path):
    import openpyxl

    from core.reading import ImportError_

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目支出绩效自评表"])
    ws.append(["项目名称", None, "某项目"])
    ws.append(["绩效指标", "指标", "目标", "完成"])
    x = tmp_path / "odd.xlsx"
    wb.save(x)
    with pytest.raises(ImportError_) as e:
        import_workbook(x)
    msg = str(e.value)
    assert "最接近“项目支出绩效自评表（财政部通用）”" in msg and "一级指标" in msg and "三级指标" in msg


@pytest.mark.parametrize("tid", ["hunan-dept", "hubei-dept"])
def test_long_texts_spread_over_several_rows_read_back(tmp_path, tid):
    """A text taller than Excel's 409 pt row is spread over several merged rows by the export; read
    by layout it is one cell again, and the rows after it are where they belong."""
    form = filled(tid)
    long = "；".join(f"第{i}项工作按计划完成并通过验收" for i in range(600))
    key = next(iter(form.texts))
    form.texts[key] = long
    form.goals[0]["indicators"][0]["reason"] = long[:3000]
    for name, edit in EDITS.items():
        back = _check(tmp_path, form, edit)
        assert back.texts[key] == long, name


def test_command_line_import_says_which_cells_could_not_be_read(tmp_path):
    import subprocess
    import sys

    from core.reading.layout_import import FORMULA_MESSAGE
    from core.form import load
    from tests.helpers import ROOT

    x = tmp_path / "clerk.xlsx"
    _clerk_workbook(x, formula=True)
    out = tmp_path / "form.json"
    p = subprocess.run([sys.executable, str(ROOT / "main.py"), "import", str(x), "-o", str(out)],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert FORMULA_MESSAGE in p.stderr and "goals.0.indicators.1.actual" in p.stderr
    f = load(out)
    assert FORMULA_MESSAGE in [m.message for m in score(f).findings]


def test_signature_labels_each_with_its_value_in_one_cell(tmp_path):
    import openpyxl

    x = tmp_path / "clerk.xlsx"
    _clerk_workbook(x)
    wb = openpyxl.load_workbook(x)
    ws = wb.active
    last = ws.max_row
    for c in range(1, 12):
        ws.cell(last, c).value = None
    ws.cell(last, 1).value = "填报人：王五"
    ws.cell(last, 4).value = "联系电话： 0734-5678901"
    ws.cell(last, 8).value = "填报日期：2023年3月29日"
    wb.save(x)
    f = import_workbook(x)
    assert (f.header["填报人"], f.header["联系电话"], f.header["填报日期"]) == ("王五", "0734-5678901", "2023年3月29日")


def test_a_new_template_file_brings_its_reader(tmp_path, monkeypatch):
    """A province's variant is a new template file, and the import reads it with no new code: here
    a copy of central-project with other labels, another title and one more column."""
    import copy

    from core.form import templates
    from core.form import new_form

    base = templates._load_all()
    t = copy.deepcopy(base["central-project"])
    t.update(id="test-province-project", name="项目支出绩效自评表（某省）", title="某省项目支出绩效自评表")
    t["columns"] = t["columns"] + [8]
    for block in t["blocks"]:
        if block["type"] == "indicators":
            block["columns"][3]["label"] = "年度目标值"
            block["columns"].insert(5, {"key": "content", "label": "完成情况说明"})
        elif block["type"] == "row":
            block["items"][-1]["span"] = int(block["items"][-1].get("span", 1)) + 1
        elif block["type"] in ("funds", "goal_texts"):
            block["columns"][-1]["span"] = int(block["columns"][-1].get("span", 1)) + 1
    templates.check_template(t)
    monkeypatch.setattr(templates, "_load_all", lambda: {**base, t["id"]: t})

    form = new_form(t, 2024, {"项目名称": "某项目", "实施单位": "某单位", "填报日期": "2025-01-10"})
    for n, (_, _, ind) in enumerate(form.indicators()):
        ind.update(name=f"指标{n}", target="≥10次", actual="12次", weight="15", content=f"说明{n}")
    back = _check(tmp_path, form)
    assert back.template_id == "test-province-project"
    assert [i["content"] for _, _, i in back.indicators()] == [f"说明{n}" for n in range(len(back.goals[0]["indicators"]))]


def test_a_clerks_funds_table_with_the_total_on_the_other_end(tmp_path):
    """hunan-dept draws 财政拨款 then 年度资金总额; a clerk's copy with the total first is read too."""
    import openpyxl

    form = sample("seed004-wangcheng-2020-dept.json")
    x = tmp_path / "t.xlsx"
    x.write_bytes(workbook_without_data(form))
    wb = openpyxl.load_workbook(x)
    ws = wb.active
    r, _ = find(ws, "财政拨款")
    t, _ = find(ws, "年度资金总额")
    for c in range(2, 12):
        a, b = ws.cell(r, c), ws.cell(t, c)
        if type(a).__name__ != "MergedCell" and type(b).__name__ != "MergedCell":
            a.value, b.value = b.value, a.value
    wb.save(x)
    back = import_workbook(x)
    assert back.funds["total"]["label"] == "年度资金总额" and back.funds["total"]["executed"] == "1930.54"
    assert [s["label"] for s in back.sources] == ["财政拨款"]


def test_signature_labels_above_their_values(tmp_path):
    import openpyxl

    x = tmp_path / "clerk.xlsx"
    _clerk_workbook(x)
    wb = openpyxl.load_workbook(x)
    ws = wb.active
    last = ws.max_row
    for c in range(1, 12):
        ws.cell(last, c).value = None
    for c, (label, value) in enumerate((("填报人", "王五"), ("联系电话", "0734-5678901"), ("填报日期", "2023-03-29")), 1):
        ws.cell(last, 3 * c - 2).value = label
        ws.cell(last + 1, 3 * c - 2).value = value
    wb.save(x)
    f = import_workbook(x)
    assert (f.header["填报人"], f.header["联系电话"], f.header["填报日期"]) == ("王五", "0734-5678901", "2023-03-29")
