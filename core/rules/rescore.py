"""A quick re-score after one edit, for the editor's every keystroke.

An edit inside one indicator row re-scores that row only, an edit of the funds no indicator (the
other results cannot change; the execution is always computed, it is quick); anything else is
scored in full.  The result equals :func:`core.rules.scoring.compute` of the edited form (the
session tests compare the two on every edit).
"""
from __future__ import annotations

import re

from core.rules.indicators import _indicator
from core.rules.scoring import Scores, _execution, _total, compute

_IND_RE = re.compile(r"^goals\.(\d+)\.indicators\.(\d+)\.")


def rescore(form, prev: Scores, paths) -> tuple[Scores, bool]:
    """(the scores of ``form`` after an edit of ``paths``, whether the quick path was taken);
    ``prev`` are the scores before the edit."""
    paths = list(paths)
    rows = {m.groups() for m in (_IND_RE.match(p) for p in paths) if m}
    one_row = (len(rows) == 1 and all(_IND_RE.match(p) for p in paths)
               and not any(p.endswith((".level1", ".level2")) for p in paths)
               and isinstance(form.year, int) and 1 <= form.year <= 9998)  # deadlines' year
    funds_only = bool(paths) and all(p.startswith("funds.") for p in paths)
    n = sum(len(g.get("indicators") or []) for g in form.goals)
    if not (one_row or funds_only) or n != len(prev.indicators):
        return compute(form), False
    s = Scores(profile=prev.profile, template=prev.template)
    _execution(form, s.template, s.profile, s)
    s.indicators = list(prev.indicators)
    if one_row:
        gi, ii = (int(x) for x in next(iter(rows)))
        old = prev.indicator(gi, ii)
        if old is None:
            return compute(form), False
        pos = s.indicators.index(old)
        ind = form.goals[gi]["indicators"][ii]
        s.indicators[pos] = _indicator(gi, ii, ind, old.level1, s.profile, s, form.year)
    if s.profile.scored:
        _total(s.profile, s)
    return s, True
