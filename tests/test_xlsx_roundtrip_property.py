"""Property: a form exported to xlsx and imported back is the same form, over 500 generated forms
(tests/strategies.py `form()`: every template, odd numbers, formula-like text, tabs, line breaks,
emoji, Extension B).  The workbook is made in memory and written to one file on a RAM disk where
there is one (/dev/shm), so 500 examples take well under a minute."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from core.export.xlsx import write_xlsx
from core.form import validate
from core.reading import import_workbook
from core.rules import evaluate
from tests.layout_check import differences, drawn_only, fits_excel, holdable, workbook_without_data
from tests.strategies import form
from tests.test_layout_import import EDITS
from tests.helpers import examples  # noqa: E402


@pytest.fixture(scope="module")
def scratch():
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="ziping-rt-", dir=base) as d:
        yield Path(d) / "round-trip.xlsx"


def _hubei(unit: str = "", goal_title: str = "") -> object:
    """A hubei-dept form with one empty goal: what the explore profile's draws found."""
    return validate({"format": "ziping-form", "version": 1, "template": "hubei-dept", "year": None,
                     "header": {"单位名称": unit, "填报人": "", "联系电话": "", "填报日期": ""},
                     "funds": {"total": {"label": "", "initial": "", "budget": "0" if unit else "",
                                         "executed": "0" if unit else "", "transfer": "", "reason": ""},
                               "sources": [], "uses": []},
                     "goals": [{"title": goal_title, "planned": "", "achieved": "", "indicators": []}],
                     "texts": {"偏差大或目标未完成原因分析": "", "改进措施及结果应用方案": ""}})


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(f=form(max_rows=6))
def test_xlsx_export_then_import_is_identity(scratch, f):
    write_xlsx(f, scratch)
    back = import_workbook(scratch)
    assert back.data == f.data
    assert back.to_json() == f.to_json()
    assert json.dumps(evaluate(back).to_json(), ensure_ascii=False) == json.dumps(evaluate(f).to_json(), ensure_ascii=False)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(f=form(max_rows=4))
# a unit named with four digits and no year: the title "1000     年度整体绩效自评表" gave the year 1000
@example(f=_hubei(unit="1000"))
@example(f=_hubei(unit="0000"))
def test_xlsx_without_its_data_sheet_reads_back_by_layout(scratch, f):
    """The same forms, with the hidden data sheet deleted: read by layout, the form draws the same
    table and every value it shows comes back (tests/layout_check.py).  What no workbook without
    its data sheet can carry is taken out of the generated form first: values the table does not
    show (a 年初预算数 on a template without that column), characters an Excel cell cannot hold;
    forms with numbers of more than 15 significant digits (Excel keeps 15) are left out."""
    f = holdable(drawn_only(f))
    assume(fits_excel(f))
    scratch.write_bytes(workbook_without_data(f))
    back = import_workbook(scratch)
    assert differences(f, back) == []


def _label_like_values() -> object:
    """A 偏差原因 of “单位” (the core of the footer's 单位（盖章）：) in the last indicator row: the
    first random draw of a fresh run found the layout reader ending the table there once all merges
    were split, and dropping the row."""
    rows = [dict(ROW) for _ in range(4)]
    rows[3]["reason"] = "单位"
    return validate({"format": "ziping-form", "version": 1, "template": "central-project", "year": None,
                     "header": {k: "" for k in ("项目名称", "主管部门", "实施单位", "填报人", "联系电话", "填报日期")},
                     "funds": {"total": {"label": "", "initial": "0", "budget": "0", "executed": "0", "transfer": "",
                                         "reason": ""}, "sources": [], "uses": []},
                     "goals": [{"title": "", "planned": "", "achieved": "", "indicators": rows}], "texts": {}})


ROW = {"level1": "产出指标", "level2": "数量指标", "name": "", "target": "同比上升", "actual": "同比上升", "weight": "10",
       "score": None, "tier": None, "reason": "", "measure": ""}


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(f=form(max_rows=4), edit=st.sampled_from(sorted(EDITS)))
@example(f=_label_like_values(), edit="all-unmerged")
# all merges split: the funds table ran into the goal's title row ("0" read as the funds' label) and
# on into the goal's indicator header, which then was not found
@example(f=_hubei(goal_title="0"), edit="all-unmerged")
@example(f=_hubei(), edit="all-unmerged")
def test_edited_workbooks_without_their_data_sheet_read_back_by_layout(scratch, f, edit):
    """The same, after what clerks do to a table (tests/test_layout_import.py EDITS): blank rows
    inserted, the table moved right, 一级指标 unmerged and filled or merged again, all merges split."""
    f = holdable(drawn_only(f))
    assume(fits_excel(f))
    scratch.write_bytes(workbook_without_data(f, EDITS[edit]))
    back = import_workbook(scratch)
    assert differences(f, back) == []
