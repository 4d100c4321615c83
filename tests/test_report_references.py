"""What the report's sentences point the reader to exists in that report."""
from __future__ import annotations

from core.report import build_report, build_unit_report
from tests.helpers import sample_unit


def test_unscored_rows_are_referred_to_a_table_the_report_has():
    zongzhi = sample_unit()[1]                  # unscored; its 效益指标 rows are words, not numbers
    project = build_report(zongzhi)
    goals = project.section("goals")
    assert any(b.kind == "table" for b in goals.items())          # the project report shows the rows
    assert "效益指标共 2 项，完成情况见上表。" in goals.all_text()     # no "其余" when nothing came before
    unit = build_unit_report(sample_unit())
    unit_goals = unit.section("goals")
    assert not any(b.kind == "table" for b in unit_goals.items())  # the unit report does not
    text = unit_goals.all_text()
    assert "见上表" not in text
    assert "效益指标共 2 项，完成情况见该项目绩效自评表。" in text
