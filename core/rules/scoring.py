"""Scoring (DOMAIN §3): a pure function of a form and a profile.

``compute(form)`` returns :class:`Scores`: the execution rate and score, every
indicator's kind, computed and counted score, the total and the grade, with the
findings met while reading the cells.  The checks of DOMAIN §5 read this result
(:mod:`core.rules.checks`); :func:`core.rules.evaluate.evaluate` runs both and is what
callers use.  This module never imports the checks.  All arithmetic is Decimal; each
score is computed from exact values and rounded half-up to 2 decimals, and the
total is the sum of the rounded scores, so the printed column adds up.
"""
from __future__ import annotations

from decimal import Decimal

from core.form import Form, Profile, get_profile, get_template
from core.rules import reader
from core.rules.indicators import classify, rule_score, score_indicators, tier_of  # noqa: F401 (re-exported)
from core.rules.results import *  # noqa: F401,F403 (the result types and helpers, re-exported)
from core.rules.results import HUNDRED, ONE, ZERO, Scores, fmt2, r2


def resolve(form: Form, profile: Profile | str | None = None) -> tuple[dict, Profile]:
    template = get_template(form.template_id)
    if isinstance(profile, Profile):
        return template, profile
    pid = profile or form.profile_id or template["profile"]
    return template, get_profile(pid)


def compute(form: Form, profile: Profile | str | None = None) -> Scores:
    """The scores of a form under a profile (default: the form's, else its template's),
    without the checks of DOMAIN §5 (see :func:`core.rules.evaluate.evaluate`)."""
    template, prof = resolve(form, profile)
    s = Scores(profile=prof, template=template)
    _execution(form, template, prof, s)
    score_indicators(form, prof, s)
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
    elif not any(f.where == "funds.total.executed" for f in s.findings):    # unreadable: said already
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


def _total(prof: Profile, s: Scores) -> None:
    total = s.exec_score if s.exec_score is not None else ZERO
    weight_sum = prof.exec_weight
    anything = s.exec_score is not None
    for ind in s.indicators:
        # Rows without a valid weight (not applicable, "/", empty, unreadable, negative) stay out
        # of the total even when a score is written there (that score gets a finding).
        if ind.kind == NOT_APPLICABLE or not ind.counted:
            continue
        weight_sum += ind.weight
        if ind.score is not None:
            total += r2(ind.score)
            anything = True
    s.max = weight_sum
    if not anything:            # nothing scored yet: no total, no grade (the window shows —)
        s.empty = True
        return
    if prof.cap_by_rate and s.rate_exact is not None:
        for below, cap in sorted(prof.cap_by_rate, key=lambda p: Decimal(p[0])):
            if s.rate_exact < Decimal(below) and total > Decimal(cap):
                s.add("warning", "total", f"执行率低于 {Decimal(below) * 100:.0f}%，总分最高为 {cap} 分", "cap-by-rate")
                total = Decimal(cap)
                break
    s.total = r2(total)
    s.grade = prof.grade(s.total)
