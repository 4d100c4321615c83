"""The workbook: one worksheet laid out as the paper form, from the Sheet.

Values only, never formulas: every text cell is written as a string formatted
as text (``@``, so a target such as ``=100%`` stays text even after F2+Enter),
plain-number amounts and scores as numbers with a number format; numbers kept
as text are flagged to Excel as intended.  The exact form file travels along in
a very hidden sheet ``_ziping`` so that :mod:`core.reading.imports` reads the workbook
back byte-exact.

The paper layout follows the PDF's (:mod:`.pdf_layout`): the same column widths
(scaled to Excel's units), a sheet row taller than Excel's 409 pt spread over
as many rows as it needs and merged, page breaks where the PDF breaks, and a
print scale at which every one of those pages fits its sheet of paper.  Where
a sheet row was spread, the hidden sheet records it (:func:`row_starts`).
"""
from __future__ import annotations

import hashlib
import json
import re

from core.export.xlsx_grid import (  # noqa: F401
    AMOUNT_FORMAT,
    FONT_SIZE,
    LINE_PT,
    MARGIN_BOTTOM_IN,
    MARGIN_LR_IN,
    MARGIN_TOP_IN,
    MAX_ROW_PT,
    PAD_PT,
    PERCENT_FORMAT,
    SCORE_FORMAT,
    TEXT_FORMAT,
    TITLE_SIZE,
    _column_px,
    _lines,
    _pdf_breaks,
    cell_need,
    cell_output,
    excel_text,
    excel_widths,
    pdf_pages,
    print_scale,
    printed_text,
    row_heights,
    shrink_to_fit,
    spread_rows,
)
from core.layout import EDITABLE_ROLES, HEADER, SUBTITLE, TITLE, Sheet, build_sheet

SHEET_NAME = "绩效自评表"
EMBED_SHEET = "_ziping"
EMBED_MAGIC = "ziping-form"
EMBED_VERSION = "1"
CHUNK_UNITS = 30_000          # UTF-16 units per cell; Excel holds at most 32,767
FONT_NAME = "宋体"
DEFAULT_FONT_NAME = "Arial"
DEFAULT_FONT_SIZE = 10
TITLE_FONT_NAME = "黑体"
SUBTITLE_SIZE = 12
SPREAD_VALIGN = "distributed"  # a text spread over rows fills them evenly, whatever the reader's font
ROW_MAP_CELL = (1, 5)         # in the hidden sheet: "rows:" + JSON {sheet row: workbook rows} of spread rows
FOOTER = "第 &P 页 共 &N 页"

_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


# ---------------------------------------------------------------- the embedded form file

def embedded_json(form) -> str:
    """The form file's data as JSON text that any XML cell can hold."""
    text = json.dumps(form.data, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: "\\u%04x" % ord(m.group()), text)


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _chunks(text: str, units: int = CHUNK_UNITS) -> list[str]:
    if not _ASTRAL.search(text):            # one UTF-16 unit a character: plain slices
        return [text[i:i + units] for i in range(0, len(text), units)] or [""]
    out, start, n = [], 0, 0
    for i, ch in enumerate(text):
        w = 2 if ord(ch) > 0xFFFF else 1
        if n + w > units:
            out.append(text[start:i])
            start, n = i, 0
        n += w
    out.append(text[start:])
    return out


def _embed(wb, form, spread: dict) -> None:
    ws = wb.create_sheet(EMBED_SHEET)
    ws.sheet_state = "veryHidden"
    text = embedded_json(form)
    parts = _chunks(text)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    for col, value in enumerate((EMBED_MAGIC, EMBED_VERSION, str(len(parts)), digest), start=1):
        c = ws.cell(row=1, column=col)
        c.value = value
        c.data_type = "s"
    if spread:
        c = ws.cell(*ROW_MAP_CELL)
        c.value = "rows:" + json.dumps({str(r): n for r, n in spread.items()}, separators=(",", ":"))
        c.data_type = "s"
    for i, part in enumerate(parts, start=2):
        c = ws.cell(row=i, column=1)
        c.value = part
        c.data_type = "s"


