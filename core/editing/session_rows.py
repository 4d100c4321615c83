"""Rows and goals of a form being edited (insert, remove, move indicator rows; add and remove
goals), each one saved, undoable :class:`core.editing.edits.Step`: a mixin of
:class:`core.editing.session.EditSession`, which provides ``form``, ``sheet``, ``template``, ``commit``
and ``end_preview``."""
from __future__ import annotations

import re

from core.editing.edits import Step
from core.form import new_goal, new_indicator

_IND_RE = re.compile(r"^goals\.(\d+)\.indicators\.(\d+)\.")
_GOAL_RE = re.compile(r"^goals\.(\d+)\.")


class RowEdits:
    # ------------------------------------------------------------ rows and goals
    def indicator_at_row(self, row: int) -> tuple[int, int] | None:
        """(goal, index) of the indicator shown on a sheet row."""
        for c in self.sheet.cells:
            if c.row == row and c.rowspan == 1 and c.key:
                m = _IND_RE.match(c.key)
                if m:
                    return int(m.group(1)), int(m.group(2))
        for c in self.sheet.cells:   # a row whose only keyed cells are merged ones
            if c.row <= row < c.row + c.rowspan and c.keys:
                n = row - c.row
                if n < len(c.keys):
                    m = _IND_RE.match(c.keys[n])
                    if m:
                        return int(m.group(1)), int(m.group(2))
        return None

    def goal_at_row(self, row: int) -> int | None:
        pos = self.indicator_at_row(row)
        if pos:
            return pos[0]
        for c in self.sheet.cells:
            if c.row == row and c.key:
                m = _GOAL_RE.match(c.key)
                if m:
                    return int(m.group(1))
        return None

    def row_of_indicator(self, gi: int, ii: int) -> int | None:
        prefix = f"goals.{gi}.indicators.{ii}."
        for c in self.sheet.cells:
            for k in (c.keys or ((c.key,) if c.key else ())):
                if k.startswith(prefix):
                    return c.row + (c.keys.index(k) if c.keys else 0)
        return None

    def _list_change(self, path: str, mutate) -> tuple:
        old = self.form.get_raw(path)
        old = old if isinstance(old, list) else []
        new = list(old)
        result = mutate(new)
        self.form.set(path, new)
        return (path, old, new), result

    def insert_indicator(self, gi: int, at: int) -> Step:
        self.end_preview(restore=True)
        path = f"goals.{gi}.indicators"

        def mutate(lst):
            near = lst[at - 1] if 0 < at <= len(lst) else (lst[at] if at < len(lst) else None)
            ind = new_indicator(near.get("level1", "") if near else "", near.get("level2", "") if near else "")
            lst.insert(max(0, min(at, len(lst))), ind)
            return ind
        change, ind = self._list_change(path, mutate)
        step = Step("插入指标行", [change], [{"path": f"{path}.{at}", "old": None, "new": ind, "op": "插入指标行"}],
                    focus=(f"{path}.{at}", None))
        self.commit(step)
        return step

    def remove_indicator(self, gi: int, ii: int) -> Step:
        self.end_preview(restore=True)
        path = f"goals.{gi}.indicators"
        change, ind = self._list_change(path, lambda lst: lst.pop(ii))
        n = len(change[2])
        focus = f"{path}.{min(ii, n - 1)}" if n else f"goals.{gi}"
        step = Step("删除指标行", [change], [{"path": f"{path}.{ii}", "old": ind, "new": None, "op": "删除指标行"}],
                    focus=(focus, None))
        self.commit(step)
        return step

    def move_indicator(self, gi: int, ii: int, delta: int) -> Step | None:
        self.end_preview(restore=True)
        path = f"goals.{gi}.indicators"
        inds = self.form.goals[gi].get("indicators") or []
        j = ii + delta
        if not (0 <= j < len(inds)):
            return None

        def mutate(lst):
            lst[ii], lst[j] = lst[j], lst[ii]
        change, _ = self._list_change(path, mutate)
        label = "上移指标行" if delta < 0 else "下移指标行"
        step = Step(label, [change], [{"path": f"{path}.{ii}", "old": ii, "new": j, "op": label}],
                    focus=(f"{path}.{j}", None))
        self.commit(step)
        return step

    def insert_goal(self, at: int) -> Step:
        self.end_preview(restore=True)
        defaults = (self.template.get("new", {}).get("goals") or [{}])[0].get("indicators", [])

        def mutate(lst):
            g = new_goal(f"年度目标{len(lst) + 1}:")
            for row in defaults:
                ind = new_indicator(row.get("level1", ""), row.get("level2", ""))
                if "weight" in row:
                    ind["weight"] = row["weight"]
                g["indicators"].append(ind)
            if not g["indicators"]:
                g["indicators"].append(new_indicator())
            lst.insert(max(0, min(at, len(lst))), g)
            return g
        change, goal = self._list_change("goals", mutate)
        step = Step("增加目标", [change], [{"path": f"goals.{at}", "old": None, "new": goal, "op": "增加目标"}],
                    focus=(f"goals.{at}.title", None))
        self.commit(step)
        return step

    def remove_goal(self, gi: int) -> Step | None:
        self.end_preview(restore=True)
        if len(self.form.goals) <= 1:
            return None
        change, goal = self._list_change("goals", lambda lst: lst.pop(gi))
        focus = f"goals.{min(gi, len(change[2]) - 1)}.title"
        step = Step("删除目标", [change], [{"path": f"goals.{gi}", "old": goal, "new": None, "op": "删除目标"}],
                    focus=(focus, None))
        self.commit(step)
        return step
