"""Scoring (DOMAIN §3): a pure function of a form and a profile.

``compute(form)`` returns :class:`Scores`: the execution rate and score, every
indicator's kind, computed and counted score, the total and the grade, with the
findings met while reading the cells.  The checks of DOMAIN §5 read this result
(:mod:`core.checks`); :func:`core.evaluate.evaluate` runs both and is what
callers use.  This module never imports the checks.  All arithmetic is Decimal; each
score is computed from exact values and rounded half-up to 2 decimals, and the
total is the sum of the rounded scores, so the printed column adds up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal

from . import reader
from .model import Form
from .profiles import Profile, get_profile
from .templates import get_template

Q2 = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

POSITIVE, REVERSE, EQUAL, EQUAL_ZERO, QUALITATIVE, NOT_APPLICABLE, DEADLINE = (
    "positive", "reverse", "equal", "equal-zero", "qualitative", "not-applicable", "deadline")
KIND_NAMES = {POSITIVE: "正向指标", REVERSE: "反向指标", EQUAL: "等于型指标", EQUAL_ZERO: "零目标指标",
              QUALITATIVE: "定性指标", NOT_APPLICABLE: "不适用", DEADLINE: "时效指标"}


# Wide enough for any quotient of two numbers the reader accepts (< 1e15, at most 10 places), so
# rounding to cents never fails on Decimal's default 28 digits.
_WIDE = Context(prec=80)


def r2(x: Decimal) -> Decimal:
    return x.quantize(Q2, rounding=ROUND_HALF_UP, context=_WIDE)


def fmt2(x: Decimal | None) -> str:
    return "" if x is None else f"{r2(x):.2f}"


def fmt_weight(x: Decimal | None) -> str:
    """A weight as a clerk writes it: 10, 7.5."""
    if x is None:
        return ""
    if x == x.to_integral_value():
        return str(x.quantize(ONE))
    return format(x.normalize(), "f")


@dataclass(slots=True)
class Finding:
    level: str      # "error" (错误) or "warning" (提示)
    where: str      # the path of the cell it belongs to
    message: str    # plain Chinese
    code: str = ""
    # A finding with one right answer offers it: a button text ("改为 108.21%") and the
    # (form_path, new_value) pairs that applying it sets, as one undoable edit.
    fix_label: str = ""
    fix: tuple = ()

    def to_json(self) -> dict:
        return {"level": self.level, "where": self.where, "message": self.message}


@dataclass(slots=True)
class IndicatorScore:
    goal: int
    index: int
    kind: str
    level1: str                     # effective 一级指标 (a blank cell inherits the row above)
    weight: Decimal | None
    computed: Decimal | None        # what the rules give, rounded
    score: Decimal | None           # what counts: the clerk's score or the computed one
    overridden: bool = False
    ratio: Decimal | None = None    # B / A where it means something
    tier: int | None = None
    target: reader.Parsed | None = None
    actual: reader.Parsed | None = None
    a: Decimal | None = None        # target and actual on one scale (the target's unit),
    b: Decimal | None = None        # as the rule used them (for the explanation)
    penalty: Decimal | None = None  # points taken off for 偏离 (deviation_penalty)

    @property
    def path(self) -> str:
        return f"goals.{self.goal}.indicators.{self.index}"

    def to_json(self) -> dict:
        return {"goal": self.goal, "index": self.index, "kind": self.kind,
                "weight": fmt_weight(self.weight) if self.weight is not None else None,
                "computed": fmt2(self.computed) if self.computed is not None else None,
                "score": fmt2(self.score) if self.score is not None else None}


@dataclass
class Scores:
    profile: Profile
    template: dict
    rate: Decimal | None = None           # percent, rounded to 2 decimals (108.21)
    rate_exact: Decimal | None = None     # fraction, exact (1.0821412…)
    exec_weight: Decimal | None = None
    exec_score: Decimal | None = None
    source_rates: list = field(default_factory=list)   # percent per source row
    indicators: list = field(default_factory=list)
    total: Decimal | None = None
    max: Decimal | None = None
    grade: str | None = None
    findings: list = field(default_factory=list)

    def indicator(self, gi: int, ii: int) -> IndicatorScore | None:
        index = self.__dict__.get("_by_pos")
        if index is None or len(index) != len(self.indicators):
            index = self.__dict__["_by_pos"] = {(i.goal, i.index): i for i in self.indicators}
        return index.get((gi, ii))

    def add(self, level: str, where: str, message: str, code: str = "",
            fix_label: str = "", fix: tuple = ()) -> Finding:
        finding = Finding(level, where, message, code, fix_label, tuple(fix))
        self.findings.append(finding)
        return finding

    def findings_at(self, where: str) -> list[Finding]:
        return [f for f in self.findings if f.where == where]

    def to_json(self) -> dict:
        scored = self.profile.scored
        return {
            "template": self.template["id"],
            "profile": self.profile.id,
            "execution": {"rate": fmt2(self.rate) if self.rate is not None else None,
                          "weight": fmt_weight(self.exec_weight) if scored else None,
                          "score": fmt2(self.exec_score) if scored and self.exec_score is not None else None},
            "indicators": [s.to_json() for s in self.indicators],
            "total": fmt2(self.total) if scored and self.total is not None else None,
            "max": fmt_weight(self.max) if scored and self.max is not None else None,
            "grade": self.grade if scored else None,
            "findings": [f.to_json() for f in self.findings],
        }


def resolve(form: Form, profile: Profile | str | None = None) -> tuple[dict, Profile]:
    template = get_template(form.template_id)
    if isinstance(profile, Profile):
        return template, profile
    pid = profile or form.profile_id or template["profile"]
    return template, get_profile(pid)


def compute(form: Form, profile: Profile | str | None = None) -> Scores:
    """The scores of a form under a profile (default: the form's, else its template's),
    without the checks of DOMAIN §5 (see :func:`core.evaluate.evaluate`)."""
    template, prof = resolve(form, profile)
    s = Scores(profile=prof, template=template)
    _execution(form, template, prof, s)
    _indicators(form, prof, s)
    if prof.scored:
        _total(prof, s)
    return s


# ---------------------------------------------------------------- execution

def drawn_fund_columns(template: dict) -> frozenset:
    """The amount columns the template's funds block draws (initial, budget, executed, transfer)."""
    keys = set()
    for block in template.get("blocks", ()):
        if block.get("type") == "funds":
            keys.update(c["key"] for c in block.get("columns", ()) if "key" in c)
    return frozenset(keys)


