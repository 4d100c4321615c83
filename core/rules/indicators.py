"""Scoring of indicator rows (DOMAIN §3–§4): each row's kind, computed score and counted score."""
from __future__ import annotations

import re
from decimal import Decimal

from core.form import Form, Profile
from core.rules import deadlines, reader
from core.rules.results import (DEADLINE, EQUAL, EQUAL_ZERO, NOT_APPLICABLE, ONE, POSITIVE, QUALITATIVE, REVERSE,
                                ZERO, IndicatorScore, Scores, fmt2, fmt_number, fmt_weight, r2)


def classify(target: reader.Parsed, weight_raw: str) -> str:
    if target.not_applicable:
        return NOT_APPLICABLE
    if target.empty:
        w, _ = reader.parse_amount(weight_raw)
        return NOT_APPLICABLE if not w else QUALITATIVE
    if target.words or target.error or target.number is None:
        return QUALITATIVE
    if target.number == 0 and target.op in (None, reader.EQ, reader.LE, reader.LT):
        return EQUAL_ZERO
    if target.op in (reader.LE, reader.LT):
        return REVERSE
    if target.op == reader.EQ:
        return EQUAL
    return POSITIVE


def rule_score(kind: str, a: Decimal, b: Decimal, w: Decimal, reverse: str = "linear") -> Decimal:
    """The exact (unrounded) score of a numeric row. ``b`` below 0 counts as 0."""
    b = max(b, ZERO)
    if kind == EQUAL_ZERO:
        return w if b <= 0 else ZERO
    if kind in (POSITIVE, EQUAL):
        if b >= a or a <= 0:
            return w
        return w * b / a
    if kind == REVERSE:
        if b <= a:
            return w
        if reverse == "ratio":
            return w * a / b if a > 0 else ZERO
        if b >= 2 * a:
            return ZERO
        return w * (2 - b / a)
    raise ValueError(kind)


def tier_of(prof: Profile, fraction: Decimal) -> int | None:
    for i, t in enumerate(prof.tiers, start=1):
        if t.contains(fraction):
            return i
    return None


def score_indicators(form: Form, prof: Profile, s: Scores) -> None:
    year = _form_year(form)
    for gi, goal in enumerate(form.goals):
        level1 = ""
        for ii, ind in enumerate(goal.get("indicators") or []):
            if (ind.get("level1") or "").strip():
                level1 = ind["level1"].strip()
            s.indicators.append(_indicator(gi, ii, ind, level1, prof, s, year))


def _form_year(form: Form) -> int:
    """The year deadlines are read in: the form's, else one written in a target, else a leap year."""
    if form.year and 1 <= form.year <= 9998:
        return form.year
    for _, _, ind in form.indicators():
        m = _YEAR_RE.search(str(ind.get("target") or ""))
        if m:
            return int(m[1])
    return 2000


_YEAR_RE = re.compile(r"((?:19|20)\d\d)年")


def _weight(ind: dict, path: str, prof: Profile, s: Scores) -> Decimal | None:
    """The row's weight, or None (missing, unreadable or negative: the row is out of the total)."""
    weight_raw = ind.get("weight") or ""
    w, werr = reader.parse_amount(weight_raw)
    if werr:
        s.add("error", f"{path}.weight", f"分值“{weight_raw}”不是有效的数字", "weight")
        return None
    if w is not None and w < 0:
        s.add("error", f"{path}.weight", "分值不能为负数", "negative")
        return None
    if w is None and prof.scored:
        s.add("error", f"{path}.weight", "请填写分值", "weight-empty")
    elif w is not None and w != r2(w):
        s.add("warning", f"{path}.weight", "分值最多保留两位小数", "weight-places")
    return w


def _clerk_score(ind: dict, path: str, s: Scores) -> Decimal | None:
    clerk = ind.get("score")
    if clerk is None or str(clerk).strip() == "":
        return None
    value, err = reader.parse_amount(clerk)
    if err:
        s.add("error", f"{path}.score", f"得分“{clerk}”不是有效的数字", "score")
        return None
    return value


def _written_score_outside_total(ind: dict, path: str, why: str, s: Scores) -> None:
    clerk = ind.get("score")
    if clerk is not None and str(clerk).strip() not in ("", "/", "—", "-"):
        s.add("error", f"{path}.score", f"{why}，填写的得分“{clerk}”不计入总分", "score-uncounted")


def _ambiguous_percent(target: reader.Parsed, actual: reader.Parsed) -> bool:
    """A bare 0 < x ≤ 1.5 against a % target: 0.96 may be 96% (DOMAIN §4)."""
    return (target.unit == "%" and not actual.unit and actual.number is not None
            and ZERO < actual.number <= Decimal("1.5"))


