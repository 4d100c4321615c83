"""The checks a finance bureau would make (DOMAIN §5).

Each finding names the cell it belongs to (a form path), a level — ``error``
(错误, shown red) or ``warning`` (提示, amber) — and one plain-Chinese sentence.
Findings never block anything.
"""
from __future__ import annotations

import re
from decimal import Decimal

from core.form import Form, Profile
from core.rules import import_notes, reader
from core.rules.scoring import (EQUAL, NOT_APPLICABLE, POSITIVE, QUALITATIVE, ZERO, Scores, drawn_fund_columns,
                                fmt2, fmt_weight, r2, rate_base_field)

DATE_RE = re.compile(r"^\s*\d{4}\s*(-|/|\.|年)\s*\d{1,2}\s*(-|/|\.|月)\s*\d{1,2}\s*日?\s*$")
FUND_COLUMNS = {"initial": "年初预算数", "budget": "全年预算数", "executed": "执行数", "transfer": "上级转移支付"}


def run(form: Form, template: dict, prof: Profile, s: Scores) -> None:
    _header(form, template, s)
    _funds(form, template, prof, s)
    if prof.scored:
        _weights(prof, s)
        _explanations(form, prof, s)
    _printed(form, prof, s)
    import_notes.run(form, s)


def _header(form: Form, template: dict, s: Scores) -> None:
    for name in template.get("required", []):
        if not str(form.header.get(name) or "").strip():
            s.add("error", f"header.{name}", f"请填写{name}", "required")
    date = str(form.header.get("填报日期") or "").strip()
    if date and not DATE_RE.match(reader.to_halfwidth(date)):
        s.add("warning", "header.填报日期", "填报日期的写法应为 2023-03-29 或 2023年3月29日", "date")
    if form.year is None:
        s.add("warning", "year", "请填写年度（四位数字）", "year")


def _sum_text(values: list[Decimal]) -> str:
    return " + ".join(format(v, "f") for v in values)


def _amount_text(value: Decimal) -> str:
    """An amount as a clerk would type it: 19.8, 880, 1930.54."""
    return format(value, "f")


AMOUNT_COLUMNS = ("initial", "budget", "executed", "transfer")
MAGNITUDE = Decimal(1000)           # a figure this many times its neighbour: 元 typed into 万元?
LARGE = Decimal(1_000_000)          # 1,000,000 万元 = 100 亿元: larger than any unit's budget


def _total_row_cells(form: Form, template: dict, s: Scores) -> None:
    """Every amount cell of the total row is read or flagged (年初预算数 “五十” included)."""
    drawn = drawn_fund_columns(template) or set(AMOUNT_COLUMNS)
    for col in AMOUNT_COLUMNS:
        where = f"funds.total.{col}"
        if col not in drawn or any(f.where == where for f in s.findings):
            continue
        raw = form.total_row.get(col)
        value, err = reader.parse_amount(raw or "")
        if err:
            s.add("error", where, f"“{raw}”{err}，请只填写数字（单位：万元）", "amount")
        elif value is not None and value < 0:
            s.add("error", where, "金额不能为负数", "negative")


def _in_wan(template: dict) -> bool:
    for block in template.get("blocks", ()):
        if block.get("type") == "funds":
            labels = [block.get("side", {}).get("label", "")] + [c.get("label", "") for c in block.get("columns", ())]
            return any("万元" in (label or "") for label in labels)
    return True


def _magnitude(form: Form, template: dict, s: Scores) -> None:
    """A figure in a 万元 block ≥ 1,000 × its neighbour or ≥ 1,000,000: were 元 typed? (DOMAIN §5)"""
    if not _in_wan(template):
        return
    drawn = drawn_fund_columns(template) or set(AMOUNT_COLUMNS)
    cols = [c for c in ("initial", "budget", "executed") if c in drawn]
    rows = [("funds.total", form.total_row)] + [(f"funds.sources.{i}", r) for i, r in enumerate(form.sources)] \
        + [(f"funds.uses.{i}", r) for i, r in enumerate(form.uses)]
    for base, row in rows:
        if not isinstance(row, dict):
            continue
        values = {}
        for col in cols:
            value, err = reader.parse_amount(row.get(col) or "")
            if value is not None and not err and value > 0:
                values[col] = value
        for col, value in values.items():
            others = [(c, v) for c, v in values.items() if c != col]
            small = min(others, key=lambda p: p[1]) if others else None
            if small and value >= MAGNITUDE * small[1]:
                s.add("warning", f"{base}.{col}",
                      f"{value:f} 是同一行{FUND_COLUMNS[small[0]]} {small[1]:f} 的 {value / small[1]:.0f} 倍，"
                      "是否按“元”填写了？本表金额单位为万元", "magnitude")
            elif value >= LARGE:
                s.add("warning", f"{base}.{col}",
                      f"{value:f} 万元即 {value / 10000:f} 亿元，是否按“元”填写了？本表金额单位为万元", "magnitude")


