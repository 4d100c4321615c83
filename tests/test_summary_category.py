"""项目类别 of the 汇总表: what the form or its table's title says, nothing guessed."""
from __future__ import annotations

from core.form import new_form
from core.package import summarize
from core.form import get_template
from tests.helpers import sample


def _form(template: str, header=None):
    return new_form(get_template(template), 2023, {"项目名称": "某项目", "实施单位": "某单位", **(header or {})})


def test_category_from_the_form_the_table_title_or_blank():
    rows = summarize([_form("sichuan-project"), _form("central-project"), _form("hunan-project-simple"),
                      _form("central-project", {"项目类别": "转移支付"}),
                      sample("seed004-wangcheng-2020-dept.json")]).rows
    # the 部门整体 form stands on its own line above the projects (PACKAGE.md)
    assert [r.category for r in rows] == ["部门整体", "部门预算", "", "", "转移支付"]
    assert rows[1].cells()[3] == "部门预算" and rows[0].cells()[0] == "" and rows[1].cells()[0] == "1"


def test_summary_workbook_puts_the_money_unit_at_the_right(tmp_path):
    from openpyxl import load_workbook

    from core.package.summary_xlsx import write_summary_xlsx
    from tests.helpers import UNIT, sample_unit
    write_summary_xlsx(summarize(sample_unit()), tmp_path / "s.xlsx")
    ws = load_workbook(tmp_path / "s.xlsx").active
    assert ws["A2"].value == f"填报单位：{UNIT}"
    assert ws["L2"].value == "金额单位：万元" and ws["L2"].alignment.horizontal == "right"
    assert {"A2:K2", "L2:N2"} <= {str(r) for r in ws.merged_cells.ranges}
