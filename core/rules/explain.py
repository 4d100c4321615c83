"""Explanation of every score, in words and numbers (one line each).

``explain(form)`` returns ``{"execution": …, "goals.{g}.indicators.{i}": …, "total": …}``,
each value one line of plain Chinese saying which rule gave the score and with
which numbers: "反向指标：10 × (2 − 36 ÷ 30) = 8.00".  The editor shows these lines
(findings panel, tooltip), the command line prints them (``score --explain``), and
``profile_rules`` gives the short rules of a profile for the help.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

from core.form import Form, Profile, get_profile
from core.rules import reader
from core.rules.scoring import (DEADLINE, EQUAL, EQUAL_ZERO, KIND_NAMES, NOT_APPLICABLE, ONE, POSITIVE,
                                QUALITATIVE, REVERSE, ZERO, IndicatorScore, Scores, fmt2, fmt_weight, r2,
                                rate_base_field, rule_score, uses_transfer)

BASE_NAMES = {"budget": "全年预算数", "initial": "年初预算数"}


def num(x: Decimal | None) -> str:
    """A number as a clerk writes it: 10, 7.5, 25000 (never 2.5E+4)."""
    if x is None:
        return ""
    if x == x.to_integral_value():
        return format(x.quantize(ONE), "f")
    return format(x.normalize(), "f")


def pct(fraction: Decimal) -> str:
    return f"{fmt2(fraction * 100)}%"


def _value(x: Decimal, unit: str) -> str:
    """A number on the target's scale, with % kept (10 × 98% ÷ 100%)."""
    return f"{num(x)}{'%' if unit == '%' else ''}"


def explain(form: Form, scores: Scores | None = None) -> dict[str, str]:
    """One line per score: "execution", each indicator's path, and "total"."""
    if scores is None:
        from core.rules.evaluate import evaluate
        scores = evaluate(form)
    out = {"execution": execution_line(form, scores)}
    for ind in scores.indicators:
        out[ind.path] = indicator_line(form, scores, ind)
    out["total"] = total_line(scores)
    # one line each, even when a quoted cell holds a line break (实际完成值“0:\n”)
    return {k: " ".join(v.splitlines()) if "\n" in v or "\r" in v else v for k, v in out.items()}


def explain_cell(form: Form, scores: Scores, key: str) -> str:
    """The line for one cell (a tooltip): "execution"/"funds.total.score"/"funds.total.rate",
    an indicator's path or any of its cells ("goals.0.indicators.3.score"), or "total"/"grade"."""
    if key in ("execution", "funds.total.score", "funds.total.rate", "funds.total.weight"):
        return execution_line(form, scores)
    if key in ("total", "grade", "max"):
        return total_line(scores)
    parts = key.split(".")
    if len(parts) >= 4 and parts[0] == "goals" and parts[2] == "indicators":
        try:
            ind = scores.indicator(int(parts[1]), int(parts[3]))
        except ValueError:
            ind = None
        if ind is not None:
            return indicator_line(form, scores, ind)
    return ""


def explain_lines(form: Form, scores: Scores | None = None) -> list[str]:
    """The explanation as printed lines, each named: "【预算执行率】执行率 108.21% …"."""
    lines = explain(form, scores)
    out = []
    for key, line in lines.items():
        if key == "execution":
            label = "预算执行率"
        elif key == "total":
            label = "总分"
        else:
            _, g, _, i = key.split(".")
            row = form.goals[int(g)]["indicators"][int(i)]
            name = " ".join(str(row.get("name") or "").split())[:30]
            label = f"指标 {int(g) + 1}.{int(i) + 1}" + (f" {name}" if name else "")
        out.append(f"【{label}】{' '.join(line.split())}")
    return out


# ---------------------------------------------------------------- execution

def _rate_formula(form: Form, s: Scores) -> str:
    base = rate_base_field(s.template, s.profile)
    a = form.total_row.get(base) or ""
    b = form.total_row.get("executed") or ""
    av, _ = reader.parse_amount(a)
    bv, _ = reader.parse_amount(b)
    if uses_transfer(s.template):
        cv, _ = reader.parse_amount(form.total_row.get("transfer") or "")
        return f"执行率 = ({num(bv)} − {num(cv or ZERO)}) ÷ {num(av)}"
    return f"执行率 = {num(bv)} ÷ {num(av)}"


