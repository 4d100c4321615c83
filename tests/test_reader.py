"""The reader of targets and actuals (DOMAIN §4): every phrasing, never a crash."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.rules.reader import GE, GT, EQ, LE, LT, comparable, parse, parse_amount, parse_parts, to_halfwidth
from tests.helpers import examples  # noqa: E402

D = Decimal


@pytest.mark.parametrize("text, op, number, unit", [
    # Seen in the seeds and in DOMAIN §4
    ("≥10次", GE, D(10), "次"),
    ("=100%", EQ, D(100), "%"),
    ("=36万元", EQ, D(36), "万元"),
    ("≥95%", GE, D(95), "%"),
    ("50 次以上", GE, D(50), "次"),
    ("80%以上", GE, D(80), "%"),
    ("100%以内", LE, D(100), "%"),
    ("≥100百分比", GE, D(100), "%"),
    ("≤90万元", LE, D(90), "万元"),
    ("95%以上", GE, D(95), "%"),
    ("=30.64万元", EQ, D("30.64"), "万元"),
    ("≥13个", GE, D(13), "个"),
    ("≥266米", GE, D(266), "米"),
    # Operator words
    (">=10", GE, D(10), ""), ("＞＝10", GE, D(10), ""), ("不低于90%", GE, D(90), "%"),
    ("不少于5项", GE, D(5), "项"), ("至少3次", GE, D(3), "次"), ("达到100%", GE, D(100), "%"),
    (">5", GT, D(5), ""), ("高于5", GT, D(5), ""), ("大于5", GT, D(5), ""), ("超过5人", GT, D(5), "人"),
    ("＝5", EQ, D(5), ""), ("等于5", EQ, D(5), ""), ("为5户", EQ, D(5), "户"),
    ("≤30天", LE, D(30), "天"), ("<=30", LE, D(30), ""), ("＜＝30", LE, D(30), ""), ("不高于3%", LE, D(3), "%"),
    ("不超过30个工作日", LE, D(30), "个工作日"), ("不多于2起", LE, D(2), "起"), ("至多2", LE, D(2), ""),
    ("30天以内", LE, D(30), "天"), ("5%以下", LE, D(5), "%"), ("控制在100万元以内", LE, D(100), "万元"),
    ("<5", LT, D(5), ""), ("低于5", LT, D(5), ""), ("小于5", LT, D(5), ""), ("少于5", LT, D(5), ""),
    ("不满5", LT, D(5), ""),
    # Look-alike glyphs and full width
    ("≧95％", GE, D(95), "%"), ("≦30天", LE, D(30), "天"), ("═100%", EQ, D(100), "%"),
    ("﹦100%", EQ, D(100), "%"), ("＞５", GT, D(5), ""), ("＜５", LT, D(5), ""),
    ("１２３", None, D(123), ""), ("１，２１０．９９", None, D("1210.99"), ""),
    # Bare numbers, thousands separators, units
    ("10次", None, D(10), "次"), ("1,210.99", None, D("1210.99"), ""), ("36 万元", None, D(36), "万元"),
    ("120㎡", None, D(120), "㎡"), ("3.5亩", None, D("3.5"), "亩"), ("8小时", None, D(8), "小时"),
    ("-0", None, D(0), ""), ("0起", None, D(0), "起"),
    # Operator repeated inside the actual
    ("≥≥10", GE, D(10), ""),
])
def test_reads_every_phrasing(text, op, number, unit):
    p = parse(text)
    assert p.error is None, p
    assert (p.op, p.number, p.unit) == (op, number, unit)


@pytest.mark.parametrize("text", ["同比上升", "规范化建设", "应保尽保", "按月安排", "效果明显", "完成", "已完成",
                                  "达成预期指标", "有所帮助", "NaN", "同比上升10%"])
def test_words_are_qualitative(text):
    p = parse(text)
    assert p.words and p.number is None and p.error is None


@pytest.mark.parametrize("text", ["1e999", "12.345.6", "1,2,3", "--5", "10-20", "≥<10", "5.", "1e5万元"])
def test_unreadable_numbers_are_errors_not_zero(text):
    p = parse(text)
    assert p.error and p.number is None


@pytest.mark.parametrize("text", ["/", "—", "--", "无", "不适用"])
def test_not_applicable(text):
    assert parse(text).not_applicable


def test_empty():
    assert parse("").empty and parse("   ").empty and parse(None).empty


def test_three_columns():
    p = parse_parts("≤", "30", "万元")
    assert (p.op, p.number, p.unit) == (LE, D(30), "万元")
    p = parse_parts("≥", "９５", "％")
    assert (p.op, p.number, p.unit) == (GE, D(95), "%")


def test_units_compare_on_one_scale():
    assert comparable(parse("≥100"), parse("98%")) == (D(100), D(98))
    assert comparable(parse("≤1万元"), parse("9000元")) == (D(1), D("0.9"))
    assert comparable(parse("≥10次"), parse("10个")) is None
    assert comparable(parse("≥95%"), parse("≥95%")) == (D(95), D(95))


def test_amounts():
    assert parse_amount("1,210.99") == (D("1210.99"), None)
    assert parse_amount("1784") == (D(1784), None)
    assert parse_amount("") == (None, None)
    assert parse_amount("30.64万元") == (D("30.64"), None)
    for bad in ("1e999", "NaN", "1,2,3", "12.345.6", "--5", "abc", "１２３x"):
        value, err = parse_amount(bad)
        assert value is None and err, bad
    assert parse_amount("１２３") == (D(123), None)
    assert parse_amount("-0") == (D(0), None)


def test_halfwidth():
    assert to_halfwidth("＞＝１０％") == ">=10%"


@settings(max_examples=examples(500), deadline=None)
@given(st.text(max_size=60))
def test_reader_never_raises(text):
    p = parse(text)
    assert p.raw == text
    if p.number is not None:
        assert p.number.is_finite()
    parse_amount(text)


@settings(max_examples=examples(500), deadline=None)
@given(st.sampled_from(["≥", "≤", "=", ">", "<", "", "不低于", "不超过"]),
       st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
       st.sampled_from(["", "%", "次", "万元", "天", "个"]))
def test_reader_reads_what_it_is_given(op, number, unit):
    p = parse(f"{op}{number}{unit}")
    assert p.error is None
    assert p.number == number
    assert p.unit == unit
