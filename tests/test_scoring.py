"""Scoring rules (DOMAIN §3) with DOMAIN's own examples, and what each profile changes."""
from decimal import Decimal

import pytest

from core.form import get_profile, profile_ids
from core.rules import evaluate
from tests.helpers import central_form, sample

D = Decimal


def one(target, actual, weight="10", profile="central", **kw):
    form = central_form([dict(target=target, actual=actual, weight=weight, **kw)], profile=profile)
    return evaluate(form).indicators[0]


@pytest.mark.parametrize("target, actual, kind, expected", [
    ("≤30天", "36天", "reverse", "8.00"),          # DOMAIN: ≤30天, B = 36, w = 10 → 8.00
    ("=0起", "1起", "equal-zero", "0.00"),          # =0起 vs 1起 → 0
    ("=0起", "0起", "equal-zero", "10.00"),
    ("80%以上", "78%", "positive", "9.75"),          # 80%以上 vs 78% → 9.75
    ("≥10次", "12次", "positive", "10.00"),          # over-achievement never above w
    ("≥10次", "5次", "positive", "5.00"),
    ("10次", "5次", "positive", "5.00"),             # bare number is ≥
    ("=100%", "98%", "equal", "9.80"),               # equality scored as ≥
    ("≤30天", "60天", "reverse", "0.00"),             # B ≥ 2A → 0
    ("≤30天", "30天", "reverse", "10.00"),
    ("100%以内", "102%以内", "reverse", "9.80"),
    ("≥10次", "-5次", "positive", "0.00"),            # a negative B counts as 0
    ("≥100", "98%", "positive", "9.80"),              # 98% against 100 on one scale
    ("≤1万元", "12000元", "reverse", "8.00"),          # 万元 and 元 convert
])
def test_indicator_rules(target, actual, kind, expected):
    res = one(target, actual)
    assert res.kind == kind
    assert f"{res.computed:.2f}" == expected
    assert res.score == res.computed


def test_reverse_ratio_option():
    assert f"{one('≤30天', '36天', profile='beijing-2016').computed:.2f}" == "8.33"


def test_rounding_half_up():
    # 10 × 2/3 = 6.666… → 6.67; 0.125 → 0.13 (half-up, not banker's)
    assert f"{one('≥3', '2').computed:.2f}" == "6.67"
    assert f"{one('≥8', '1', weight='1').computed:.2f}" == "0.13"


@pytest.mark.parametrize("score_text, tier, ok", [
    ("8", 1, True), ("10", 1, True), ("7.99", 1, False),        # tier 1: [0.8w, w]
    ("6", 2, True), ("7.99", 2, True), ("8", 2, False), ("5.99", 2, False),   # tier 2: [0.6w, 0.8w)
    ("5.99", 3, True), ("0", 3, True), ("6", 3, False),           # tier 3: [0, 0.6w)
])
def test_qualitative_bounds(score_text, tier, ok):
    form = central_form([dict(target="同比上升", actual="同比上升", weight="10", score=score_text, tier=tier,
                              reason="说明")])
    s = evaluate(form)
    ind = s.indicators[0]
    assert ind.kind == "qualitative"
    assert ind.score == D(score_text)
    errors = [f for f in s.findings if f.where.endswith(".score") and f.level == "error"]
    assert (not errors) == ok


def test_qualitative_tier_defaults_and_inference():
    form = central_form([dict(target="同比上升", actual="基本完成", weight="10", tier=2, reason="x"),
                         dict(target="规范化建设", actual="完成", weight="10", score="9")])
    s = evaluate(form)
    assert s.indicators[0].score == D("7.00")          # default 0.7w
    assert s.indicators[1].tier == 1                   # 9 of 10 lies in tier 1


def test_qualitative_needs_a_score():
    s = evaluate(central_form([dict(target="同比上升", actual="同比上升", weight="10")]))
    assert s.indicators[0].score is None
    assert any(f.where == "goals.0.indicators.0.score" and f.level == "error" for f in s.findings)


def test_hubei_tiers_move_the_bounds():
    # 5 of 10 is tier 2 under hubei-2020 (80–50%, 50 incl.), tier 3 under central
    form = central_form([dict(target="同比上升", actual="同比上升", weight="10", score="5")], profile="hubei-2020")
    assert evaluate(form).indicators[0].tier == 2
    form.data["profile"] = "central"
    assert evaluate(form).indicators[0].tier == 3


