"""Walking a template's blocks over a worksheet (see :mod:`core.reading.layout_import`).

One method per block type, as :class:`core.layout.sheet._Builder` has one per block
type to lay it out: ``block_title``, ``block_row`` and ``block_goal_texts`` here,
``block_funds`` in :mod:`core.reading.funds_block`, ``block_indicators`` in
:mod:`core.reading.indicator_blocks`.
"""
from __future__ import annotations

import re

from core.reading.grid import UNIT_HEADERS, Grid, _alt, _split_inline, label_keys, norm, same_label
from core.reading.filling import AMOUNT_KEYS, Reading, blank_data, put_value  # noqa: F401 (AMOUNT_KEYS: this module's face)
from core.reading.funds_block import FundsBlock
from core.reading.indicator_blocks import IndicatorBlocks

def _title_regex(pattern: str) -> tuple[re.Pattern | None, list[str]]:
    parts = re.split(r"(\{year\}|\{header\.[^}]*\})", pattern)
    out, names = [], []
    for p in parts:
        if p == "{year}":
            # the year is printed against the words after it ("2022年度"); four digits followed by
            # the blank a missing year leaves ("1000     年度") end the unit's name instead
            out.append(r"\s*(?:(?P<year>\d{4})(?=\s?\S)|)\s*")
        elif p.startswith("{header."):
            names.append(p[8:-1])
            out.append(f"(?P<h{len(names) - 1}>.*?)")
        else:
            out.append(r"\s*".join(_alt(ch) for ch in norm(p)))
    if not "".join(norm(p) for p in parts if not p.startswith("{")):
        return None, names
    return re.compile(r"^\s*" + "".join(out) + r"\s*$", re.S), names


class Walker(IndicatorBlocks, FundsBlock):
    def __init__(self, t: dict, grid: Grid):
        self.t = t
        self.g = grid
        self.rd = Reading(template=t, data=blank_data(t))
        self.cursor = 0
        self.ncols = len(t["columns"])
        self.blocks = t["blocks"]
        self.title_header: dict = {}
        self.anchors: dict = {}
        self.side_at: tuple | None = None

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
        key = tuple(labels)
        rows = self.anchors.get(key)
        if rows is None:
            rows = self.anchors[key] = {x for lab in labels for x in self.g.rows_with(lab, inline=lab.endswith(("：", ":")))}
        return r in rows

    def is_stop_row(self, r: int, labels: list[str], left: int) -> bool:
        """Does a later block start at row ``r`` of a table whose first column is ``left``?  Its label
        stands at or before that column: a value typed in the table that reads like a label (a
        偏差原因 of “单位”, a 三级指标 named “总分”) sits further right and ends nothing."""
        if not self.is_anchor_row(r, labels):
            return False
        for c in self.g.row_cells(r):
            if c > left:
                break
            text = self.g.text(r, c)
            if any(same_label(text, lab) or (lab.endswith(("：", ":")) and self.g.has_inline(r, lab)
                                              and label_keys(text)[0].startswith(label_keys(lab)[0]))
                   for lab in labels):
                return True
        return False

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
        first = next((r for r in self.g.rows_with(labels[0]) if r >= self.cursor), None)
        if first is None:
            # the first label may be gone while the others remain
            first = min((r for lab in labels[1:] for r in self.g.rows_with(lab) if r >= self.cursor), default=None)
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
            if not values and fields and len(fields) == 1 and "field" in fields[0] and toks[idx][2] is not None \
                    and all(tk[0] == "L" for tk in toks):
                below = self.value_below(r, toks[idx][2])          # labels in one row, values in the next
                if below is not None:
                    values = [below]
                    used_rows.add(below[3])
            self.assign(fields, values, values[0][3] if values and len(values[0]) > 3 else r)
        self.cursor = max(used_rows) + 1

    def value_below(self, r: int, c: int) -> tuple | None:
        """The value under a label (填报人 above 王五), when that cell is not itself a label."""
        for rr in range(r + 1, min(r + 3, self.g.nrows)):
            if self.g.covered(rr, c):
                return None
            text = self.g.text(rr, c)
            if text == "":
                continue
            labels = self.later_labels(-1)
            if any(same_label(text, lab) for lab in labels) or any(self.g.has_inline(rr, lab) for lab in labels):
                return None
            return ("V", text, c, rr)
        return None

    def row_has_label(self, r: int, label: str) -> bool:
        return self.g.find_label(r, label) is not None or self.g.has_inline(r, label)

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
                put_value(self.rd.data, self.t, it["field"], text)
            else:
                self.rd.printed[it["computed"]] = text

    # ------------------------------------------------------------ header rows of a table
    def find_header(self, labels: list[str], need: int, start: int | None = None) -> tuple[int, int] | None:
        """(first header row, rows it takes) of the first row holding ``need`` of the labels."""
        start = self.cursor if start is None else start
        candidates = sorted({r for lab in labels for r in self.g.rows_with(lab, inline=False) if r >= start})
        for r in candidates:
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

    def table_rows(self, bi: int, start: int, side_top: tuple | None, stop_labels: list[str],
                   left: int | None = None) -> list[int]:
        """Rows of a table from ``start``: the rows its side label spans, else until a later block
        (whose label opens its row at or before the table's first column ``left``, when given)."""
        rows = []
        if side_top is not None:
            r1 = self.g.extent.get(side_top, side_top)[0]
            return [r for r in range(start, r1 + 1)]
        at = self.side_at                            # the side label, no longer merged down
        for r in range(start, self.g.nrows):
            if self.is_anchor_row(r, stop_labels) if left is None else self.is_stop_row(r, stop_labels, left):
                break
            if at is not None and r > at[0] and at[1] < (left if left is not None else at[1] + 1) \
                    and not self.g.covered(r, at[1]) and self.g.text(r, at[1]) != "":
                break                                # under the side label only the next block writes
            rows.append(r)
        while rows and self.g.blank(rows[-1]):
            rows.pop()
        return rows

    def side_cell(self, r: int, label: str, before: int, record: bool = True) -> tuple | None:
        """The table's side label when it is merged down over the table's rows (else None); where
        it stands, merged or not, is kept in ``side_at`` for :meth:`table_rows`."""
        self.side_at = None
        for rr in range(r, max(-1, r - 3), -1):
            for c in range(0, max(0, before)):
                owner = self.g.owner.get((rr, c), (rr, c))
                if same_label(self.g.text(*owner), label):
                    if record:
                        self.rd.found.append(label)
                    self.side_at = owner
                    return owner if self.g.extent.get(owner, owner)[0] > r else None
        if record:
            self.rd.missing.append(label)
        return None

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
        rows = self.table_rows(bi, hr + hn, side, self.later_labels(bi), first)
        rows = [r for r in rows if not self._continuation(r, cols, [])]
        if side is None:
            rows = [r for r in rows if not self.g.blank(r)]
        for gi, r in enumerate(rows):
            for col in block["columns"]:
                path = f"goals.{gi}.{col['key']}"
                put_value(self.rd.data, self.t, path, self.data_cols(cols[col["key"]], r, path))
        self.cursor = (rows[-1] + 1) if rows else hr + hn

    # ------------------------------------------------------------ indicators