def _no_rate_why(form: Form, s: Scores, base: str) -> str:
    """Why there is no rate, naming the cell: unreadable, empty or 0, or no executed amount."""
    a_raw = form.total_row.get(rate_base_field(s.template, s.profile)) or ""
    b_raw = form.total_row.get("executed") or ""
    av, aerr = reader.parse_amount(a_raw)
    _bv, berr = reader.parse_amount(b_raw)
    if aerr:
        return f"{base}“{a_raw}”无法识别"
    if av is None or av == 0:
        return f"{base}为空或为 0"
    if berr:
        return f"执行数“{b_raw}”无法识别"
    return "执行数未填"


def execution_line(form: Form, s: Scores) -> str:
    prof = s.profile
    base = BASE_NAMES.get(rate_base_field(s.template, prof), "预算数")
    if s.rate is None:
        return f"执行率：{_no_rate_why(form, s, base)}，无法计算执行率，暂无得分"
    rate = s.rate_exact
    shown = f"{fmt2(s.rate)}%"
    formula = _rate_formula(form, s)
    if not prof.scored:
        return f"执行率 {shown}（{formula}）；本计分方案不计分"
    w = fmt_weight(prof.exec_weight)
    score = fmt2(s.exec_score)
    if rate < 0:
        return f"执行率 {shown} 低于 0（上级转移支付大于执行数），得 0 分（{formula}）"
    if rate <= 1:
        return f"执行率 {shown}，{w} × {shown} = {score}（{formula}）"
    if prof.exec_rule == "hunan":
        r4 = rate.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP, context=Context(prec=80))
        if rate >= 2:
            return f"执行率 {shown} 超过 100%，湖南方案：{w} × (2 − {r4}) 小于 0，得 {score}（{formula}）"
        return f"执行率 {shown} 超过 100%，湖南方案：{w} × (2 − {r4}) = {score}（{formula}）"
    return f"执行率 {shown} 超过 100%，按 100% 计：{w} × 100% = {score}（{formula}）"


# ---------------------------------------------------------------- indicators

def _conversion(ind: IndicatorScore) -> str:
    """"实际 2.5亿元 = 25000万元；" when the actual was converted to the target's unit."""
    t, a = ind.target, ind.actual
    if t is None or a is None or ind.b is None or not t.unit or not a.unit or t.unit == a.unit:
        return ""
    if a.number == ind.b and reader.unit_factor(a.unit) == reader.unit_factor(t.unit):
        return ""
    return f"实际 {num(a.number)}{a.unit} = {num(ind.b)}{t.unit}；"


def _rule(ind: IndicatorScore, prof: Profile) -> str:
    """The arithmetic of a numeric row's computed score."""
    w, a, b = ind.weight, ind.a, ind.b
    unit = ind.target.unit if ind.target else ""
    name = KIND_NAMES[ind.kind]
    ws = fmt_weight(w)
    res = fmt2(ind.computed)
    if ind.penalty:
        full = min(r2(rule_score(ind.kind, a, b, w, prof.reverse)), w)
        res = f"{fmt2(full)}，偏离（实际超出目标较多）扣 {num(ind.penalty)} 分，得 {fmt2(ind.computed)}"
    bb = max(b, ZERO)
    shown_b = _value(b, unit) if b >= 0 else f"{_value(b, unit)}（负数按 0 计）"
    if ind.kind == EQUAL_ZERO:
        if bb <= 0:
            return f"{name}：实际 {shown_b} ≤ 0，得满分 {res}"
        return f"{name}：实际 {shown_b} 大于 0，得 {res}"
    if ind.kind in (POSITIVE, EQUAL):
        label = name if ind.kind == POSITIVE else f"{name}（按正向计）"
        if bb >= a or a <= 0:
            return f"{label}：实际 {shown_b} ≥ 目标 {_value(a, unit)}，得满分 {res}"
        return f"{label}：{ws} × {_value(bb, unit)} ÷ {_value(a, unit)} = {res}"
    if ind.kind == REVERSE:
        if bb <= a:
            return f"{name}：实际 {shown_b} ≤ 目标 {_value(a, unit)}，得满分 {res}"
        if prof.reverse == "ratio":
            if a <= 0:
                return f"{name}（比值法）：目标 {_value(a, unit)} 不大于 0，实际超过目标，得 {res}"
            return f"{name}（比值法）：{ws} × {_value(a, unit)} ÷ {_value(bb, unit)} = {res}"
        if bb >= 2 * a:
            return f"{name}：实际 {shown_b} 达到目标 {_value(a, unit)} 的 2 倍，得 {res}"
        return f"{name}：{ws} × (2 − {_value(bb, unit)} ÷ {_value(a, unit)}) = {res}"
    return f"{name}：{res}"


