"""The PDF's layout as data: lines of every cell, row heights, and which rows and
which lines of them go on which page.  Nothing here draws (see :mod:`.pdf`).

1. every cell's text is broken into lines (:mod:`core.layout.linebreak`, with the
   font's glyph widths);
2. a row is as tall as its tallest cell; a merged cell spreads what it lacks
   over its rows;
3. the rows are paginated in one pass.  A row with long texts breaks at a line
   boundary when the page is full, its cells going on where they stopped on the
   next page under a （续） line; nothing is reserved for a row beyond its lines.
   A page that starts inside a table repeats that table's column-label row; a
   header never ends a page; the 总分 row and the signature lines are kept with
   (at least the last lines of) the row before them.

The result, :class:`Layout`, says for each page which :class:`Slice` s of which
sheet rows it holds; tests read it without drawing anything.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from core.export.glyphs import FONT, coverage, invisible, register_font
from core.layout import (  # noqa: F401  (re-exported)
    A4,
    MM,
    NO_END,
    NO_START,
    PDF_MARGIN_X,
    PDF_PAD_X,
    PDF_SIZE,
    SUBTITLE,
    TITLE,
    Sheet,
    break_para,
)

SIZE = PDF_SIZE
LEADING = 13.6
TITLE_SIZE = 18.0
SUBTITLE_SIZE = 12.0
PAD_X = PDF_PAD_X
PAD_Y = 2.5
MIN_ROW = 19.0
MARGIN_X = PDF_MARGIN_X
MARGIN_TOP = 14 * MM
MARGIN_BOTTOM = 17 * MM
FOOTER_Y = 9 * MM
MIN_SPLIT = 2            # a row broken over pages keeps at least this many lines on either side
REPLACEMENT = "□"        # printed for a character the font lacks (allow_missing)
CONTINUED = "（续）"      # first line of a text continued from the previous page

KEEP_WITH_NEXT = {"title", "subtitle", "funds-header", "goal-header", "goal-title", "ind-header"}
KEEP_WITH_PREV = {"total", "note"}
NEVER_SPLIT = {"title", "subtitle", "note"}


def _font() -> str:
    register_font()
    return FONT


def _cmap() -> dict:
    return coverage()


_invisible = invisible


# ---------------------------------------------------------------- text

@lru_cache(maxsize=None)
def _width(ch: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    return stringWidth(ch, _font(), size)


def prepare_text(text: str, cmap: dict | None = None) -> str:
    """Text as printed: tabs as spaces, invisible characters dropped, characters
    the font lacks as □ (the caller has reported them, see check_glyphs)."""
    cmap = cmap if cmap is not None else _cmap()
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = text.replace("\t", "    ")
    out = []
    for ch in text:
        if ch not in " \u00a0" and unicodedata.category(ch) == "Zs":
            # reportlab collapses every other space (an indent of 　　　 would vanish):
            # print it as no-break spaces of the same width.
            out.append("\u00a0" * _nbsp_count(ch))
        elif ch == "\n" or ord(ch) in cmap:
            out.append(ch)
        elif _invisible(ch):
            continue
        else:
            out.append(REPLACEMENT)
    return "".join(out)


@lru_cache(maxsize=None)
def _nbsp_count(ch: str) -> int:
    width = _width(ch, SIZE) if ord(ch) in _cmap() else SIZE / 2
    return max(1, round(width / _width("\u00a0", SIZE)))


def break_lines(text: str, width: float, size: float = SIZE) -> list[str]:
    """Break prepared text into lines no wider than ``width`` points."""
    lines: list[str] = []
    measure = _measure(size)
    for para in text.split("\n"):
        break_para(para, width, measure, lines)
    return lines or [""]


class _Widths(dict):
    """Glyph widths at one size, looked up as fast as a dict (filled on first use)."""

    def __init__(self, size: float):
        super().__init__()
        self.size = size

    def __missing__(self, ch: str) -> float:
        w = self[ch] = _width(ch, self.size)
        return w


@lru_cache(maxsize=8)
def _measure(size: float):
    return _Widths(size).__getitem__


def printed_text(cell) -> str:
    from core.export.cells import printed_text as pt
    return pt(cell)


# ---------------------------------------------------------------- layout data

@dataclass
class Box:
    """A cell and its lines."""
    cell: object
    lines: list
    size: float
    leading: float

    @property
    def need(self) -> float:
        return len(self.lines) * self.leading + 2 * PAD_Y


@dataclass
class Slice:
    """One row of a page's table: a sheet row, or the lines ``start:stop`` of it
    (the row's cells share one line count; ``stop`` None is "to the end")."""
    row: int
    height: float
    start: int = 0
    stop: int | None = None
    repeat: bool = False          # a column-label row repeated at the top of a page

    @property
    def split(self) -> bool:
        return self.start > 0 or self.stop is not None

    @property
    def continued(self) -> bool:
        return self.start > 0


@dataclass
class Layout:
    sheet: Sheet
    page_size: tuple
    col_widths: list
    frame_height: float = 0.0
    row_heights: list = field(default_factory=list)      # natural height of each sheet row
    row_lines: list = field(default_factory=list)        # lines of the row's tallest one-row cell
    boxes: list = field(default_factory=list)            # one per cell, in sheet order
    row_boxes: list = field(default_factory=list)        # sheet row -> [Box starting there]
    covering: dict = field(default_factory=dict)         # sheet row -> [Box of a merged cell from above]
    pages: list = field(default_factory=list)            # [[Slice, ...], ...]
    note_widths: dict = field(default_factory=dict)      # signature lines laid out on their own

    def page_rows(self, pno: int) -> list[int]:
        return [s.row for s in self.pages[pno]]

    def body_height(self, pno: int) -> float:
        """Height of what a page holds beyond a repeated column-label row."""
        return sum(s.height for s in self.pages[pno] if not s.repeat)

    def lines_of(self, box: Box, sl: Slice) -> list[str]:
        """The lines of a one-row cell printed in a slice of its row."""
        if not sl.split:
            return box.lines
        part = box.lines[sl.start:sl.stop]
        if sl.continued and part:
            return [CONTINUED] + part
        return part


def page_size(sheet: Sheet) -> tuple:
    return (A4[1], A4[0]) if sheet.orientation == "landscape" else A4


def _style_of(cell) -> tuple[float, float]:
    if cell.role == TITLE:
        return TITLE_SIZE, TITLE_SIZE * 1.3
    if cell.role == SUBTITLE:
        return SUBTITLE_SIZE, SUBTITLE_SIZE * 1.3
    return SIZE, LEADING


def shrink_to_fit(sheet: Sheet, cell) -> bool:
    """Cells printed on one line, in a smaller size if need be: numbers, and
    the labels of the borderless signature lines."""
    if cell.number is not None or cell.fmt in ("amount", "percent", "score", "weight"):
        return True
    return sheet.row_kinds[cell.row] == "note" and cell.role == "label"


def _note_widths(sheet: Sheet, col_w: list, cmap: dict) -> dict:
    """For each borderless signature line whose labels do not fit their columns
    (填报日期： in a column four characters wide), widths that give every item
    room for its text on one line and share out the rest as the template does:
    {row: {first column of a cell: width}}.  Rows that fit, or cannot be made
    to, are left out (their labels shrink instead)."""
    plans = {}
    frame_w = sum(col_w)
    rows: dict = {}
    for cell in sheet.cells:
        if sheet.row_kinds[cell.row] == "note":
            rows.setdefault(cell.row, []).append(cell)
    for r, cells in rows.items():
        cells.sort(key=lambda c: c.col)
        template = [sum(col_w[c.col:c.col + c.colspan]) for c in cells]
        natural = []
        for c in cells:
            text = prepare_text(printed_text(c), cmap)
            natural.append(sum(_width(ch, SIZE) for ch in text) + 2 * PAD_X + 1 if text and "\n" not in text else 0.0)
        if all(n <= t for n, t in zip(natural, template)) or sum(natural) > frame_w:
            continue
        widths = [max(n, t) for n, t in zip(natural, template)]
        excess = sum(widths) - frame_w
        slack = [w - n for w, n in zip(widths, natural)]
        total_slack = sum(slack)
        if excess > 0 and total_slack > 0:
            widths = [w - sl * excess / total_slack for w, sl in zip(widths, slack)]
        plans[r] = {c.col: w for c, w in zip(cells, widths)}
    return plans


def layout(sheet: Sheet) -> Layout:
    _font()
    cmap = _cmap()
    pw, ph = page_size(sheet)
    frame_w = pw - 2 * MARGIN_X
    frame_h = ph - MARGIN_TOP - MARGIN_BOTTOM - 0.5
    total = float(sum(sheet.col_widths))
    col_w = [frame_w * float(w) / total for w in sheet.col_widths]
    lay = Layout(sheet=sheet, page_size=(pw, ph), col_widths=col_w, frame_height=frame_h)

    # 0. signature lines: borderless, so their columns may give way to the text
    lay.note_widths = _note_widths(sheet, col_w, cmap)

    # 1. lines of every cell
    n = sheet.nrows
    lay.row_boxes = [[] for _ in range(n)]
    for cell in sheet.cells:
        size, leading = _style_of(cell)
        avail = sum(col_w[cell.col:cell.col + cell.colspan]) - 2 * PAD_X - 0.01
        plan = lay.note_widths.get(cell.row)
        if plan:
            avail = plan[cell.col] - 2 * PAD_X - 0.01
        text = prepare_text(printed_text(cell), cmap)
        lines = break_lines(text, avail, size) if text else [""]
        if len(lines) > 1 and shrink_to_fit(sheet, cell) and "\n" not in text:
            # A number or a signature-line label in a narrow column: shrink it
            # onto one line rather than break 1,180.50 or 填报日期 in two (as
            # Excel's "shrink to fit" does).
            natural = sum(_width(ch, size) for ch in text)
            small = math.floor(size * avail / natural * 10) / 10
            if small >= 6.5:
                size, leading, lines = small, small * 1.3, [text]
        box = Box(cell, lines, size, leading)
        lay.boxes.append(box)
        lay.row_boxes[cell.row].append(box)
        for r in range(cell.row + 1, cell.row + cell.rowspan):
            lay.covering.setdefault(r, []).append(box)

    # 2. sheet row heights
    heights = [MIN_ROW] * n
    row_lines = [0] * n
    for r, kind in enumerate(sheet.row_kinds):
        if kind == "title":
            heights[r] = TITLE_SIZE * 2.0
        elif kind == "subtitle":
            heights[r] = SUBTITLE_SIZE * 1.8
        elif kind == "note":
            heights[r] = 26.0
    for b in lay.boxes:
        if b.cell.rowspan == 1:
            r = b.cell.row
            heights[r] = max(heights[r], b.need)
            row_lines[r] = max(row_lines[r], len(b.lines))
    for b in sorted((b for b in lay.boxes if b.cell.rowspan > 1), key=lambda b: b.cell.rowspan):
        rows = range(b.cell.row, b.cell.row + b.cell.rowspan)
        have = sum(heights[r] for r in rows)
        if b.need > have:
            extra = (b.need - have) / b.cell.rowspan
            for r in rows:
                heights[r] += extra
    short_lines = [0] * n
    for b in lay.boxes:
        if b.cell.rowspan == 1 and len(b.lines) <= 6:
            short_lines[b.cell.row] = max(short_lines[b.cell.row], len(b.lines))
    lay.row_heights = heights
    lay.row_lines = row_lines

    # 3. pages
    lay.pages = paginate(sheet, heights, row_lines, short_lines, frame_h)
    return lay


# ---------------------------------------------------------------- pagination

def _tables(sheet: Sheet) -> dict:
    """Sheet row -> the column-label row repeated above it on a new page."""
    kinds = sheet.row_kinds
    table_of = {}
    for h, kind in enumerate(kinds):
        if kind == "ind-header":
            body = "ind"
        elif kind == "goal-header":
            body = "goal"
        else:
            continue
        r = h + 1
        while r < sheet.nrows and kinds[r] == body:
            table_of[r] = h
            r += 1
    return table_of


def _fragment_height(lines: int, continued: bool) -> float:
    return max(MIN_ROW, (lines + (1 if continued else 0)) * LEADING + 2 * PAD_Y)


def paginate(sheet: Sheet, heights: list, row_lines: list, short_lines: list, avail: float) -> list:
    """Pages as lists of :class:`Slice`, in one pass over the rows.

    ``row_lines[r]``: lines of the row's tallest one-row cell; ``short_lines[r]``:
    lines of its tallest short cell (a name, a value), which is never broken."""
    kinds = sheet.row_kinds
    n = sheet.nrows
    table_of = _tables(sheet)
    pages: list = []
    cur: list = []
    used = 0.0

    def has_body() -> bool:
        return any(not s.repeat for s in cur)

    def new_page(r: int, pending: list) -> None:
        nonlocal cur, used
        pages.append(cur)
        cur, used = [], 0.0
        h = table_of.get(r)
        if h is not None and h not in pending:
            put(Slice(h, heights[h], repeat=True))

    def put(sl: Slice) -> None:
        nonlocal used
        cur.append(sl)
        used += sl.height

    def put_rows(rows: list) -> None:
        for x in rows:
            put(Slice(x, heights[x]))

    def fitting(space: float, cont: bool) -> int:
        return int((space - 2 * PAD_Y + 1e-9) // LEADING) - (1 if cont else 0)

    pending: list = []
    r = 0
    while r < n:
        if kinds[r] in KEEP_WITH_NEXT and r + 1 < n:
            pending.append(r)
            r += 1
            continue
        glued = []
        x = r + 1
        while x < n and kinds[x] in KEEP_WITH_PREV:
            glued.append(x)
            x += 1
        glue_h = sum(heights[g] for g in glued)
        pend_h = sum(heights[p] for p in pending)
        lines = row_lines[r]
        if kinds[r] in NEVER_SPLIT or lines < 2 * MIN_SPLIT:
            if used + pend_h + heights[r] + glue_h > avail and has_body():
                new_page(r, pending)
            put_rows(pending)
            # (a row taller than a page holds no text to break: it is cut to the page)
            put(Slice(r, min(heights[r], max(avail - used, MIN_ROW))))
            put_rows(glued)
        else:
            a = 0
            while True:
                cont = a > 0
                rest = lines - a
                rest_h = _fragment_height(rest, True) if cont else heights[r]
                space = avail - used - pend_h
                if rest_h + glue_h <= space:
                    put_rows(pending)
                    pending = []
                    put(Slice(r, rest_h, start=a))
                    put_rows(glued)
                    break
                k = min(fitting(space, cont), rest - MIN_SPLIT)
                if k >= (MIN_SPLIT if cont else max(MIN_SPLIT, short_lines[r])):
                    put_rows(pending)
                    pending = []
                    put(Slice(r, _fragment_height(k, cont), start=a, stop=a + k))
                    a += k
                    new_page(r, pending)
                elif has_body():
                    new_page(r, pending)          # the row (or its rest) starts the next page
                else:
                    # A fresh page too short for the least part and what is glued to it
                    # (a signature block taller than a page): print what fits and go on.
                    k = max(1, min(fitting(space, cont), rest))
                    put_rows(pending)
                    pending = []
                    if k >= rest:
                        put(Slice(r, _fragment_height(rest, cont), start=a))
                        put_rows(glued)
                        break
                    put(Slice(r, _fragment_height(k, cont), start=a, stop=a + k))
                    a += k
                    new_page(r, pending)
        pending = []
        r = x
    put_rows(pending)
    if cur:
        pages.append(cur)
    return [p for p in pages if p]
