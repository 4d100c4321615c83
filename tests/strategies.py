"""Hypothesis strategies for whole forms, used by the property tests."""
from __future__ import annotations

from hypothesis import strategies as st

from core.form import Form
from core.form import all_templates

OPS = ["", "≥", "≤", "=", ">", "<", "不低于", "不超过", "＞＝"]
UNITS = ["", "%", "次", "万元", "天", "个", "起", "元"]
WORDS = ["同比上升", "完成", "规范化建设", "有所帮助", "/", ""]
LEVEL1 = ["产出指标", "效益指标", "满意度指标", ""]

number_text = st.one_of(
    st.integers(min_value=-5, max_value=100000).map(str),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["1,210.99", "１２３", "-0", "1e999", "NaN", "12.345.6", "--5", "1,2,3", ""]),
    # At and past the reader's bounds (15 digits, 10 places): huge quotients must not crash rounding.
    st.sampled_from(["999999999999999", "1000000000000000", "9" * 40, "0.0000000001", "0.00000000001",
                     "99999999999999.9999999999"]),
)


# Deadlines, completions and bare numbers as clerks write them (DOMAIN §4 "More rules").
DEADLINES = ["{m}月前", "{m}月底前", "{m}月底完成", "≤{m}月底", "{m}月{d}日前", "年底前", "年内", "第三季度",
             "{m}月", "{m}月{d}日", "按时", "提前完成", "如期", "逾期完成", "已完成", "13月前", "{m}月31日前"]
BARE = ["0.96", "1", "1.5", "0", "96", "0.5%", "290$", "28.8万元%", "1234567890123456", "0起", "0次"]


@st.composite
def value_text(draw):
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return draw(st.sampled_from(WORDS))
    if kind == 1:
        return draw(st.text(max_size=12))
    if kind == 4:
        pattern = draw(st.sampled_from(DEADLINES + BARE))
        return pattern.format(m=draw(st.integers(1, 12)), d=draw(st.integers(1, 30)))
    op = draw(st.sampled_from(OPS))
    suffix = draw(st.sampled_from(["", "以上", "以内"])) if not op else ""
    return f"{op}{draw(number_text)}{draw(st.sampled_from(UNITS))}{suffix}"


free_text = st.one_of(st.text(max_size=30), st.sampled_from(["=100%", "=SUM(A1)", "换行\n制表\t", "😀𠀀", ""]))


@st.composite
def indicator(draw):
    return {
        "level1": draw(st.sampled_from(LEVEL1)),
        "level2": draw(st.sampled_from(["数量指标", "质量指标", "社会效益指标", ""])),
        "name": draw(free_text),
        "target": draw(value_text()),
        "actual": draw(value_text()),
        "weight": draw(st.one_of(st.sampled_from(["10", "5", "0", "", "7.5", "-1", "abc"]), number_text)),
        "score": draw(st.one_of(st.none(), st.sampled_from(["", "3", "10", "x"]), number_text)),
        "tier": draw(st.sampled_from([None, 1, 2, 3])),
        "reason": draw(free_text),
        "measure": draw(free_text),
    }


@st.composite
def form(draw, template=None, max_rows=8):
    templates = {t["id"]: t for t in all_templates()}
    tid = template or draw(st.sampled_from(sorted(templates)))
    t = templates[tid]
    goals = []
    for gi in range(draw(st.integers(1, 2 if t.get("multi_goal") else 1))):
        goals.append({"title": draw(free_text), "planned": draw(free_text), "achieved": draw(free_text),
                      "indicators": draw(st.lists(indicator(), min_size=0, max_size=max_rows))})
    money = st.one_of(number_text, st.just(""))
    data = {
        "format": "ziping-form", "version": 1, "template": tid,
        "profile": draw(st.one_of(st.none(), st.sampled_from(["central", "hunan", "hubei-2020", "sichuan",
                                                              "beijing-2016", "none"]))),
        "year": draw(st.one_of(st.none(), st.integers(2000, 2099))),
        "header": {k: draw(free_text) for k in t.get("header_fields", [])},
        "funds": {
            "total": {"label": draw(free_text), "initial": draw(money), "budget": draw(money),
                      "executed": draw(money), "transfer": draw(money), "reason": draw(free_text)},
            "sources": [{"label": draw(free_text), "initial": draw(money), "budget": draw(money),
                         "executed": draw(money)} for _ in range(draw(st.integers(0, 2)))],
            "uses": [{"label": draw(free_text), "executed": draw(money)} for _ in range(draw(st.integers(0, 2)))],
        },
        "goals": goals,
        "texts": {k: draw(free_text) for k in t.get("text_fields", [])},
    }
    if data["profile"] is None:
        del data["profile"]
    return Form(data)
