"""The sheet: one form laid out as its paper table, as data.

``build_sheet(form, scores)`` turns a template and a form into a grid of
:class:`Cell` s with spans and roles (label, input, long text, computed score…).
The screen, the workbook and the PDF each render this one Sheet, so the three
can never disagree.  Every cell knows the form path it shows (``key``) and the
findings attached to it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from core.form import Form
from core.layout.widths import solve_widths
from core.rules import (EQ, GE, GT, LE, LT, NOT_APPLICABLE, QUALITATIVE, Scores, evaluate, fmt2, fmt_weight,
                        parse_amount, parse_value, to_halfwidth)

# Roles
TITLE, SUBTITLE, LABEL, HEADER, INPUT, TEXT, COMPUTED, SCORE, BLANK = (
    "title", "subtitle", "label", "header", "input", "text", "computed", "score", "blank")
EDITABLE_ROLES = {INPUT, TEXT, SCORE}
AMOUNT_KEYS = {"initial", "budget", "executed", "transfer"}
OP_SYMBOLS = {GE: "≥", GT: ">", EQ: "=", LE: "≤", LT: "<"}


@dataclass(slots=True)
class Cell:
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    text: str = ""                 # what is shown and printed
    role: str = LABEL
    key: str | None = None         # the form path of the value shown
    keys: tuple = ()               # every path a merged input cell stands for
    value: str | None = None       # the raw typed text of an input cell
    number: Decimal | None = None  # the value of a plain-number amount (for Excel)
    fmt: str | None = None         # "amount" | "percent" | "score" | "weight"
    align: str = "center"          # "left" | "center" | "right"
    bold: bool = False
    border: bool = True
    multiline: bool = False
    kind: str = ""                 # the row's kind (see Sheet.row_kinds)
    level: str | None = None       # worst finding here: "error" | "warning"
    messages: tuple = ()
    options: tuple = ()            # qualitative tiers offered for a score cell
    computed_text: str = ""        # for an overridable score: what the rules give

    @property
    def editable(self) -> bool:
        return self.role in EDITABLE_ROLES


@dataclass
class Sheet:
    template: dict
    title: str
    ncols: int
    col_widths: list
    orientation: str
    paper: str
    cells: list = field(default_factory=list)
    row_kinds: list = field(default_factory=list)
    header_rows: list = field(default_factory=list)   # column-label rows of the indicator table
    index: dict = field(default_factory=dict)          # key -> Cell
    unplaced: list = field(default_factory=list)       # findings with no cell of their own
    scores: Scores | None = None

    @property
    def nrows(self) -> int:
        return len(self.row_kinds)

    def grid(self) -> dict:
        """(row, col) of each cell's top-left corner -> Cell."""
        return {(c.row, c.col): c for c in self.cells}

    def cell_for(self, key: str) -> Cell | None:
        return self.index.get(key)

    def locate(self, where: str) -> Cell | None:
        """The cell a finding belongs to, falling back to its row's first cell."""
        cell = self.index.get(where)
        if cell is not None:
            return cell
        parts = where.split(".")
        while len(parts) > 1:
            parts.pop()
            prefix = ".".join(parts) + "."
            for key, c in self.index.items():
                if key.startswith(prefix):
                    return c
        return None

    def spans(self) -> list[tuple[int, int, int, int]]:
        return [(c.row, c.col, c.rowspan, c.colspan) for c in self.cells if c.rowspan > 1 or c.colspan > 1]


# ---------------------------------------------------------------- display helpers

def format_amount(raw: str) -> tuple[str, Decimal | None]:
    """1210.99 -> '1,210.99' for display; text that is not a plain number stays as typed."""
    value, err = parse_amount(raw or "")
    if value is None or err:
        return raw or "", None
    return f"{value:,.2f}", value


_SPLIT_RE = re.compile(r"^(≥|≤|>=|<=|=|>|<)?\s*([-+]?\d[\d,]*(?:\.\d+)?)?\s*(.*)$", re.S)