def row_starts(wb, nrows: int) -> list[int]:
    """For a workbook this module wrote: the workbook row (0-based) where each of the
    sheet's ``nrows`` rows starts, and the one after the last.  Rows spread over
    several workbook rows are recorded in the hidden sheet."""
    spread: dict = {}
    if EMBED_SHEET in wb.sheetnames:
        value = wb[EMBED_SHEET].cell(*ROW_MAP_CELL).value
        if isinstance(value, str) and value.startswith("rows:"):
            try:
                spread = {int(k): int(v) for k, v in json.loads(value[5:]).items()}
            except (ValueError, AttributeError, TypeError):
                spread = {}
    starts, at = [], 0
    for r in range(nrows):
        starts.append(at)
        at += max(1, min(spread.get(r, 1), 10_000))
    starts.append(at)
    return starts


# ---------------------------------------------------------------- the workbook

def _prop(text: str) -> str:
    """A document property: one line of XML-safe text."""
    return re.sub(r"\s+", " ", excel_text(text or "")).strip()[:255]


def _unit_name(form, sheet: Sheet) -> str:
    field = sheet.template.get("unit_field")
    return str(form.header.get(field) or "").strip() if field else ""


def build_workbook(form, sheet: Sheet | None = None, lay=None):
    """The workbook of a form.  ``lay``: the PDF's layout of the same sheet, if made
    already (its page breaks are followed); otherwise it is made here."""
    from copy import copy

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.indexed_list import IndexedList
    from openpyxl.worksheet.merge import MergedCellRange
    from openpyxl.worksheet.pagebreak import Break
    from openpyxl.worksheet.properties import PageSetupProperties

    if sheet is None:
        sheet = build_sheet(form)
    if lay is None:
        lay = pdf_pages(sheet)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    # The default font sets the width unit of the columns (its digit width): Arial 10 has
    # the same 7-pixel digit as Excel's Calibri 11, and readers without either (LibreOffice
    # on Linux) have a metric twin of Arial, so the columns come out as wide everywhere.
    default_font = Font(name=DEFAULT_FONT_NAME, size=DEFAULT_FONT_SIZE, family=2)
    wb._fonts = IndexedList([default_font])           # font 0, before any other is added
    wb._named_styles["Normal"].font = default_font     # (re-binds the style to font 0)

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    fonts = {
        (False, False): Font(name=FONT_NAME, size=FONT_SIZE, charset=134),
        (True, False): Font(name=FONT_NAME, size=FONT_SIZE, bold=True, charset=134),
    }
    title_font = Font(name=TITLE_FONT_NAME, size=TITLE_SIZE, bold=True, charset=134)
    subtitle_font = Font(name=FONT_NAME, size=SUBTITLE_SIZE, charset=134)
    aligns: dict = {}

    def align(h: str, v: str = "center") -> Alignment:
        if (h, v) not in aligns:
            aligns[(h, v)] = Alignment(horizontal=h, vertical=v, wrap_text=True)
        return aligns[(h, v)]

    def shrunk(h: str, v: str = "center") -> Alignment:
        if ("shrink", h, v) not in aligns:
            aligns[("shrink", h, v)] = Alignment(horizontal=h, vertical=v, shrink_to_fit=True)
        return aligns[("shrink", h, v)]

    # Setting a style object makes openpyxl hash it each time (most of the export's time):
    # style the first cell of each combination, then copy its style indexes to the others.
    styled: dict = {}

    def style(xc, font, al, border, number_format) -> None:
        key = (id(font), id(al), id(border), number_format)
        done = styled.get(key)
        if done is not None:
            xc._style = copy(done)
            return
        xc.font = font
        xc.alignment = al
        if border is not None:
            xc.border = border
        if number_format:
            xc.number_format = number_format
        styled[key] = copy(xc._style)

    widths = excel_widths(sheet)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w

    # Rows: a sheet row the PDF breaks over pages is cut where it breaks; a row
    # taller than Excel allows is spread over several rows (merged below).
    parts, starts = _pdf_breaks(lay) if lay is not None else ({}, [])
    shares = {}
    for r, ps in parts.items():
        total = sum(ps)
        shares[r] = [p / total for p in ps] if total > 0 else None
    sub_rows, inside = spread_rows(row_heights(sheet, widths), shares)
    first = [0]
    for sub in sub_rows:
        first.append(first[-1] + len(sub))
    nx = first[-1]
    tall = {r for r, sub in enumerate(sub_rows) if len(sub) > 1}
    flat = [h for sub in sub_rows for h in sub]
    for x, h in enumerate(flat, start=1):
        ws.row_dimensions[x].height = h

    # Merges straight into the sheet's set, before any cell is styled (openpyxl's
    # merge_cells checks each new range against every earlier one, which is quadratic
    # in a long form, and re-styles the corner cell from the far one).
    ranges = ws.merged_cells.ranges
    for cell in sheet.cells:
        r, c = first[cell.row] + 1, cell.col + 1
        r2, c2 = first[cell.row + cell.rowspan], c + cell.colspan - 1
        if r2 > r or c2 > c:
            ranges.add(MergedCellRange(ws, f"{get_column_letter(c)}{r}:{get_column_letter(c2)}{r2}"))

    for cell in sheet.cells:
        r, c = first[cell.row] + 1, cell.col + 1
        r2, c2 = first[cell.row + cell.rowspan], c + cell.colspan - 1
        xc = ws.cell(row=r, column=c)
        kind, value, number_format = cell_output(cell)
        if kind == "n":
            xc.value = value
        elif kind == "s":
            xc.value = value
            xc.data_type = "s"          # "=100%" is a target, not a formula
        elif cell.role in EDITABLE_ROLES and cell.fmt is None:
            number_format = TEXT_FORMAT  # what the clerk types here later stays text too
        if cell.role == TITLE:
            font = title_font
        elif cell.role == SUBTITLE:
            font = subtitle_font
        else:
            font = fonts[(bool(cell.bold or cell.role == HEADER), False)]
        h = cell.align if cell.align in ("left", "center", "right") else "center"
        # In a row spread over rows or pages, the long text fills them evenly (whatever
        # the reader's font makes of its lines) and the others read from the top.
        v = "center"
        if cell.rowspan == 1 and (cell.row in tall or cell.row in parts):
            long = cell_need(sheet, cell, widths) >= 0.6 * sum(sub_rows[cell.row])
            v = SPREAD_VALIGN if long else "top"
        elif cell.rowspan > 1 and any(x in tall or x in parts for x in range(cell.row, cell.row + cell.rowspan)):
            v = "top"            # a group label over rows that run over pages: where the group starts
        al = align(h, v)
        if kind == "n" or shrink_to_fit(sheet, cell):
            # Numbers and signature-line labels: one line, shrunk if need be
            # (a number too wide for its column would show as ####).
            al = shrunk(h, "center" if v == "center" else "top")
        border = cell.border and cell.role not in (TITLE, SUBTITLE)
        # Style every cell of a merged range: Excel draws a merged cell's edges
        # from the cells along them.
        for rr in range(r, r2 + 1):
            for cc in range(c, c2 + 1):
                style(ws.cell(row=rr, column=cc), font, al, box if border else None, number_format or None)

    # Paper: A4 in the sheet's orientation, one page wide, title rows repeated,
    # pages broken where the PDF breaks them, at a scale where each fits.
    k = 0
    while k < sheet.nrows and sheet.row_kinds[k] in ("title", "subtitle"):
        k += 1
    inside_of: dict = {}
    for row, i in sorted(inside):
        inside_of.setdefault(row, []).append(i)
    seen_of: dict = {}
    break_rows = []
    for row, line in starts:
        x = first[row]
        if line > 0:                     # the j-th page break inside this row
            j = seen_of.get(row, 0)
            seen_of[row] = j + 1
            idx = inside_of.get(row, [])
            x = first[row] + idx[j] if j < len(idx) else first[row]
        if 0 < x < nx and (not break_rows or x > break_rows[-1]):
            break_rows.append(x)
    title_h = sum(flat[:first[k]]) if k else 0.0
    page_heights, prev = [], 0
    for x in break_rows + [nx]:
        page_heights.append(sum(flat[prev:x]) + (title_h if prev else 0.0))
        prev = x
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sheet.orientation == "landscape" else "portrait"
    by_width, fitting = print_scale(sheet, widths, page_heights)
    if fitting >= by_width * 0.995:
        # Fitted to one page wide (whatever the reader's default font makes of the
        # column widths), each page ending at its manual break.
        if ws.sheet_properties.pageSetUpPr is None:
            ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        else:
            ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    else:
        # A page the width's scale would not hold: a fixed scale that holds it.
        ws.page_setup.scale = max(10, int(fitting * 100 * 0.98))
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = MARGIN_LR_IN
    ws.page_margins.top = MARGIN_TOP_IN
    ws.page_margins.bottom = MARGIN_BOTTOM_IN
    ws.page_margins.header = 0.3
    ws.page_margins.footer = 0.45
    if k:
        ws.print_title_rows = f"1:{first[k]}"
    ws.print_area = f"A1:{get_column_letter(sheet.ncols)}{nx}"
    for x in break_rows:
        ws.row_breaks.append(Break(id=x))        # break after workbook row x (1-based)
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.font = "宋体,常规"
    ws.oddFooter.center.size = 10
    ws.sheet_view.showGridLines = False
    ws.sheet_view.zoomScale = 100

    props = wb.properties
    props.title = _prop(sheet.title)
    props.creator = _prop(_unit_name(form, sheet)) or "ziping"
    props.subject = "预算绩效自评表"
    props.lastModifiedBy = props.creator
    props.keywords = "ziping"

    _embed(wb, form, {r: len(sub_rows[r]) for r in range(sheet.nrows) if len(sub_rows[r]) > 1})
    wb.active = 0
    wb._ziping_ignore = f"A1:{get_column_letter(sheet.ncols)}{nx}"
    return wb


