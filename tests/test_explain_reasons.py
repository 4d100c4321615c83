"""DOMAIN §4: a row whose target has a number or a deadline turns qualitative when the actual is
words (`完成`, `已完成`), the completion time cannot be read, or the target itself cannot be read
(`290$`). Its line of `score --explain` says why, before the tiers — one plain Chinese line."""
import pytest

from core.rules import evaluate
from core.rules import explain
from tests.helpers import central_form


def line_of(target, actual, **kw):
    form = central_form([dict(target=target, actual=actual, weight="10", **kw)])
    s = evaluate(form)
    assert s.indicators[0].kind == "qualitative"
    return explain(form, s)["goals.0.indicators.0"]


@pytest.mark.parametrize("target, actual, why", [
    ("≥10次", "完成", "实际完成值“完成”不是数字"),
    ("≥95%", "已完成", "实际完成值“已完成”不是数字"),
    ("9月前", "8.15", "时效指标：无法识别完成时间“8.15”（期限 8月31日）"),
    ("290$", "290$", "无法识别指标值“290$”"),
])
def test_a_row_turned_qualitative_says_why(target, actual, why):
    line = line_of(target, actual)
    assert line.startswith(why + "，按定性指标：请选择评价档次"), line
    assert "\n" not in line


def test_the_reason_stays_when_the_clerk_has_picked_a_tier():
    line = line_of("≥10次", "完成", tier=1, score="9")
    assert line == "实际完成值“完成”不是数字，按定性指标：评价档次“达成年度指标”（8.00～10.00），得分 9.00"


@pytest.mark.parametrize("target, actual, start", [
    ("同比上升", "上升", "定性指标："),                                   # qualitative by its target
    ("9月前", "10月", "时效指标逾期（期限 8月31日，实际“10月”），按定性指标："),   # late: said once
])
def test_other_qualitative_lines_are_unchanged(target, actual, start):
    line = line_of(target, actual)
    assert line.startswith(start) and line.count("按") <= 2 and "无法识别" not in line, line


# DOMAIN §4: 以上/以下/以内 include the number; `3个工作日内` / `30天内` (内 after the number and its
# unit) is the same as 以内: a lower-is-better row, not a unit 个工作日内 that no actual can match.
@pytest.mark.parametrize("target, actual, score", [("3个工作日内", "2个工作日", "10.00"),
                                                   ("30天内", "36天", "8.00"),
                                                   ("10万元内", "12万元", "8.00")])
def test_a_number_and_unit_followed_by_nei_is_within(target, actual, score):
    form = central_form([dict(target=target, actual=actual, weight="10")])
    s = evaluate(form)
    ind = s.indicators[0]
    assert ind.kind == "reverse" and str(ind.computed) == score
    assert not s.findings_at("goals.0.indicators.0.actual")


# DOMAIN §4: "A row without a weight (`/`, empty) or with an unreadable or negative one stays out of
# the total even when a score is written there" — its line says which, and that the score is left out.
@pytest.mark.parametrize("weight, said", [("/", "分值为“/”（不适用）"), ("", "分值未填"),
                                          ("十", "分值“十”无法识别"), ("-5", "分值“-5”为负数")])
def test_a_weightless_row_says_why_it_is_out_of_the_total(weight, said):
    form = central_form([dict(target="≥10次", actual="12次", weight="90"),
                         dict(target="≥10次", actual="12次", weight=weight, score="5")])
    s = evaluate(form)
    assert str(s.total) == "100.00"
    assert explain(form, s)["goals.0.indicators.1"] == f"{said}，本行不计入总分，填写的得分“5”也不计入"
    form.data["goals"][0]["indicators"][1]["score"] = None
    assert explain(form, evaluate(form))["goals.0.indicators.1"] == f"{said}，本行不计入总分"
