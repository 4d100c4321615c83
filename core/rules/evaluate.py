"""Evaluating a form: its scores and every finding.

:mod:`core.rules.scoring` computes, :mod:`core.rules.checks` reads what it computed; this
function above both is the one callers use (the editor, the sheet, the command
line, the importer, exports).
"""
from __future__ import annotations

from core.form import Form, Profile
from core.rules import checks
from core.rules.scoring import Scores, compute


def evaluate(form: Form, profile: Profile | str | None = None) -> Scores:
    """Scores and findings of a form under a profile (default: the form's, else its template's)."""
    s = compute(form, profile)
    checks.run(form, s.template, s.profile, s)
    return s
