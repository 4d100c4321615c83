"""The 绩效自评结果汇总表 of one unit and year (PACKAGE.md): a pure function of the forms.

``summarize(forms)`` returns a :class:`Summary`: one :class:`SummaryRow` per form — the 部门整体
form(s) first, on their own lines, then the projects in the order given — and the projects'
合计: the amounts summed and the rate from the sums, both over the projects that have a 全年预算数
and a 全年执行数 (the others are listed in ``left_out`` and noted under the table), the mean
score weighted by 全年预算数 and the plain mean over scored projects, the count of each grade.
The 部门整体 forms are never added to the projects: the unit's whole budget already holds the
project money (PACKAGE.md).  Unscored forms (profile ``none``) keep their rate and show 不计分.
All arithmetic is Decimal, rounded half-up only where a figure is shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from core.form import Form
from core.rules import (HUNDRED, NOT_APPLICABLE, QUALITATIVE, ZERO, Scores, comparable, fmt2, parse_amount, r2,
                        rule_score)

COLUMNS = ("序号", "项目编码", "项目名称", "项目类别", "实施单位", "年初预算数", "全年预算数",
           "全年执行数", "执行率", "自评得分", "自评等级", "未达标指标数", "主要偏差原因", "备注")
GRADES = ("优", "良", "中", "差")
UNSCORED = "不计分"
REASON_CHARS = 40          # 主要偏差原因 is shortened to this in the PDF and on screen (whole in the workbook)


def evaluate(form: Form) -> Scores:
    """Scores and findings of a form (:func:`core.rules.evaluate`)."""
    from core.rules import evaluate as _evaluate
    return _evaluate(form)


def amount(raw) -> Decimal | None:
    """An amount cell as a number, or None when it is empty or unreadable."""
    value, err = parse_amount(raw if isinstance(raw, str) else ("" if raw is None else str(raw)))
    return None if err else value


def unit_of(form: Form, template: dict) -> str:
    field_ = template.get("unit_field")
    return str(form.header.get(field_) or "").strip() if field_ else ""


def name_of(form: Form, template: dict) -> str:
    field_ = template.get("name_field")
    name = str(form.header.get(field_) or "").strip() if field_ else ""
    if name:
        return name
    if template.get("kind") == "dept":
        return "部门整体支出"
    return template.get("name", "")


def category_of(form: Form, template: dict) -> str:
    given = str(form.header.get("项目类别") or "").strip()
    if given:
        return given
    if template.get("kind") == "dept":
        return "部门整体"
    title = str(template.get("title") or "")       # the table's own printed title says it, if anything
    for category in ("转移支付", "部门预算"):
        if category in title:
            return category
    return ""


@dataclass
class Shortfall:
    """An indicator row that did not reach its full score (or, unscored, its target)."""
    path: str
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: Decimal | None
    score: Decimal | None
    reason: str
    measure: str


def shortfalls(form: Form, scores: Scores) -> list[Shortfall]:
    """Rows below full score (scored forms) or whose actual misses the target (unscored)."""
    out = []
    scored = scores.profile.scored
    for s in scores.indicators:
        if s.kind == NOT_APPLICABLE:
            continue
        ind = form.goals[s.goal]["indicators"][s.index]
        below = False
        if scored:
            below = s.score is not None and s.weight is not None and s.score < s.weight
        elif s.kind != QUALITATIVE and s.target is not None and s.actual is not None:
            pair = comparable(s.target, s.actual) if not (s.actual.empty or s.actual.error
                                                                 or s.actual.words) else None
            if pair is not None:
                a, b = pair
                below = rule_score(s.kind, a, b, Decimal(1), scores.profile.reverse) < 1
        if below:
            out.append(Shortfall(s.path, s.level1, str(ind.get("level2") or "").strip(),
                                 str(ind.get("name") or "").strip(), str(ind.get("target") or ""),
                                 str(ind.get("actual") or ""), s.weight, s.score,
                                 str(ind.get("reason") or "").strip(), str(ind.get("measure") or "").strip()))
    return out


def short_reason(form: Form, scores: Scores, below: list[Shortfall], limit: int | None = REASON_CHARS) -> str:
    """主要偏差原因: the funds reason when the rate is not 100%, then the reasons of the rows below;
    cut to ``limit`` characters with “…” (``None``: whole)."""
    parts: list[str] = []
    fund_reason = str(form.total_row.get("reason") or "").strip()
    if fund_reason and scores.rate is not None and scores.rate != HUNDRED:
        parts.append(fund_reason)
    for b in below:
        if b.reason and b.reason not in parts:
            parts.append(b.reason)
    text = "；".join(" ".join(p.split()).rstrip("。；;，,") for p in parts)
    return shortened(text, limit)


def shortened(text: str, limit: int | None = REASON_CHARS) -> str:
    return text if limit is None or len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class SummaryRow:
    no: int
    code: str
    name: str
    category: str
    unit: str
    initial: Decimal | None
    budget: Decimal | None
    executed: Decimal | None
    rate: Decimal | None           # percent, 2 decimals
    scored: bool
    score: Decimal | None
    grade: str | None
    below: int
    reason: str
    note: str
    errors: int = 0
    warnings: int = 0
    dept: bool = False             # a 部门整体 form: its own line, never in the 合计
    form: Form | None = field(default=None, repr=False, compare=False)
    scores: Scores | None = field(default=None, repr=False, compare=False)

    def cells(self, short: bool = True) -> list[str]:
        """The row as the 汇总表 prints it (COLUMNS order); 主要偏差原因 cut to REASON_CHARS with “…”
        unless ``short`` is False (the workbook holds it whole, wrapped)."""
        return [str(self.no) if self.no else "", self.code, self.name, self.category, self.unit,
                fmt_amount(self.initial), fmt_amount(self.budget), fmt_amount(self.executed),
                fmt_rate(self.rate),
                (fmt2(self.score) if self.score is not None else "") if self.scored else UNSCORED,
                (self.grade or "") if self.scored else UNSCORED,
                str(self.below), shortened(self.reason) if short else self.reason, self.note]


@dataclass
class Summary:
    year: int | None
    unit: str
    rows: list[SummaryRow]
    initial: Decimal
    budget: Decimal
    executed: Decimal
    rate: Decimal | None
    weighted_mean: Decimal | None
    plain_mean: Decimal | None
    grades: dict[str, int]
    scored_count: int
    below: int
    left_out: list[SummaryRow] = field(default_factory=list)   # projects lacking 全年预算数 or 全年执行数

    @property
    def projects(self) -> list[SummaryRow]:
        return [r for r in self.rows if not r.dept]

    @property
    def dept_rows(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.dept]

    @property
    def count(self) -> int:
        """The number of projects (the 部门整体 forms are not projects)."""
        return len(self.projects)

    def unit_money(self) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        """(全年预算数, 全年执行数, 执行率) of the unit as a whole: its 部门整体 form(s), else (None, …)."""
        rows = [r for r in self.dept_rows if r.budget is not None and r.executed is not None]
        if not rows:
            return None, None, None
        budget = sum((r.budget for r in rows), ZERO)
        executed = sum((r.executed for r in rows), ZERO)
        return budget, executed, (r2(executed / budget * HUNDRED) if budget else None)

    def notes(self) -> list[str]:
        """The lines under the table: what the 合计 leaves out, and why."""
        out = []
        if self.dept_rows:
            out.append("部门整体支出单列，不计入合计（部门整体预算已包含各项目资金）。")
        if self.left_out:
            names = "、".join(f"“{r.name}”" for r in self.left_out)
            out.append(f"{names}缺少全年预算数或全年执行数，未计入合计的金额和执行率。")
        return out

    def grade_text(self) -> str:
        return "，".join(f"{g} {self.grades.get(g, 0)} 个" for g in GRADES)

    def total_cells(self) -> list[str]:
        """The 合计 row (COLUMNS order; the first five columns are merged for 合计)."""
        if self.scored_count:
            score = f"加权平均 {fmt2(self.weighted_mean) if self.weighted_mean is not None else '—'}\n" \
                    f"算术平均 {fmt2(self.plain_mean)}"
            grade = "\n".join(f"{g} {self.grades.get(g, 0)}" for g in GRADES)
        else:
            score, grade = UNSCORED, UNSCORED
        return ["合计", "", "", "", f"{self.count} 个", fmt_amount(self.initial), fmt_amount(self.budget),
                fmt_amount(self.executed), fmt_rate(self.rate), score, grade, str(self.below), "", ""]


def fmt_amount(x: Decimal | None) -> str:
    """万元 with 2 decimals and thousands separators (DOMAIN §6)."""
    return "" if x is None else f"{r2(x):,.2f}"


def fmt_rate(x: Decimal | None) -> str:
    return "" if x is None else f"{r2(x):.2f}%"


def is_dept(form: Form, template: dict) -> bool:
    """A 部门整体 form: a department template, or a form whose 项目类别 says so."""
    return template.get("kind") == "dept" or str(form.header.get("项目类别") or "").strip() == "部门整体"


def summary_row(no: int, form: Form, scores: Scores | None = None) -> SummaryRow:
    scores = scores if scores is not None else evaluate(form)
    t = scores.template
    total = form.total_row
    below = shortfalls(form, scores)
    scored = scores.profile.scored
    return SummaryRow(
        no=no, code=str(form.header.get("项目编码") or "").strip(), name=name_of(form, t),
        category=category_of(form, t), unit=unit_of(form, t),
        initial=amount(total.get("initial")), budget=amount(total.get("budget")),
        executed=amount(total.get("executed")), rate=scores.rate, scored=scored,
        score=scores.total if scored else None, grade=scores.grade if scored else None,
        below=len(below), reason=short_reason(form, scores, below, limit=None),
        note=str(form.header.get("备注") or "").strip(),
        errors=sum(1 for f in scores.findings if f.level == "error"),
        warnings=sum(1 for f in scores.findings if f.level != "error"),
        dept=is_dept(form, t), form=form, scores=scores)


def summarize(forms, year: int | None = None, unit: str | None = None, scores: list | None = None) -> Summary:
    """The 汇总表 of the forms (in the order given).  ``scores`` may pass the forms' Scores."""
    forms = list(forms)
    every = [summary_row(0, f, scores[i] if scores else None) for i, f in enumerate(forms)]
    projects = [r for r in every if not r.dept]
    for no, r in enumerate(projects, start=1):
        r.no = no
    rows = [r for r in every if r.dept] + projects
    counted = [r for r in projects if r.budget is not None and r.executed is not None]
    left_out = [r for r in projects if r not in counted]

    def total(attr: str) -> Decimal:
        return sum((getattr(r, attr) for r in counted if getattr(r, attr) is not None), ZERO)

    initial, budget, executed = total("initial"), total("budget"), total("executed")
    rate = r2(executed / budget * HUNDRED) if budget else None
    scored = [r for r in projects if r.scored and r.score is not None]
    plain = r2(sum((r.score for r in scored), ZERO) / len(scored)) if scored else None
    weight = sum((r.budget for r in scored if r.budget), ZERO)
    weighted = r2(sum((r.score * r.budget for r in scored if r.budget), ZERO) / weight) if weight else None
    grades = {g: 0 for g in GRADES}
    for r in scored:
        if r.grade:
            grades[r.grade] = grades.get(r.grade, 0) + 1
    if year is None:
        years = {f.year for f in forms if f.year}
        year = years.pop() if len(years) == 1 else None
    if unit is None:
        units = {r.unit for r in rows if r.unit}
        unit = units.pop() if len(units) == 1 else ""
    return Summary(year=year, unit=unit, rows=rows, initial=initial, budget=budget, executed=executed,
                   rate=rate, weighted_mean=weighted, plain_mean=plain, grades=grades,
                   scored_count=len(scored), below=sum(r.below for r in projects), left_out=left_out)


INCOMPLETE, HAS_ERRORS, READY = "未完成", "有错误", "可提交"


def form_state(scores: Scores) -> str:
    """有错误 when any error is left; 未完成 when a finding still asks for something to be filled
    in (请填写…); else 可提交."""
    if any(f.level == "error" for f in scores.findings):
        return HAS_ERRORS
    if any("请填写" in f.message for f in scores.findings):
        return INCOMPLETE
    return READY
