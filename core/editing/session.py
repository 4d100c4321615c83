"""One form open for editing: the form, its scores, its sheet, and every edit as data.

Plain Python, no Qt.  The editor window (``ui/editor.py``) is a thin adapter over an
:class:`EditSession`; the crash driver and the benchmarks use the same code path.

An edit is a list of *changes* ``(path, old, new)`` (the shape :func:`core.layout.sheet.edit_cell`
returns).  Structural edits (rows, goals) are changes too: the path of a list and the old and new
list objects (shallow copies; a list once captured by a change is never mutated again), so undo
and redo are always :func:`core.layout.sheet.undo_changes` / :func:`core.layout.sheet.redo_changes`.

Every committed edit is saved to the store before the call returns; when the save fails the
form is put back as it was and the :class:`core.store.database.StoreError` is raised.

Live scoring (:mod:`core.layout.live`): :meth:`EditSession.preview` applies what is being typed to the form (remembering
the committed values), re-scores, and updates only the computed cells of the current sheet in
place (no rebuild), returning the cells whose display changed.
"""
from __future__ import annotations

import re
from pathlib import Path

from core.editing.edits import Step, _flip, _records_for
from core.editing.session_rows import RowEdits
from core.form import Form
from core.layout import (COMPUTED, Cell, LivePreview, Sheet, build_sheet, edit_cell, fill_text, redo_changes,
                         set_tier, undo_changes)
from core.rules import Scores, evaluate, fmt2

# Computed cells that also hold what a paper form printed there (执行率, 总分): the clerk may edit
# the printed value (or clear it); the cell still shows the computed one.
_PRINTED_RE = re.compile(r"^(funds\.total\.rate|funds\.sources\.\d+\.rate|total)$")


# ---------------------------------------------------------------- summaries

def form_summary(form: Form, scores: Scores | None = None) -> dict:
    """The store's summary of a form: year, unit, name, template, total, grade."""
    if scores is None:
        scores = evaluate(form)
    t = scores.template
    header = form.header
    unit = str(header.get(t.get("unit_field") or "") or "") if t.get("unit_field") else ""
    name = ""
    if t.get("name_field"):
        name = str(header.get(t["name_field"]) or "")
    if not name:
        name = fill_text(t.get("title", ""), form) or t.get("name", "")
    scored = scores.profile.scored
    return {
        "year": form.year,
        "unit": unit.strip(),
        "name": name.strip(),
        "template": form.template_id,
        "total": fmt2(scores.total) if scored and scores.total is not None else None,
        "grade": (scores.grade or None) if scored else None,
    }


# ---------------------------------------------------------------- clipboard text (Excel/WPS TSV)

def parse_tsv(text: str) -> list[list[str]]:
    """Excel's clipboard text: tab-separated, CRLF or LF rows, a field in double quotes may hold
    tabs, newlines and doubled quotes.  A trailing line break ends the last row."""
    rows: list[list[str]] = []
    row: list[str] = []
    fieldbuf: list[str] = []
    i, n = 0, len(text)
    at_field_start = True
    while i < n:
        ch = text[i]
        if at_field_start and ch == '"':
            # Quoted field: up to the closing quote that is not doubled.
            j = i + 1
            buf = []
            closed = False
            while j < n:
                cj = text[j]
                if cj == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    closed = True
                    j += 1
                    break
                buf.append(cj)
                j += 1
            if closed and (j >= n or text[j] in "\t\r\n"):
                fieldbuf.append("".join(buf))
                i = j
                at_field_start = False
                continue
            # Not a well-formed quoted field: take the quote literally.
            fieldbuf.append(ch)
            i += 1
            at_field_start = False
            continue
        if ch == "\t":
            row.append("".join(fieldbuf))
            fieldbuf = []
            at_field_start = True
        elif ch in "\r\n":
            row.append("".join(fieldbuf))
            fieldbuf = []
            rows.append(row)
            row = []
            at_field_start = True
            if ch == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
        else:
            fieldbuf.append(ch)
            at_field_start = False
        i += 1
    if fieldbuf or row or (text and not text.endswith(("\n", "\r"))):
        row.append("".join(fieldbuf))
        rows.append(row)
    return rows


def to_tsv(rows: list[list[str]]) -> str:
    """The inverse of :func:`parse_tsv`, quoting as Excel does."""
    def q(v: str) -> str:
        v = "" if v is None else str(v)
        if any(c in v for c in '\t\r\n"'):
            return '"' + v.replace('"', '""') + '"'
        return v
    return "".join("\t".join(q(v) for v in r) + "\r\n" for r in rows)


# ---------------------------------------------------------------- history paths in Chinese