def _funds(form: Form, template: dict, prof: Profile, s: Scores) -> None:
    _total_row_cells(form, template, s)
    _magnitude(form, template, s)
    total = form.total_row
    sources = form.sources
    drawn = drawn_fund_columns(template)
    for col, name in FUND_COLUMNS.items():
        if drawn and col not in drawn:
            continue
        parts = []
        unreadable = blank = False
        for i, row in enumerate(sources):
            value, err = reader.parse_amount(row.get(col) or "")
            if err:
                unreadable = True
                s.add("error", f"funds.sources.{i}.{col}", f"“{row.get(col)}”{err}", "amount")
            elif value is not None:
                if value < 0:
                    s.add("error", f"funds.sources.{i}.{col}", "金额不能为负数", "negative")
                parts.append(value)
            else:
                blank = True
        if not parts or unreadable:
            continue
        whole, err = reader.parse_amount(total.get(col) or "")
        if err:
            continue
        whole = whole or ZERO
        if sum(parts) != whole:
            # The sum is the one right 合计 only when every sub-row is filled in and none is
            # negative; a blank sub-row may be the missing piece instead.
            fix_label, fix = "", ()
            if not blank and all(p >= 0 for p in parts):
                fixed = _amount_text(sum(parts))
                fix_label, fix = f"合计改为 {fixed}", ((f"funds.total.{col}", fixed),)
            s.add("error", f"funds.total.{col}",
                  f"{name}：其中各项之和 {_sum_text(parts)} = {sum(parts):f}，与合计 {whole:f} 不一致", "funds-sum",
                  fix_label, fix)
    uses = form.uses
    parts = []
    for i, row in enumerate(uses):
        value, err = reader.parse_amount(row.get("executed") or "")
        if err:
            s.add("error", f"funds.uses.{i}.executed", f"“{row.get('executed')}”{err}", "amount")
        elif value is not None:
            parts.append(value)
    if parts:
        executed, err = reader.parse_amount(total.get("executed") or "")
        if not err and executed is not None and sum(parts) != executed:
            s.add("error", "funds.uses.0.executed",
                  f"按支出用途的各项之和 {_sum_text(parts)} = {sum(parts):f}，与执行数 {executed:f} 不一致", "uses-sum")
    base = rate_base_field(template, prof)
    a, _ = reader.parse_amount(total.get(base) or "")
    b, _ = reader.parse_amount(total.get("executed") or "")
    if a and b is not None and b > a:
        s.add("warning", "funds.total.executed",
              f"执行数 {b:f} 超过预算数 {a:f}（超支），执行率 {fmt2(s.rate)}%", "over-execution")


def _weights(prof: Profile, s: Scores) -> None:
    rows = [i for i in s.indicators if i.kind != NOT_APPLICABLE]
    total = prof.exec_weight + sum((i.weight or ZERO) for i in rows)
    if total != prof.total:
        s.add("error", "total", f"各项分值之和为 {fmt_weight(total)}，应为 {fmt_weight(prof.total)}", "weight-sum")
    sums: dict[str, Decimal] = {}
    first: dict[str, str] = {}
    unknown_reported = set()
    for ind in rows:
        group = next((g for g in prof.groups if g.matches(ind.level1)), None)
        if group is None:
            if ind.level1 not in unknown_reported:
                unknown_reported.add(ind.level1)
                s.add("warning", f"{ind.path}.level1",
                      f"一级指标“{ind.level1 or '（空）'}”不在计分方案中（应为：{'、'.join(n for g in prof.groups for n in g.names)}）",
                      "level1")
            continue
        sums[group.label] = sums.get(group.label, ZERO) + (ind.weight or ZERO)
        first.setdefault(group.label, f"{ind.path}.weight")
    expected = {g.label: g.weight for g in prof.groups}
    for g in prof.groups:
        if g.missing_to and g.label not in sums:
            target = next((x for x in prof.groups if g.missing_to in x.names), None)
            if target is not None:
                expected[target.label] += g.weight
                expected[g.label] = ZERO
    for g in prof.groups:
        got = sums.get(g.label, ZERO)
        if g.label in sums and got != expected[g.label]:
            s.add("warning", first[g.label],
                  f"{g.label}的分值合计为 {fmt_weight(got)}，按计分方案应为 {fmt_weight(expected[g.label])}", "group-weight")


