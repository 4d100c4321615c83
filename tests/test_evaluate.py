"""evaluate() = scores + checks, with one import direction; findings that have one right answer offer it."""
import ast
from pathlib import Path

from core.rules import evaluate
from core.rules import compute
from tests.helpers import central_form, sample

ROOT = Path(__file__).resolve().parent.parent


def _imports(module: str) -> set[str]:
    """The last parts of the modules that core/rules/<module>.py imports (``core.rules.checks`` -> checks)."""
    tree = ast.parse((ROOT / "core" / "rules" / f"{module}.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.add((node.module or "").rpartition(".")[2])
            names.update(a.name for a in node.names if not node.module or node.module in ("core", "core.rules"))
        elif isinstance(node, ast.Import):
            names.update(a.name.rpartition(".")[2] for a in node.names)
    return names


def test_scoring_never_imports_checks_and_checks_reads_scoring():
    assert "checks" not in _imports("scoring")
    assert "evaluate" not in _imports("scoring")
    assert "scoring" in _imports("checks")
    assert {"checks", "scoring"} <= _imports("evaluate")


def test_compute_has_no_checks_evaluate_has_them():
    form = sample("seed004-wangcheng-2020-dept.json")
    plain = compute(form)
    full = evaluate(form)
    assert plain.total == full.total and plain.rate == full.rate
    assert not any(f.code == "printed-rate" for f in plain.findings)
    assert any(f.code == "printed-rate" for f in full.findings)


def _apply(form, finding):
    for path, value in finding.fix:
        form.set(path, value)


def test_seed004_printed_rate_fix_sets_the_computed_rate():
    form = sample("seed004-wangcheng-2020-dept.json")
    s = evaluate(form)
    found = [f for f in s.findings if f.code == "printed-rate" and f.where == "funds.total.rate"]
    assert len(found) == 1
    f = found[0]
    assert f.fix_label == "改为 108.21%"
    assert f.fix == (("funds.total.rate", "108.21%"),)
    for g in [x for x in s.findings if x.code == "printed-rate"]:
        _apply(form, g)
    after = evaluate(form)
    assert not any(x.code == "printed-rate" for x in after.findings)
    assert form.get("funds.total.rate") == "108.21%"


def test_printed_total_fix_after_a_change():
    form = sample("seed004-wangcheng-2020-dept.json")
    form.set("goals.0.indicators.0.score", "1")          # the clerk changes a score: 98.18 no longer adds up
    s = evaluate(form)
    f = next(x for x in s.findings if x.code == "printed-total")
    assert f.fix_label == f"改为 {s.total:.2f}"
    assert f.fix == (("total", f"{s.total:.2f}"),)
    _apply(form, f)
    assert not any(x.code == "printed-total" for x in evaluate(form).findings)


def _with_sources(total_budget, rows):
    form = central_form([], budget=total_budget, executed=total_budget)
    form.funds["sources"] = [{"label": f"来源{i}", "initial": "", "budget": b, "executed": ""}
                             for i, b in enumerate(rows)]
    return form


def test_funds_total_fix_when_the_sum_is_the_one_answer():
    form = _with_sources("30.64", ["9.8", "10"])          # seed 001: 9.8 + 10 ≠ 30.64
    f = next(x for x in evaluate(form).findings if x.code == "funds-sum" and x.where == "funds.total.budget")
    assert f.fix_label == "合计改为 19.8"
    assert f.fix == (("funds.total.budget", "19.8"),)
    _apply(form, f)
    assert not any(x.code == "funds-sum" and x.where == "funds.total.budget" for x in evaluate(form).findings)


def test_funds_total_no_fix_when_a_sub_row_is_blank():
    # 其他资金 left blank may be the missing 10.84: the sum is not the one right answer.
    form = _with_sources("30.64", ["9.8", "10", ""])
    f = next(x for x in evaluate(form).findings if x.code == "funds-sum" and x.where == "funds.total.budget")
    assert f.fix == () and f.fix_label == ""


def test_findings_without_one_answer_have_no_fix():
    form = central_form([dict(target="≥10次", actual="5次", weight="90")])
    s = evaluate(form)
    assert s.findings and all(f.fix == () and f.fix_label == "" for f in s.findings if f.code != "printed-rate")
