"""Reading a workbook by its layout: the sheet builder backwards.

``core.layout.sheet`` lays a form out from its template's blocks (title, rows of
labels and fields, the funds table, the goal texts, the indicator table).
This module walks the same blocks over a worksheet's cells and finds each one
by the labels the template gives it, so a new template file brings its reader
with it.  It tolerates what clerks do to a table: rows and columns shifted,
blank rows added, cells merged differently, headers over two lines, units or
operator / value / unit in cells of their own, a signature line typed into
one cell (``填报人：王五 联系电话：… 填报日期：…``).

Printed values the numbers give (执行率, 总分, a score equal to the rules') are
not kept; printed values the numbers do not give are kept as printed, so the
checks can say so.  The scoring profile is the one whose figures the sheet
prints (the template's own when several agree).
"""
from __future__ import annotations

from core.form import all_templates
from core.reading.grid import FORMULA_MESSAGE, Grid, NotThisLayout, label_keys
from core.reading.walk import Reading, Walker
from core.rules import parse_amount

# ---------------------------------------------------------------- choosing the template and profile

def read_layout(grid: Grid, hint: str | None = None) -> tuple[dict, list]:
    """The form data read from a worksheet, and notes (path, message) for its cells.
    Raises NotThisLayout with the closest template and what it lacks."""
    readings = []
    for t in all_templates():
        try:
            rd = Walker(t, grid).run()
        except (IndexError, KeyError, ValueError):     # a layout too far from this template
            rd = Reading(template=t, missing=["（无法按此格式读取）"], fatal="无法按此格式读取")
        readings.append(rd)
    order = {t["id"]: n for n, t in enumerate(all_templates())}
    readings.sort(key=lambda rd: (-rd.fraction, -len(rd.found), 0 if rd.template["id"] == hint else 1,
                                  order[rd.template["id"]]))
    best = readings[0]
    if best.fatal or best.fraction < 0.25:
        core = [m for m in best.missing if label_keys(m)[0] in ("一级指标", "二级指标", "三级指标")]
        names = [m.strip().rstrip(":：") for m in core + best.missing]
        missing = "、".join(list(dict.fromkeys(n for n in names if n))[:8])
        raise NotThisLayout(f"最接近“{best.template['name']}”，但找不到：{missing}")
    data = best.data
    _finish(best, data)
    return data, grid.notes


def _finish(rd: Reading, data: dict) -> None:
    """Profile, scores, printed rates and totals."""
    from core.form import Form, profile_ids
    from core.rules import compute as score
    from core.rules import fmt2

    t = rd.template
    default = t.get("profile")
    candidates = [default] + [p for p in profile_ids() if p != default]
    best = None
    for pid in candidates:
        trial = _apply_scores(rd, data, pid)
        s = score(Form(trial))
        miss = _printed_mismatches(rd, s, fmt2)
        overrides = sum(1 for ind in (i for g in trial["goals"] for i in g["indicators"]) if ind.get("score"))
        key = (miss, overrides)
        if best is None or key < best[0]:
            best = (key, pid, trial, s)
        if key == (0, 0) or not rd.printed:
            break
    _key, pid, trial, s = best
    data.clear()
    data.update(trial)
    if pid != default:
        data["profile"] = pid
    else:
        data.pop("profile", None)
    # printed values the numbers do not give are kept, so their checks fire
    rate = rd.printed.get("funds.rate", "")
    if rate.strip() and not _same(rate, f"{fmt2(s.rate)}%" if s.rate is not None else ""):
        data["funds"]["total"]["rate"] = rate
    for i, row in enumerate(data["funds"]["sources"]):
        typed = rd.printed.get(f"funds.sources.{i}.rate", "")
        computed = s.source_rates[i] if i < len(s.source_rates) else None
        if typed.strip() and not _same(typed, f"{fmt2(computed)}%" if computed is not None else ""):
            row["rate"] = typed
    total = rd.printed.get("total", "")
    if total.strip() and s.profile.scored and not _same(total, fmt2(s.total) if s.total is not None else ""):
        data["total"] = total


def _apply_scores(rd: Reading, data: dict, pid: str) -> dict:
    """The form under a profile, with each printed score kept where the rules do not give it."""
    import copy

    from core.form import Form
    from core.rules import NOT_APPLICABLE, QUALITATIVE, r2
    from core.rules import compute as score
    trial = copy.deepcopy(data)
    if pid != rd.template.get("profile"):
        trial["profile"] = pid
    for g in trial["goals"]:
        for ind in g["indicators"]:
            ind["score"] = None
            ind["tier"] = None
    s = score(Form(trial))
    for (gi, ii), typed in rd.scores_typed.items():
        if not typed.strip():
            continue
        ind = trial["goals"][gi]["indicators"][ii]
        res = s.indicator(gi, ii)
        value, err = parse_amount(typed)
        if value is None or err or res is None or res.kind == NOT_APPLICABLE or not s.profile.scored:
            ind["score"] = typed
            continue
        if res.kind == QUALITATIVE:
            if res.weight:
                for t_index, tier in enumerate(s.profile.tiers, start=1):
                    if tier.contains(value / res.weight):
                        ind["tier"] = t_index
                        break
            if ind["tier"] is None or r2(s.profile.tiers[ind["tier"] - 1].default * res.weight) != value:
                ind["score"] = typed
        elif res.computed is None or r2(res.computed) != value:      # the cell holds the exact number
            ind["score"] = typed
    return trial


def _printed_mismatches(rd: Reading, s, fmt2) -> int:
    from core.rules import fmt_weight
    scored = s.profile.scored
    want = {
        "funds.exec_weight": fmt_weight(s.exec_weight) if scored else "",
        "funds.exec_score": fmt2(s.exec_score) if scored else "",
        "funds.rate": f"{fmt2(s.rate)}%" if s.rate is not None else "",
        "max": fmt_weight(s.max) if scored and s.max is not None else "",
        "total": fmt2(s.total) if scored and s.total is not None else "",
        "grade": (s.grade or "") if scored else "",
    }
    return sum(1 for k, v in want.items() if k in rd.printed and not _same(rd.printed[k], v))


def _same(a: str, b: str) -> bool:
    a, b = (a or "").strip(), (b or "").strip()
    if a == b:
        return True
    pa = a.endswith("%")
    pb = b.endswith("%")
    if pa != pb:
        return False
    va, ea = parse_amount(a.rstrip("%"))
    vb, eb = parse_amount(b.rstrip("%"))
    return va is not None and vb is not None and not ea and not eb and va == vb


__all__ = ["read_layout", "NotThisLayout", "Grid", "FORMULA_MESSAGE"]