def _ignore_number_as_text(data: bytes, sqref: str) -> bytes:
    """The saved package with an ``<ignoredErrors>`` element in the first sheet, so that
    Excel does not mark numbers kept as text (100, 43.2 typed as targets) with its green
    triangles.  (openpyxl does not write the element.)"""
    import io
    import zipfile

    name = "xl/worksheets/sheet1.xml"
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == name:
                tag = (f'<ignoredErrors><ignoredError sqref="{sqref}" numberStoredAsText="1"/>'
                       f'</ignoredErrors>').encode()
                # ignoredErrors comes after the page breaks and before any drawing or table
                cut = len(body)
                for follower in (b"<drawing", b"<legacyDrawing", b"<picture", b"<oleObjects", b"<controls",
                                 b"<webPublishItems", b"<tableParts", b"<extLst", b"</worksheet>"):
                    at = body.find(follower)
                    if at != -1:
                        cut = min(cut, at)
                body = body[:cut] + tag + body[cut:]
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def write_xlsx(form, path, sheet: Sheet | None = None, lay=None) -> None:
    """Write the form's workbook to ``path`` (not atomic; see :func:`core.export.export_form`).

    The workbook is made in memory and written in one go: when the disk is full, openpyxl's own
    zip file would be left open (and, on Windows, its temp file locked until garbage collection)."""
    import io

    buf = io.BytesIO()
    wb = build_workbook(form, sheet, lay)
    wb.save(buf)
    data = _ignore_number_as_text(buf.getvalue(), wb._ziping_ignore)
    with open(path, "wb") as fh:
        fh.write(data)


__all__ = ["write_xlsx", "build_workbook", "cell_output", "row_heights", "excel_text", "embedded_json",
           "excel_widths", "row_starts", "spread_rows", "EMBED_SHEET", "EMBED_MAGIC", "SHEET_NAME"]
