"""One form open for editing: the form, its scores, its sheet, and every edit as data.

Plain Python, no Qt.  The editor window (``ui/editor.py``) is a thin adapter over an
:class:`EditSession`; the crash driver and the benchmarks use the same code path.

An edit is a list of *changes* ``(path, old, new)`` (the shape :func:`core.sheet.edit_cell`
returns).  Structural edits (rows, goals) are changes too: the path of a list and the old and new
list objects (shallow copies; a list once captured by a change is never mutated again), so undo
and redo are always :func:`core.sheet.undo_changes` / :func:`core.sheet.redo_changes`.

Every committed edit is saved to the store before the call returns; when the save fails the
form is put back as it was and the :class:`core.store.StoreError` is raised.

Live scoring: :meth:`EditSession.preview` applies what is being typed to the form (remembering
the committed values), re-scores, and updates only the computed cells of the current sheet in
place (no rebuild), returning the cells whose display changed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import sheet as sheet_mod
from .model import Form, new_goal, new_indicator
from .evaluate import evaluate
from .scoring import Scores, fmt2
from .sheet import COMPUTED, SCORE, Cell, Sheet, build_sheet, edit_cell, redo_changes, undo_changes

_IND_RE = re.compile(r"^goals\.(\d+)\.indicators\.(\d+)\.")
_GOAL_RE = re.compile(r"^goals\.(\d+)\.")


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
        name = sheet_mod.fill_text(t.get("title", ""), form) or t.get("name", "")
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
    from .paths import default_backup_dir
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

@dataclass
class Step:
    """One undoable edit: the changes and what the store's history records for it."""
    label: str
    changes: list
    records: list = field(default_factory=list)
    focus: tuple | None = None      # (path, column) to make current afterwards


def _records_for(changes: list) -> list[dict]:
    return [{"path": p, "old": o, "new": n} for p, o, n in changes]


def _flip(records: list[dict], label: str) -> list[dict]:
    out = []
    for r in reversed(records):
        f = dict(r)
        f["old"], f["new"] = r.get("new"), r.get("old")
        f["op"] = label
        out.append(f)
    return out


class EditSession:
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

    def edit_text(self, cell: Cell, text: str) -> Step | None:
        """Commit what was typed into a cell (ends a preview).  Saved; None when nothing changed."""
        self.end_preview(restore=True)
        changes = edit_cell(self.form, cell, text)
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
            changes.extend(edit_cell(self.form, cell, text))
        if not changes:
            return None
        step = Step(label, changes)
        self.commit(step)
        return step

    def set_tier(self, gi: int, ii: int, tier: int | None) -> Step | None:
        self.end_preview(restore=True)
        changes = sheet_mod.set_tier(self.form, gi, ii, tier, self.scores)
        if not changes:
            return None
        step = Step("评价档次", changes)
        self.commit(step)
        return step

    # ------------------------------------------------------------ live preview
    def preview(self, cell: Cell, text: str) -> list[Cell]:
        """Apply text that is still being typed; re-score; returns the cells whose display changed."""
        if self._pending is None or self._pending[0] is not cell:
            self.end_preview(restore=True)
            snap = {p: self.form.get_raw(p) for p in self._cell_paths(cell)}
            self._pending = (cell, snap)
            self._touched = {}
        for p, v in self._pending[1].items():
            self.form.set(p, v)
        edit_cell(self.form, cell, text)
        return self.refresh_scores(self._pending[1].keys())

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
    def refresh_scores(self, paths=()) -> list[Cell]:
        """Re-score and update the computed cells and the findings of the current sheet in place
        (the layout is kept).  ``paths``: form paths just changed, whose other cells (the same
        field shown twice, the title) are refreshed too.  Returns the cells whose display changed."""
        scores = evaluate(self.form)
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

    # ------------------------------------------------------------ rebuilding the layout
    def rebuild(self) -> bool:
        """Build the sheet again from the form.  True when the layout (rows, spans, roles) changed."""
        self.scores = evaluate(self.form)
        old = self.sheet
        new = build_sheet(self.form, self.scores)
        self.sheet = new
        return layout_of(old) != layout_of(new)

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


def layout_of(sh: Sheet) -> tuple:
    return (sh.nrows, tuple((c.row, c.col, c.rowspan, c.colspan, c.role, c.key) for c in sh.cells))