def test_override_kept_beside_computed_and_asks_for_reason():
    s = evaluate(central_form([dict(target="≥10次", actual="5次", weight="10", score="7")]))
    ind = s.indicators[0]
    assert (ind.computed, ind.score, ind.overridden) == (D("5.00"), D("7"), True)
    assert any(f.where == "goals.0.indicators.0.reason" for f in s.findings)


def test_not_applicable_rows_left_out():
    s = evaluate(central_form([dict(target="/", actual="/", weight=""), dict(target="≥1", actual="1", weight="90")]))
    assert s.indicators[0].kind == "not-applicable"
    assert s.total == D("100.00")


@pytest.mark.parametrize("profile, executed, rate, exec_score", [
    ("central", "108", "108.00", "10.00"),     # capped at w
    ("central", "90", "90.00", "9.00"),
    ("hunan", "108", "108.00", "9.20"),        # over-execution penalised: 10 × (2 − 1.08)
    ("hunan", "90", "90.00", "9.00"),
    ("hunan", "250", "250.00", "0.00"),        # never below 0
    ("hubei-2020", "90", "90.00", "18.00"),    # 预算执行 20
    ("sichuan", "90", "90.00", "9.00"),
])
def test_execution_by_profile(profile, executed, rate, exec_score):
    s = evaluate(central_form([], budget="100", executed=executed, profile=profile))
    assert f"{s.rate:.2f}" == rate
    assert f"{s.exec_score:.2f}" == exec_score


def test_beijing_uses_initial_budget():
    form = central_form([], profile="beijing-2016")
    form.data["funds"]["total"].update(initial="80", budget="100", executed="80")
    assert evaluate(form).rate == D("100.00")
    form.data["profile"] = "central"
    assert evaluate(form).rate == D("80.00")


def test_hunan_transfer_column():
    form = central_form([], budget="100", executed="110", profile="hunan", template="hunan-dept")
    form.data["funds"]["total"]["transfer"] = "20"
    assert evaluate(form).rate == D("90.00")          # (B − C) / A where the layout draws column C


def test_no_budget_is_a_finding_not_a_crash():
    for budget in ("", "0", "0.00"):
        s = evaluate(central_form([], budget=budget, executed="10"))
        assert s.rate is None and s.exec_score is None
        assert any(f.where == "funds.total.budget" and f.level == "error" for f in s.findings)


def test_profile_none_scores_nothing_but_still_rates_and_checks():
    s = evaluate(central_form([dict(target="≥10", actual="5", weight="10")], profile="none", executed="50"))
    out = s.to_json()
    assert out["total"] is None and out["grade"] is None and out["execution"]["rate"] == "50.00"
    assert s.indicators[0].score is None


def test_grade_bands_and_option():
    assert get_profile("central").grade(D("90.00")) == "优"
    assert get_profile("central").grade(D("89.99")) == "良"
    assert get_profile("central").grade(D("60")) == "中"
    assert get_profile("central").grade(D("59.99")) == "差"
    alt = get_profile("central").with_options(grades=[{"min": "80", "grade": "优"}, {"min": "70", "grade": "良"},
                                                      {"min": "60", "grade": "中"}, {"min": "0", "grade": "差"}])
    assert alt.grade(D("80")) == "优"


def test_total_is_sum_of_rounded_scores():
    # three rows of 1/3 each: exact sum 10, rounded scores 3.33 × 3 = 9.99
    rows = [dict(target="≥3", actual="1", weight="10") for _ in range(3)]
    s = evaluate(central_form(rows, budget="100", executed="100"))
    assert [f"{i.score:.2f}" for i in s.indicators] == ["3.33", "3.33", "3.33"]
    assert s.total == D("10.00") + D("9.99")


def test_deviation_and_cap_options():
    prof = get_profile("central").with_options(deviation_penalty={"over": "0.3", "points": "2"},
                                               cap_by_rate=[["0.5", "59"], ["0.6", "69"], ["0.7", "79"], ["0.8", "89"]])
    s = evaluate(central_form([dict(target="≥10", actual="13", weight="90")], executed="75"), prof)
    assert s.indicators[0].score == D("88.00")
    assert s.total == D("89.00")


def test_weight_checks():
    s = evaluate(central_form([dict(target="≥1", actual="1", weight="40", level1="产出指标"),
                            dict(target="≥1", actual="1", weight="35", level1="效益指标")]))
    wheres = {f.where for f in s.findings}
    assert "total" in wheres                               # 10 + 75 ≠ 100
    assert "goals.0.indicators.0.weight" in wheres          # 产出 40 ≠ 50
    assert "goals.0.indicators.1.weight" in wheres          # 效益 35 ≠ 30 + 10 (no 满意度)
    s = evaluate(central_form([dict(target="≥1", actual="1", weight="50", level1="产出指标"),
                            dict(target="≥1", actual="1", weight="40", level1="效益指标")]))
    assert not s.findings                                  # 满意度's 10 went to 效益