def _tier_text(prof: Profile, w: Decimal, i: int) -> str:
    t = prof.tiers[i - 1]
    close = "" if t.high_inclusive else "，不含上限"
    return f"“{t.label}”（{fmt2(t.low * w)}～{fmt2(t.high * w)}{close}）"


def indicator_line(form: Form, s: Scores, ind: IndicatorScore) -> str:
    prof = s.profile
    if ind.kind == NOT_APPLICABLE:
        return "不适用（无分值或指标值为“/”），不计入总分"
    if not prof.scored:
        return f"{KIND_NAMES.get(ind.kind, '')}：本计分方案不计分"
    w = ind.weight
    if w is None:
        return _weightless_line(form, ind)
    if ind.kind == QUALITATIVE and ind.late:
        ind_line = indicator_line(form, s, _as_plain_qualitative(ind))
        return f"时效指标逾期（期限 {ind.due}，实际“{ind.done}”），按{ind_line}"
    if ind.kind == QUALITATIVE and _why_qualitative(ind):
        return f"{_why_qualitative(ind)}，按{indicator_line(form, s, _as_plain_qualitative(ind))}"
    if ind.kind == QUALITATIVE:
        if ind.tier:
            return (f"定性指标：评价档次{_tier_text(prof, w, ind.tier)}，得分 {fmt2(ind.score)}"
                    if ind.score is not None else f"定性指标：评价档次{_tier_text(prof, w, ind.tier)}，请填写得分")
        ranges = "；".join(_tier_text(prof, w, i) for i in range(1, len(prof.tiers) + 1))
        if ind.score is not None:
            return f"定性指标：得分 {fmt2(ind.score)}（档次：{ranges}）"
        return f"定性指标：请选择评价档次并填写得分（{ranges}）"
    if ind.kind == DEADLINE:
        line = deadline_line(ind)
    elif ind.computed is None:
        line = f"{KIND_NAMES.get(ind.kind, '')}：{_why_no_score(form, s, ind)}，暂无计算得分"
    else:
        name, _, body = _rule(ind, prof).partition("：")
        line = f"{name}：{_conversion(ind)}{body}"
    if ind.overridden:
        computed = fmt2(ind.computed) if ind.computed is not None else "无"
        return f"按规则计算为 {computed}（{line}），手工填写为 {fmt2(ind.score)}，按手工得分计"
    if ind.computed is None and ind.score is not None:
        return f"{line}；手工填写得分 {fmt2(ind.score)}"
    return line


def _weightless_line(form: Form, ind: IndicatorScore) -> str:
    """A row out of the total for want of a valid weight: which one it is, and a written score."""
    row = form.goals[ind.goal]["indicators"][ind.index]
    raw = str(row.get("weight") or "").strip()
    value, err = reader.parse_amount(raw)
    if raw in ("/", "／"):
        why = "分值为“/”（不适用）"
    elif not raw:
        why = "分值未填"
    elif value is not None and not err and value < 0:
        why = f"分值“{raw}”为负数"
    else:
        why = f"分值“{raw}”无法识别"
    written = str(row.get("score") or "").strip()
    tail = f"，填写的得分“{written}”也不计入" if written and written not in ("/", "—", "-") else ""
    return f"{why}，本行不计入总分{tail}"


def _as_plain_qualitative(ind: IndicatorScore) -> IndicatorScore:
    """The row as a plain qualitative one (its tier and score), once the line has said why."""
    from dataclasses import replace
    return replace(ind, late=False, due="", done="", target=None, actual=None)


def _why_qualitative(ind: IndicatorScore) -> str:
    """Why a row with a number or a deadline in its target is read as qualitative ("" when its
    target has no number: then it simply is qualitative)."""
    if ind.due and ind.done and not ind.late:
        return f"时效指标：无法识别完成时间“{ind.done}”（期限 {ind.due}）"
    t, a = ind.target, ind.actual
    if t is not None and t.error:
        return f"无法识别指标值“{t.raw.strip()}”"
    if t is not None and t.number is not None and a is not None and (a.words or a.not_applicable):
        return f"实际完成值“{a.raw.strip()}”不是数字"
    return ""


def deadline_line(ind: IndicatorScore) -> str:
    if ind.computed is not None:
        return f"时效指标：期限 {ind.due}，实际“{ind.done}”，按时完成，得满分 {fmt2(ind.computed)}"
    if not ind.done:
        return f"时效指标：期限 {ind.due}，请填写完成时间，暂无得分"
    return f"时效指标：期限 {ind.due}，实际“{ind.done}”，暂无计算得分"


