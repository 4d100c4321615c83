"""Live scoring while a cell is being typed in: a mixin of :class:`core.editing.session.EditSession`.

:meth:`LivePreview.preview` applies what is being typed to the form (remembering the committed
values), re-scores, and updates only the computed cells of the current sheet in place (no
rebuild), returning the cells whose display changed.  With ``checks=False`` only the scores are
computed — and only the row (or the funds) an edit can change — and the findings follow in
:meth:`LivePreview.refresh_checks`, so a keystroke stays quick on a form of 1,000 indicators.

The mixin uses the session's ``form``, ``scores``, ``sheet``, ``template``, ``_pending``,
``_touched`` and ``_edit_cell``.
"""
from __future__ import annotations

import re

from core.layout import sheet as sheet_mod
from core.layout.sheet import COMPUTED, SCORE, Cell, Sheet
from core.rules import Scores, evaluate, rescore

_IND_RE = re.compile(r"^goals\.(\d+)\.indicators\.(\d+)\.")



class LivePreview:
    # ------------------------------------------------------------ live preview
    def preview(self, cell: Cell, text: str, checks: bool = True) -> list[Cell]:
        """Apply text that is still being typed; re-score; returns the cells whose display changed.

        ``checks=False``: only the scores are computed (what each keystroke must show: rates,
        scores, total, grade); the findings stay as they were until :meth:`refresh_checks` (the
        editor calls it when the typing pauses), which keeps a keystroke quick on long forms."""
        if self._pending is None or self._pending[0] is not cell:
            self.end_preview(restore=True)
            snap = {p: self.form.get_raw(p) for p in self._cell_paths(cell)}
            self._pending = (cell, snap)
            self._touched = {}
        for p, v in self._pending[1].items():
            self.form.set(p, v)
        self._edit_cell(cell, text)
        return self.refresh_scores(self._pending[1].keys(), checks=checks)

    @property
    def checks_pending(self) -> bool:
        """The findings were not re-checked since the last quick preview."""
        return getattr(self, "_checks_stale", False)

    def refresh_checks(self) -> list[Cell]:
        """Run the checks a quick preview left out; returns the cells whose display changed."""
        if not self.checks_pending:
            return []
        return self.refresh_scores()

    def end_preview(self, restore: bool = True) -> list[Cell]:
        """Stop previewing; with ``restore`` put the committed values back and re-score."""
        if self._pending is None:
            return []
        _cell, snap = self._pending
        self._pending = None
        if not restore:
            return []
        changed = any(self.form.get_raw(p) != v for p, v in snap.items())
        for p, v in snap.items():
            self.form.set(p, v)
        touched = list(self._touched.values())
        self._touched = {}
        for c, text, value in touched:
            c.text, c.value = text, value
        out = self.refresh_scores() if changed else []
        seen = {id(c) for c in out}
        return out + [c for c, _t, _v in touched if id(c) not in seen]

    @property
    def previewing(self) -> bool:
        return self._pending is not None

    # ------------------------------------------------------------ scores onto the sheet
    def refresh_scores(self, paths=(), checks: bool = True) -> list[Cell]:
        """Re-score and update the computed cells and the findings of the current sheet in place
        (the layout is kept).  ``paths``: form paths just changed, whose other cells (the same
        field shown twice, the title) are refreshed too.  Returns the cells whose display changed.
        ``checks=False``: scores only; the findings shown are kept (see :meth:`preview`)."""
        if checks:
            scores = evaluate(self.form)
        else:
            scores = self._quick_scores(paths)
            scores.findings = list(self.scores.findings)     # shown as they were until re-checked
        self._checks_stale = not checks
        self.scores = scores
        sh = self.sheet
        sh.scores = scores
        cache = self._cache_for(sh)
        recompute = sheet_mod.recomputer(sh, self.form, scores)
        changed: dict[int, Cell] = {}
        res_by_pos = {(r.goal, r.index): r for r in scores.indicators}
        sigs = cache["sigs"]
        for c, gi, ii in cache["dyn"]:
            if gi is None:
                fresh = recompute(c)
            else:
                try:
                    ind = self.form.goals[gi]["indicators"][ii]
                except (IndexError, KeyError, TypeError):
                    continue
                res = res_by_pos.get((gi, ii))
                sig = (ind.get("score"), None if res is None else (res.kind, res.score, res.computed))
                if sigs.get(id(c)) == sig:
                    continue
                sigs[id(c)] = sig
                fresh = recompute(c)
            if fresh is None:
                continue
            now = (fresh.text, fresh.number, fresh.options, fresh.computed_text)
            if now != (c.text, c.number, c.options, c.computed_text):
                c.text, c.number, c.options, c.computed_text = now
                changed[id(c)] = c
            if c.role == SCORE:
                c.value = fresh.value
        # Text shown elsewhere: the title, a field shown in two places.
        for c in cache["titles"]:
            t = sheet_mod.fill_text(self.template.get("title" if c.role == sheet_mod.TITLE else "subtitle") or "", self.form)
            if t != c.text:
                c.text = t
                changed[id(c)] = c
        # The same field shown in another place (hubei-dept shows 单位名称 twice): plain text.
        skip = self._pending[0] if self._pending else None
        for p in paths:
            for c in cache["by_path"].get(p, ()):
                if c is skip or c.role not in (sheet_mod.INPUT, sheet_mod.TEXT) or c.keys or "#" in (c.key or ""):
                    continue
                raw = self.form.get(c.key)
                raw = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
                new_text = sheet_mod.format_amount(raw)[0] if c.fmt == "amount" else raw
                if (new_text, raw) != (c.text, c.value):
                    self._touched.setdefault(id(c), (c, c.text, c.value))
                    c.text, c.value = new_text, raw
                    changed[id(c)] = c
        if not checks:
            return list(changed.values())
        # Findings.
        before = {id(c): (c, c.level, c.messages) for c in cache["flagged"]}
        for c, _lv, _m in before.values():
            c.level = None
            c.messages = ()
        sh.unplaced = []
        sheet_mod.place_findings(sh, scores)
        flagged = [c for c in {id(sh.locate(f.where)): sh.locate(f.where) for f in scores.findings}.values()
                   if c is not None]
        cache["flagged"] = flagged
        for c in flagged:
            old = before.pop(id(c), None)
            if old is None or (old[1], old[2]) != (c.level, c.messages):
                changed[id(c)] = c
        for c, _lv, _m in before.values():
            changed[id(c)] = c
        return list(changed.values())

    def _quick_scores(self, paths) -> Scores:
        """The scores after an edit of ``paths``, without the checks (:func:`core.rules.rescore`)."""
        scores, self.last_quick = rescore(self.form, self.scores, paths)
        return scores

    def _cache_for(self, sh: Sheet) -> dict:
        cache = getattr(self, "_cache", None)
        if cache is not None and cache["sheet"] is sh:
            return cache
        dyn, by_path, titles = [], {}, []
        for c in sh.cells:
            if c.role == COMPUTED and c.key:
                dyn.append((c, None, None))
            elif c.role == SCORE and c.key:
                m = _IND_RE.match(c.key)
                if m:
                    dyn.append((c, int(m.group(1)), int(m.group(2))))
            elif c.role in (sheet_mod.TITLE, sheet_mod.SUBTITLE):
                titles.append(c)
            for k in (c.keys or ((c.key,) if c.key else ())):
                by_path.setdefault(k.split("#", 1)[0], []).append(c)
        cache = {"sheet": sh, "dyn": dyn, "by_path": by_path, "titles": titles, "sigs": {},
                 "flagged": [c for c in sh.cells if c.level is not None or c.messages]}
        self._cache = cache
        return cache