def test_score_above_weight_is_an_error():
    s = evaluate(central_form([dict(target="≥1", actual="1", weight="10", score="12", reason="x")]))
    assert any(f.where == "goals.0.indicators.0.score" and "超过分值" in f.message for f in s.findings)


def test_all_profiles_load():
    for pid in ("central", "hunan", "hubei-2020", "sichuan", "beijing-2016", "none"):
        assert pid in profile_ids()
        get_profile(pid)


def test_sichuan_needs_a_reason_below_90():
    form = central_form([], executed="80", profile="sichuan", template="sichuan-project")
    s = evaluate(form)
    assert any(f.where == "funds.total.reason" and f.level == "error" for f in s.findings)
    form.data["funds"]["total"]["reason"] = "x" * 101
    assert any("100 字" in f.message for f in evaluate(form).findings)


# ---- the seeds

def test_seed004():
    s = evaluate(sample("seed004-wangcheng-2020-dept.json")).to_json()
    assert s["execution"] == {"rate": "108.21", "weight": "10", "score": "9.18"}
    assert (s["total"], s["max"], s["grade"]) == ("98.18", "100", "优")
    assert any(f["where"] == "funds.total.rate" and "108.00%" in f["message"] and "108.21%" in f["message"]
               for f in s["findings"])


def test_seed001_funds_do_not_add_up():
    s = evaluate(sample("seed001-nanyue-2022-zongzhi.json"))
    msgs = [f.message for f in s.findings if f.where == "funds.total.executed" and f.level == "error"]
    assert msgs and "9.8 + 10" in msgs[0] and "30.64" in msgs[0]


def test_seed000_rate():
    s = evaluate(sample("seed000-caidian-2022-dept.json")).to_json()
    assert s["execution"]["rate"] == "95.77"
    assert s["total"] is None
    assert not [f for f in s["findings"] if f["where"].startswith("funds")]   # 583.73 + 575.98 = 1,159.71


def test_central_sample_has_every_kind():
    kinds = {i.kind for i in evaluate(sample("central-project-example-2022.json")).indicators}
    assert kinds == {"positive", "reverse", "equal", "equal-zero", "qualitative", "not-applicable"}


def test_a_weight_with_many_decimals_is_never_exceeded():
    s = evaluate(central_form([dict(target="≥0", actual="0", weight="99999.9999999999")]))
    ind = s.indicators[0]
    assert ind.computed <= ind.weight
    assert any(f.where == "goals.0.indicators.0.weight" and "两位小数" in f.message for f in s.findings)
    # more than 15 significant digits (Excel keeps 15): unreadable, a finding, out of the total
    s = evaluate(central_form([dict(target="≥0", actual="0", weight="99999999999999.9999999999")]))
    assert s.indicators[0].weight is None and not s.indicators[0].counted
    assert any(f.where == "goals.0.indicators.0.weight" and f.level == "error" for f in s.findings)


def test_reverse_ratio_with_a_negative_target_does_not_divide_by_zero():
    s = evaluate(central_form([dict(target="≤-5%", actual="0%", weight="10", reason="x")], profile="beijing-2016"))
    assert s.indicators[0].computed is not None and s.indicators[0].computed >= 0


def test_a_tier_written_as_a_float_is_read_as_its_number():
    from core.form import loads
    import json
    form = central_form([dict(target="同比上升", actual="同比上升", weight="10", tier=1.0)])
    again = loads(json.dumps(form.data))
    assert again.goals[0]["indicators"][0]["tier"] == 1
    assert evaluate(again).indicators[0].score == Decimal("10.00")


def test_a_qualitative_row_below_its_weight_asks_for_a_reason():
    s = evaluate(central_form([dict(target="同比上升", actual="同比上升", weight="10", tier=1, score="8.5")]))
    assert any(f.where == "goals.0.indicators.0.reason" for f in s.findings)


def test_cap_by_rate_in_any_order():
    prof = get_profile("central").with_options(cap_by_rate=[["0.8", "89"], ["0.7", "79"], ["0.6", "69"], ["0.5", "59"]])
    s = evaluate(central_form([dict(target="≥1", actual="1", weight="90")], executed="45"), prof)
    assert s.total == Decimal("59")
