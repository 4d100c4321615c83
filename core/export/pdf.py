"""The PDF: the Sheet drawn as the paper form with reportlab, font embedded.

Layout is done here, not left to reportlab's table splitting (which cannot
break a page inside a merged 一级指标 or a side label spanning the whole
indicator table, and raises LayoutError for a row taller than a page):

1. every cell's text is broken into lines with Chinese line-breaking rules
   (no line starts with ，。：；！？）》、％… and none ends with （《“);
2. row heights follow the lines; a merged cell spreads what it lacks over its
   rows; a row taller than a few lines' worth is cut into sub-rows so a long
   explanation flows over pages;
3. the rows are paginated; a page that starts inside an indicator table
   repeats that table's column-label row; a header never ends a page and the
   signature lines stay with the total;
4. each page is one platypus ``Table`` with identical column widths, a
   ``('SPAN', …)`` for every merged cell (clipped to the page) and a box around
   every bordered cell.  A merged group label cut by a page break is repeated;
   a long text continues where it left off.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from ..sheet import HEADER, SUBTITLE, TITLE, Sheet, build_sheet

from . import fonts

FONT = fonts.BODY
SIZE = 10.5
LEADING = 13.6
TITLE_SIZE = 18.0
SUBTITLE_SIZE = 12.0
PAD_X = 2.0
PAD_Y = 2.5
MIN_ROW = 19.0
LINE_WIDTH = 0.6
MM = 72 / 25.4
MARGIN_X = 12 * MM
MARGIN_TOP = 14 * MM
MARGIN_BOTTOM = 17 * MM
FOOTER_Y = 9 * MM
CHUNK_H = 3 * LEADING + 2 * PAD_Y     # a long row is cut into sub-rows of about this height
SPLIT_AT = 12 * LEADING + 2 * PAD_Y   # rows taller than this are cut
REPLACEMENT = "□"                     # printed for a character the font lacks (allow_missing)
SUBJECT = "预算绩效自评表"

# Chinese line-breaking (GB/T 15834 标点符号用法, 避头尾): characters that may not
# start a line, and characters that may not end one.
NO_START = set("，。、：；！？）］｝」』》〉】〕〗〙〛％‰℃°′″…‥·・—～’”,.:;!?)]}%")
NO_END = set("（［｛「『《〈【〔〖〘〚‘“([{￥$£")
_ZERO_WIDTH = {"Cc", "Cf", "Mn", "Me", "Zl", "Zp"}

def register_font() -> None:
    """Register the embedded TrueType faces once (:mod:`core.export.fonts`).  (Lines
    are broken here, by :func:`break_lines`, never by reportlab's CJK wrapping.)"""
    fonts.register()


def _cmap():
    """Every code point some bundled face draws (``ord(ch) in _cmap()``)."""
    return fonts.coverage()


# ---------------------------------------------------------------- glyphs

def _drawable(ch: str, cmap: dict) -> bool:
    return ord(ch) in cmap


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _ZERO_WIDTH


def missing_in(text: str, cmap: dict | None = None) -> list[str]:
    """Visible characters of ``text`` the font cannot draw, in order, once each."""
    cmap = cmap if cmap is not None else _cmap()
    seen: list[str] = []
    for ch in text or "":
        if ch in "\n\t\r " or _drawable(ch, cmap) or _invisible(ch):
            continue
        if ch not in seen:
            seen.append(ch)
    return seen


def sheet_missing(sheet: Sheet) -> list[tuple[object, str]]:
    """[(cell, char)] for every printed character the font lacks."""
    cmap = _cmap()
    out = []
    for cell in sheet.cells:
        for ch in missing_in(cell.text, cmap):
            out.append((cell, ch))
    return out


def _cell_path(cell) -> str:
    return cell.key or f"R{cell.row + 1}C{cell.col + 1}"


def missing_glyphs(form) -> list[tuple[str, str]]:
    """Characters of the form the PDF font cannot draw: [(path, char)],
    path being the form path of the cell (``goals.0.indicators.2.reason``)."""
    sheet = form if isinstance(form, Sheet) else build_sheet(form)
    return [(_cell_path(cell), ch) for cell, ch in sheet_missing(sheet)]


def _place(sheet: Sheet, cell) -> str:
    """Where a cell is, in words a clerk can follow: 第 14 行“偏差原因分析及改进措施”."""
    label = ""
    hdr = [h for h in sheet.header_rows if h < cell.row]
    grid = sheet.cells
    if hdr and sheet.row_kinds[cell.row] == "ind":
        h = hdr[-1]
        for c in grid:
            if c.row == h and c.col <= cell.col < c.col + c.colspan and c.role == HEADER:
                label = c.text
                break
    if not label:
        left = [c for c in grid if c.row <= cell.row < c.row + c.rowspan and c.col + c.colspan <= cell.col
                and c.role in ("label", "header") and c.text]
        if left:
            label = max(left, key=lambda c: c.col).text
    if not label:
        above = [c for c in grid if c.row < cell.row and c.col <= cell.col < c.col + c.colspan and c.role == HEADER]
        if above:
            label = max(above, key=lambda c: c.row).text
    label = label.strip("：: ")
    return f"第 {cell.row + 1} 行“{label}”" if label else f"第 {cell.row + 1} 行第 {cell.col + 1} 列"


def check_glyphs(sheet: Sheet) -> None:
    """Raise ExportError naming the characters the font lacks and their cells."""
    from . import ExportError

    found = sheet_missing(sheet)
    if not found:
        return
    by_cell: dict = {}
    for cell, ch in found:
        by_cell.setdefault(id(cell), (cell, []))[1].append(ch)
    parts = []
    for cell, chars in list(by_cell.values())[:8]:
        shown = "、".join(f"“{ch}”(U+{ord(ch):04X})" for ch in chars[:6]) + ("等" if len(chars) > 6 else "")
        parts.append(f"{_place(sheet, cell)}：{shown}")
    more = f"；另有 {len(by_cell) - 8} 处" if len(by_cell) > 8 else ""
    message = ("PDF 字体中没有以下字符，打印出来会缺字：" + "；".join(parts) + more +
               "。请改用常用字（生僻字可用同音字加注）；仍然导出时，这些字印成“□”。")
    raise ExportError(message, [(_cell_path(cell), ch) for cell, ch in found])


# ---------------------------------------------------------------- line breaking

@lru_cache(maxsize=None)
def _width(ch: str, size: float) -> float:
    return fonts.string_width(ch, FONT, size)


def _wordy(ch: str) -> bool:
    return ch.isascii() and not ch.isspace() and ch not in "([{)]}"


def _allowed(s: str, k: int) -> bool:
    """May a line break fall between s[k-1] and s[k]?"""
    a, b = s[k - 1], s[k]
    if b in NO_START or a in NO_END:
        return False
    if _wordy(a) and _wordy(b):
        return False
    return True


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
    for para in text.split("\n"):
        _break_para(para, width, size, lines)
    return lines or [""]


def _break_para(s: str, width: float, size: float, lines: list[str]) -> None:
    n = len(s)
    if n == 0:
        lines.append("")
        return
    start = 0
    while start < n:
        w = 0.0
        i = start
        while i < n:
            cw = _width(s[i], size)
            if w + cw > width and i > start:
                break
            w += cw
            i += 1
        if i >= n:
            lines.append(s[start:])
            return
        # s[i] does not fit: find the last allowed break at or before i.
        k = i
        floor = max(start + 1, i - 24)
        while k >= floor and not _allowed(s, k):
            k -= 1
        if k < floor:
            # No good break nearby (a long number or word, or a column too
            # narrow): break anyway, but never start the next line with closing
            # punctuation: let it hang in the margin instead (标点悬挂).
            k = i
            while k < n and s[k] in NO_START:
                k += 1
        line = s[start:k].rstrip(" ")
        lines.append(line)
        start = k
        while start < n and s[start] == " " and start > 0:
            start += 1


# ---------------------------------------------------------------- layout

@dataclass
class _Box:
    cell: object
    lines: list
    size: float
    leading: float
    p0: int = 0      # first physical row
    p1: int = 0      # last physical row

    @property
    def need(self) -> float:
        return len(self.lines) * self.leading + 2 * PAD_Y


@dataclass
class Layout:
    sheet: Sheet
    page_size: tuple
    col_widths: list
    row_heights: list = field(default_factory=list)      # physical rows
    row_sheet: list = field(default_factory=list)        # physical row -> sheet row
    boxes: list = field(default_factory=list)
    pages: list = field(default_factory=list)            # [[physical row, ...], ...]
    note_widths: dict = field(default_factory=dict)      # signature lines laid out on their own


def _page_size(sheet: Sheet) -> tuple:
    from reportlab.lib.pagesizes import A4, landscape
    return landscape(A4) if sheet.orientation == "landscape" else A4


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
            text = prepare_text(c.text, cmap)
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
    register_font()
    cmap = _cmap()
    pw, ph = _page_size(sheet)
    frame_w = pw - 2 * MARGIN_X
    frame_h = ph - MARGIN_TOP - MARGIN_BOTTOM
    total = float(sum(sheet.col_widths))
    col_w = [frame_w * float(w) / total for w in sheet.col_widths]
    lay = Layout(sheet=sheet, page_size=(pw, ph), col_widths=col_w)

    # 0. signature lines: borderless, so their columns may give way to the text
    lay.note_widths = _note_widths(sheet, col_w, cmap)

    # 1. lines of every cell
    boxes = []
    for cell in sheet.cells:
        size, leading = _style_of(cell)
        avail = sum(col_w[cell.col:cell.col + cell.colspan]) - 2 * PAD_X - 0.01
        plan = lay.note_widths.get(cell.row)
        if plan:
            avail = plan[cell.col] - 2 * PAD_X - 0.01
        text = prepare_text(cell.text, cmap)
        lines = break_lines(text, avail, size) if text else [""]
        if len(lines) > 1 and shrink_to_fit(sheet, cell) and "\n" not in text:
            # A number or a signature-line label in a narrow column: shrink it
            # onto one line rather than break 1,180.50 or 填报日期 in two (as
            # Excel's "shrink to fit" does).
            natural = sum(_width(ch, size) for ch in text)
            small = math.floor(size * avail / natural * 10) / 10
            if small >= 6.5:
                size, leading, lines = small, small * 1.3, [text]
        boxes.append(_Box(cell, lines, size, leading))

    # 2. sheet row heights
    n = sheet.nrows
    heights = [MIN_ROW] * n
    for r, kind in enumerate(sheet.row_kinds):
        if kind == "title":
            heights[r] = TITLE_SIZE * 2.0
        elif kind == "subtitle":
            heights[r] = SUBTITLE_SIZE * 1.8
        elif kind == "note":
            heights[r] = 26.0
    for b in boxes:
        if b.cell.rowspan == 1:
            heights[b.cell.row] = max(heights[b.cell.row], b.need)
    for b in sorted((b for b in boxes if b.cell.rowspan > 1), key=lambda b: b.cell.rowspan):
        rows = range(b.cell.row, b.cell.row + b.cell.rowspan)
        have = sum(heights[r] for r in rows)
        if b.need > have:
            extra = (b.need - have) / b.cell.rowspan
            for r in rows:
                heights[r] += extra

    # 3. physical rows: a tall row is cut into sub-rows (room for the padding
    #    each page segment costs is added first)
    first_phys = []
    for r, h in enumerate(heights):
        first_phys.append(len(lay.row_heights))
        if h > SPLIT_AT:
            k = math.ceil(h / CHUNK_H)
            h = h + (k - 1) * (2 * PAD_Y + LEADING)
            k = math.ceil(h / CHUNK_H)
            lay.row_heights.extend([h / k] * k)
            lay.row_sheet.extend([r] * k)
        else:
            lay.row_heights.append(h)
            lay.row_sheet.append(r)
    first_phys.append(len(lay.row_heights))
    for b in boxes:
        b.p0 = first_phys[b.cell.row]
        b.p1 = first_phys[b.cell.row + b.cell.rowspan] - 1
    lay.boxes = boxes

    # 4. pages
    lay.pages = _paginate(sheet, lay.row_heights, lay.row_sheet, first_phys, frame_h - 0.5)
    return lay


KEEP_WITH_NEXT = {"title", "subtitle", "funds-header", "goal-header", "goal-title", "ind-header"}
KEEP_WITH_PREV = {"note"}


def _paginate(sheet: Sheet, hs: list, row_sheet: list, first_phys: list, avail: float) -> list:
    kinds = sheet.row_kinds
    nphys = len(hs)
    # The indicator table each physical row belongs to: its header's physical row.
    table_of = [None] * nphys
    for h in sheet.header_rows:
        r = h + 1
        while r < sheet.nrows and kinds[r] == "ind":
            for p in range(first_phys[r], first_phys[r + 1]):
                table_of[p] = first_phys[h]
            r += 1

    def kind(p: int) -> str:
        return kinds[row_sheet[p]]

    def same_row(p: int) -> bool:          # p continues the sheet row of p-1
        return p > 0 and row_sheet[p] == row_sheet[p - 1]

    pages: list = []
    cur: list = []
    used = 0.0
    body_start = 0                         # index in cur of the first non-repeated row
    i = 0
    while i < nphys:
        h = hs[i]
        if cur and used + h > avail and len(cur) > body_start:
            # Move back rows that must not end a page / must not start one alone.
            b = i
            while b - 1 > cur[body_start] and not same_row(b) and (
                    kind(b - 1) in KEEP_WITH_NEXT or kind(b) in KEEP_WITH_PREV):
                b -= 1
            if b < i:
                cut = cur.index(b)
                cur = cur[:cut]
                i = b
            pages.append(cur)
            cur, used, body_start = [], 0.0, 0
            hdr = table_of[i]
            if hdr is not None and hdr != i:
                cur = [hdr]
                used = hs[hdr]
                body_start = 1
            continue
        cur.append(i)
        used += h
        i += 1
    if cur:
        pages.append(cur)
    return pages


# ---------------------------------------------------------------- drawing

def _lines_class():
    """A cell's text, already broken into lines (see :func:`break_lines`), drawn as it is.

    Drawing the lines directly is several times faster than handing them to a Paragraph, which
    would parse markup and break the lines a second time."""
    from reportlab.platypus import Flowable

    class Lines(Flowable):
        def __init__(self, lines: list[str], size: float, leading: float, align: str, bold: bool = False):
            super().__init__()
            self.lines, self.size, self.leading, self.align, self.bold = lines, size, leading, align, bold

        def wrap(self, avail_width, avail_height):
            self.width = avail_width
            self.height = len(self.lines) * self.leading
            return self.width, self.height

        def draw(self):
            c = self.canv
            c.saveState()
            face = fonts.TITLE if self.bold else FONT     # the title in the bold 黑体-style face
            x = {"left": 0, "right": self.width}.get(self.align, self.width / 2)
            y = self.height - self.size
            for line in self.lines:
                if line:
                    fonts.draw_string(c, x, y, line, face, self.size, self.align)
                y -= self.leading
            c.restoreState()

    return Lines


def _capacity(height: float, leading: float) -> int:
    return max(1, int((height - 2 * PAD_Y + 0.01) // leading))


def build_story(lay: Layout) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import PageBreak, Table, TableStyle

    Lines = _lines_class()
    sheet = lay.sheet
    ncols = sheet.ncols
    story = []
    # For each box, which lines are left to print (long texts continue over pages).
    consumed = {id(b): 0 for b in lay.boxes}
    header_rows = set(sheet.header_rows)
    last_page_of_row = {}
    for pno, page in enumerate(lay.pages):
        for p in page:
            last_page_of_row[p] = pno
    last_page = {id(b): max(last_page_of_row.get(p, -1) for p in range(b.p0, b.p1 + 1)) for b in lay.boxes}
    for pno, page in enumerate(lay.pages):
        local = {}
        for j, p in enumerate(page):
            local.setdefault(p, j)
        heights = [lay.row_heights[p] for p in page]
        data = [["" for _ in range(ncols)] for _ in page]
        cmds = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD_X), ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
                ("TOPPADDING", (0, 0), (-1, -1), PAD_Y), ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_Y)]
        note_rows: dict = {}
        for b in lay.boxes:
            rows = [local[p] for p in range(b.p0, b.p1 + 1) if p in local]
            if not rows:
                continue
            if b.cell.row in lay.note_widths:
                note_rows.setdefault(rows[0], []).append(b)
                continue
            r0, r1 = min(rows), max(rows)
            seg_h = sum(heights[r0:r1 + 1])
            cell = b.cell
            c0, c1 = cell.col, cell.col + cell.colspan - 1
            cap = _capacity(seg_h, b.leading)
            total = len(b.lines)
            done = consumed[id(b)]
            if done == 0 and total <= cap:
                lines = b.lines
            elif done >= total:
                # Printed already; a merged group label cut by a page break is repeated.
                # So is the column-label row repeated at the top of a page.
                repeat = cell.rowspan > 1 or cell.row in header_rows
                lines = b.lines if (repeat and total <= cap) else []
            elif last_page[id(b)] == pno:
                lines = b.lines[done:]
            else:
                lines = b.lines[done:done + cap]
            consumed[id(b)] = max(done, min(total, done + len(lines)))
            if total > cap or done:
                # A text that runs over pages reads from the top of each piece.
                cmds.append(("VALIGN", (c0, r0), (c1, r1), "TOP"))
            if r1 > r0 or c1 > c0:
                cmds.append(("SPAN", (c0, r0), (c1, r1)))
            if cell.border and cell.role not in (TITLE, SUBTITLE):
                cmds.append(("BOX", (c0, r0), (c1, r1), LINE_WIDTH, colors.black))
            if any(lines):
                align = cell.align if cell.role not in (TITLE, SUBTITLE) else "center"
                data[r0][c0] = Lines(list(lines), b.size, b.leading, align, bold=cell.role == TITLE)
        for r0, row_boxes in note_rows.items():
            # A signature line with its own column widths, in one cell across the page.
            row_boxes.sort(key=lambda b: b.cell.col)
            plan = lay.note_widths[row_boxes[0].cell.row]
            inner = [[Lines(list(b.lines), b.size, b.leading, b.cell.align) if any(b.lines) else ""
                      for b in row_boxes]]
            data[r0][0] = Table(inner, colWidths=[plan[b.cell.col] for b in row_boxes], rowHeights=[heights[r0]],
                                style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                                  ("FONTNAME", (0, 0), (-1, -1), FONT),
                                                  ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
                                                  ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
                                                  ("TOPPADDING", (0, 0), (-1, -1), 0),
                                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
            cmds.append(("SPAN", (0, r0), (ncols - 1, r0)))
            cmds.append(("LEFTPADDING", (0, r0), (0, r0), 0))
            cmds.append(("RIGHTPADDING", (0, r0), (0, r0), 0))
            cmds.append(("TOPPADDING", (0, r0), (0, r0), 0))
            cmds.append(("BOTTOMPADDING", (0, r0), (0, r0), 0))
        t = Table(data, colWidths=lay.col_widths, rowHeights=heights, style=TableStyle(cmds),
                  hAlign="CENTER", splitByRow=0)
        story.append(t)
        if pno < len(lay.pages) - 1:
            story.append(PageBreak())
    return story


def _meta(text: str) -> str:
    """Document information: one line, no control characters or lone surrogates."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") else ch for ch in text or "")
    return " ".join(text.split())[:255]


def _unit_name(form, sheet: Sheet) -> str:
    field_ = sheet.template.get("unit_field")
    return str(form.header.get(field_) or "").strip() if field_ else ""


def write_pdf(form, path, sheet: Sheet | None = None, *, allow_missing: bool = False) -> None:
    """Write the form's PDF to ``path`` (not atomic; see :func:`core.export.export_form`).

    Raises ExportError when the font lacks characters of the form, unless
    ``allow_missing`` (they are then printed as □)."""
    from reportlab.lib import colors
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    if sheet is None:
        sheet = build_sheet(form)
    register_font()
    if not allow_missing:
        check_glyphs(sheet)
    lay = layout(sheet)
    pw, ph = lay.page_size
    npages = len(lay.pages)

    def footer(canv, doc):
        canv.saveState()
        canv.setFont(FONT, 9)
        canv.setFillColor(colors.black)
        canv.drawCentredString(pw / 2, FOOTER_Y, f"第 {doc.page} 页 共 {npages} 页")
        canv.restoreState()

    unit = _meta(_unit_name(form, sheet))
    doc = BaseDocTemplate(str(path), pagesize=(pw, ph), leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                          topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
                          title=_meta(sheet.title), author=unit or "ziping", subject=SUBJECT, creator="ziping",
                          producer="ziping (reportlab)", keywords=[SUBJECT], lang="zh-CN",
                          initialFontName=FONT, initialFontSize=SIZE, initialLeading=LEADING)
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, pw - 2 * MARGIN_X, ph - MARGIN_TOP - MARGIN_BOTTOM,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
    doc.addPageTemplates([PageTemplate(id="form", frames=[frame], onPage=footer)])
    doc.build(build_story(lay))
