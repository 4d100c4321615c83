"""The PDF: the Sheet drawn as the paper form with reportlab, font embedded.

Layout is data, made in :mod:`.pdf_layout` (lines of every cell, row heights,
which rows and line ranges go on which page); this module checks the font
covers the text and draws each page as one platypus ``Table`` with identical
column widths, a ``('SPAN', …)`` for every merged cell (clipped to the page)
and a box around every bordered cell.  A merged group label cut by a page
break is repeated; a long text continues under a （续） line.
"""
from __future__ import annotations

import unicodedata

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
            fonts.draw_lines(c, x, self.height - self.size, self.lines, self.leading, face, self.size, self.align)
            c.restoreState()

    return Lines


def _capacity(height: float, leading: float) -> int:
    return max(0, int((height - 2 * PAD_Y + 0.01) // leading))


def _page_boxes(lay: Layout, page: list) -> list:
    """The boxes drawn on a page: those starting in its rows, and merged cells from above."""
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


def _table_style(pad_y: float = PAD_Y) -> list:
    return [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD_X), ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
            ("TOPPADDING", (0, 0), (-1, -1), pad_y), ("BOTTOMPADDING", (0, 0), (-1, -1), pad_y)]


def build_story(lay: Layout) -> list:
    """One Table per page, drawn from the layout's slices; linear in the rows."""
    from reportlab.lib import colors
    from reportlab.platypus import PageBreak, Table, TableStyle

    Lines = _lines_class()
    sheet = lay.sheet
    ncols = sheet.ncols
    story = []
    for pno, page in enumerate(lay.pages):
        local: dict = {}
        for j, sl in enumerate(page):
            local.setdefault(sl.row, j)
        heights = [sl.height for sl in page]
        data = [["" for _ in range(ncols)] for _ in page]
        cmds = _table_style()
        note_rows: dict = {}
        for b in _page_boxes(lay, page):
            cell = b.cell
            rows = [local[r] for r in range(cell.row, cell.row + cell.rowspan) if r in local]
            if not rows:
                continue
            if cell.row in lay.note_widths:
                note_rows.setdefault(rows[0], []).append(b)
                continue
            r0, r1 = min(rows), max(rows)
            c0, c1 = cell.col, cell.col + cell.colspan - 1
            if cell.rowspan == 1:
                sl = page[r0]
                lines = lay.lines_of(b, sl)
                if sl.split:
                    cmds.append(("VALIGN", (c0, r0), (c1, r1), "TOP"))
            else:
                # A merged group label: printed whole in each page's part of it where it fits.
                cap = _capacity(sum(heights[r0:r1 + 1]), b.leading)
                lines = b.lines if len(b.lines) <= cap else b.lines[:cap]
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
                                style=TableStyle(_table_style(0)))
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
    if sheet is None:
        sheet = build_sheet(form)
    register_font()
    if not allow_missing:
        check_glyphs(sheet)
    draw(layout(sheet), form, path)


def draw(lay: Layout, form, path) -> None:
    """Draw a layout into a PDF file at ``path``."""
    fonts.import_platypus()      # reportlab's page layout, without its costliest import
    from reportlab.lib import colors
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    sheet = lay.sheet
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