def split_target(raw: str) -> tuple[str, str, str]:
    """A target as operator | value | unit (the three-column layout)."""
    p = parse_value(raw or "")
    if p.numeric:
        unit = p.unit
        if unit == "%" and "百分比" in (raw or ""):
            unit = "百分比"
        return OP_SYMBOLS.get(p.op, ""), format(p.number, "f"), unit
    text = to_halfwidth(raw or "").strip()
    m = _SPLIT_RE.match(text)
    if m and (m.group(1) or m.group(2)):
        op = {">=": "≥", "<=": "≤"}.get(m.group(1) or "", m.group(1) or "")
        return op, m.group(2) or "", m.group(3) or ""
    return "", raw or "", ""


def compose_target(op: str, value: str, unit: str) -> str:
    return f"{op or ''}{value or ''}{unit or ''}"


def text_width(text: str) -> int:
    """Width in half-width units: a CJK character counts 2."""
    return sum(2 if ord(ch) > 0x2E7F or 0xFF00 <= ord(ch) <= 0xFFEF else 1 for ch in text)


def fill_text(template_text: str, form: Form) -> str:
    """A template text with {year} and {header.X} filled from the form."""
    out = template_text.replace("{year}", str(form.year) if form.year else "    ")
    if "{header." in out:
        for name in list(form.header):
            out = out.replace("{header." + name + "}", str(form.header.get(name) or ""))
        out = re.sub(r"\{header\.[^}]*\}", "", out)
    return out.strip()


# ---------------------------------------------------------------- building

