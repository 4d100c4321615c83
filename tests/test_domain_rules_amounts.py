"""DOMAIN §5 "any amount cell that cannot be read (`五十`, `1e3`) is a finding on that cell": one
finding that says the value cannot be read — never also "请填写" for a cell that is filled — and the
explanation of the execution score names the same reason."""
import pytest

from core.rules import evaluate
from core.rules import explain
from tests.helpers import central_form


def form_of(budget="100", executed="100"):
    return central_form([dict(target="≥10次", actual="12次", weight="10")], budget=budget, executed=executed)


@pytest.mark.parametrize("executed", ["1e3", "五十"])
def test_an_unreadable_executed_amount_is_one_finding_saying_so_not_fill_it_in(executed):
    s = evaluate(form_of(executed=executed))
    found = s.findings_at("funds.total.executed")
    assert [f.level for f in found] == ["error"], [f.message for f in found]
    assert f"“{executed}”" in found[0].message and "请填写执行数" not in found[0].message
    assert s.rate is None and s.exec_score is None
    line = explain(form_of(executed=executed), s)["execution"]
    assert f"执行数“{executed}”无法识别" in line and "为空或为 0" not in line


def test_an_empty_executed_amount_is_still_asked_for():
    s = evaluate(form_of(executed=""))
    assert [f.message for f in s.findings_at("funds.total.executed")] == ["请填写执行数"]
    assert "执行数未填" in explain(form_of(executed=""), s)["execution"]


@pytest.mark.parametrize("budget, said", [("五十", "全年预算数“五十”无法识别"), ("0", "全年预算数为空或为 0"),
                                          ("", "全年预算数为空或为 0")])
def test_the_explanation_of_a_missing_rate_names_its_reason(budget, said):
    form = form_of(budget=budget)
    line = explain(form, evaluate(form))["execution"]
    assert said in line and "暂无得分" in line


# DOMAIN §4 deadlines: "Late → … the row turns qualitative … and asks for a 偏差原因"; the finding
# quotes what the clerk wrote, so a word (逾期完成) reads as well as a month (10月).
@pytest.mark.parametrize("actual", ["10月", "逾期完成"])
def test_a_late_deadline_quotes_the_actual_as_written(actual):
    form = central_form([dict(target="9月前", actual=actual, weight="10")])
    s = evaluate(form)
    late = [f for f in s.findings_at("goals.0.indicators.0.actual") if f.code == "late"]
    assert len(late) == 1 and f"期限 8月31日，实际“{actual}”" in late[0].message
    assert "完成 逾期完成" not in late[0].message
    assert s.indicators[0].kind == "qualitative" and s.indicators[0].computed is None
