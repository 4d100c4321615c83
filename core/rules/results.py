"""What scoring gives: the scores of a form and its findings (shared by scoring, checks, explain)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal

from core.form import Profile
from core.rules import reader

__all__ = ["Q2", "ZERO", "ONE", "HUNDRED", "POSITIVE", "REVERSE", "EQUAL", "EQUAL_ZERO", "QUALITATIVE",
           "NOT_APPLICABLE", "DEADLINE", "KIND_NAMES", "r2", "fmt2", "fmt_number", "fmt_weight", "Finding", "IndicatorScore",
           "Scores"]

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


def fmt_number(x: Decimal | None) -> str:
    """A number as a clerk writes it: 10, 7.5, 25000 (never 2.5E+4)."""
    if x is None:
        return ""
    if x == x.to_integral_value():
        return format(x.quantize(ONE), "f")
    return format(x.normalize(), "f")


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
    due: str = ""                   # a deadline row: the last day on time ("8月31日")
    done: str = ""                  # … and when it was done ("9月", "按时")
    late: bool = False              # a deadline missed: scored as qualitative, needs a reason
    counted: bool = True            # whether its score enters the total (a valid weight)

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
    # Nothing scored yet (a new, empty form): total and grade stay None, so a window shows —
    # instead of "0.00 差".
    empty: bool = False

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
        index = self.__dict__.get("_by_where")
        if index is None or self.__dict__.get("_by_where_n") != len(self.findings):
            index = {}
            for f in self.findings:
                index.setdefault(f.where, []).append(f)
            self.__dict__["_by_where"], self.__dict__["_by_where_n"] = index, len(self.findings)
        return list(index.get(where, ()))

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