class _Builder:
    def __init__(self, form: Form, scores: Scores):
        self.form = form
        self.s = scores
        self.t = scores.template
        self.sheet = Sheet(template=self.t, title="", ncols=len(self.t["columns"]),
                           col_widths=list(self.t["columns"]),
                           orientation=self.t.get("paper", {}).get("orientation", "portrait"),
                           paper=self.t.get("paper", {}).get("size", "A4"), scores=scores)
        self.row = 0

    def new_row(self, kind: str) -> int:
        self.sheet.row_kinds.append(kind)
        r = self.row
        self.row += 1
        return r

    def add(self, r: int, c: int, *, span: int = 1, rowspan: int = 1, **kw) -> Cell:
        cell = Cell(row=r, col=c, colspan=span, rowspan=rowspan, kind=self.sheet.row_kinds[r], **kw)
        self.sheet.cells.append(cell)
        for k in (cell.keys or ((cell.key,) if cell.key else ())):
            self.sheet.index.setdefault(k, cell)
        return cell

    def input_cell(self, r: int, c: int, path: str, span: int = 1, *, fmt: str | None = None,
                   align: str = "center", multiline: bool = False, bold: bool = False, border: bool = True) -> Cell:
        raw = self.form.get(path)
        raw = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
        text, number = (format_amount(raw) if fmt == "amount" else (raw, None))
        return self.add(r, c, span=span, text=text, role=TEXT if multiline else INPUT, key=path, value=raw,
                        number=number, fmt=fmt, align=align, multiline=multiline, bold=bold, border=border)

    # -- blocks
    def build(self) -> Sheet:
        for block in self.t["blocks"]:
            getattr(self, "block_" + block["type"])(block)
        self.sheet.title = fill_text(self.t["title"], self.form)
        self.place_findings()
        self.sheet.col_widths = solve_widths(self.sheet)
        return self.sheet

    def block_title(self, block: dict) -> None:
        r = self.new_row("title")
        self.add(r, 0, span=self.sheet.ncols, text=fill_text(self.t["title"], self.form), role=TITLE, key="year",
                 bold=True, border=False)
        if self.t.get("subtitle"):
            r = self.new_row("subtitle")
            self.add(r, 0, span=self.sheet.ncols, text=fill_text(self.t["subtitle"], self.form), role=SUBTITLE,
                     border=False)

    def block_row(self, block: dict) -> None:
        border = block.get("border", True)
        kind = block.get("role") or ("row" if border else "note")
        r = self.new_row(kind)
        c = 0
        bold = kind == "total"
        for item in block["items"]:
            span = int(item.get("span", 1))
            align = item.get("align", "center")
            if "label" in item:
                self.add(r, c, span=span, text=item["label"], role=LABEL, align=align, bold=bold, border=border)
            elif "field" in item:
                self.input_cell(r, c, item["field"], span, fmt=item.get("fmt"), align=align,
                                multiline=bool(item.get("multiline")), border=border)
            elif "computed" in item:
                self.computed_cell(r, c, item["computed"], span, bold=bold, border=border)
            else:
                self.add(r, c, span=span, text=item.get("text", ""), role=BLANK, border=border, align=align)
            c += span

    def computed_cell(self, r: int, c: int, what: str, span: int, bold: bool = False, border: bool = True) -> Cell:
        s = self.s
        scored = s.profile.scored
        if what == "max":
            text = fmt_weight(s.max) if scored and s.max is not None else ""
            return self.add(r, c, span=span, text=text, role=COMPUTED, key="max", fmt="weight", bold=bold, border=border)
        if what == "total":
            empty = "—" if scored and s.empty else ""        # nothing filled in yet: — , not "0.00 差"
            text = fmt2(s.total) if scored and s.total is not None else empty
            return self.add(r, c, span=span, text=text, role=COMPUTED, key="total", fmt="score",
                            number=s.total if scored else None, bold=bold, border=border)
        if what == "grade":
            empty = "—" if scored and s.empty else ""
            return self.add(r, c, span=span, text=(s.grade or empty) if scored else "", role=COMPUTED, key="grade",
                            bold=bold, border=border)
        raise KeyError(what)

    def block_funds(self, block: dict) -> None:
        side = block["side"]
        side_span = int(side.get("span", 1))
        rows = []
        for part in block["rows"]:
            if part == "header":
                rows.append(("header", None))
            elif part == "total":
                rows.append(("total", None))
            elif part == "sources":
                rows.extend(("source", i) for i in range(len(self.form.sources)))
            elif part == "uses":
                rows.extend(("use", i) for i in range(len(self.form.uses)))
        first = self.row
        for idx, (kind, i) in enumerate(rows):
            r = self.new_row("funds-header" if kind == "header" else "funds")
            if idx == 0:
                self.add(r, 0, span=side_span, rowspan=len(rows), text=side["label"], role=LABEL)
            c = side_span
            for col in block["columns"]:
                span = int(col.get("span", 1))
                if kind == "header":
                    self.add(r, c, span=span, text=col.get("label", ""), role=HEADER, bold=True)
                else:
                    self.fund_cell(r, c, span, col, block, kind, i)
                c += span
        del first

    def fund_cell(self, r: int, c: int, span: int, col: dict, block: dict, kind: str, i: int | None) -> None:
        s = self.s
        base = "funds.total" if kind == "total" else f"funds.{'sources' if kind == 'source' else 'uses'}.{i}"
        if "key" in col:
            key = col["key"]
            path = f"{base}.{key}"
            if key == "label":
                cell = self.input_cell(r, c, path, span, align="left")
                if kind == "source" and i == 0 and block.get("source_prefix"):
                    prefix = block["source_prefix"]
                    if not cell.text.startswith(prefix):
                        cell.text = prefix + cell.text
                elif kind == "source" and block.get("source_prefix"):
                    cell.text = "\u3000" * 3 + cell.text if cell.text else cell.text
                elif kind == "use" and block.get("use_prefix"):      # 按支出性质分：基本支出
                    prefix = block["use_prefix"]
                    if i == 0 and not cell.text.startswith(prefix):
                        cell.text = prefix + cell.text
                    elif i > 0 and cell.text:
                        cell.text = "\u3000" * 3 + cell.text
                return
            if kind == "use" and key not in ("executed", "label"):
                self.add(r, c, span=span, text="", role=BLANK)
                return
            if key in AMOUNT_KEYS:
                self.input_cell(r, c, path, span, fmt="amount", align="right")
            else:
                self.input_cell(r, c, path, span, align="left", multiline=True)
            return
        what = col["computed"]
        scored = s.profile.scored
        if kind == "total":
            if what == "exec_weight":
                self.add(r, c, span=span, text=fmt_weight(s.exec_weight) if scored else "", role=COMPUTED,
                         key="funds.total.weight", fmt="weight")
            elif what == "rate":
                self.add(r, c, span=span, text=f"{fmt2(s.rate)}%" if s.rate is not None else "", role=COMPUTED,
                         key="funds.total.rate", fmt="percent", number=s.rate)
            elif what == "exec_score":
                self.add(r, c, span=span, text=fmt2(s.exec_score) if scored else "", role=COMPUTED,
                         key="funds.total.score", fmt="score", number=s.exec_score if scored else None)
            return
        if kind == "source" and what == "rate" and block.get("source_rate"):
            rate = s.source_rates[i] if i < len(s.source_rates) else None
            self.add(r, c, span=span, text=f"{fmt2(rate)}%" if rate is not None else "", role=COMPUTED,
                     key=f"funds.sources.{i}.rate", fmt="percent", number=rate)
            return
        self.add(r, c, span=span, text=block.get("source_computed", ""), role=COMPUTED)

    def block_goal_texts(self, block: dict) -> None:
        side = block["side"]
        side_span = int(side.get("span", 1))
        goals = self.form.goals or []
        nrows = 1 + max(1, len(goals))
        r = self.new_row("goal-header")
        self.add(r, 0, span=side_span, rowspan=nrows, text=side["label"], role=LABEL)
        c = side_span
        for col in block["columns"]:
            self.add(r, c, span=int(col.get("span", 1)), text=col["label"], role=HEADER, bold=True)
            c += int(col.get("span", 1))
        for gi in range(max(1, len(goals))):
            r = self.new_row("goal")
            c = side_span
            for col in block["columns"]:
                span = int(col.get("span", 1))
                self.input_cell(r, c, f"goals.{gi}.{col['key']}", span, align="left", multiline=True)
                c += span

    def block_indicators(self, block: dict) -> None:
        goals = self.form.goals
        if block.get("per_goal"):
            for gi in range(len(goals)):
                r = self.new_row("goal-title")
                self.input_cell(r, 0, f"goals.{gi}.title", self.sheet.ncols, align="left", bold=True)
                self.indicator_table(block, [gi])
        else:
            self.indicator_table(block, list(range(len(goals))))

    def indicator_table(self, block: dict, goal_ids: list[int]) -> None:
        side = block["side"]
        side_span = int(side.get("span", 1))
        rows = [(gi, ii) for gi in goal_ids for ii in range(len(self.form.goals[gi].get("indicators") or []))]
        r = self.new_row("ind-header")
        self.sheet.header_rows.append(r)
        self.add(r, 0, span=side_span, rowspan=1 + len(rows), text=side["label"], role=LABEL)
        c = side_span
        positions = {}
        for col in block["columns"]:
            span = int(col.get("span", 1))
            self.add(r, c, span=span, text=col["label"], role=HEADER, bold=True)
            positions[col["key"]] = (c, span)
            c += span
        first_row = self.row
        for _ in rows:
            self.new_row("ind")
        merged_keys = [col["key"] for col in block["columns"] if col.get("merge")]
        self.merged_columns(rows, first_row, merged_keys, positions)
        by_pos = {(gi, ii): first_row + n for n, (gi, ii) in enumerate(rows)}
        for (gi, ii), rr in by_pos.items():
            ind = self.form.goals[gi]["indicators"][ii]
            res = self.s.indicator(gi, ii)
            for col in block["columns"]:
                key = col["key"]
                if key in merged_keys:
                    continue
                cc, span = positions[key]
                self.indicator_cell(rr, cc, span, gi, ii, ind, res, key)

    def merged_columns(self, rows, first_row, merged_keys, positions) -> None:
        """一级/二级 cells merge down over consecutive rows of the same value; a
        blank cell continues the one above (as on the paper form)."""
        parent_runs: list[tuple[int, int]] | None = None
        for key in merged_keys:
            c, span = positions[key]
            runs: list[tuple[int, int]] = []   # (start, end) indexes into rows
            values: list[str] = []
            prev_goal = None
            for n, (gi, ii) in enumerate(rows):
                raw = str(self.form.goals[gi]["indicators"][ii].get(key) or "").strip()
                boundary = (gi != prev_goal or n == 0 or
                            (parent_runs is not None and any(s == n for s, _ in parent_runs)))
                if boundary or (raw and raw != values[-1]):
                    runs.append((n, n))
                    values.append(raw)
                else:
                    runs[-1] = (runs[-1][0], n)
                prev_goal = gi
            for (start, end), value in zip(runs, values):
                keys = tuple(f"goals.{rows[n][0]}.indicators.{rows[n][1]}.{key}" for n in range(start, end + 1))
                self.add(first_row + start, c, span=span, rowspan=end - start + 1, text=value, role=INPUT,
                         key=keys[0], keys=keys, value=value)
            parent_runs = runs

    def indicator_cell(self, r, c, span, gi, ii, ind, res, key) -> None:
        path = f"goals.{gi}.indicators.{ii}"
        if key.startswith("target#"):
            part = key.split("#", 1)[1]
            op, value, unit = split_target(ind.get("target") or "")
            text = {"op": op, "value": value, "unit": unit}[part]
            self.add(r, c, span=span, text=text, role=INPUT, key=f"{path}.{key}", keys=(f"{path}.{key}", f"{path}.target"),
                     value=text)
            return
        if key == "score":
            raw = ind.get("score")
            raw = "" if raw is None else str(raw)
            shown = fmt2(res.score) if res and res.score is not None else raw
            if res and res.kind == NOT_APPLICABLE:
                shown = raw
            cell = self.add(r, c, span=span, text=shown, role=SCORE, key=f"{path}.score", value=raw, fmt="score",
                            number=res.score if res else None,
                            computed_text=fmt2(res.computed) if res and res.computed is not None else "")
            if res and res.kind == QUALITATIVE:
                cell.options = tuple(t.label for t in self.s.profile.tiers)
            return
        multiline = key in ("name", "content", "reason", "measure")
        align = "left" if key in ("reason", "measure") else "center"
        self.input_cell(r, c, f"{path}.{key}", span, align=align, multiline=multiline)

    def place_findings(self) -> None:
        place_findings(self.sheet, self.s)

    def recompute(self, c: Cell) -> Cell | None:
        """A fresh copy of a score-dependent cell (computed or score), or None for other cells."""
        key = c.key or ""
        if key in ("max", "total", "grade"):
            return self.computed_cell(c.row, c.col, key, c.colspan, bold=c.bold, border=c.border)
        what = {"funds.total.weight": "exec_weight", "funds.total.rate": "rate",
                "funds.total.score": "exec_score"}.get(key)
        if what:
            self.fund_cell(c.row, c.col, c.colspan, {"computed": what}, {}, "total", None)
            return self.sheet.cells[-1]
        m = re.fullmatch(r"funds\.sources\.(\d+)\.rate", key)
        if m:
            self.fund_cell(c.row, c.col, c.colspan, {"computed": "rate"}, {"source_rate": True}, "source",
                           int(m.group(1)))
            return self.sheet.cells[-1]
        m = re.fullmatch(r"goals\.(\d+)\.indicators\.(\d+)\.score", key)
        if m and c.role == SCORE:
            gi, ii = int(m.group(1)), int(m.group(2))
            try:
                ind = self.form.goals[gi]["indicators"][ii]
            except (IndexError, KeyError, TypeError):
                return None
            self.indicator_cell(c.row, c.col, c.colspan, gi, ii, ind, self.s.indicator(gi, ii), "score")
            return self.sheet.cells[-1]
        return None