_FIELD_NAMES = {
    "level1": "一级指标", "level2": "二级指标", "name": "三级指标", "content": "目标内容",
    "target": "指标值", "actual": "实际完成值", "weight": "分值", "score": "得分", "tier": "评价档次",
    "reason": "偏差原因", "measure": "改进措施", "label": "名称", "initial": "年初预算数",
    "budget": "全年预算数", "executed": "全年执行数", "transfer": "上级转移支付",
    "planned": "预期目标", "achieved": "完成情况", "title": "目标名称", "rate": "执行率",
}


def describe_path(path: str | None) -> str:
    """A form path in words: goals.0.indicators.3.actual -> 目标1 指标第4行 实际完成值."""
    if not path:
        return ""
    parts = path.split(".")
    out = []
    i = 0
    while i < len(parts):
        p = parts[i]
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        if p == "header" and nxt:
            out.append(nxt)
            i += 2
            continue
        if p == "texts" and nxt:
            out.append(nxt)
            i += 2
            continue
        if p == "funds":
            out.append("资金")
        elif p == "total" and out[-1:] == ["资金"]:
            out.append("合计行")
        elif p == "sources" and nxt and nxt.isdigit():
            out.append(f"来源第{int(nxt) + 1}行")
            i += 2
            continue
        elif p == "uses" and nxt and nxt.isdigit():
            out.append(f"支出第{int(nxt) + 1}行")
            i += 2
            continue
        elif p == "goals" and nxt and nxt.isdigit():
            out.append(f"目标{int(nxt) + 1}")
            i += 2
            continue
        elif p == "goals":
            out.append("年度目标")
        elif p == "indicators" and nxt and nxt.isdigit():
            out.append(f"指标第{int(nxt) + 1}行")
            i += 2
            continue
        elif p == "indicators":
            out.append("指标行")
        elif p == "year":
            out.append("年度")
        elif p == "total" and not out:
            out.append("总分")
        elif p == "max" and not out:
            out.append("满分")
        elif p == "grade" and not out:
            out.append("等级")
        else:
            out.append(_FIELD_NAMES.get(p.split("#")[0], p))
        i += 1
    return " ".join(out)


# ---------------------------------------------------------------- backups

def newest_backup(store_path) -> Path | None:
    """The newest daily backup of a store (``<stem>-YYYYMMDD-HHMMSS.db`` in its backups folder)."""
    from core.store import default_backup_dir
    store_path = Path(store_path)
    folder = default_backup_dir(store_path)
    pattern = re.compile(re.escape(store_path.stem) + r"-(\d{8})-(\d{6})\.db")
    try:
        found = [p for p in folder.iterdir() if pattern.fullmatch(p.name) and p.is_file()]
    except OSError:
        return None
    if not found:
        return None
    return max(found, key=lambda p: pattern.fullmatch(p.name).groups())


# ---------------------------------------------------------------- the session