def _why_no_score(form: Form, s: Scores, ind: IndicatorScore) -> str:
    for cell in ("target", "actual", "weight"):
        for f in s.findings_at(f"{ind.path}.{cell}"):
            return f.message
    return "实际完成值未填或无法识别"


# ---------------------------------------------------------------- total

def total_line(s: Scores) -> str:
    prof = s.profile
    if not prof.scored:
        return "本计分方案不计分，没有总分"
    if s.total is None:
        return "尚未填写，暂无总分"
    parts = [fmt2(s.exec_score) if s.exec_score is not None else "0.00"]
    indicators = [r2(i.score) for i in s.indicators if i.kind != NOT_APPLICABLE and i.score is not None
                  and i.weight is not None]
    ind_sum = sum(indicators, ZERO)
    raw = (s.exec_score or ZERO) + ind_sum
    line = f"总分 = 预算执行率 {parts[0]} + 各项指标 {fmt2(ind_sum)} = {fmt2(raw)}"
    if r2(raw) != s.total:
        cap = next((f for f in s.findings if f.code == "cap-by-rate"), None)
        reason = cap.message if cap else "按计分方案调整"
        line += f"；{reason}，得 {fmt2(s.total)}"
    band = next(((low, g) for low, g in prof.grades if s.total >= low), None)
    if band:
        line += f"，等级 {band[1]}（{num(band[0])} 分及以上）" if band[0] > 0 else f"，等级 {band[1]}"
    return line


# ---------------------------------------------------------------- profile rules (help)

def profile_rules(profile: Profile | str) -> list[str]:
    """The rules of a profile, a short sentence each, for the help and the 计分说明 tab."""
    p = get_profile(profile) if isinstance(profile, str) else profile
    w = fmt_weight(p.exec_weight)
    out = [f"计分方案：{p.name}"]
    base = BASE_NAMES.get(p.rate_base, "预算数")
    out.append(f"执行率 = 全年执行数 ÷ {base}（湖南部门整体表：(执行数 − 上级财政转移支付) ÷ 全年预算数；"
               "只画年初预算数的表用年初预算数）")
    if not p.scored:
        out.append("本方案不计分：只计算执行率并检查填写问题")
        return out
    if p.exec_rule == "hunan":
        out.append(f"预算执行率 {w} 分：执行率不超过 100% 得 {w} × 执行率；超过 100% 得 {w} × (2 − 执行率)，最低 0 分")
    else:
        out.append(f"预算执行率 {w} 分：得 {w} × 执行率，超过 100% 按 100% 计")
    groups = "，".join(f"{'绩效指标' if '*' in g.names else g.label} {fmt_weight(g.weight)} 分" for g in p.groups)
    out.append(f"{groups}，合计 {fmt_weight(p.total)} 分")
    out.append("正向指标（≥、以上、不低于）：实际达到目标得满分，否则 分值 × 实际 ÷ 目标")
    if p.reverse == "ratio":
        out.append("反向指标（≤、以内、不超过）：实际不超过目标得满分，否则 分值 × 目标 ÷ 实际")
    else:
        out.append("反向指标（≤、以内、不超过）：实际不超过目标得满分；超过时 分值 × (2 − 实际 ÷ 目标)，"
                   "达到目标 2 倍得 0 分")
    out.append("零目标指标（=0起）：实际为 0 得满分，否则 0 分")
    out.append("时效指标（9月前、年底前）：按时完成得满分；逾期按定性指标评价并说明原因")
    tiers = "；".join(f"{t.label} {num(t.low * 100)}%～{num(t.high * 100)}%{'' if t.high_inclusive else '（不含）'}"
                     for t in p.tiers)
    out.append(f"定性指标按档次评分：{tiers}")
    out.append("每项得分四舍五入保留两位小数，总分为各项得分之和")
    if p.deviation_penalty:
        pen = p.deviation_penalty
        out.append(f"实际超出正向目标 {num(Decimal(pen['over']) * 100)}% 以上（偏离）扣 {pen['points']} 分")
    if p.cap_by_rate:
        caps = "；".join(f"执行率低于 {num(Decimal(b) * 100)}% 总分最高 {c} 分"
                         for b, c in sorted(p.cap_by_rate, key=lambda x: Decimal(x[0]), reverse=True))
        out.append(f"总分受执行率限制：{caps}")
    bands = "，".join(f"{g} ≥ {num(low)}" if low > 0 else f"{g} < {num(prev)}"
                      for (low, g), prev in zip(p.grades, [None] + [x[0] for x in p.grades]))
    out.append(f"等级：{bands}")
    return out
