"""What the report's sentences point the reader to exists in that report."""
from __future__ import annotations

from core.package import build_report, build_unit_report
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


def test_table_headings_of_the_reports_fit_their_columns_line_by_line():
    """A heading of a report table is a fixed label: each of its lines fits its column in the PDF
    (the Word file has the same proportions), so no “（万/元）” split."""
    from core.export import fonts
    from core.package.report_docx import BODY_PT, CHARS_PER_LINE, TABLE_PT
    from core.package import build_report
    body, _ = fonts.register()
    width = CHARS_PER_LINE * BODY_PT
    forms = sample_unit()
    reports = [build_report(f) for f in forms] + [build_unit_report(forms)]
    seen = 0
    for report in reports:
        for sec in report.sections:
            for block in sec.items():
                if block.kind != "table":
                    continue
                total = sum(block.widths)
                for heading, w in zip(block.rows[0], block.widths):
                    room = width * w / total - 4                      # the cell's padding
                    for line in heading.split("\n"):
                        seen += 1
                        assert fonts.string_width(line, body, TABLE_PT) <= room, (report.title, heading)
    assert seen > 10


def test_total_row_of_the_unit_table_keeps_each_grade_with_its_count():
    from core.export import fonts
    from core.package.report_docx import BODY_PT, CHARS_PER_LINE, TABLE_PT
    body, _ = fonts.register()
    table = next(b for b in build_unit_report(sample_unit()).section("summary").items() if b.kind == "table")
    total = table.rows[-1]
    assert total[0] == "合计" and total[-1] == "优 1 良 0\n中 0 差 0"
    room = CHARS_PER_LINE * BODY_PT * table.widths[-1] / sum(table.widths) - 4
    assert all(fonts.string_width(line, body, TABLE_PT) <= room for line in total[-1].split("\n"))


def test_rows_not_scored_yet_are_not_said_to_be_done():
    from core.package.summary import evaluate
    from tests.helpers import central_form
    rows = [dict(level1="产出指标", level2="数量指标", target="≥10次", actual="12次", weight="50"),
            dict(level1="效益指标", level2="社会效益指标", name="群众出行便利程度", target="明显改善",
                 actual="明显改善", weight="20"),                   # 定性: no 档次 chosen, no score
            dict(level1="效益指标", level2="社会效益指标", name="长效管护机制", target="健全",
                 actual="基本健全", weight="20")]
    form = central_form(rows)
    scores = evaluate(form)
    assert [s.score for s in scores.indicators][1:] == [None, None]
    goals = build_report(form).section("goals").all_text()
    assert "产出指标共 1 项，完成 1 项，得分 50.00 分（满分 50 分）。" in goals
    assert "效益指标共 2 项，完成 0 项，2 项尚未评分；已评分的得分 0.00 分（满分 40 分）。" in goals
    assert "效益指标共 2 项，完成 2 项" not in goals
