"""The workbook: one worksheet laid out as the paper form, from the Sheet.

Values only, never formulas: every text cell is written as a string formatted
as text (``@``, so a target such as ``=100%`` stays text even after F2+Enter),
plain-number amounts and scores as numbers with a number format; numbers kept
as text are flagged to Excel as intended.  The exact form file travels along in
a very hidden sheet ``_ziping`` so that :mod:`core.imports` reads the workbook
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
import math
import re
from decimal import Decimal

from ..sheet import COMPUTED, EDITABLE_ROLES, HEADER, INPUT, SUBTITLE, TITLE, Sheet, build_sheet, text_width
from ..widths import excel_scale
from .cells import printed_text

SHEET_NAME = "绩效自评表"
EMBED_SHEET = "_ziping"
EMBED_MAGIC = "ziping-form"
EMBED_VERSION = "1"
CHUNK_UNITS = 30_000          # UTF-16 units per cell; Excel holds at most 32,767
EXCEL_MAX_TEXT = 32_767
FONT_NAME = "宋体"
TITLE_FONT_NAME = "黑体"
FONT_SIZE = 10.5
TITLE_SIZE = 16
SUBTITLE_SIZE = 12
LINE_PT = 14.25               # one line of 宋体 10.5pt, as Excel and LibreOffice lay it out
PAD_PT = 4.0
MIN_ROW_PT = 18.0
MAX_ROW_PT = 409.0            # Excel's limit
SPREAD_PT = 400.0             # a taller row is spread over rows of at most this height
TEXT_FORMAT = "@"
ROW_MAP_CELL = (1, 5)         # in the hidden sheet: "rows:" + JSON {sheet row: workbook rows} of spread rows
AMOUNT_FORMAT = "#,##0.00"
SCORE_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"
FOOTER = "第 &P 页 共 &N 页"

_PLAIN_NUMBER = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d{1,10})?$")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


# ---------------------------------------------------------------- what a cell holds

def excel_text(text: str) -> str:
    """Text as it can live in an Excel cell: no XML-illegal characters, at most
    32,767 UTF-16 units."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")     # XML reads CR LF back as LF
    text = _ILLEGAL.sub("\ufffd", text)
    if len(text) > EXCEL_MAX_TEXT // 2 and _utf16_len(text) > EXCEL_MAX_TEXT:
        out, n = [], 0
        for ch in text:
            n += 2 if ord(ch) > 0xFFFF else 1
            if n > EXCEL_MAX_TEXT - 1:
                break
            out.append(ch)
        text = "".join(out) + "…"
    return text


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def cell_output(cell) -> tuple[str, object, str]:
    """What the workbook holds for a sheet cell: ('n', number, number_format),
    ('s', text, '@'-less format) or ('', None, '') for an empty cell.

    The import compares a workbook cell against this to tell what the clerk
    changed in Excel, so writing and reading agree by construction."""
    if cell.number is not None and cell.fmt in ("amount", "score", "percent"):
        if cell.fmt == "amount":
            return "n", cell.number, AMOUNT_FORMAT
        if cell.fmt == "score":
            return "n", cell.number, SCORE_FORMAT
        return "n", cell.number / 100, PERCENT_FORMAT
    text = printed_text(cell) or ""
    if ((cell.role == COMPUTED and cell.fmt == "weight") or
            (cell.role == INPUT and cell.key and cell.key.endswith(".weight"))) and _PLAIN_NUMBER.match(text):
        return "n", Decimal(text), "General"
    if text == "":
        return "", None, ""
    return "s", excel_text(text), TEXT_FORMAT


# ---------------------------------------------------------------- row heights

# Excel measures at 96 dpi with the 7-pixel digit of the default font: a column
# whose stored width is w is about w * 7 pixels (the stored width already holds
# Excel's 5-pixel padding); a 宋体 10.5pt character is 14 pixels wide (a
# half-width one 7), and a cell keeps about 2 pixels clear on either side.
_TOKEN = re.compile(r"[A-Za-z0-9_.,%+\-/:@#&']+|.", re.S)
_NO_START = set("，。、：；！？）］｝」』》〉】〕％…,.:;!?)]}%")


