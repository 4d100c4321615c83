"""The worksheet as the layout reader sees it (see :mod:`core.reading.layout_import`).

Values sit at the top-left cell of a merged range; every other cell of the range
is covered by it.  Labels are compared without spaces, trailing colons or the
parenthesised part (全年预算数（A） is 全年预算数(A) is 全年预算数), and a label
typed inline before its value (``填报人：王五``) is found too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

FORMULA_MESSAGE = "公式没有计算结果，请在 Excel 中打开并保存后再导入"
_INLINE = re.compile(r"(?:^|(?<=\s))([^\s:：]{1,30})\s*[:：]")
UNIT_HEADERS = {"单位", "计量单位", "度量单位", "指标单位"}


class NotThisLayout(Exception):
    pass


# ---------------------------------------------------------------- labels

_PARENS = str.maketrans({"（": "(", "）": ")", "：": ":", "［": "[", "］": "]"})
_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    return _SPACE.sub("", str(text or "")).translate(_PARENS)


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
    if not cell_text or not label or len(cell_text) > 60:      # a label is short; long texts are values
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
    colons: dict = field(default_factory=dict)   # r -> inline_labels(r)
    index: dict | None = None                    # label key -> rows (see rows_with)

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
            from core.reading.cell_text import shown_text
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

    def inline_labels(self, r: int) -> frozenset:
        """Keys of the labels typed inline before a colon in a row (``填报人：王五`` gives 填报人),
        worked out once per row."""
        got = self.colons.get(r)
        if got is None:
            keys = set()
            for c in self.row_cells(r):
                text = self.text(r, c)
                if "：" in text or ":" in text:
                    for m in _INLINE.finditer(text[:2000]):
                        keys.add(label_keys(m.group(1))[0])
            got = self.colons[r] = frozenset(keys)
        return got

    def has_inline(self, r: int, label: str) -> bool:
        return label_keys(label)[0] in self.inline_labels(r)

    def rows_with(self, label: str, inline: bool = True) -> list[int]:
        """The rows holding a label (in a cell of its own, or inline before a colon), in order.
        One pass over the sheet builds the index, so a big sheet is not searched per label."""
        if self.index is None:
            self.index = {}
            for r in range(self.nrows):
                for key in self.labels_of(r):
                    self.index.setdefault(key, []).append(r)
                for key in self.inline_labels(r):
                    self.index.setdefault(("i", key), []).append(r)
        full, core = label_keys(label)
        rows = self.index.get(("f", full), []) + (self.index.get(("c", core), []) if core else [])
        if inline:
            rows = rows + self.index.get(("i", full), [])
        return sorted(set(rows))

    def find_label(self, r: int, label: str, c0: int = 0) -> int | None:
        full, core = label_keys(label)
        index = self.labels_of(r)
        cols = index.get(("f", full), []) + (index.get(("c", core), []) if core else [])
        cols = [c for c in cols if c >= c0]
        return min(cols) if cols else None


# ---------------------------------------------------------------- labels typed inline

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
