"""Rules: reading what a clerk typed (:mod:`.reader`, :mod:`.deadlines`), scoring it
(:mod:`.indicators`, :mod:`.scoring`, :mod:`.rescore`), the checks a finance bureau makes
(:mod:`.checks`), both together (:mod:`.evaluate`) and every score explained in words
(:mod:`.explain`).  Pure functions of a :class:`core.form.Form`; uses :mod:`core.form`."""
from core.rules.evaluate import evaluate
from core.rules.explain import explain, explain_cell, explain_lines, profile_rules
from core.rules.reader import EQ, GE, GT, LE, LT, Parsed, comparable, parse_amount, to_halfwidth, unit_factor
from core.rules.reader import parse as parse_value
from core.rules.rescore import rescore
from core.rules.results import (DEADLINE, EQUAL, EQUAL_ZERO, HUNDRED, KIND_NAMES, NOT_APPLICABLE, ONE, POSITIVE,
                                QUALITATIVE, REVERSE, ZERO, Finding, IndicatorScore, Scores, fmt2, fmt_number,
                                fmt_weight, r2)
from core.rules.scoring import compute, drawn_fund_columns, rate_base_field, rule_score, uses_transfer

__all__ = ["evaluate", "explain", "explain_cell", "explain_lines", "profile_rules", "EQ", "GE", "GT", "LE", "LT",
           "Parsed", "comparable", "parse_amount", "parse_value", "to_halfwidth", "unit_factor", "rescore",
           "DEADLINE", "EQUAL", "EQUAL_ZERO", "HUNDRED", "KIND_NAMES", "NOT_APPLICABLE", "ONE", "POSITIVE",
           "QUALITATIVE", "REVERSE", "ZERO", "Finding", "IndicatorScore", "Scores", "fmt2", "fmt_number",
           "fmt_weight", "r2", "compute", "drawn_fund_columns", "rate_base_field", "rule_score",
           "uses_transfer"]