def _column_px(widths, col: int, span: int) -> int:
    return int(sum(float(w) for w in widths[col:col + span]) * 7) - 4


def _lines(text: str, avail_px: float) -> int:
    """How many lines Excel wraps a text into: greedy, per character for CJK,
    per word for runs of Latin letters and digits (a conservative estimate)."""
    avail_px = max(avail_px, 7.0)
    n = 0
    for part in (text or "").replace("\t", "    ").split("\n"):
        lines, x = 1, 0.0
        prev = 0.0
        for tok in _TOKEN.findall(part):
            w = text_width(tok) * 7.0
            if x + w <= avail_px:
                x += w
                prev = w
                continue
            if w > avail_px:                   # a word longer than the line: cut anywhere
                for ch in tok:
                    cw = text_width(ch) * 7.0
                    if x + cw > avail_px:
                        lines, x = lines + 1, 0.0
                    x += cw
                prev = 0.0
                continue
            lines += 1
            # closing punctuation may not start a line: the character before it comes along
            x = w + (prev if tok in _NO_START else 0.0)
            prev = w
        n += lines
    return n


def shrink_to_fit(sheet: Sheet, cell) -> bool:
    """Numbers and signature-line labels stay on one line (the PDF does the same)."""
    if cell.number is not None or cell.fmt in ("amount", "percent", "score", "weight"):
        return True
    return sheet.row_kinds[cell.row] == "note" and cell.role == "label"


def excel_widths(sheet: Sheet) -> list[float]:
    """The workbook's column widths: the sheet's, scaled so the columns hold what the PDF's hold."""
    k = excel_scale(sheet.orientation, float(sum(sheet.col_widths)))
    return [round(float(w) * k, 2) for w in sheet.col_widths]


def row_heights(sheet: Sheet, widths: list | None = None) -> list[float]:
    """The height in points each sheet row needs for its wrapped text (Excel never
    fits them itself), not capped: a row taller than Excel allows is spread, see
    :func:`spread_rows`."""
    widths = widths if widths is not None else excel_widths(sheet)
    heights = [MIN_ROW_PT] * sheet.nrows
    for r, kind in enumerate(sheet.row_kinds):
        if kind == "title":
            heights[r] = 30.0
        elif kind == "subtitle":
            heights[r] = 20.0
        elif kind == "note":
            heights[r] = 24.0

    def need(cell) -> float:
        px = _column_px(widths, cell.col, cell.colspan)
        size = TITLE_SIZE if cell.role == TITLE else FONT_SIZE
        line = LINE_PT * size / FONT_SIZE
        if shrink_to_fit(sheet, cell) or cell_output(cell)[0] == "n":
            return line + PAD_PT          # shrunk to fit on one line
        return _lines(printed_text(cell), px * FONT_SIZE / size) * line + PAD_PT

    spanned = []
    for cell in sheet.cells:
        if not cell.text:
            continue
        if cell.rowspan > 1:
            spanned.append(cell)
            continue
        heights[cell.row] = max(heights[cell.row], need(cell))
    for cell in sorted(spanned, key=lambda c: c.rowspan):
        rows = range(cell.row, cell.row + cell.rowspan)
        have = sum(heights[r] for r in rows)
        want = need(cell)
        if want > have:
            extra = (want - have) / cell.rowspan
            for r in rows:
                heights[r] += extra
    return [round(h, 2) for h in heights]


# ---------------------------------------------------------------- rows and pages as the PDF has them

MARGIN_LR_IN, MARGIN_TOP_IN, MARGIN_BOTTOM_IN = 0.6, 0.6, 0.9


def spread_rows(heights: list[float], parts: dict | None = None) -> tuple[list[list[float]], set]:
    """Workbook rows for each sheet row: [[height, ...] per sheet row], and the
    (sheet row, index of a workbook row in it) before which the PDF breaks a page.

    ``parts`` gives, for a sheet row the PDF breaks over pages, the share of its
    lines on each page; the row is cut there and each part spread over rows of at
    most SPREAD_PT."""
    rows: list[list[float]] = []
    breaks_inside: set = set()
    for r, h in enumerate(heights):
        shares = (parts or {}).get(r) or [1.0]
        sub: list[float] = []
        for i, share in enumerate(shares):
            part = max(h * share, MIN_ROW_PT)
            k = max(1, math.ceil(part / SPREAD_PT - 1e-9))
            if i:
                breaks_inside.add((r, len(sub)))
            sub.extend([round(part / k, 2)] * k)
        rows.append(sub)
    return rows, breaks_inside


