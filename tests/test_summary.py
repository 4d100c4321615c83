"""The 汇总表 of a unit (core/package/summary.py) and its xlsx/PDF files."""
from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from core.package.summary import GRADES, UNSCORED, evaluate, summarize
from tests.helpers import UNIT, central_form, sample, sample_unit
from tests.test_export import POPPLER, pdf_text, squash

D = Decimal


def q2(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_sample_unit_rows_and_totals():
    forms = sample_unit()
    s = summarize(forms)
    assert s.year == 2022 and s.unit == UNIT and s.count == 3
    central, zongzhi, sixing = s.rows
    # amounts as in the tables
    assert (central.budget, central.executed) == (D("880"), D("836"))
    assert (zongzhi.initial, zongzhi.executed) == (D("36"), D("30.64"))
    assert (sixing.initial, sixing.executed) == (D("15"), D("22.7"))
    # each row's rate and score are the form's own computed figures
    for row, form in zip(s.rows, forms):
        sc = evaluate(form)
        assert row.rate == sc.rate
        assert row.errors == sum(1 for f in sc.findings if f.level == "error")
    assert central.score == D("94.25") and central.grade == "优"
    # unscored forms show their rate and 不计分
    assert zongzhi.cells()[8] == "85.11%" and zongzhi.cells()[9] == UNSCORED and zongzhi.cells()[10] == UNSCORED
    assert sixing.cells()[8] == "151.33%" and sixing.cells()[9] == UNSCORED
    # 合计: sums, rate from the sums, means over the scored forms only
    assert s.budget == D("880") + D("36") + D("15")
    assert s.executed == D("836") + D("30.64") + D("22.7")
    assert s.rate == q2(s.executed / s.budget * 100)
    assert s.weighted_mean == s.plain_mean == D("94.25")
    assert s.grades == {"优": 1, "良": 0, "中": 0, "差": 0}
    total = s.total_cells()
    assert total[0] == "合计" and total[7] == "889.34" and total[6] == "931.00"


def test_rows_below_target_and_their_reasons():
    s = summarize(sample_unit())
    central, zongzhi, sixing = s.rows
    # central: 矛盾纠纷调处时限 (8.00 of 10), 群众安全感 (9.75 of 10) and one qualitative row at 7 of 10
    assert central.below == 3
    # zongzhi: the cost row =36万元 vs =30.64万元 misses its target; its reason is shown
    assert zongzhi.below == 1
    assert "单位用其它资金弥补该项经费支出" in zongzhi.reason
    assert len(zongzhi.cells()[12]) <= 40                      # shortened on screen and in the PDF …
    assert sixing.below == 0


def _generated(n: int, rnd: random.Random):
    """n forms of known scores: execution 10 × min(B/A, 1) + one positive row 90 × x/100."""
    forms, expected = [], []
    for i in range(n):
        budget = D(rnd.randint(1, 5000)) / 4
        executed = q2(budget * D(rnd.randint(50, 120)) / 100)
        x = rnd.randint(40, 100)
        unscored = rnd.random() < 0.25
        f = central_form([{"name": "完成数", "target": "≥100个", "actual": f"{x}个", "weight": "90"}],
                         budget=str(budget), executed=str(executed),
                         profile="none" if unscored else "central",
                         header={"项目名称": f"项目{i}", "实施单位": "生成单位", "填报日期": "2023-03-29"})
        forms.append(f)
        score = None if unscored else q2(10 * min(executed / budget, D(1))) + q2(D(90) * x / 100)
        expected.append((budget, executed, score))
    return forms, expected


@pytest.mark.parametrize("draw", [1, 2, 3])
def test_generated_units(draw, rng):
    forms, expected = _generated(12, rng)
    s = summarize(forms)
    assert s.unit == "生成单位" and s.count == 12
    assert s.budget == sum(b for b, _, _ in expected)
    assert s.executed == sum(e for _, e, _ in expected)
    assert s.rate == q2(s.executed / s.budget * 100)
    scored = [(b, sc) for b, _, sc in expected if sc is not None]
    for row, (b, e, sc) in zip(s.rows, expected):
        assert row.score == sc
        assert row.scored == (sc is not None)
        if sc is None:
            assert row.cells()[9] == UNSCORED
        assert row.rate == q2(e / b * 100)
    assert s.scored_count == len(scored)
    if scored:
        assert s.plain_mean == q2(sum(sc for _, sc in scored) / len(scored))
        assert s.weighted_mean == q2(sum(sc * b for b, sc in scored) / sum(b for b, _ in scored))
    grade = lambda t: "优" if t >= 90 else "良" if t >= 80 else "中" if t >= 60 else "差"  # noqa: E731
    counts = {g: sum(1 for _, sc in scored if grade(sc) == g) for g in GRADES}
    assert s.grades == counts
    assert sum(s.grades.values()) == len(scored)


def test_weighted_mean_differs_from_plain_mean():
    big = central_form([{"target": "≥100个", "actual": "100个", "weight": "90"}], budget="900", executed="900")
    small = central_form([{"target": "≥100个", "actual": "50个", "weight": "90"}], budget="100", executed="100")
    s = summarize([big, small])
    assert [r.score for r in s.rows] == [D("100.00"), D("55.00")]
    assert s.plain_mean == D("77.50")
    assert s.weighted_mean == D("95.50")       # (100 × 900 + 55 × 100) / 1000
    assert s.grades == {"优": 1, "良": 0, "中": 0, "差": 1}


def test_all_unscored_unit():
    s = summarize([sample("seed001-nanyue-2022-zongzhi.json"), sample("seed001-nanyue-2022-sixing.json")])
    assert s.scored_count == 0 and s.plain_mean is None and s.weighted_mean is None
    assert s.total_cells()[9] == UNSCORED


def test_summary_xlsx_and_pdf(tmp_path):
    from openpyxl import load_workbook

    from core.package.summary_pdf import write_summary_pdf
    from core.package.summary_xlsx import write_summary_xlsx

    s = summarize(sample_unit())
    write_summary_xlsx(s, tmp_path / "s.xlsx")
    ws = load_workbook(tmp_path / "s.xlsx").active
    assert ws["A1"].value == f"2022年度{UNIT}绩效自评结果汇总表"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws["C4"].value == "社会治安综合治理专项经费" and ws["C4"].font.name == "宋体"
    assert ws["J5"].value == UNSCORED
    total_row = 4 + 3
    assert ws.cell(total_row, 1).value == "合计"
    assert ws.cell(total_row, 7).value == s.budget
    merged = [str(r) for r in ws.merged_cells.ranges]
    assert f"A{total_row}:D{total_row}" in merged
    # borders on every cell of the merged 合计 range
    for col in range(1, 5):
        b = ws.cell(total_row, col).border
        assert b.top.style == "thin" and b.bottom.style == "thin"
    assert ws.cell(total_row, 1).border.left.style == "thin"
    assert ws.cell(total_row, 4).border.right.style == "thin"
    assert "审核人" in ws.cell(total_row + 2, 1).value and "（盖章）" in ws.cell(total_row + 2, 1).value
    assert all(not isinstance(c.value, str) or not c.value.startswith("=") for row in ws.iter_rows() for c in row)

    write_summary_pdf(s, tmp_path / "s.pdf")
    if not POPPLER:
        pytest.skip("poppler-utils not installed")
    text = squash(pdf_text(tmp_path / "s.pdf"))
    for needed in ("绩效自评结果汇总表", "合计", "94.25", "不计分", "85.11%", "单位负责人"):
        assert needed in text


def test_form_state():
    from core.package import HAS_ERRORS, INCOMPLETE, READY, form_state
    central, zongzhi, _ = sample_unit()
    assert form_state(evaluate(central)) == READY
    assert form_state(evaluate(zongzhi)) == HAS_ERRORS
    central.set("goals.0.indicators.0.actual", "")           # 请填写实际完成值 (a warning)
    assert form_state(evaluate(central)) == INCOMPLETE


def test_the_main_reason_is_whole_in_the_workbook_and_shortened_only_in_the_pdf(tmp_path):
    from openpyxl import load_workbook

    from core.package.summary import REASON_CHARS
    from core.package.summary_pdf import write_summary_pdf
    from core.package.summary_xlsx import write_summary_xlsx
    from tests.helpers import central_form
    reason = "因疫情影响部分培训改为线上进行，" * 12 + "下年度将恢复线下培训。"
    f = central_form([{"name": "培训人次", "target": "≥100人次", "actual": "60人次", "weight": "90", "reason": reason}])
    s = summarize([f])
    row = s.rows[0]
    assert row.reason == reason.rstrip("。") and len(row.reason) > 150
    assert len(row.cells()[12]) == REASON_CHARS and row.cells()[12].endswith("…")
    write_summary_xlsx(s, tmp_path / "s.xlsx")
    ws = load_workbook(tmp_path / "s.xlsx").active
    cell = next(c for r in ws.iter_rows() for c in r if isinstance(c.value, str) and c.value.startswith("因疫情"))
    assert cell.value == row.reason and cell.alignment.wrap_text
    assert ws.row_dimensions[cell.row].height <= 409
    write_summary_pdf(s, tmp_path / "s.pdf")
    from tests.test_export import POPPLER, pdf_text, squash
    if POPPLER:
        text = squash(pdf_text(tmp_path / "s.pdf"))
        assert squash(row.cells()[12]) in text and "下年度将恢复线下培训" not in text
