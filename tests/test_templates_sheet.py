"""Templates are data; the sheet lays every form out as its paper table."""
import json

import pytest

from core.form import new_form
from core.rules import evaluate
from core.layout import build_sheet, edit_cell, redo_changes, set_tier, undo_changes
from core.form import TemplateError, all_templates, check_template, get_template
from tests.helpers import big_central_form, sample, sample_paths

IDS = ["central-project", "hunan-dept", "hubei-dept", "hunan-project-simple", "sichuan-project"]


def test_the_five_templates_ship():
    assert sorted(t["id"] for t in all_templates()) == sorted(IDS)


def test_a_bad_template_is_refused():
    t = json.loads(json.dumps(get_template("central-project")))
    t["blocks"][1]["items"][0]["span"] = 3
    with pytest.raises(TemplateError):
        check_template(t)


def _covers_grid_exactly(sheet):
    seen = {}
    for c in sheet.cells:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                assert (r, k) not in seen, f"cell {(r, k)} covered twice"
                seen[(r, k)] = c
    assert len(seen) == sheet.nrows * sheet.ncols


@pytest.mark.parametrize("tid", IDS)
def test_new_forms_of_every_template_lay_out(tid):
    form = new_form(get_template(tid), year=2023)
    sheet = build_sheet(form)
    _covers_grid_exactly(sheet)
    assert sheet.header_rows


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.name)
def test_samples_lay_out_and_every_indicator_is_on_the_sheet(path):
    form = sample(path.name)
    sheet = build_sheet(form)
    _covers_grid_exactly(sheet)
    for gi, ii, ind in form.indicators():
        if ind.get("name"):
            assert sheet.cell_for(f"goals.{gi}.indicators.{ii}.name").text == ind["name"]
        assert sheet.cell_for(f"goals.{gi}.indicators.{ii}.level1") is not None


def test_seed004_sheet_looks_like_the_paper_form():
    sheet = build_sheet(sample("seed004-wangcheng-2020-dept.json"))
    assert sheet.cell_for("funds.total.rate").text == "108.21%"
    assert sheet.cell_for("funds.total.rate").level == "error"
    assert sheet.cell_for("funds.total.score").text == "9.18"
    assert sheet.cell_for("total").text == "98.18"
    assert sheet.cell_for("grade").text == "优"
    l1 = sheet.cell_for("goals.0.indicators.0.level1")
    assert (l1.text, l1.rowspan) == ("产出指标", 7)          # merged down over the 7 产出 rows
    assert len(l1.keys) == 7
    assert sheet.cell_for("goals.0.indicators.3.score").text == "5.00"


def test_editing_a_merged_cell_sets_every_row_and_undoes():
    form = sample("seed004-wangcheng-2020-dept.json")
    sheet = build_sheet(form)
    changes = edit_cell(form, sheet.cell_for("goals.0.indicators.0.level1"), "产出")
    assert len(changes) == 7 and all(form.get(f"goals.0.indicators.{i}.level1") == "产出" for i in range(7))
    undo_changes(form, changes)
    assert form.get("goals.0.indicators.3.level1") == "产出指标"
    redo_changes(form, changes)
    assert form.get("goals.0.indicators.3.level1") == "产出"


def test_editing_the_execution_changes_the_score():
    form = sample("seed004-wangcheng-2020-dept.json")
    sheet = build_sheet(form)
    edit_cell(form, sheet.cell_for("funds.total.executed"), "1784")
    sheet = build_sheet(form)
    assert sheet.cell_for("funds.total.score").text == "10.00"
    assert sheet.cell_for("total").text == "99.00"


def test_sichuan_three_columns_compose_the_target():
    form = new_form(get_template("sichuan-project"), year=2023)
    sheet = build_sheet(form)
    edit_cell(form, sheet.cell_for("goals.0.indicators.0.target#op"), "≤")
    edit_cell(form, sheet.cell_for("goals.0.indicators.0.target#value"), "30")
    edit_cell(form, sheet.cell_for("goals.0.indicators.0.target#unit"), "万元")
    assert form.get("goals.0.indicators.0.target") == "≤30万元"
    sheet = build_sheet(form)
    assert [sheet.cell_for(f"goals.0.indicators.0.target#{p}").text for p in ("op", "value", "unit")] == ["≤", "30", "万元"]


def test_tier_pick_sets_default_score():
    form = sample("central-project-example-2022.json")
    changes = set_tier(form, 0, 6, 2)
    assert form.get("goals.0.indicators.6.score") == "7.00"
    assert evaluate(form).indicators[6].tier == 2
    undo_changes(form, changes)
    assert form.get("goals.0.indicators.6.score") == "10"


def test_big_form_lays_out():
    sheet = build_sheet(big_central_form(200))
    _covers_grid_exactly(sheet)