def uses_transfer(template: dict) -> bool:
    """Column C (上级财政转移支付) enters the rate only where the layout draws it (DOMAIN §4)."""
    return "transfer" in drawn_fund_columns(template)


def rate_base_field(template: dict, profile: Profile) -> str:
    """The rate's denominator: a budget column the layout draws (the template's choice, else the
    profile's when drawn, else the drawn one)."""
    if template.get("rate_base"):
        return template["rate_base"]
    drawn = drawn_fund_columns(template)
    if not drawn or profile.rate_base in drawn:
        return profile.rate_base
    return "budget" if "budget" in drawn else "initial"


def _amount(form: Form, path: str, s: Scores) -> Decimal | None:
    raw = form.get(path)
    value, err = reader.parse_amount(raw)
    if err:
        s.add("error", path, f"“{raw}”{err}，请只填写数字（单位：万元）", "amount")
        return None
    if value is not None and value < 0:
        s.add("error", path, "金额不能为负数", "negative")
    return value


def _execution(form: Form, template: dict, prof: Profile, s: Scores) -> None:
    base = rate_base_field(template, prof)
    a = _amount(form, f"funds.total.{base}", s)
    b = _amount(form, "funds.total.executed", s)
    transfer = uses_transfer(template)
    c = _amount(form, "funds.total.transfer", s) if transfer else None
    if not transfer:
        _ignored_transfers(form, s)
    s.exec_weight = prof.exec_weight if prof.scored else None
    if a is None or a == 0:
        if not any(f.where == f"funds.total.{base}" for f in s.findings):
            s.add("error", f"funds.total.{base}", "预算数为空或为 0，无法计算执行率", "no-budget")
    elif b is not None:
        rate = (b - (c or ZERO)) / a
        s.rate_exact = rate
        s.rate = r2(rate * HUNDRED)
        if rate < 0:
            if c is not None and c > b:
                s.add("error", "funds.total.transfer",
                      f"上级财政转移支付 {c:f} 大于执行数 {b:f}，执行率为负（{fmt2(s.rate)}%），预算执行率得 0 分",
                      "negative-rate")
            else:
                s.add("error", "funds.total.executed",
                      f"执行率为负（{fmt2(s.rate)}%），预算执行率得 0 分，请检查金额", "negative-rate")
        if prof.scored:
            w = prof.exec_weight
            r = max(rate, ZERO)
            if prof.exec_rule == "hunan":
                raw = w * r if r <= ONE else max(ZERO, w * (2 - r))
            else:
                raw = w * min(r, ONE)
            s.exec_score = r2(raw)
    else:
        s.add("warning", "funds.total.executed", "请填写执行数", "no-executed")
    # Rates of the source rows (shown in some layouts).
    for i, row in enumerate(form.sources):
        ra, _ = reader.parse_amount(row.get(base) or "")
        rb, _ = reader.parse_amount(row.get("executed") or "")
        rc, _ = reader.parse_amount(row.get("transfer") or "") if transfer else (None, None)
        if ra and rb is not None:
            s.source_rates.append(r2((rb - (rc or ZERO)) / ra * HUNDRED))
        else:
            s.source_rates.append(None)


