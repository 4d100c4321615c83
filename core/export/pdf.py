"""The PDF: the Sheet drawn as the paper form with reportlab, font embedded.

Layout is data, made in :mod:`.pdf_layout` (lines of every cell, row heights,
which rows and line ranges go on which page); this module checks the font
covers the text, says what each page draws (:func:`page_cells`: every cell with
the grid rows and columns it spans on that page, merged cells clipped to it)
and draws that straight onto reportlab's canvas: a box around every bordered
cell and its lines where the layout put them.  A merged group label cut by a
page break is repeated; a long text continues under a （续） line.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..sheet import HEADER, SUBTITLE, TITLE, Sheet, build_sheet
from .pdf_layout import (FOOTER_Y, LEADING, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, NO_END, NO_START,  # noqa: F401
                         CONTINUED, PAD_X, PAD_Y, REPLACEMENT, SIZE, Layout, Slice, _invisible, _width, break_lines,
                         layout, prepare_text, shrink_to_fit)

from . import fonts

FONT = fonts.BODY
LINE_WIDTH = 0.6
SUBJECT = "预算绩效自评表"

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


# ---------------------------------------------------------------- drawing

@dataclass
class Drawn:
    """A cell as drawn on one page: its box, the grid rows (of the page) and
    columns it covers, its lines, and how they sit in it."""
    box: object
    r0: int
    r1: int
    c0: int
    c1: int
    lines: list
    valign: str                  # "middle" | "top"


def _capacity(height: float, leading: float) -> int:
    return max(0, int((height - 2 * PAD_Y + 0.01) // leading))


def _page_boxes(lay: Layout, page: list) -> list:
    """The boxes on a page: those starting in its rows, and merged cells from above."""
    seen: set = set()
    out = []
    first_body = next((s.row for s in page if not s.repeat), None)
    groups = [lay.row_boxes[s.row] for s in page]
    if first_body is not None:
        groups.append(lay.covering.get(first_body, ()))
    for group in groups:
        for b in group:
            if id(b) not in seen:
                seen.add(id(b))
                out.append(b)
    return out


def page_cells(lay: Layout, pno: int) -> list[Drawn]:
    """What a page draws, cell by cell (pure data; see :func:`draw`)."""
    page = lay.pages[pno]
    local: dict = {}
    for j, sl in enumerate(page):
        local.setdefault(sl.row, j)
    heights = [sl.height for sl in page]
    out = []
    for b in _page_boxes(lay, page):
        cell = b.cell
        rows = [local[r] for r in range(cell.row, cell.row + cell.rowspan) if r in local]
        if not rows:
            continue
        r0, r1 = min(rows), max(rows)
        valign = "middle"
        if cell.rowspan == 1:
            sl = page[r0]
            lines = lay.lines_of(b, sl)
            if sl.split:
                valign = "top"          # a text running over pages reads from the top of each piece
        else:
            # A merged group label: printed whole in each page's part of it where it fits.
            cap = _capacity(sum(heights[r0:r1 + 1]), b.leading)
            lines = b.lines if len(b.lines) <= cap else b.lines[:cap]
        out.append(Drawn(b, r0, r1, cell.col, cell.col + cell.colspan - 1, list(lines), valign))
    return out


def _draw_text(t, lines: list, size: float, leading: float, top: float, x0: float, x1: float,
               align: str, measure, face: str = FONT) -> None:
    """Lines of one cell into the page's text object, the first baseline one ``size``
    below ``top``; each piece in the first bundled face of ``face``'s chain that has it
    (``measure`` gives the body face's widths; None measures in ``face``)."""
    y = top - size
    for line in lines:
        if line:
            if align == "left":
                x = x0
            else:
                w = (sum(map(measure, line)) * size / SIZE if measure is not None
                     else fonts.string_width(line, face, size))
                x = x1 - w if align == "right" else (x0 + x1 - w) / 2
            t.setTextOrigin(x, y)
            for name, piece in fonts.runs(line, face):
                if getattr(t, "_face", None) != (name, size, leading):
                    t.setFont(name, size, leading)
                    t._face = (name, size, leading)
                t.textOut(piece)
        y -= leading


def _draw_title(canv, lines: list, size: float, leading: float, top: float, x0: float, x1: float, measure) -> None:
    """The title, in the bold 黑体-style title face (:data:`fonts.TITLE`)."""
    t = canv.beginText()
    _draw_text(t, lines, size, leading, top, x0, x1, "center", None, face=fonts.TITLE)
    canv.drawText(t)


def _draw_page(canv, lay: Layout, pno: int) -> None:
    from .pdf_layout import _measure

    measure = _measure(SIZE)
    page = lay.pages[pno]
    xs = [MARGIN_X]
    for w in lay.col_widths:
        xs.append(xs[-1] + w)
    ys = [lay.page_size[1] - MARGIN_TOP]
    for sl in page:
        ys.append(ys[-1] - sl.height)
    grid = canv.beginPath()
    text = canv.beginText()
    notes: dict = {}
    for d in page_cells(lay, pno):
        cell = d.box.cell
        if cell.row in lay.note_widths:
            notes.setdefault(d.r0, []).append(d)
            continue
        x0, x1, top, bottom = xs[d.c0], xs[d.c1 + 1], ys[d.r0], ys[d.r1 + 1]
        if cell.border and cell.role not in (TITLE, SUBTITLE):
            grid.rect(x0, bottom, x1 - x0, top - bottom)
        if not any(d.lines):
            continue
        block = len(d.lines) * d.box.leading
        if d.valign == "top":
            text_top = top - PAD_Y
        else:
            text_top = bottom + PAD_Y + (top - bottom - 2 * PAD_Y + block) / 2
        if cell.role == TITLE:
            _draw_title(canv, d.lines, d.box.size, d.box.leading, text_top, x0 + PAD_X, x1 - PAD_X, measure)
            continue
        align = cell.align if cell.role != SUBTITLE else "center"
        _draw_text(text, d.lines, d.box.size, d.box.leading, text_top, x0 + PAD_X, x1 - PAD_X, align, measure)
    for r0, items in notes.items():
        # A signature line with its own column widths across the page.
        items.sort(key=lambda d: d.box.cell.col)
        plan = lay.note_widths[items[0].box.cell.row]
        x = MARGIN_X
        top, bottom = ys[r0], ys[r0 + 1]
        for d in items:
            w = plan[d.box.cell.col]
            if any(d.lines):
                block = len(d.lines) * d.box.leading
                _draw_text(text, d.lines, d.box.size, d.box.leading, bottom + (top - bottom + block) / 2,
                           x + PAD_X, x + w - PAD_X, d.box.cell.align, measure)
            x += w
    canv.drawText(text)
    canv.drawPath(grid, stroke=1, fill=0)


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
    if sheet is None:
        sheet = build_sheet(form)
    register_font()
    if not allow_missing:
        check_glyphs(sheet)
    draw(layout(sheet), form, path)


def draw(lay: Layout, form, path) -> None:
    """Draw a layout into a PDF file at ``path``: each page straight onto the canvas
    (the layout says where every line goes; no table machinery is needed)."""
    from reportlab.lib import colors
    from reportlab.pdfgen.canvas import Canvas

    sheet = lay.sheet
    pw, ph = lay.page_size
    npages = len(lay.pages)
    unit = _meta(_unit_name(form, sheet))
    canv = Canvas(str(path), pagesize=(pw, ph), lang="zh-CN", initialFontName=FONT, initialFontSize=SIZE,
                  initialLeading=LEADING)
    canv.setAuthor(unit or "ziping")
    canv.setTitle(_meta(sheet.title))
    canv.setSubject(SUBJECT)
    canv.setCreator("ziping")
    canv.setProducer("ziping (reportlab)")
    canv.setKeywords([SUBJECT])
    for pno in range(npages):
        canv.setStrokeColor(colors.black)
        canv.setFillColor(colors.black)
        canv.setLineWidth(LINE_WIDTH)
        _draw_page(canv, lay, pno)
        canv.setFont(FONT, 9)
        canv.drawCentredString(pw / 2, FOOTER_Y, f"第 {pno + 1} 页 共 {npages} 页")
        canv.showPage()
    canv.save()
