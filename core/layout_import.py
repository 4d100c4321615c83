"""Reading a workbook by its layout: the sheet builder backwards.

``core.sheet`` lays a form out from its template's blocks (title, rows of
labels and fields, the funds table, the goal texts, the indicator table).
This module walks the same blocks over a worksheet's cells and finds each one
by the labels the template gives it, so a new template file brings its reader
with it.  It tolerates what clerks do to a table: rows and columns shifted,
blank rows added, cells merged differently, headers over two lines, units or
operator / value / unit in cells of their own, a signature line typed into
one cell (``填报人：王五 联系电话：… 填报日期：…``).

Printed values the numbers give (执行率, 总分, a score equal to the rules') are
not kept; printed values the numbers do not give are kept as printed, so the
checks can say so.  The scoring profile is the one whose figures the sheet
prints (the template's own when several agree).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal

from . import reader
from .model import new_goal, new_indicator
from .templates import all_templates, get_template

FORMULA_MESSAGE = "公式没有计算结果，请在 Excel 中打开并保存后再导入"
UNIT_HEADERS = {"单位", "计量单位", "度量单位", "指标单位"}
AMOUNT_KEYS = ("initial", "budget", "executed", "transfer")


class NotThisLayout(Exception):
    pass


# ---------------------------------------------------------------- labels

_PARENS = {"（": "(", "）": ")", "：": ":", "［": "[", "］": "]"}


def norm(text: str) -> str:
    t = re.sub(r"\s+", "", str(text or ""))
    return "".join(_PARENS.get(ch, ch) for ch in t)


@lru_cache(maxsize=8192)
def label_keys(text: str) -> tuple[str, str]:
    """(full, core) keys of a label: no spaces, no trailing colon; core also without (…)."""
    full = norm(text).rstrip(":")
    core = full
    while True:
        new = re.sub(r"\([^()]*\)", "", core)
        if new == core:
            break
        core = new
    return full, core


def same_label(cell_text: str, label: str) -> bool:
    if not cell_text or not label:
        return False
    a, b = label_keys(cell_text), label_keys(label)
    return bool(a[0]) and (a[0] == b[0] or (bool(a[1]) and a[1] == b[1]))


# ---------------------------------------------------------------- the worksheet as a grid

@dataclass
class Grid:
    """The cells of a worksheet: values at the top-left of merged ranges only."""
    cells: dict                      # (r, c) -> xlsx_read.Cell
    nrows: int
    ncols: int
    owner: dict = field(default_factory=dict)    # covered (r, c) -> (r0, c0)
    extent: dict = field(default_factory=dict)   # top-left (r0, c0) -> (r1, c1)
    notes: list = field(default_factory=list)    # (path, message)
    texts: dict = field(default_factory=dict)    # (r, c) -> shown text, once worked out
    rows: dict = field(default_factory=dict)     # r -> row_cells(r)
    keys: dict = field(default_factory=dict)     # r -> labels_of(r)
    colons: dict = field(default_factory=dict)   # r -> colon_texts(r)

    @classmethod
    def from_sheet(cls, sd) -> "Grid":
        g = cls(cells=dict(sd.cells), nrows=sd.nrows, ncols=sd.ncols)
        for r0, c0, r1, c1 in sd.merges:
            if (r0, c0) in g.owner or (r0, c0) in g.extent:
                continue
            g.extent[(r0, c0)] = (r1, c1)
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        g.owner.setdefault((r, c), (r0, c0))
            g.nrows = max(g.nrows, r1 + 1)
            g.ncols = max(g.ncols, c1 + 1)
        return g

    def covered(self, r: int, c: int) -> bool:
        return (r, c) in self.owner

    def covered_from_above(self, r: int, c: int) -> bool:
        o = self.owner.get((r, c))
        return o is not None and o[0] < r

    def cell(self, r: int, c: int):
        return None if (r, c) in self.owner else self.cells.get((r, c))

    def text(self, r: int, c: int) -> str:
        got = self.texts.get((r, c))
        if got is None:
            from .imports import shown_text
            cell = self.cell(r, c)
            got = "" if cell is None else shown_text(cell.value, cell.number_format)
            self.texts[(r, c)] = got
        return got

    def value(self, r: int, c: int, path: str | None = None) -> str:
        """The text of a cell read for a form path; a formula without a result is noted."""
        cell = self.cell(r, c)
        if cell is not None and cell.formula and path:
            self.notes.append((path, FORMULA_MESSAGE))
        return self.text(r, c)

    def row_cells(self, r: int) -> list[int]:
        """Columns of the non-empty top-left cells of a row, left to right."""
        got = self.rows.get(r)
        if got is None:
            got = self.rows[r] = [c for c in range(self.ncols) if self.text(r, c) != ""]
        return got

    def blank(self, r: int) -> bool:
        return not self.row_cells(r)

    def width(self, r: int, c: int) -> int:
        return self.extent.get((r, c), (r, c))[1] - c + 1

    def labels_of(self, r: int) -> dict:
        """A row's cells by label key (full and core): {key: [columns]}."""
        got = self.keys.get(r)
        if got is None:
            got = {}
            for c in self.row_cells(r):
                text = self.text(r, c)
                if len(text) > 60:          # a label is short; long texts are values
                    continue
                full, core = label_keys(text)
                if full:
                    got.setdefault(("f", full), []).append(c)
                    if core:
                        got.setdefault(("c", core), []).append(c)
            self.keys[r] = got
        return got

    def colon_texts(self, r: int) -> list[str]:
        """Texts of a row that may hold a label and its value (``填报人：王五``)."""
        got = self.colons.get(r)
        if got is None:
            got = self.colons[r] = [t for t in (self.text(r, c) for c in self.row_cells(r)) if "：" in t or ":" in t]
        return got

    def find_label(self, r: int, label: str, c0: int = 0) -> int | None:
        full, core = label_keys(label)
        index = self.labels_of(r)
        cols = index.get(("f", full), []) + (index.get(("c", core), []) if core else [])
        cols = [c for c in cols if c >= c0]
        return min(cols) if cols else None