def place_findings(sheet: Sheet, scores: Scores) -> None:
    """Attach each finding to its cell (worst level wins); the rest go to ``sheet.unplaced``."""
    rank = {"error": 2, "warning": 1}
    for f in scores.findings:
        cell = sheet.locate(f.where)
        if cell is None:
            sheet.unplaced.append(f)
            continue
        cell.messages = cell.messages + (f.message,)
        if cell.level is None or rank[f.level] > rank[cell.level]:
            cell.level = f.level


def recomputer(sheet: Sheet, form: Form, scores: Scores):
    """A function that gives a fresh copy of a score-dependent cell of ``sheet`` under new
    scores (None for cells that do not depend on them).  For live updates without a rebuild."""
    b = _Builder(form, scores)
    b.sheet.row_kinds = sheet.row_kinds
    return b.recompute


def build_sheet(form: Form, scores: Scores | None = None) -> Sheet:
    """Lay a form out as its template's table, with its scores and findings."""
    if scores is None:
        scores = evaluate(form)
    return _Builder(form, scores).build()


# ---------------------------------------------------------------- editing

def edit_cell(form: Form, cell: Cell, text: str) -> list[tuple[str, object, object]]:
    """Apply what the clerk typed into a cell; returns the changes (path, old, new).

    A merged 一级/二级 cell sets every row it stands for; the three-column target
    cells recompose the one target string.  Text is stored exactly as typed.
    """
    if not cell.editable or not cell.key:
        return []
    changes = []
    if "#" in cell.key:
        path, part = cell.key.split("#", 1)
        op, value, unit = split_target(form.get(path))
        parts = {"op": op, "value": value, "unit": unit}
        parts[part] = text
        new = compose_target(parts["op"], parts["value"], parts["unit"])
        old = form.set(path, new)
        return [(path, old, new)] if old != new else []
    for key in (cell.keys or (cell.key,)):
        new: object = text
        if key.endswith(".score") and text.strip() == "":
            new = None
        old = form.set(key, new)
        if old != new:
            changes.append((key, old, new))
    return changes


