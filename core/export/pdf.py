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

from core.export import fonts
from core.export.glyphs import (FONT, check_glyphs, missing_glyphs, missing_in, register_font, sheet_missing)  # noqa: F401 (this module's face)
from core.export.pdf_layout import (  # noqa: F401
    CONTINUED,
    FOOTER_Y,
    LEADING,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    NO_END,
    NO_START,
    PAD_X,
    PAD_Y,
    REPLACEMENT,
    SIZE,
    Layout,
    Slice,
    _measure,
    _width,
    break_lines,
    layout,
    prepare_text,
    shrink_to_fit,
)
from core.layout import SUBTITLE, TITLE, Sheet, build_sheet

LINE_WIDTH = 0.6
SUBJECT = "预算绩效自评表"


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