def _ignored_transfers(form: Form, s: Scores) -> None:
    """A transfer in a layout without column C is kept in the file, left out of the rate, and said."""
    rows = [("funds.total", form.total_row)] + [(f"funds.sources.{i}", r) for i, r in enumerate(form.sources)]
    for where, row in rows:
        raw = row.get("transfer") if isinstance(row, dict) else None
        if isinstance(raw, str) and raw.strip():
            s.add("warning", f"{where}.transfer",
                  f"本表没有“上级财政转移支付”一栏，文件中的转移支付“{raw}”不参与执行率计算", "transfer-ignored")


# ---------------------------------------------------------------- indicators

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


def _indicators(form: Form, prof: Profile, s: Scores) -> None:
    for gi, goal in enumerate(form.goals):
        level1 = ""
        for ii, ind in enumerate(goal.get("indicators") or []):
            if (ind.get("level1") or "").strip():
                level1 = ind["level1"].strip()
            s.indicators.append(_indicator(gi, ii, ind, level1, prof, s))


def _indicator(gi: int, ii: int, ind: dict, level1: str, prof: Profile, s: Scores) -> IndicatorScore:
    path = f"goals.{gi}.indicators.{ii}"
    target = reader.parse(ind.get("target") or "")
    actual = reader.parse(ind.get("actual") or "")
    weight_raw = ind.get("weight") or ""
    kind = classify(target, weight_raw)
    res = IndicatorScore(gi, ii, kind, level1, None, None, None, target=target, actual=actual)
    if target.error:
        s.add("error", f"{path}.target", f"无法识别指标值“{target.raw}”：{target.error}；本行按定性指标处理", "target")
    if kind == NOT_APPLICABLE:
        return res

    w, werr = reader.parse_amount(weight_raw)
    if werr:
        s.add("error", f"{path}.weight", f"分值“{weight_raw}”不是有效的数字", "weight")
    elif w is not None and w < 0:
        s.add("error", f"{path}.weight", "分值不能为负数", "negative")
        w = None
    elif w is None and prof.scored:
        s.add("error", f"{path}.weight", "请填写分值", "weight-empty")
    elif w is not None and w != r2(w):
        s.add("warning", f"{path}.weight", "分值最多保留两位小数", "weight-places")
    res.weight = w

    if kind != QUALITATIVE:
        if actual.empty:
            s.add("warning", f"{path}.actual", "请填写实际完成值", "actual-empty")
        elif actual.error:
            s.add("error", f"{path}.actual", f"无法识别实际完成值“{actual.raw}”：{actual.error}", "actual")
        elif actual.words or actual.not_applicable:
            s.add("warning", f"{path}.actual",
                  "实际完成值不是数字，本行按定性指标处理，请选择评价档次并填写得分", "actual-words")
            kind = res.kind = QUALITATIVE
        else:
            pair = reader.comparable(target, actual)
            if pair is None:
                s.add("error", f"{path}.actual",
                      f"实际完成值的单位（{actual.unit or '无'}）与指标值的单位（{target.unit or '无'}）不一致", "unit")
            elif w is not None and prof.scored:
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
            elif prof.scored is False and w is not None:
                pass

    if not prof.scored:
        return res

    clerk = ind.get("score")
    clerk_value = None
    if clerk is not None and str(clerk).strip() != "":
        clerk_value, err = reader.parse_amount(clerk)
        if err:
            s.add("error", f"{path}.score", f"得分“{clerk}”不是有效的数字", "score")
            clerk_value = None

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
            res.overridden = clerk_value != res.computed
            res.score = clerk_value
        else:
            res.score = res.computed
    if res.score is not None and w is not None:
        if res.score > w:
            s.add("error", f"{path}.score", f"得分 {fmt2(res.score)} 超过分值 {fmt_weight(w)}", "over-weight")
        if res.score < 0:
            s.add("error", f"{path}.score", "得分不能为负数", "negative")
    return res


def _total(prof: Profile, s: Scores) -> None:
    total = s.exec_score if s.exec_score is not None else ZERO
    weight_sum = prof.exec_weight
    for ind in s.indicators:
        if ind.kind == NOT_APPLICABLE:
            continue
        if ind.weight is not None:
            weight_sum += ind.weight
        if ind.score is not None:
            total += r2(ind.score)
    if prof.cap_by_rate and s.rate_exact is not None:
        for below, cap in sorted(prof.cap_by_rate, key=lambda p: Decimal(p[0])):
            if s.rate_exact < Decimal(below) and total > Decimal(cap):
                s.add("warning", "total", f"执行率低于 {Decimal(below) * 100:.0f}%，总分最高为 {cap} 分", "cap-by-rate")
                total = Decimal(cap)
                break
    s.total = r2(total)
    s.max = weight_sum
    s.grade = prof.grade(s.total)
