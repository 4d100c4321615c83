"""The rules of DOMAIN §4 ("More rules") and §5, each with DOMAIN's own phrasing."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.rules import deadlines
from core.rules import evaluate
from core.rules import explain
from core.rules.reader import parse, parse_amount
from tests.helpers import central_form, examples, sample

D = Decimal


def form_of(template, profile=None, budget="100", executed="100", transfer="", rows=()):
    f = central_form(list(rows), budget=budget, executed=executed, template=template,
                     profile=profile or "central")
    if profile is None:
        f.data.pop("profile")
    f.data["funds"]["total"]["transfer"] = transfer
    return f


def codes(s, where=None):
    return {f.code for f in s.findings if where is None or f.where == where}


def row(target, actual, weight="10", **kw):
    form = central_form([dict(target=target, actual=actual, weight=weight, **kw)])
    s = evaluate(form)
    return s, s.indicators[0]


# ------------------------------------------------------------------ column C

@pytest.mark.parametrize("template, profile", [("central-project", "hunan"), ("sichuan-project", None),
                                               ("hubei-dept", None), ("central-project", "central")])
def test_transfer_is_ignored_and_flagged_where_the_layout_draws_no_column_c(template, profile):
    # central-project with profile hunan, A 100, B 100, C 10 gave 90.00% / 9.00
    s = evaluate(form_of(template, profile, transfer="10"))
    assert s.rate == D("100.00")
    f = s.findings_at("funds.total.transfer")
    assert [x.level for x in f] == ["warning"] and "不参与执行率计算" in f[0].message


def test_a_hidden_transfer_never_makes_a_negative_rate():
    s = evaluate(form_of("sichuan-project", budget="100", executed="100", transfer="120"))
    assert s.rate == D("100.00")                                  # was −20.00%


@pytest.mark.parametrize("profile", ["hunan", "central", "beijing-2016", "none"])
def test_hunan_dept_rate_uses_column_c_under_any_profile(profile):
    s = evaluate(form_of("hunan-dept", profile, budget="100", executed="100", transfer="10"))
    assert s.rate == D("90.00")
    assert "transfer-ignored" not in codes(s)


def test_negative_rate_scores_zero_and_is_an_error():
    s = evaluate(form_of("hunan-dept", "hunan", budget="100", executed="50", transfer="80"))   # C > B
    assert s.rate == D("-30.00") and s.exec_score == D("0.00")
    err = [f for f in s.findings if f.code == "negative-rate"]
    assert err and err[0].level == "error" and err[0].where == "funds.total.transfer"


# ------------------------------------------------------------------ rate denominator

@pytest.mark.parametrize("profile", ["central", "hunan", "beijing-2016", "sichuan", "none"])
def test_hunan_project_simple_rate_is_b_over_initial_under_any_profile(profile):
    f = form_of("hunan-project-simple", profile, budget="", executed="30.64")
    f.data["funds"]["total"]["initial"] = "36"
    assert evaluate(f).rate == D("85.11")                      # seed 001: 30.64 ÷ 36


# ------------------------------------------------------------------ bare numbers against % targets

def test_bare_number_above_1_5_is_a_percent():
    s, ind = row("≥95%", "96")
    assert ind.computed == D("10.00")                           # 96 vs ≥95% → 96%


@pytest.mark.parametrize("actual, asked", [("0.96", "0.96 是 96% 吗？请写明 %"), ("1", "1 是 100% 吗？请写明 %"),
                                           ("1.5", "1.5 是 150% 吗？请写明 %")])
def test_bare_number_at_most_1_5_is_ambiguous(actual, asked):
    s, ind = row("≥95%", actual)
    assert ind.computed is None and ind.score is None           # never a silent 0.10
    f = s.findings_at("goals.0.indicators.0.actual")
    assert [(x.level, x.message) for x in f] == [("error", asked)]


def test_bare_zero_is_zero():
    s, ind = row("≥95%", "0")
    assert ind.computed == D("0.00") and not s.findings_at("goals.0.indicators.0.actual")


# ------------------------------------------------------------------ bare zero targets

@pytest.mark.parametrize("target, actual, expected", [("0起", "0起", "10.00"), ("0起", "1起", "0.00"),
                                                      ("0次", "0次", "10.00"), ("0次", "2次", "0.00")])
def test_bare_zero_target_is_the_zero_rule(target, actual, expected):
    _, ind = row(target, actual)
    assert ind.kind == "equal-zero" and f"{ind.computed:.2f}" == expected


# ------------------------------------------------------------------ deadlines

@pytest.mark.parametrize("target, last", [
    ("9月前", (8, 31)), ("11月底前", (11, 30)), ("11月底完成", (11, 30)), ("≤12月底", (12, 31)),
    ("6月30日前", (6, 30)), ("年底前", (12, 31)), ("年内", (12, 31)), ("第三季度", (9, 30)),
    ("10月前", (9, 30)), ("2022年9月前", (8, 31)), ("九月前", (8, 31)),
])
def test_deadline_targets_are_dates_in_the_forms_year(target, last):
    due = deadlines.parse_due(target, 2022)
    assert due is not None and due.error is None
    assert (due.last.year, due.last.month, due.last.day) == (2022, *last)


@pytest.mark.parametrize("text", ["≤30天", "30天以内", "≥12个月", "3个月内", "≤10个工作日", "≥95%", "同比上升"])
def test_durations_and_numbers_are_not_deadlines(text):
    assert deadlines.parse_due(text, 2022) is None


@pytest.mark.parametrize("target, actual", [
    ("9月前", "8月20日"), ("9月前", "8月"), ("9月前", "9月前"), ("11月底前", "11月"), ("11月底完成", "11月25日"),
    ("≤12月底", "12月"), ("6月30日前", "6月30日"), ("年底前", "按时"), ("年内", "提前完成"), ("第三季度", "如期"),
    ("第三季度", "9月"), ("9月前", "2022-08-15"),
])
def test_on_time_scores_the_weight(target, actual):
    s, ind = row(target, actual)
    assert ind.kind == "deadline" and ind.computed == D("10.00") and ind.score == D("10.00")
    assert not s.findings_at("goals.0.indicators.0.actual")
    assert explain(central_form([dict(target=target, actual=actual, weight="10")]))[ind.path].startswith(
        "时效指标：期限 ")


@pytest.mark.parametrize("target, actual", [
    ("9月前", "10月前"),          # was ≥ 9 with unit 月前: full marks
    ("9月前", "9月"), ("11月底前", "12月"), ("6月30日前", "7月1日"), ("年底前", "2023年3月"), ("第三季度", "10月"),
    ("年内", "逾期完成"),
])
def test_late_turns_qualitative_and_asks_a_tier_and_a_reason(target, actual):
    s, ind = row(target, actual)
    assert ind.kind == "qualitative" and ind.late and ind.computed is None and ind.score is None
    assert "late" in codes(s, "goals.0.indicators.0.actual")
    assert "qualitative-empty" in codes(s, "goals.0.indicators.0.score")
    assert "reason-late" in codes(s, "goals.0.indicators.0.reason")
    s, ind = row(target, actual, tier=2, score="7", reason="受疫情影响推迟")
    assert ind.score == D("7") and not codes(s, "goals.0.indicators.0.reason")


@pytest.mark.parametrize("target, actual", [("9月前", "已完成"), ("9月前", "九月中"), ("9月15日前", "9月")])
def test_unreadable_or_undecidable_completion_is_a_finding(target, actual):
    s, ind = row(target, actual)
    assert ind.computed is None
    assert any(f.level == "error" for f in s.findings_at("goals.0.indicators.0.actual"))


@pytest.mark.parametrize("target", ["13月前", "9月31日前"])
def test_unreadable_deadline_is_a_finding(target):
    s, ind = row(target, "8月")
    assert ind.kind == "qualitative" and "target" in codes(s, "goals.0.indicators.0.target")


# ------------------------------------------------------------------ stray characters, digits

@pytest.mark.parametrize("text", ["290$", "28.8万元%", "95%%", "10次#"])
def test_stray_characters_make_a_value_unreadable(text):
    p = parse(text)
    assert p.error and p.number is None


def test_290_dollar_against_290_dollar_does_not_score():
    s, ind = row("290$", "290$")
    assert ind.computed is None and "target" in codes(s, "goals.0.indicators.0.target")


def test_units_and_bracketed_remarks_still_read():
    assert (parse("100%（抽检）").number, parse("100%（抽检）").unit) == (D(100), "%")
    assert parse("5元/人").unit == "元/人"


@pytest.mark.parametrize("text", ["1234567890123456", "123456789.1234567", "1.23456789012345678"])
def test_more_than_15_significant_digits_is_unreadable(text):
    assert parse(text).error and parse(text).number is None
    value, err = parse_amount(text)
    assert value is None and err


def test_15_significant_digits_read():
    assert parse("12345678901234.5").number == D("12345678901234.5")


# ------------------------------------------------------------------ amounts

def test_every_amount_cell_is_read_or_flagged():
    f = central_form([], budget="30", executed="28")
    f.data["funds"]["total"]["initial"] = "五十"                # outside the rate's denominator
    s = evaluate(f)
    err = s.findings_at("funds.total.initial")
    assert [x.level for x in err] == ["error"] and "五十" in err[0].message


def test_yuan_typed_into_wan_yuan_is_asked():
    # 300000 typed into 全年预算数 (万元) beside 年初 30
    f = central_form([], budget="300000", executed="29")
    f.data["funds"]["total"]["initial"] = "30"
    s = evaluate(f)
    w = [x for x in s.findings_at("funds.total.budget") if x.code == "magnitude"]
    assert w and w[0].level == "warning" and "元" in w[0].message
    assert not [x for x in s.findings if x.code == "magnitude" and x.where != "funds.total.budget"]


def test_a_million_wan_yuan_is_asked():
    s = evaluate(central_form([], budget="1000000", executed="990000"))
    assert {x.where for x in s.findings if x.code == "magnitude"} == {"funds.total.initial", "funds.total.budget"}
    s = evaluate(central_form([], budget="880", executed="836"))
    assert not [x for x in s.findings if x.code == "magnitude"]


# ------------------------------------------------------------------ weightless rows

@pytest.mark.parametrize("weight", ["/", "", "十", "-5"])
def test_a_row_without_a_valid_weight_stays_out_of_the_total(weight):
    rows = [dict(target="≥10", actual="10", weight="90"), dict(target="≥10", actual="10", weight=weight, score="5")]
    s = evaluate(central_form(rows))
    assert s.total == D("100.00")                               # 10 + 90, not 105
    assert "score-uncounted" in codes(s, "goals.0.indicators.1.score")


def test_a_not_applicable_row_with_a_score_gets_a_finding():
    rows = [dict(target="≥10", actual="10", weight="90"), dict(target="/", actual="/", weight="/", score="5")]
    s = evaluate(central_form(rows))
    assert s.total == D("100.00") and "score-uncounted" in codes(s, "goals.0.indicators.1.score")


def test_seed004_rows_of_weight_0_with_score_0_are_quiet():
    s = evaluate(sample("seed004-wangcheng-2020-dept.json"))
    assert "score-uncounted" not in codes(s) and s.total == D("98.18")


# ------------------------------------------------------------------ empty form

def test_an_empty_form_has_no_total_and_no_grade():
    from core.form import new_form
    from core.layout import build_sheet
    from core.form import get_template
    for tid in ("central-project", "hunan-dept"):
        f = new_form(get_template(tid), 2024)
        s = evaluate(f)
        assert s.empty and s.total is None and s.grade is None
        sheet = build_sheet(f, s)
        assert sheet.cell_for("total").text == "—" and sheet.cell_for("grade").text == "—"
        assert explain(f, s)["total"] == "尚未填写，暂无总分"
    f = central_form([dict(target="≥10", actual="10", weight="90")], budget="", executed="")
    s = evaluate(f)
    assert not s.empty and s.total == D("90.00")


# ------------------------------------------------------------------ hypothesis: new phrasings

MONTHS = st.integers(1, 12)
DATE_CHARS = "0123456789月日号前底末年内季度第一二三四九十上下半中旬≤<=-/.按时逾期完成"


@settings(max_examples=examples(300), deadline=None)
@given(st.sampled_from(["{m}月前", "{m}月底前", "{m}月底完成", "≤{m}月底", "{m}月{d}日前", "{m}月底", "{m}月"]),
       MONTHS, st.integers(1, 28), st.one_of(MONTHS.map(lambda m: f"{m}月"),
                                             st.tuples(MONTHS, st.integers(1, 28)).map(lambda p: f"{p[0]}月{p[1]}日"),
                                             st.sampled_from(["按时", "提前完成", "如期完成", "逾期完成"])))
def test_deadline_rows_are_on_time_late_or_a_finding(pattern, m, d, actual):
    target = pattern.format(m=m, d=d)
    s, ind = row(target, actual)
    due = deadlines.parse_due(target, 2022)
    assert due is not None and due.error is None
    if ind.kind == "deadline":
        assert ind.computed == D("10.00")
        assert deadlines.judge(due, deadlines.parse_done(actual, 2022)) is True
    else:
        assert ind.kind == "qualitative" and ind.computed is None
        assert ind.late or any(f.level == "error" for f in s.findings_at("goals.0.indicators.0.actual"))


@settings(max_examples=examples(300), deadline=None)
@given(st.decimals(min_value=0, max_value=300, places=2, allow_nan=False), st.sampled_from(["≥95%", "≥80%", "=100%"]))
def test_bare_numbers_against_percent_targets(b, target):
    s, ind = row(target, f"{b}")
    if b == 0 or b > D("1.5"):
        assert ind.computed is not None                        # read as percent (or 0)
        assert ind.b == b
    else:
        assert ind.computed is None and "bare-percent" in codes(s, "goals.0.indicators.0.actual")


@settings(max_examples=examples(500), deadline=None)
@given(st.one_of(st.text(max_size=20), st.text(alphabet=DATE_CHARS, max_size=12)),
       st.one_of(st.text(max_size=20), st.text(alphabet=DATE_CHARS, max_size=12)), st.integers(1, 9999))
def test_deadline_reader_never_raises(target, actual, year):
    due = deadlines.parse_due(target, year)
    done = deadlines.parse_done(actual, year)
    if due is not None:
        assert deadlines.judge(due, done) in (True, False, None)


@pytest.mark.parametrize("actual, on_time", [("已于8月完成", True), ("8月已完成", True), ("8月底已完成", True),
                                             ("按计划完成", True), ("9月完成", False), ("未按时完成", False)])
def test_completions_as_clerks_write_them(actual, on_time):
    assert deadlines.judge(deadlines.parse_due("9月前", 2022), deadlines.parse_done(actual, 2022)) is on_time


@pytest.mark.parametrize("target", ["年内完成3次培训", "按时完成", "同比上升10%"])
def test_sentences_that_mention_a_time_stay_what_they_were(target):
    assert deadlines.parse_due(target, 2022) is None