class EditSession(LivePreview, RowEdits):
    """A form being edited, bound to its row in the store (or to none)."""

    def __init__(self, form: Form, store=None, form_id: int | None = None):
        self.form = form
        self.store = store
        self.form_id = form_id
        self.scores: Scores = evaluate(form)
        self.sheet: Sheet = build_sheet(form, self.scores)
        self._pending: tuple[Cell, dict] | None = None     # (cell, committed values) while typing
        self._touched: dict = {}                           # cells redrawn by a preview: (cell, text, value)

    # ------------------------------------------------------------ facts
    @property
    def template(self) -> dict:
        return self.scores.template

    @property
    def multi_goal(self) -> bool:
        return bool(self.template.get("multi_goal"))

    def summary(self) -> dict:
        return form_summary(self.form, self.scores)

    # ------------------------------------------------------------ saving
    def _save(self, records: list[dict]) -> None:
        if self.store is None or self.form_id is None:
            return
        self.store.save(self.form_id, self.form.data, form_summary(self.form, evaluate(self.form)),
                        change=records or None)

    def commit(self, step: Step) -> None:
        """``step.changes`` are already applied to the form: save them (or put them back and raise)."""
        if not step.records:
            step.records = _records_for(step.changes)
        try:
            self._save(step.records)
        except Exception:
            undo_changes(self.form, step.changes)
            raise

    def undo(self, step: Step) -> None:
        undo_changes(self.form, step.changes)
        try:
            self._save(_flip(step.records, "撤销"))
        except Exception:
            redo_changes(self.form, step.changes)
            raise

    def redo(self, step: Step) -> None:
        redo_changes(self.form, step.changes)
        try:
            self._save([dict(r, op="重做") for r in step.records])
        except Exception:
            undo_changes(self.form, step.changes)
            raise

    # ------------------------------------------------------------ cell edits
    def _cell_paths(self, cell: Cell) -> list[str]:
        keys = cell.keys or ((cell.key,) if cell.key else ())
        return [k.split("#", 1)[0] for k in keys]

    def printed_path(self, cell: Cell | None) -> str | None:
        """The form path of the printed value a computed 执行率 / 总分 cell holds, else None."""
        if cell is None or cell.role != COMPUTED or not cell.key or not _PRINTED_RE.match(cell.key):
            return None
        if cell.key == "total" and not self.scores.profile.scored:
            return None
        return cell.key

    def printed_value(self, cell: Cell | None) -> str:
        """What the paper form printed in a computed cell ("" when nothing)."""
        path = self.printed_path(cell)
        raw = self.form.get_raw(path) if path else None
        return raw if isinstance(raw, str) else ("" if raw is None else str(raw))

    def can_edit(self, cell: Cell | None) -> bool:
        return cell is not None and (cell.editable or self.printed_path(cell) is not None)

    def _edit_cell(self, cell: Cell, text: str) -> list:
        path = self.printed_path(cell)
        if path is None:
            return edit_cell(self.form, cell, text)
        old = self.form.get_raw(path)
        if (old or "") == text:
            return []
        self.form.set(path, text)
        return [(path, old, text)]

    def apply_fix(self, fix, label: str = "修改") -> Step | None:
        """A finding's fix: ``((form_path, new_value), ...)`` as one saved, undoable step."""
        self.end_preview(restore=True)
        changes: list = []
        for path, value in fix:
            old = self.form.set(path, value)
            if old != value:
                changes.append((path, old, value))
        if not changes:
            return None
        step = Step(label, changes)
        self.commit(step)
        return step

    def edit_text(self, cell: Cell, text: str) -> Step | None:
        """Commit what was typed into a cell (ends a preview).  Saved; None when nothing changed."""
        self.end_preview(restore=True)
        changes = self._edit_cell(cell, text)
        if not changes:
            return None
        step = Step("编辑", changes)
        self.commit(step)
        return step

    def edit_many(self, pairs: list[tuple[Cell, str]], label: str) -> Step | None:
        """Several cells in one step (a paste, a clear of a range)."""
        self.end_preview(restore=True)
        changes: list = []
        for cell, text in pairs:
            changes.extend(self._edit_cell(cell, text))
        if not changes:
            return None
        step = Step(label, changes)
        self.commit(step)
        return step

    def set_tier(self, gi: int, ii: int, tier: int | None) -> Step | None:
        self.end_preview(restore=True)
        changes = set_tier(self.form, gi, ii, tier, self.scores)
        if not changes:
            return None
        step = Step("评价档次", changes)
        self.commit(step)
        return step

    # ------------------------------------------------------------ explanations, empty form
    def explanations(self) -> dict[str, str]:
        """:func:`core.rules.explain.explain` of the current scores (computed once per scoring)."""
        cached = getattr(self, "_explained", None)
        if cached is not None and cached[0] is self.scores:
            return cached[1]
        from core.rules import explain
        out = explain(self.form, self.scores)
        self._explained = (self.scores, out)
        return out

    def explanation(self, key: str) -> str:
        """The line explaining one score ("execution", an indicator's path or "total"): from the
        whole form's explanation when it is at hand, else for that score alone (a tooltip)."""
        cached = getattr(self, "_explained", None)
        if cached is not None and cached[0] is self.scores:
            return cached[1].get(key, "")
        from core.rules import explain_cell
        return explain_cell(self.form, self.scores, key)

    @property
    def blank(self) -> bool:
        """Nothing scorable was filled in yet: no amount, no actual value, score or tier."""
        scores = self.scores
        flag = getattr(scores, "empty", None)
        if isinstance(flag, bool):
            return flag
        if scores.rate is not None:
            return False
        for g in self.form.goals or []:
            for ind in g.get("indicators") or []:
                if any(str(ind.get(k) or "").strip() for k in ("actual", "score", "tier")):
                    return False
        return True

    # ------------------------------------------------------------ rebuilding the layout
    def rebuild(self) -> bool:
        """Build the sheet again from the form.  True when the layout (rows, spans, roles) changed."""
        self.scores = evaluate(self.form)
        self._checks_stale = False
        old = self.sheet
        new = build_sheet(self.form, self.scores)
        self.sheet = new
        return layout_of(old) != layout_of(new)

def layout_of(sh: Sheet) -> tuple:
    return (sh.nrows, tuple((c.row, c.col, c.rowspan, c.colspan, c.role, c.key) for c in sh.cells))