# ---------------------------------------------------------------- reading one template

@dataclass
class Reading:
    template: dict
    found: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
    printed: dict = field(default_factory=dict)    # computed key -> printed text
    scores_typed: dict = field(default_factory=dict)
    fatal: str = ""

    @property
    def fraction(self) -> float:
        n = len(self.found) + len(self.missing)
        return len(self.found) / n if n else 0.0


def _blank_data(t: dict) -> dict:
    return {
        "format": "ziping-form", "version": 1, "template": t["id"], "year": None,
        "header": {f: "" for f in t.get("header_fields", [])},
        "funds": {"total": {"label": "", "initial": "", "budget": "", "executed": "", "transfer": "", "reason": ""},
                  "sources": [], "uses": []},
        "goals": [],
        "texts": {k: "" for k in t.get("text_fields", [])},
    }


def _put(data: dict, t: dict, path: str, value: str) -> None:
    """Set a form path, growing lists with the template's blank rows where needed."""
    parts = path.split(".")
    node = data
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(node, list):
            idx = int(part)
            while len(node) <= idx:
                node.append(_new_row(t, parts[:i], len(node)))
            node = node[idx]
        else:
            if not isinstance(node.get(part), (dict, list)):
                node[part] = [] if nxt.isdigit() else {}
            node = node[part]
    if isinstance(node, list):
        idx = int(parts[-1])
        while len(node) <= idx:
            node.append("")
        node[idx] = value
    else:
        node[parts[-1]] = value


def _new_row(t: dict, parent: list, n: int) -> dict:
    where = ".".join(parent)
    new = t.get("new", {}).get("funds", {})
    if where == "funds.uses":
        labels = new.get("uses", [])
        return {"label": labels[n] if n < len(labels) else "", "executed": ""}
    if where == "funds.sources":
        return {"label": "", "initial": "", "budget": "", "executed": ""}
    if where == "goals":
        return new_goal("")
    return {}


def _title_regex(pattern: str) -> tuple[re.Pattern | None, list[str]]:
    parts = re.split(r"(\{year\}|\{header\.[^}]*\})", pattern)
    out, names = [], []
    for p in parts:
        if p == "{year}":
            out.append(r"\s*(?P<year>\d{4})?\s*")
        elif p.startswith("{header."):
            names.append(p[8:-1])
            out.append(f"(?P<h{len(names) - 1}>.*?)")
        else:
            out.append(r"\s*".join(_alt(ch) for ch in norm(p)))
    if not "".join(norm(p) for p in parts if not p.startswith("{")):
        return None, names
    return re.compile(r"^\s*" + "".join(out) + r"\s*$", re.S), names