def _explanations(form: Form, prof: Profile, s: Scores) -> None:
    for ind in s.indicators:
        if ind.kind == NOT_APPLICABLE:
            continue
        row = form.goals[ind.goal]["indicators"][ind.index]
        reason = str(row.get("reason") or "").strip()
        where = f"{ind.path}.reason"
        if reason:
            continue
        if ind.late:
            s.add("warning", where, "逾期完成，请填写偏差原因及改进措施", "reason-late")
        elif ind.overridden:
            s.add("warning", where, f"得分已手工修改（按规则计算为 {fmt2(ind.computed) or '无'}），请说明原因", "override")
        elif ind.kind == QUALITATIVE and ind.tier in (2, 3):
            s.add("warning", where, "定性指标未完全达成，请填写偏差原因", "reason-tier")
        elif ind.score is not None and ind.weight is not None and r2(ind.score) < ind.weight:
            s.add("warning", where, "得分低于分值，请填写偏差原因及改进措施", "reason-low")
        elif (ind.kind in (POSITIVE, EQUAL) and ind.ratio is not None and prof.over_ratio_explain is not None
              and ind.ratio > prof.over_ratio_explain):
            s.add("warning", where,
                  f"实际完成值是指标值的 {fmt2(ind.ratio * 100)}%，超出较多，请说明原因（指标值是否设定偏低）", "reason-over")
    reason = str(form.total_row.get("reason") or "")
    if prof.reason_when_rate_below is not None and s.rate_exact is not None \
            and s.rate_exact < prof.reason_when_rate_below and not reason.strip():
        s.add("error", "funds.total.reason",
              f"执行率低于 {prof.reason_when_rate_below * 100:.0f}%，请填写原因", "reason-rate")
    if prof.reason_max_chars and len(reason) > prof.reason_max_chars:
        s.add("error", "funds.total.reason", f"原因说明不能超过 {prof.reason_max_chars} 字（现有 {len(reason)} 字）",
              "too-long")


def _printed(form: Form, prof: Profile, s: Scores) -> None:
    """Values typed from a paper form that the numbers do not give."""
    typed = form.total_row.get("rate")
    if typed and s.rate is not None:
        value, err = reader.parse_percent(typed)
        if err or value is None:                 # "/", "—": nothing a rate can be read from
            s.add("error", "funds.total.rate", f"表中填写的执行率“{typed}”不是有效的百分比", "printed-rate")
        elif r2(value) != s.rate:
            s.add("error", "funds.total.rate",
                  f"表中填写的执行率 {typed} 与预算数、执行数算出的 {fmt2(s.rate)}% 不一致", "printed-rate",
                  f"改为 {fmt2(s.rate)}%", (("funds.total.rate", f"{fmt2(s.rate)}%"),))
    for i, row in enumerate(form.sources):
        typed = row.get("rate")
        computed = s.source_rates[i] if i < len(s.source_rates) else None
        if typed and computed is not None:
            value, err = reader.parse_percent(typed)
            if err or value is None or r2(value) != computed:
                s.add("error", f"funds.sources.{i}.rate",
                      f"表中填写的执行率 {typed} 与算出的 {fmt2(computed)}% 不一致", "printed-rate",
                      f"改为 {fmt2(computed)}%", ((f"funds.sources.{i}.rate", f"{fmt2(computed)}%"),))
    typed_total = form.data.get("total")
    if prof.scored and isinstance(typed_total, str) and typed_total.strip() and s.total is not None:
        value, err = reader.parse_amount(typed_total)
        if err or value is None or r2(value) != s.total:
            s.add("error", "total", f"表中填写的总分 {typed_total} 与算出的 {fmt2(s.total)} 不一致", "printed-total",
                  f"改为 {fmt2(s.total)}", (("total", fmt2(s.total)),))