def undo_changes(form: Form, changes: list[tuple[str, object, object]]) -> None:
    for path, old, _new in reversed(changes):
        form.set(path, old)


def redo_changes(form: Form, changes: list[tuple[str, object, object]]) -> None:
    for path, _old, new in changes:
        form.set(path, new)


def set_tier(form: Form, gi: int, ii: int, tier: int | None, scores: Scores | None = None) -> list[tuple[str, object, object]]:
    """Pick a qualitative tier (1, 2, 3 or None); the score becomes the tier's
    default (w, 0.7w, 0.3w under central) unless the clerk's score already lies in it."""
    if scores is None:
        scores = evaluate(form)
    path = f"goals.{gi}.indicators.{ii}"
    changes = []
    old_tier = form.get_raw(f"{path}.tier")
    form.set(f"{path}.tier", tier)
    if old_tier != tier:
        changes.append((f"{path}.tier", old_tier, tier))
    if tier is None:
        return changes
    w, _ = parse_amount(form.get(f"{path}.weight"))
    if w is None:
        return changes
    t = scores.profile.tiers[tier - 1]
    current, err = parse_amount(form.get(f"{path}.score") or "")
    if current is not None and not err and w > 0 and t.contains(current / w):
        return changes
    new_score = fmt2(t.default * w)
    old = form.set(f"{path}.score", new_score)
    if old != new_score:
        changes.append((f"{path}.score", old, new_score))
    return changes