def pdf_pages(sheet: Sheet):
    """The PDF's layout of the sheet (its pages), or None when the PDF cannot be laid out here."""
    try:
        from .pdf_layout import layout
        return layout(sheet)
    except Exception:          # no font or no reportlab: fall back to rows without breaks
        return None


def _pdf_breaks(lay) -> tuple[dict, list]:
    """From a PDF layout: {sheet row: [share of its lines on each page]} for rows the
    PDF breaks, and [(sheet row, first line)] at which each page after the first starts."""
    parts: dict = {}
    starts: list = []
    for pno, page in enumerate(lay.pages):
        body = [sl for sl in page if not sl.repeat]
        if not body:
            continue
        if pno:
            starts.append((body[0].row, body[0].start))
        for sl in body:
            if sl.split:
                total = max(lay.row_lines[sl.row], 1)
                stop = sl.stop if sl.stop is not None else total
                parts.setdefault(sl.row, []).append((stop - sl.start) / total)
    return parts, starts


def print_scale(sheet: Sheet, widths: list, page_heights: list[float]) -> tuple[float, float]:
    """(scale at which the sheet prints one page wide, scale at which every page's rows
    fit as well)."""
    pw, ph = (842.0, 595.0) if sheet.orientation == "landscape" else (595.0, 842.0)
    sheet_w = sum(float(w) * 7 for w in widths) * 0.75 + 4          # pixels -> points
    printable_w = pw - 2 * 72 * MARGIN_LR_IN
    printable_h = ph - 72 * (MARGIN_TOP_IN + MARGIN_BOTTOM_IN)
    by_width = min(1.0, printable_w / sheet_w)
    tallest = max(page_heights or [0.0])
    return by_width, min(by_width, printable_h / tallest) if tallest > 0 else by_width


# ---------------------------------------------------------------- the embedded form file

def embedded_json(form) -> str:
    """The form file's data as JSON text that any XML cell can hold."""
    text = json.dumps(form.data, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: "\\u%04x" % ord(m.group()), text)


def _chunks(text: str, units: int = CHUNK_UNITS) -> list[str]:
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

    def shrunk(h: str) -> Alignment:
        if ("shrink", h) not in aligns:
            aligns[("shrink", h)] = Alignment(horizontal=h, vertical="center", shrink_to_fit=True)
        return aligns[("shrink", h)]

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

    merges = []
    for cell in sheet.cells:
        r, c = first[cell.row] + 1, cell.col + 1
        r2, c2 = first[cell.row + cell.rowspan], c + cell.colspan - 1
        if r2 > r or c2 > c:
            merges.append(f"{get_column_letter(c)}{r}:{get_column_letter(c2)}{r2}")
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
        # A text spread over rows or pages reads from the top.
        al = align(h, "top" if any(x in tall or x in parts for x in range(cell.row, cell.row + cell.rowspan))
                   and cell.rowspan == 1 else "center")
        if kind == "n" or shrink_to_fit(sheet, cell):
            # Numbers and signature-line labels: one line, shrunk if need be
            # (a number too wide for its column would show as ####).
            al = shrunk(h)
        border = cell.border and cell.role not in (TITLE, SUBTITLE)
        # Style every cell of a merged range: Excel draws a merged cell's edges
        # from the cells along them.
        for rr in range(r, r2 + 1):
            for cc in range(c, c2 + 1):
                style(ws.cell(row=rr, column=cc), font, al, box if border else None, number_format or None)
    # Merges straight into the sheet's set (openpyxl's merge_cells checks each new
    # range against every earlier one, which is quadratic in a long form).
    ranges = ws.merged_cells.ranges
    for ref in merges:
        ranges.add(MergedCellRange(ws, ref))

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