def _indicator(gi: int, ii: int, ind: dict, level1: str, prof: Profile, s: Scores, year: int) -> IndicatorScore:
    path = f"goals.{gi}.indicators.{ii}"
    target_raw = ind.get("target") or ""
    due = deadlines.parse_due(target_raw, year) if isinstance(target_raw, str) else None
    target = reader.parse(target_raw)
    actual = reader.parse(ind.get("actual") or "")
    weight_raw = ind.get("weight") or ""
    kind = classify(target, weight_raw)
    if due is not None:
        kind = QUALITATIVE if due.error else DEADLINE
        if due.error:
            s.add("error", f"{path}.target", f"无法识别期限“{target_raw}”：{due.error}；本行按定性指标处理", "target")
    elif target.error:
        s.add("error", f"{path}.target", f"无法识别指标值“{target.raw}”：{target.error}；本行按定性指标处理", "target")
    res = IndicatorScore(gi, ii, kind, level1, None, None, None, target=target, actual=actual)
    if kind == NOT_APPLICABLE:
        res.counted = False
        if prof.scored:
            w, werr = reader.parse_amount(weight_raw)
            if werr or w is None or w < 0:
                _written_score_outside_total(ind, path, "本行没有有效的分值", s)
            elif target.not_applicable and w:
                _written_score_outside_total(ind, path, "本行指标值为“/”（不适用）", s)
        return res

    w = res.weight = _weight(ind, path, prof, s)
    res.counted = w is not None

    if kind == DEADLINE:
        kind = _deadline(res, due, ind, path, w, prof, s, year)
    elif kind != QUALITATIVE:
        if actual.empty:
            s.add("warning", f"{path}.actual", "请填写实际完成值", "actual-empty")
        elif actual.error:
            s.add("error", f"{path}.actual", f"无法识别实际完成值“{actual.raw}”：{actual.error}", "actual")
        elif actual.words or actual.not_applicable:
            s.add("warning", f"{path}.actual",
                  "实际完成值不是数字，本行按定性指标处理，请选择评价档次并填写得分", "actual-words")
            kind = res.kind = QUALITATIVE
        elif _ambiguous_percent(target, actual):
            s.add("error", f"{path}.actual",
                  f"{actual.raw.strip()} 是 {fmt_number(actual.number * 100)}% 吗？请写明 %", "bare-percent")
        else:
            pair = reader.comparable(target, actual)
            if pair is None:
                s.add("error", f"{path}.actual",
                      f"实际完成值的单位（{actual.unit or '无'}）与指标值的单位（{target.unit or '无'}）不一致", "unit")
            elif w is not None and prof.scored:
                _numeric(res, kind, pair, w, path, prof, s)

    if not prof.scored:
        return res

    clerk_value = _clerk_score(ind, path, s)
    if w is None and clerk_value is not None:
        _written_score_outside_total(ind, path, "本行没有有效的分值", s)

    if kind == QUALITATIVE:
        tier = ind.get("tier")
        res.tier = tier if tier in (1, 2, 3) else None
        if clerk_value is None and res.tier and w is not None:
            clerk_value = r2(prof.tiers[res.tier - 1].default * w)
        if clerk_value is None:
            s.add("error", f"{path}.score", "定性指标：请选择评价档次并填写得分", "qualitative-empty")
        elif w is not None and w > 0:
            fraction = clerk_value / w
            found = tier_of(prof, fraction)
            if res.tier is None:
                res.tier = found
            elif found != res.tier and clerk_value <= w:
                t = prof.tiers[res.tier - 1]
                s.add("error", f"{path}.score",
                      f"得分 {fmt2(clerk_value)} 不在所选档次“{t.label}”的范围"
                      f"（{fmt2(t.low * w)}～{fmt2(t.high * w)}{'' if t.high_inclusive else '，不含上限'}）内", "tier-range")
        res.score = clerk_value
    else:
        if clerk_value is not None:
            res.overridden = clerk_value != res.computed and w is not None
            res.score = clerk_value
        else:
            res.score = res.computed
    if res.score is not None and w is not None:
        if res.score > w:
            s.add("error", f"{path}.score", f"得分 {fmt2(res.score)} 超过分值 {fmt_weight(w)}", "over-weight")
        if res.score < 0:
            s.add("error", f"{path}.score", "得分不能为负数", "negative")
    return res


def _numeric(res: IndicatorScore, kind: str, pair, w: Decimal, path: str, prof: Profile, s: Scores) -> None:
    a, b = pair
    res.a, res.b = a, b
    exact = rule_score(kind, a, b, w, prof.reverse)
    if a > 0 and kind in (POSITIVE, EQUAL, REVERSE):
        res.ratio = max(b, ZERO) / a
    pen = prof.deviation_penalty
    if pen and kind in (POSITIVE, EQUAL) and a > 0 and b >= a * (ONE + Decimal(pen["over"])):
        exact = max(ZERO, exact - Decimal(pen["points"]))
        res.penalty = Decimal(pen["points"])
        s.add("warning", f"{path}.score",
              f"实际完成值超出指标值 {Decimal(pen['over']) * 100:.0f}% 以上（偏离），扣 {pen['points']} 分", "deviation")
    # Never above the weight, even for a weight with more than two decimals.
    res.computed = min(r2(exact), w)


def _deadline(res: IndicatorScore, due: deadlines.Due, ind: dict, path: str, w: Decimal | None,
              prof: Profile, s: Scores, year: int) -> str:
    """A deadline row: on time → w; late → qualitative with a reason; unreadable → a finding."""
    res.due = due.label
    raw = ind.get("actual") or ""
    if not str(raw).strip():
        s.add("warning", f"{path}.actual", "请填写完成时间（日期、月份，或“按时完成”“提前完成”）", "actual-empty")
        return DEADLINE
    done = deadlines.parse_done(raw, year)
    res.done = " ".join(str(raw).split())
    verdict = deadlines.judge(due, done)
    if verdict:
        if w is not None and prof.scored:
            res.computed = min(r2(w), w)
        return DEADLINE
    res.kind = QUALITATIVE
    if verdict is False:
        res.late = True
        todo = "本行按定性指标评价，请选择评价档次并填写偏差原因" if prof.scored else "请填写偏差原因"
        s.add("warning", f"{path}.actual", f"逾期完成（期限 {due.label}，实际“{res.done}”）：{todo}", "late")
    else:
        why = done.error or f"无法判断“{raw}”是否在期限 {due.label} 前完成，请写明完成日期"
        s.add("error", f"{path}.actual", f"{why}；本行按定性指标处理", "actual")
    return QUALITATIVE
