"""The 自评报告 draft (PACKAGE.md): per project and for a whole unit.

A report is a list of :class:`Section`; each holds *live* blocks, made afresh from
the forms every time (figures, tables, sentences built only from what the tables
hold), and one *free text* the clerk edits (plain multi-line text).  What the tables
do not hold is a marked blank 【请填写：……】, never made-up content.

The clerk's texts are a dict ``{section key: text}`` kept apart from the form
(see :mod:`core.package.report_texts`), so changing a table changes the figures and leaves
the clerk's text as it was.  Renderers: :mod:`core.package.report_docx` and
:mod:`core.package.report_pdf`.
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field
from decimal import Decimal

from core.form import Form
from core.package.summary import (GRADES, Shortfall, Summary, amount, evaluate, fmt_amount, fmt_rate, name_of,
                                  shortfalls, summarize, unit_of)
from core.rules import NOT_APPLICABLE, QUALITATIVE, ZERO, Scores, fmt2, fmt_weight, r2

BLANK = "【请填写：{}】"

# The sections of a project report and the prompt of each free text (empty: no prompt needed).
PROJECT_SECTIONS = (
    ("basic", "基本情况"), ("funds", "资金使用及管理情况"), ("org", "组织实施情况"),
    ("goals", "绩效目标完成情况"), ("problems", "存在的问题及原因分析"), ("measures", "改进措施"),
    ("other", "其他需要说明的问题"))
UNIT_SECTIONS = (
    ("basic", "基本情况"), ("summary", "绩效自评结果"), ("org", "组织实施情况"),
    ("goals", "各项目绩效目标完成情况"), ("problems", "存在的问题及原因分析"), ("measures", "改进措施"),
    ("other", "其他需要说明的问题及结果应用"))
PROMPTS = {
    "basic": "项目概况，如立项依据、主要内容、实施范围等",
    "org": "组织实施情况，如组织机构、管理制度、实施过程、资金管理等",
    "problems": "其他存在的问题及原因分析；如无，请删除本提示",
    "measures": "下一步改进措施",
    "other": "其他需要说明的问题及结果应用情况；如无，请写“无”",
}
UNIT_PROMPTS = dict(PROMPTS, basic="单位概况，如主要职能、机构设置、人员情况等")


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (headings （一）…（九十九）); larger as digits."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    digits = "一二三四五六七八九"
    if tens == 0:
        return digits[ones - 1]
    return ("" if tens == 1 else digits[tens - 1]) + "十" + (digits[ones - 1] if ones else "")


def blank(what: str) -> str:
    return BLANK.format(what)


@dataclass
class Block:
    kind: str                        # "h2" (（一）heading), "p" (paragraph), "table"
    text: str = ""
    rows: list = field(default_factory=list)    # table: list of rows of str; first row is the header
    widths: tuple = ()               # table: relative column widths


@dataclass
class Section:
    key: str
    title: str                       # "一、基本情况"
    blocks: list                     # live: made from the forms
    default: str = ""                # the free text when the clerk has not written one
    text: str = ""                   # the free text as it is printed (the clerk's, else the default)
    edited: bool = False
    text_at: int | None = None       # where the free text goes among the blocks (None: at the end)

    def items(self) -> list[Block]:
        """The blocks in print order, the free text as a block of kind "text"."""
        out = list(self.blocks)
        if self.text.strip():
            at = len(out) if self.text_at is None else self.text_at
            out.insert(at, Block("text", self.text))
        return out

    def all_text(self) -> str:
        parts = []
        for b in self.items():
            parts.append(b.text if b.kind != "table" else "\n".join("\t".join(r) for r in b.rows))
        return "\n".join(p for p in parts if p)


@dataclass
class Report:
    title: str
    year: int | None
    unit: str
    name: str                        # project name ("" for the unit report)
    sections: list

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def text(self) -> str:
        return "\n".join([self.title] + [s.title + "\n" + s.all_text() for s in self.sections])


# ---------------------------------------------------------------- small builders

def _money(x: Decimal | None, what: str) -> str:
    return f"{fmt_amount(x)} 万元" if x is not None else blank(what)


def _clean(text) -> str:
    return str(text or "").strip()


def _sections(spec, blocks: dict, defaults: dict, edits: dict | None, text_at: dict | None = None) -> list[Section]:
    out = []
    edits = edits or {}
    for i, (key, title) in enumerate(spec):
        default = defaults.get(key, "")
        given = edits.get(key)
        edited = isinstance(given, str)
        out.append(Section(key, f"{cn_number(i + 1)}、{title}", blocks.get(key, []), default,
                           given if edited else default, edited, (text_at or {}).get(key)))
    return out


def funds_sentence(form: Form, scores: Scores) -> str:
    t = form.total_row
    initial, budget, executed = amount(t.get("initial")), amount(t.get("budget")), amount(t.get("executed"))
    parts = []
    if initial is not None:
        parts.append(f"年初预算数 {_money(initial, '年初预算数')}")
    parts.append(f"全年预算数 {_money(budget, '全年预算数')}")
    parts.append(f"全年执行数 {_money(executed, '全年执行数')}")
    parts.append(f"预算执行率 {fmt_rate(scores.rate) if scores.rate is not None else blank('预算执行率')}")
    text = "，".join(parts) + "。"
    reason = _clean(t.get("reason"))
    if reason:
        text += f"差异原因：{reason.rstrip('。')}。"
    return text


def funds_table(form: Form, scores: Scores) -> Block:
    # the unit on a line of its own: a narrow column never breaks “（万元）” in two
    rows = [["资金来源", "年初预算数\n（万元）", "全年预算数\n（万元）", "全年执行数\n（万元）", "执行率"]]
    t = form.total_row

    def row(label, r, rate):
        return [label, fmt_amount(amount(r.get("initial"))), fmt_amount(amount(r.get("budget"))),
                fmt_amount(amount(r.get("executed"))), fmt_rate(rate)]

    rows.append(row(_clean(t.get("label")) or "合计", t, scores.rate))
    for i, src in enumerate(form.sources):
        rate = scores.source_rates[i] if i < len(scores.source_rates) else None
        if any(_clean(src.get(k)) for k in ("initial", "budget", "executed")):
            rows.append(row("其中：" + _clean(src.get("label")), src, rate))
    for use in form.uses:
        if _clean(use.get("executed")):
            rows.append(["用途：" + _clean(use.get("label")), "", "", fmt_amount(amount(use.get("executed"))), ""])
    return Block("table", rows=rows, widths=(3, 2, 2, 2, 1.5))


def score_sentence(name: str, scores: Scores) -> str:
    if not scores.profile.scored:
        rate = fmt_rate(scores.rate) if scores.rate is not None else blank("预算执行率")
        return f"{name}按不计分方式填报，预算执行率 {rate}。"
    total = fmt2(scores.total) if scores.total is not None else blank("自评得分")
    text = f"经自评，{name}综合得分 {total} 分（满分 {fmt_weight(scores.max)} 分），自评等级为“{scores.grade}”。"
    if scores.exec_score is not None:
        text += f"其中预算执行率得分 {fmt2(scores.exec_score)} 分（满分 {fmt_weight(scores.exec_weight)} 分）。"
    return text


def _levels(form: Form, scores: Scores) -> list[tuple[str, str, object]]:
    """(一级, 二级, IndicatorScore) of each applicable row in form order; a blank 二级 inherits
    the row above inside the same 一级."""
    out = []
    level2, last_l1 = "", None
    for s in scores.indicators:
        if s.kind == NOT_APPLICABLE:
            continue
        given = _clean(form.goals[s.goal]["indicators"][s.index].get("level2"))
        if given or s.level1 != last_l1:
            level2 = given
        last_l1 = s.level1
        out.append((s.level1, level2, s))
    return out


def block_sentences(form: Form, scores: Scores, below: list[Shortfall], table: str = "上表") -> list[str]:
    """One sentence per 一级 block, then one per 二级 block inside it.  The rows that cannot be
    compared by number (unscored forms) are referred to ``table``, where the report shows them."""
    missed = {b.path for b in below}
    scored = scores.profile.scored
    by_l1: dict[str, dict[str, list]] = {}
    for l1, l2, s in _levels(form, scores):
        by_l1.setdefault(l1, {}).setdefault(l2, []).append(s)

    def sentence(label: str, rows: list) -> str:
        n = len(rows)
        if scored:
            # a row not scored yet (a 定性 row with no 档次, an unreadable actual) is not “完成”
            pending = sum(1 for s in rows if s.score is None and s.counted)
            done = sum(1 for s in rows if s.path not in missed and (s.score is not None or not s.counted))
            # a score written on a row without a valid weight is out of the total (DOMAIN §4), here too
            got = sum((r2(s.score) for s in rows if s.score is not None and s.counted), ZERO)
            full = sum((s.weight for s in rows if s.weight is not None), ZERO)
            if pending:
                return (f"{label}共 {n} 项，完成 {done} 项，{pending} 项尚未评分；"
                        f"已评分的得分 {fmt2(got)} 分（满分 {fmt_weight(full)} 分）。")
            return f"{label}共 {n} 项，完成 {done} 项，得分 {fmt2(got)} 分（满分 {fmt_weight(full)} 分）。"
        numeric = [s for s in rows if s.kind != QUALITATIVE and s.actual is not None and not s.actual.empty
                   and not s.actual.words and not s.actual.error]
        text = f"{label}共 {n} 项"
        if numeric:
            met = sum(1 for s in numeric if s.path not in missed)
            text += f"，其中可按数值比较的 {len(numeric)} 项中 {met} 项达到指标值"
        qual = n - len(numeric)
        if qual:
            text += f"，其余 {qual} 项的完成情况见{table}" if numeric else f"，完成情况见{table}"
        return text + "。"

    out = []
    for l1, l2s in by_l1.items():
        out.append(sentence(l1 or "绩效指标", [s for rows in l2s.values() for s in rows]))
        for l2, rows in l2s.items():
            if l2 and (len(l2s) > 1 or l2 != l1):
                out.append(sentence(l2, rows))
    return out


def indicator_table(form: Form, scores: Scores) -> Block:
    scored = scores.profile.scored
    head = ["一级指标", "二级指标", "三级指标", "指标值", "实际完成值"]
    head += ["分值", "得分"] if scored else ["偏差原因"]
    rows = [head]
    for l1, l2, s in _levels(form, scores):
        ind = form.goals[s.goal]["indicators"][s.index]
        row = [l1, l2, _clean(ind.get("name")), _clean(ind.get("target")), _clean(ind.get("actual"))]
        if scored:
            row += [fmt_weight(s.weight), fmt2(s.score) if s.score is not None else ""]
        else:
            row += [_clean(ind.get("reason"))]
        rows.append(row)
    widths = (1.3, 1.5, 2.6, 1.4, 1.4, 0.8, 0.9) if scored else (1.3, 1.5, 2.4, 1.3, 1.3, 2.2)
    return Block("table", rows=rows, widths=widths)


_REASON_LABEL = re.compile(r"^\s*(偏差原因(分析)?|原因(分析)?|主要原因)\s*[:：]\s*")


def problem_lines(form: Form, below: list[Shortfall], scored: bool) -> list[str]:
    out = []
    for b in below:
        name = b.name or b.level2 or b.level1
        line = f"“{name}”指标值 {b.target}，实际完成值 {b.actual}"
        if scored and b.score is not None and b.weight is not None:
            line += f"，得分 {fmt2(b.score)} 分（满分 {fmt_weight(b.weight)} 分）"
        reason = _REASON_LABEL.sub("", b.reason).strip() if b.reason else ""   # the cell's own “偏差原因：”
        line += f"。原因：{reason.rstrip('。')}。" if reason else f"。原因：{blank('偏差原因')}"
        out.append(line)
    text = _clean(form.texts.get("偏差大或目标未完成原因分析"))
    if text:
        out.append(text)
    return out


def measure_lines(form: Form, below: list[Shortfall]) -> list[str]:
    out = []
    for _gi, _ii, ind in form.indicators():
        m = _clean(ind.get("measure"))
        if m and m not in out:
            out.append(m)
    for key in ("改进措施及结果应用方案", "改进措施"):
        text = _clean(form.texts.get(key))
        if text and text not in out:
            out.append(text)
    return out


def goal_blocks(form: Form) -> list[Block]:
    out = []
    goals = [g for g in form.goals if _clean(g.get("planned")) or _clean(g.get("achieved")) or _clean(g.get("title"))]
    if not goals:
        return [Block("p", "年度绩效目标：" + blank("年度绩效目标")), Block("p", "完成情况：" + blank("目标完成情况"))]
    for g in goals:
        title = _clean(g.get("title"))
        planned = _clean(g.get("planned"))
        lead = f"{title}：" if title and planned and len(goals) > 1 else ""
        planned = planned or title or blank("年度绩效目标")
        achieved = _clean(g.get("achieved")) or blank("目标完成情况")
        out.append(Block("p", f"{lead}年度绩效目标：{planned}"))
        out.append(Block("p", f"完成情况：{achieved}"))
    return out


# ---------------------------------------------------------------- the project report

def build_report(form: Form, edits: dict | None = None, scores: Scores | None = None) -> Report:
    """The report of one form.  ``edits`` are the clerk's texts; when None, the form's own
    ``report`` key (if any) is used."""
    scores = scores if scores is not None else evaluate(form)
    if edits is None:
        edits = form.data.get("report") if isinstance(form.data.get("report"), dict) else {}
    t = scores.template
    name, unit = name_of(form, t), unit_of(form, t)
    below = shortfalls(form, scores)
    dept = t.get("kind") == "dept"

    facts = []
    for key in ("项目名称", "主管部门", "实施单位", "单位名称", "项目负责人及电话"):
        v = " ".join(_clean(form.header.get(key)).split())
        if v:
            facts.append(f"{key}：{v}")
    basic = [Block("h2", "（一）部门概况" if dept else "（一）项目概况")]
    if facts:
        basic.append(Block("p", "；".join(facts) + "。"))
    duty = _clean(form.texts.get("部门职能概述"))
    if duty:
        basic.append(Block("p", duty))
    basic_text_at = len(basic)
    basic += [Block("h2", "（二）资金情况"), Block("p", funds_sentence(form, scores)),
              Block("h2", "（三）年度绩效目标")] + goal_blocks(form)

    goals = [Block("h2", "（一）自评得分"), Block("p", score_sentence(name, scores)),
             Block("h2", "（二）各项指标完成情况"), indicator_table(form, scores)]
    goals += [Block("p", s) for s in block_sentences(form, scores, below)]

    problems = [Block("p", line) for line in problem_lines(form, below, scores.profile.scored)]
    measures = [Block("p", line) for line in measure_lines(form, below)]
    blocks = {"basic": basic, "funds": [funds_table(form, scores), Block("p", funds_sentence(form, scores))],
              "goals": goals, "problems": problems, "measures": measures}
    defaults = {k: blank(v) for k, v in PROMPTS.items()}
    if dept:
        defaults["basic"] = "" if duty else blank("部门概况，如主要职能、机构设置、人员情况等")
    if problems:
        defaults["problems"] = ""
    if measures:
        defaults["measures"] = ""
    elif below:
        defaults["measures"] = blank("针对上述问题的改进措施")
    year = f"{form.year}年度" if form.year else ""
    title = f"{year}{unit}{'部门整体支出' if dept else name}绩效自评报告"
    return Report(title, form.year, unit, "" if dept else name,
                  _sections(PROJECT_SECTIONS, blocks, defaults, edits, {"basic": basic_text_at}))


# ---------------------------------------------------------------- the unit report

def summary_table(summary: Summary) -> Block:
    head = ["序号", "项目名称", "全年预算数", "全年执行数", "执行率", "自评得分", "自评等级"]
    rows = [head]
    for r in summary.rows:
        c = r.cells()
        rows.append([c[0], c[2], c[6], c[7], c[8], c[9], c[10]])
    t = summary.total_cells()
    grades = t[10].split("\n")                  # 优 1 良 0 / 中 0 差 0: two lines, as the score beside it
    rows.append(["合计", t[4], t[6], t[7], t[8], t[9],
                 "\n".join(" ".join(grades[i:i + 2]) for i in range(0, len(grades), 2))])
    return Block("table", rows=rows, widths=(0.7, 2.8, 1.5, 1.5, 1.2, 2.0, 1.5))


def counts_sentence(summary: Summary) -> str:
    """The unit's money first — its 部门整体 form, when there is one — then the projects' own
    totals, said apart: the unit's budget already holds the project money."""
    year = f"{summary.year}年度" if summary.year else "本年度"
    budget, executed, rate = summary.unit_money()
    text = ""
    if budget is not None:
        text = (f"{year}本单位部门整体支出全年预算 {fmt_amount(budget)} 万元，全年执行 {fmt_amount(executed)} 万元，"
                f"预算执行率 {fmt_rate(rate) if rate is not None else blank('预算执行率')}。")
    if summary.count:
        lead = "其中" if budget is not None else f"{year}本单位"
        text += (f"{lead}共有 {summary.count} 个项目开展绩效自评，项目全年预算 "
                 f"{fmt_amount(summary.budget)} 万元，全年执行 {fmt_amount(summary.executed)} 万元，"
                 f"预算执行率 {fmt_rate(summary.rate) if summary.rate is not None else blank('预算执行率')}。")
        if summary.left_out:
            text += "、".join(f"“{r.name}”" for r in summary.left_out) + "缺少全年预算数或全年执行数，未计入以上项目金额。"
    if summary.scored_count:
        text += (f"计分的 {summary.scored_count} 个项目中，" + "，".join(f"{g} {summary.grades.get(g, 0)} 个" for g in GRADES)
                 + f"；按全年预算数加权的平均得分 {fmt2(summary.weighted_mean) if summary.weighted_mean is not None else blank('加权平均得分')} 分，"
                 f"算术平均得分 {fmt2(summary.plain_mean)} 分。")
    unscored = summary.count - sum(1 for r in summary.projects if r.scored)
    if unscored:
        text += f"另有 {unscored} 个项目按不计分方式填报。"
    return text


