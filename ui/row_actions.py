"""The editor's row and goal actions (插入/删除/上移/下移指标行, 增加/删除目标, 评价档次) and its
context menu: a mixin of :class:`ui.editor.EditorWidget`, which provides ``session``, ``view``,
``model``, ``_run`` and ``push``."""
from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QMenu

from . import common

_IND_RE = re.compile(r"^goals\.(\d+)\.indicators\.(\d+)\.")


class RowActions:
    def _current_row(self) -> int | None:
        cur = self.view.currentIndex()
        return cur.row() if cur.isValid() else None

    def current_indicator(self) -> tuple[int, int] | None:
        r = self._current_row()
        return None if r is None else self.session.indicator_at_row(r)

    def _current_goal(self) -> int:
        r = self._current_row()
        g = self.session.goal_at_row(r) if r is not None else None
        return 0 if g is None else g

    def insert_indicator(self) -> None:
        self.view.commit_open_editor()
        pos = self.current_indicator()
        if pos is None:
            gi = self._current_goal()
            if gi >= len(self.session.form.goals):
                return
            at = len(self.session.form.goals[gi].get("indicators") or [])
        else:
            gi, at = pos[0], pos[1] + 1
        step = self._run(self.session.insert_indicator, gi, at)
        if step:
            self.push(step)

    def remove_indicator(self) -> None:
        self.view.commit_open_editor()
        pos = self.current_indicator()
        if pos is None:
            common.show_info(self, "请先选中要删除的指标行。")
            return
        step = self._run(self.session.remove_indicator, *pos)
        if step:
            self.push(step)

    def move_indicator(self, delta: int) -> None:
        self.view.commit_open_editor()
        pos = self.current_indicator()
        if pos is None:
            return
        step = self._run(self.session.move_indicator, pos[0], pos[1], delta)
        if step:
            self.push(step)

    def insert_goal(self) -> None:
        self.view.commit_open_editor()
        step = self._run(self.session.insert_goal, self._current_goal() + 1)
        if step:
            self.push(step)

    def remove_goal(self) -> None:
        self.view.commit_open_editor()
        if len(self.session.form.goals) <= 1:
            common.show_info(self, "至少要保留一个年度目标。")
            return
        gi = self._current_goal()
        step = self._run(self.session.remove_goal, gi)
        if step:
            self.push(step)

    def choose_tier(self, cell, tier: int | None) -> None:
        m = _IND_RE.match(cell.key or "")
        if not m:
            return
        step = self._run(self.session.set_tier, int(m.group(1)), int(m.group(2)), tier)
        if step:
            self.push(step, cells=[cell])

    def build_context_menu(self, idx: QModelIndex) -> QMenu:
        menu = QMenu(self)
        cell = self.model.cell(idx) if idx.isValid() else None
        if cell is not None and cell.options:
            m = _IND_RE.match(cell.key or "")
            current = None
            if m:
                current = self.session.form.get_raw(f"goals.{m.group(1)}.indicators.{m.group(2)}.tier")
            sub = menu.addMenu("评价档次")
            for i, label in enumerate(cell.options, start=1):
                a = sub.addAction(label)
                a.setCheckable(True)
                a.setChecked(current == i)
                a.triggered.connect(lambda _c=False, i=i, cell=cell: self.choose_tier(cell, i))
            sub.addSeparator()
            a = sub.addAction("清除档次")
            a.triggered.connect(lambda _c=False, cell=cell: self.choose_tier(cell, None))
            menu.addSeparator()
        for a in (self.act_copy, self.act_paste, self.act_clear):
            menu.addAction(a)
        menu.addSeparator()
        for a in (self.act_insert_row, self.act_remove_row, self.act_row_up, self.act_row_down):
            menu.addAction(a)
        if self.session.multi_goal:
            menu.addSeparator()
            menu.addAction(self.act_add_goal)
            menu.addAction(self.act_remove_goal)
        return menu