class _Walker:
    def __init__(self, t: dict, grid: Grid):
        self.t = t
        self.g = grid
        self.rd = Reading(template=t, data=_blank_data(t))
        self.cursor = 0
        self.ncols = len(t["columns"])
        self.blocks = t["blocks"]
        self.title_header: dict = {}

    # anchors: labels that tell where a later block starts
    def later_labels(self, bi: int) -> list[str]:
        out = []
        for block in self.blocks[bi + 1:]:
            if block["type"] == "row":
                out += [it["label"] for it in block["items"] if "label" in it]
            elif block["type"] in ("funds", "goal_texts", "indicators"):
                out += [c["label"] for c in block["columns"] if c.get("label")]
                if block["type"] != "indicators" or not block.get("per_goal"):
                    out.append(block["side"]["label"])
        return [x for x in out if label_keys(x)[1]]

    def is_anchor_row(self, r: int, labels: list[str]) -> bool:
        if any(self.g.find_label(r, lab) is not None for lab in labels):
            return True
        inline = [lab for lab in labels if lab.endswith(("：", ":"))]
        return any(_inline_label(text, lab) is not None for text in self.g.colon_texts(r) for lab in inline)

    def run(self) -> Reading:
        for bi, block in enumerate(self.blocks):
            getattr(self, "block_" + block["type"])(bi, block)
        for name, value in self.title_header.items():
            if not self.rd.data["header"].get(name):
                self.rd.data["header"][name] = value
        return self.rd

    # ------------------------------------------------------------ title
    def block_title(self, bi: int, block: dict) -> None:
        for key in ("title", "subtitle"):
            pattern = self.t.get(key)
            if not pattern:
                continue
            rx, names = _title_regex(pattern)
            label = re.sub(r"\{[^}]*\}", "", pattern)
            hit = None
            for r in range(self.cursor, min(self.cursor + 4, self.g.nrows)):
                cols = self.g.row_cells(r)
                if len(cols) != 1:
                    continue
                m = rx.match(self.g.text(r, cols[0])) if rx else None
                if m:
                    hit = (r, m)
                    break
            if hit is None:
                if rx is not None and key == "title":
                    self.rd.missing.append(label)
                continue
            r, m = hit
            if key == "title":
                # a title of fixed words says more than one that is mostly the unit's name
                self.rd.found.extend([label] * (1 if names else 3))
            self.cursor = r + 1
            if m.groupdict().get("year"):
                self.rd.data["year"] = int(m.group("year"))
            for i, name in enumerate(names):
                self.title_header[name] = m.group(f"h{i}") or ""

    # ------------------------------------------------------------ a row of labels and fields
    def block_row(self, bi: int, block: dict) -> None:
        items = block["items"]
        labels = [it["label"] for it in items if "label" in it]
        if not labels:
            return
        stop = self.g.nrows
        first = None
        for r in range(self.cursor, stop):
            if self.row_has_label(r, labels[0]):
                first = r
                break
        if first is None:
            # the first label may be gone while the others remain
            for r in range(self.cursor, stop):
                if any(self.row_has_label(r, lab) for lab in labels[1:]):
                    first = r
                    break
        if first is None:
            self.rd.missing += labels
            return
        rows = [first] + [r for r in range(first + 1, min(first + 3, self.g.nrows))]
        tokens_by_row = {r: self.tokens(r, labels) for r in rows}
        used_rows = {first}
        # pair each field / computed item with the label before it
        groups: list[tuple[str | None, list]] = []
        current: tuple[str | None, list] = (None, [])
        for it in items:
            if "label" in it:
                if current[0] is not None or current[1]:
                    groups.append(current)
                current = (it["label"], [])
            elif "field" in it or "computed" in it:
                current[1].append(it)
        groups.append(current)
        for label, fields in groups:
            where = None
            for r in rows:
                toks = tokens_by_row[r]
                idx = next((i for i, tk in enumerate(toks) if tk[0] == "L" and same_label(tk[1], label or "")), None)
                if idx is not None:
                    where = (r, idx)
                    break
            if label:
                (self.rd.found if where else self.rd.missing).append(label)
            if where is None:
                continue
            r, idx = where
            used_rows.add(r)
            toks = tokens_by_row[r]
            values = []
            for tk in toks[idx + 1:]:
                if tk[0] == "L":
                    break
                values.append(tk)
            self.assign(fields, values, r)
        self.cursor = max(used_rows) + 1

    def row_has_label(self, r: int, label: str) -> bool:
        if self.g.find_label(r, label) is not None:
            return True
        return any(_inline_label(text, label) is not None for text in self.g.colon_texts(r))

    def tokens(self, r: int, labels: list[str]) -> list[tuple]:
        """A row as label and value tokens; labels typed inline with their values are split."""
        out: list[tuple] = []
        cols = self.g.row_cells(r)
        whole = {lab for c in cols for lab in labels if same_label(self.g.text(r, c), lab)}
        inline = [lab for lab in labels if lab not in whole]     # a label in a cell of its own is not looked for in values
        for c in cols:
            text = self.g.text(r, c)
            hit = next((lab for lab in labels if same_label(text, lab)), None)
            if hit is not None:
                out.append(("L", hit, c))
                continue
            pieces = _split_inline(text, inline)
            if pieces is None:
                out.append(("V", text, c))
                continue
            lead, pairs = pieces
            if lead.strip():
                out.append(("V", lead.strip(), c))
            for lab, val in pairs:
                out.append(("L", lab, c))
                if val.strip():
                    out.append(("V", val.strip(), None))
        return out

    def assign(self, fields: list[dict], values: list[tuple], r: int) -> None:
        if not fields:
            return
        if len(values) < len(fields):
            values = [None] * (len(fields) - len(values)) + values     # printed total before its maximum
        for it, tk in zip(fields, values):
            if tk is None:
                continue
            text = tk[1]
            if tk[2] is not None and "field" in it:
                text = self.g.value(r, tk[2], it["field"])
            if "field" in it:
                _put(self.rd.data, self.t, it["field"], text)
            else:
                self.rd.printed[it["computed"]] = text

    # ------------------------------------------------------------ header rows of a table
    def find_header(self, labels: list[str], need: int, start: int | None = None) -> tuple[int, int] | None:
        """(first header row, rows it takes) of the first row holding ``need`` of the labels."""
        start = self.cursor if start is None else start
        for r in range(start, self.g.nrows):
            cols = [c for c in (self.g.find_label(r, lab) for lab in labels) if c is not None]
            if len(cols) >= need:
                # labels merged down over a second row: sub-labels (指标性质 | 指标值 | 度量单位) below
                two = any(self.g.extent.get((r, c), (r, c))[0] > r for c in cols)
                return r, 2 if two and r + 1 < self.g.nrows else 1
            if r + 1 < self.g.nrows:       # a header over two rows
                both = sum(1 for lab in labels if self.g.find_label(r, lab) is not None
                           or self.g.find_label(r + 1, lab) is not None)
                if both >= need and cols:
                    return r, 2
        return None

    def map_columns(self, r: int, nrows: int, columns: list[dict]) -> dict[str, list[int]]:
        """Column key -> the grid columns its values occupy."""
        out: dict[str, list[int]] = {}
        taken: set[int] = set()
        for col in columns:
            name = col.get("key") or "=" + col.get("computed", "")
            label = col.get("label") or ""
            if not label:
                continue
            for rr in range(r, r + nrows):
                c = self.g.find_label(rr, label)
                while c is not None and c in taken:
                    c = self.g.find_label(rr, label, c + 1)
                if c is not None:
                    span = list(range(c, c + self.g.width(rr, c)))
                    nxt = c + len(span)
                    if nxt < self.g.ncols and label_keys(self.g.text(rr, nxt))[1] in UNIT_HEADERS \
                            and name in ("target", "actual"):
                        span.append(nxt)
                    out[name] = span
                    taken.update(span)
                    break
        return out

    def data_cols(self, cols: list[int], r: int, path: str | None = None) -> str:
        """The text of a value over its columns (operator, value and unit in cells of their own)."""
        texts = []
        for c in cols:
            if self.g.covered(r, c):
                continue
            t = self.g.value(r, c, path)
            if t != "":
                texts.append(t)
        return "".join(texts)

    def table_rows(self, bi: int, start: int, side_top: tuple | None, stop_labels: list[str]) -> list[int]:
        """Rows of a table from ``start``: the rows its side label spans, else until a later block."""
        rows = []
        if side_top is not None:
            r1 = self.g.extent.get(side_top, side_top)[0]
            return [r for r in range(start, r1 + 1)]
        for r in range(start, self.g.nrows):
            if self.is_anchor_row(r, stop_labels):
                break
            rows.append(r)
        while rows and self.g.blank(rows[-1]):
            rows.pop()
        return rows

    def side_cell(self, r: int, label: str, before: int, record: bool = True) -> tuple | None:
        """The table's side label when it is merged down over the table's rows (else None)."""
        for rr in range(r, max(-1, r - 3), -1):
            for c in range(0, max(0, before)):
                owner = self.g.owner.get((rr, c), (rr, c))
                if same_label(self.g.text(*owner), label):
                    if record:
                        self.rd.found.append(label)
                    return owner if self.g.extent.get(owner, owner)[0] > r else None
        if record:
            self.rd.missing.append(label)
        return None

    # ------------------------------------------------------------ funds
    def block_funds(self, bi: int, block: dict) -> None:
        labels = [c["label"] for c in block["columns"] if c.get("label")]
        amount_labels = [c["label"] for c in block["columns"] if c.get("key") in AMOUNT_KEYS]
        hit = self.find_header(labels, max(1, (len(labels) + 1) // 2))
        if hit is None:
            self.rd.missing += labels
            return
        hr, hn = hit
        cols = self.map_columns(hr, hn, block["columns"])
        for c in block["columns"]:
            if c.get("label"):
                (self.rd.found if (c.get("key") or "=" + c.get("computed", "")) in cols else self.rd.missing).append(c["label"])
        if not any(lab for lab in amount_labels if any(same_label(lab, c2["label"]) for c2 in block["columns"])):
            return
        first_amount = min((cs[0] for k, cs in cols.items() if k in AMOUNT_KEYS), default=None)
        if first_amount is None:
            return
        side = self.side_cell(hr, block["side"]["label"], first_amount)
        if "label" in cols:
            label_cols = cols["label"]
        else:
            left = side[1] + self.g.width(*side) if side else 0
            label_cols = list(range(left, first_amount))
        rows = self.table_rows(bi, hr + hn, side, self.later_labels(bi))
        rows = [r for r in rows if not self._continuation(r, cols, label_cols)]
        if side is None:
            rows = [r for r in rows if not self.g.blank(r)]
        parts = [p for p in block["rows"] if p != "header"]
        lists = [p for p in parts if p in ("sources", "uses")]
        if not lists:
            rows = rows[:len(parts)]
        # which row is which: fixed rows (total) take their place from either end
        kinds: list[str] = []
        head = []
        for p in parts:
            if p in ("sources", "uses"):
                break
            head.append(p)
        tail = []
        for p in reversed(parts):
            if p in ("sources", "uses"):
                break
            tail.insert(0, p)
        if not lists:
            head, tail = parts, []
        middle = rows[len(head):len(rows) - len(tail) if tail else len(rows)]
        assigned = list(zip(head, rows[:len(head)]))
        mid_kinds = self.split_lists(lists, middle, label_cols, block)
        assigned += mid_kinds
        if tail:
            assigned += list(zip(tail, rows[len(rows) - len(tail):]))
        counters = {"source": 0, "use": 0}
        for kind, r in assigned:
            if kind == "total":
                base = "funds.total"
            else:
                kind1 = "source" if kind == "sources" else "use"
                base = f"funds.{kind}.{counters[kind1]}"
                counters[kind1] += 1
                _put(self.rd.data, self.t, base + ".label", "")
            label = self.data_cols(label_cols, r, base + ".label")
            label = self.undecorate(label, kind, base, block)
            _put(self.rd.data, self.t, base + ".label", label)
            for col in block["columns"]:
                key = col.get("key")
                name = key or "=" + col.get("computed", "")
                if name not in cols or key == "label":
                    continue
                text = self.data_cols(cols[name], r, f"{base}.{key}" if key else None)
                if key:
                    if kind == "uses" and key != "executed":
                        continue
                    _put(self.rd.data, self.t, f"{base}.{key}", text)
                elif kind == "total":
                    self.rd.printed["funds." + col["computed"]] = text
                elif kind == "sources" and col["computed"] == "rate" and block.get("source_rate"):
                    self.rd.printed[base + ".rate"] = text
        self.cursor = (rows[-1] + 1) if rows else hr + hn

    def _continuation(self, r: int, cols: dict, label_cols: list[int]) -> bool:
        """A row every cell of which belongs to a merged cell from a row above."""
        allc = set(label_cols)
        for cs in cols.values():
            allc.update(cs)
        return bool(allc) and all(self.g.covered_from_above(r, c) for c in allc)

    def split_lists(self, lists: list[str], rows: list[int], label_cols: list[int], block: dict) -> list[tuple]:
        if not lists:
            return []
        if len(lists) == 1:
            return [(lists[0], r) for r in rows]
        # sources, then uses from the row carrying the uses prefix
        prefix = block.get("use_prefix") or ""
        cut = len(rows)
        for n, r in enumerate(rows):
            text = self.data_cols(label_cols, r)
            if prefix and norm(text).startswith(norm(prefix)):
                cut = n
                break
        return [(lists[0], r) for r in rows[:cut]] + [(lists[1], r) for r in rows[cut:]]

    def undecorate(self, label: str, kind: str, base: str, block: dict) -> str:
        if kind == "total":
            return label
        prefix = block.get("source_prefix") if kind == "sources" else block.get("use_prefix")
        if not prefix:
            return label
        first = base.endswith(".0")
        if label.startswith(prefix):
            return label[len(prefix):]
        core = norm(prefix).rstrip(":")
        m = re.match(r"^\s*" + r"\s*".join(map(re.escape, core)) + r"\s*[:：]\s*", label)
        if m:
            return label[m.end():]
        if not first and label.startswith("\u3000" * 3):
            return label[3:]
        return label.strip() if not first else label

    # ------------------------------------------------------------ goal texts
    def block_goal_texts(self, bi: int, block: dict) -> None:
        labels = [c["label"] for c in block["columns"]]
        hit = self.find_header(labels, len(labels))
        if hit is None:
            self.rd.missing += labels + [block["side"]["label"]]
            return
        hr, hn = hit
        self.rd.found += labels
        cols = self.map_columns(hr, hn, block["columns"])
        first = min(cs[0] for cs in cols.values())
        side = self.side_cell(hr, block["side"]["label"], first)
        rows = self.table_rows(bi, hr + hn, side, self.later_labels(bi))
        rows = [r for r in rows if not self._continuation(r, cols, [])]
        if side is None:
            rows = [r for r in rows if not self.g.blank(r)]
        for gi, r in enumerate(rows):
            for col in block["columns"]:
                path = f"goals.{gi}.{col['key']}"
                _put(self.rd.data, self.t, path, self.data_cols(cols[col["key"]], r, path))
        self.cursor = (rows[-1] + 1) if rows else hr + hn

    # ------------------------------------------------------------ indicators
    def block_indicators(self, bi: int, block: dict) -> None:
        columns = block["columns"]
        labels = [c["label"] for c in columns]
        core = [c["label"] for c in columns if c["key"] in ("level1", "level2", "name")]
        later = self.later_labels(bi)
        goals = self.rd.data["goals"]
        gi = 0
        table = 0
        while True:
            hit = self.find_header(core, len(core))
            if hit is None:
                break
            hr, hn = hit
            # a later block before this header ends the tables
            if any(self.is_anchor_row(r, later) for r in range(self.cursor, hr)):
                break
            cols = self.map_columns(hr, hn, columns)
            if table == 0:
                for c in columns:
                    (self.rd.found if c["key"] in cols else self.rd.missing).append(c["label"])
            first = min(cs[0] for cs in cols.values())
            side = self.side_cell(hr, block["side"]["label"], first, record=table == 0)
            title = None
            if block.get("per_goal"):
                title = ""
                for r in range(hr - 1, self.cursor - 1, -1):
                    cells = self.g.row_cells(r)
                    if cells:
                        if len(cells) == 1 and not self.is_anchor_row(r, self.all_labels()):
                            title = self.g.value(r, cells[0], f"goals.{gi}.title")
                        break
                    if r == hr - 1:
                        continue
                    break
            stop = later + (core if block.get("per_goal") else [])
            rows = self.table_rows(bi, hr + hn, side, stop)
            if block.get("per_goal") and side is None:
                rows = self.trim_title_row(rows, core)
            rows = [r for r in rows if not self._continuation(r, cols, [])]
            if side is None:
                rows = [r for r in rows if not self.g.blank(r)]
            if not block.get("per_goal"):
                gi = 0
            while len(goals) <= gi:
                goals.append(new_goal(""))
            if title is not None:
                goals[gi]["title"] = title
            self.read_indicator_rows(goals[gi], gi, rows, cols, columns)
            self.cursor = (rows[-1] + 1) if rows else hr + hn
            table += 1
            gi += 1
            if not block.get("per_goal"):
                break
        if table == 0:
            self.rd.missing += labels
            self.rd.fatal = "找不到“" + "/".join(core) + "”表头"
        if not goals:
            goals.append(new_goal(""))

    def all_labels(self) -> list[str]:
        return self.later_labels(-1)

    def trim_title_row(self, rows: list[int], core: list[str]) -> list[int]:
        """Without merged side labels, the row before the next table's header is its title."""
        out = []
        for r in rows:
            if r + 1 < self.g.nrows and sum(1 for lab in core if self.g.find_label(r + 1, lab) is not None) == len(core):
                break
            out.append(r)
        return out

    def read_indicator_rows(self, goal: dict, gi: int, rows: list[int], cols: dict, columns: list[dict]) -> None:
        inds = goal.setdefault("indicators", [])
        keys = [c["key"] for c in columns]
        merged = [c["key"] for c in columns if c.get("merge")]
        prev: dict[str, str] = {}
        for n, r in enumerate(rows):
            ii = len(inds)
            path = f"goals.{gi}.indicators.{ii}"
            ind = new_indicator()
            ind.pop("measure", None) if "measure" not in keys else None
            run_start = {}
            parts: dict[str, str] = {}
            for key in keys:
                if key not in cols:
                    continue
                cs = cols[key]
                if key in merged:
                    c = cs[0]
                    owner = self.g.owner.get((r, c))
                    if owner is not None and owner[0] < r:
                        value, starts = self.g.text(*owner), False
                    else:
                        value = self.data_cols(cs, r, f"{path}.{key}")
                        starts = value != "" or n == 0
                        if value == "" and n > 0:
                            parent = merged[:merged.index(key)]
                            if parent and any(run_start.get(p) for p in parent):
                                value, starts = "", True
                            else:
                                value, starts = prev.get(key, ""), False
                        elif value != "" and n > 0 and value == prev.get(key) and not any(
                                run_start.get(p) for p in merged[:merged.index(key)]):
                            starts = False
                    run_start[key] = starts
                    prev[key] = value
                    ind[key] = value
                elif "#" in key:
                    parts[key.split("#", 1)[1]] = self.data_cols(cs, r, f"{path}.target")
                elif key == "score":
                    self.rd.scores_typed[(gi, ii)] = self.data_cols(cs, r, f"{path}.score")
                else:
                    ind[key] = self.data_cols(cs, r, f"{path}.{key}")
            if parts:
                ind["target"] = f"{parts.get('op', '')}{parts.get('value', '')}{parts.get('unit', '')}"
            inds.append(ind)


def _alt(ch: str) -> str:
    return {"(": "[(（]", ")": "[)）]", ":": "[:：]"}.get(ch, re.escape(ch))


def _split_inline(text: str, labels: list[str]) -> tuple[str, list[tuple[str, str]]] | None:
    """``填报人：王五 联系电话：123`` -> ('', [('填报人：', '王五'), ('联系电话：', '123')])."""
    hits = []
    for lab in labels:
        core = label_keys(lab)[0]
        if not core:
            continue
        pat = r"\s*".join(_alt(ch) for ch in core)
        for m in re.finditer(r"(?:^|(?<=\s))" + pat + r"\s*[:：]", text):
            hits.append((m.start(), m.end(), lab))
    if not hits:
        return None
    hits.sort()
    out = []
    for i, (s, e, lab) in enumerate(hits):
        end = hits[i + 1][0] if i + 1 < len(hits) else len(text)
        out.append((lab, text[e:end]))
    return text[:hits[0][0]], out


def _inline_label(text: str, label: str) -> int | None:
    """Where a label followed by a colon starts inside a longer text, or None."""
    core = label_keys(label)[0]
    if not core:
        return None
    pat = r"\s*".join(_alt(ch) for ch in core)
    m = re.search(r"(?:^|(?<=\s))" + pat + r"\s*[:：]", text)
    return m.start() if m else None


# ---------------------------------------------------------------- choosing the template and profile

def read_layout(grid: Grid, hint: str | None = None) -> tuple[dict, list]:
    """The form data read from a worksheet, and notes (path, message) for its cells.
    Raises NotThisLayout with the closest template and what it lacks."""
    readings = []
    for t in all_templates():
        try:
            rd = _Walker(t, grid).run()
        except (IndexError, KeyError, ValueError):     # a layout too far from this template
            rd = Reading(template=t, missing=["（无法按此格式读取）"], fatal="无法按此格式读取")
        readings.append(rd)
    order = {t["id"]: n for n, t in enumerate(all_templates())}
    readings.sort(key=lambda rd: (-rd.fraction, -len(rd.found), 0 if rd.template["id"] == hint else 1,
                                  order[rd.template["id"]]))
    best = readings[0]
    if best.fatal or best.fraction < 0.25:
        core = [m for m in best.missing if label_keys(m)[0] in ("一级指标", "二级指标", "三级指标")]
        missing = "、".join(list(dict.fromkeys(core + best.missing))[:8])
        raise NotThisLayout(f"最接近“{best.template['name']}”，但找不到：{missing}")
    data = best.data
    _finish(best, data)
    return data, grid.notes


def _finish(rd: Reading, data: dict) -> None:
    """Profile, scores, printed rates and totals."""
    from .model import Form
    from .profiles import profile_ids
    from .scoring import NOT_APPLICABLE, QUALITATIVE, fmt2
    from .scoring import compute as score

    t = rd.template
    default = t.get("profile")
    candidates = [default] + [p for p in profile_ids() if p != default]
    best = None
    for pid in candidates:
        trial = _apply_scores(rd, data, pid, score, QUALITATIVE, NOT_APPLICABLE, fmt2)
        s = score(Form(trial))
        miss = _printed_mismatches(rd, s, fmt2)
        overrides = sum(1 for ind in (i for g in trial["goals"] for i in g["indicators"]) if ind.get("score"))
        key = (miss, overrides)
        if best is None or key < best[0]:
            best = (key, pid, trial, s)
        if key == (0, 0) or not rd.printed:
            break
    _key, pid, trial, s = best
    data.clear()
    data.update(trial)
    if pid != default:
        data["profile"] = pid
    else:
        data.pop("profile", None)
    # printed values the numbers do not give are kept, so their checks fire
    rate = rd.printed.get("funds.rate", "")
    if rate.strip() and not _same(rate, f"{fmt2(s.rate)}%" if s.rate is not None else ""):
        data["funds"]["total"]["rate"] = rate
    for i, row in enumerate(data["funds"]["sources"]):
        typed = rd.printed.get(f"funds.sources.{i}.rate", "")
        computed = s.source_rates[i] if i < len(s.source_rates) else None
        if typed.strip() and not _same(typed, f"{fmt2(computed)}%" if computed is not None else ""):
            row["rate"] = typed
    total = rd.printed.get("total", "")
    if total.strip() and s.profile.scored and not _same(total, fmt2(s.total) if s.total is not None else ""):
        data["total"] = total


def _apply_scores(rd: Reading, data: dict, pid: str, score, QUALITATIVE, NOT_APPLICABLE, fmt2) -> dict:
    import copy

    from .model import Form
    trial = copy.deepcopy(data)
    if pid != rd.template.get("profile"):
        trial["profile"] = pid
    for g in trial["goals"]:
        for ind in g["indicators"]:
            ind["score"] = None
            ind["tier"] = None
    s = score(Form(trial))
    for (gi, ii), typed in rd.scores_typed.items():
        if not typed.strip():
            continue
        ind = trial["goals"][gi]["indicators"][ii]
        res = s.indicator(gi, ii)
        value, err = reader.parse_amount(typed)
        if value is None or err or res is None or res.kind == NOT_APPLICABLE:
            ind["score"] = typed
            continue
        if res.kind == QUALITATIVE:
            if res.weight:
                for t_index, tier in enumerate(s.profile.tiers, start=1):
                    if tier.contains(value / res.weight):
                        ind["tier"] = t_index
                        break
            if ind["tier"] is None or fmt2(s.profile.tiers[ind["tier"] - 1].default * res.weight) != fmt2(value):
                ind["score"] = typed
        elif res.computed is None or fmt2(res.computed) != fmt2(value):
            ind["score"] = typed
    return trial


def _printed_mismatches(rd: Reading, s, fmt2) -> int:
    from .scoring import fmt_weight
    scored = s.profile.scored
    want = {
        "funds.exec_weight": fmt_weight(s.exec_weight) if scored else "",
        "funds.exec_score": fmt2(s.exec_score) if scored else "",
        "funds.rate": f"{fmt2(s.rate)}%" if s.rate is not None else "",
        "max": fmt_weight(s.max) if scored and s.max is not None else "",
        "total": fmt2(s.total) if scored and s.total is not None else "",
        "grade": (s.grade or "") if scored else "",
    }
    return sum(1 for k, v in want.items() if k in rd.printed and not _same(rd.printed[k], v))


def _same(a: str, b: str) -> bool:
    a, b = (a or "").strip(), (b or "").strip()
    if a == b:
        return True
    pa = a.endswith("%")
    pb = b.endswith("%")
    if pa != pb:
        return False
    va, ea = reader.parse_amount(a.rstrip("%"))
    vb, eb = reader.parse_amount(b.rstrip("%"))
    return va is not None and vb is not None and not ea and not eb and va == vb


def template_names() -> list[str]:
    return [t["name"] for t in all_templates()]


__all__ = ["read_layout", "NotThisLayout", "Grid", "FORMULA_MESSAGE", "get_template"]