def build_unit_report(forms, edits: dict | None = None, *, year: int | None = None, unit: str | None = None,
                      scores: list | None = None) -> Report:
    forms = list(forms)
    scores = scores or [evaluate(f) for f in forms]
    summary = summarize(forms, year, unit, scores)
    goals, problems, measures = [], [], []
    for i, row in enumerate(summary.rows):          # the 部门整体 form first, as in the 汇总表
        form, sc = row.form, row.scores
        head = f"（{cn_number(i + 1)}）{row.name}"
        below = shortfalls(form, sc)
        goals += [Block("h2", head), Block("p", score_sentence(row.name, sc)), Block("p", funds_sentence(form, sc))]
        # the unit report shows no indicator table: the rows are in the project's own 自评表
        goals += [Block("p", s) for s in block_sentences(form, sc, below, "该项目绩效自评表")]
        # each section numbers its own sub-headings: （一）（二）… without gaps for projects it leaves out
        lines = problem_lines(form, below, sc.profile.scored)
        if lines:
            n = sum(1 for b in problems if b.kind == "h2") + 1
            problems.append(Block("h2", f"（{cn_number(n)}）{row.name}"))
            problems += [Block("p", line) for line in lines]
        lines = measure_lines(form, below)
        if lines:
            n = sum(1 for b in measures if b.kind == "h2") + 1
            measures.append(Block("h2", f"（{cn_number(n)}）{row.name}"))
            measures += [Block("p", line) for line in lines]
    blocks = {"basic": [Block("h2", "（一）单位概况"), Block("h2", "（二）自评范围及结果"),
                        Block("p", counts_sentence(summary))],
              "summary": [Block("p", "各项目自评结果见下表（金额单位：万元）。"), summary_table(summary)],
              "goals": goals, "problems": problems, "measures": measures}
    defaults = {k: blank(v) for k, v in UNIT_PROMPTS.items()}
    if problems:
        defaults["problems"] = ""
    if measures:
        defaults["measures"] = ""
    y = f"{summary.year}年度" if summary.year else ""
    title = f"{y}{summary.unit}绩效自评报告"
    return Report(title, summary.year, summary.unit, "",
                  _sections(UNIT_SECTIONS, blocks, defaults, edits, {"basic": 1}))
