"""The workbook: one worksheet laid out as the paper form, from the Sheet.

Values only, never formulas: every text cell is written as a string (a target
such as ``=100%`` stays text), plain-number amounts and scores as numbers with
a number format.  The exact form file travels along in a very hidden sheet
``_ziping`` so that :mod:`core.imports` reads the workbook back byte-exact.
"""
from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal

from ..sheet import COMPUTED, HEADER, INPUT, SUBTITLE, TITLE, Sheet, build_sheet, text_width

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
    text = cell.text or ""
    if ((cell.role == COMPUTED and cell.fmt == "weight") or
            (cell.role == INPUT and cell.key and cell.key.endswith(".weight"))) and _PLAIN_NUMBER.match(text):
        return "n", Decimal(text), "General"
    if text == "":
        return "", None, ""
    return "s", excel_text(text), "General"


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


def row_heights(sheet: Sheet) -> list[float]:
    """Row heights in points for wrapped text (Excel never fits them itself)."""
    widths = sheet.col_widths
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
        return _lines(cell.text, px * FONT_SIZE / size) * line + PAD_PT

    spanned = []
    for cell in sheet.cells:
        if not cell.text:
            continue
        if cell.rowspan > 1:
            spanned.append(cell)
            continue
        heights[cell.row] = min(MAX_ROW_PT, max(heights[cell.row], need(cell)))
    for cell in sorted(spanned, key=lambda c: c.rowspan):
        rows = range(cell.row, cell.row + cell.rowspan)
        have = sum(heights[r] for r in rows)
        want = need(cell)
        if want > have:
            extra = (want - have) / cell.rowspan
            for r in rows:
                heights[r] = min(MAX_ROW_PT, heights[r] + extra)
    return [round(h, 2) for h in heights]


# ---------------------------------------------------------------- page breaks

MARGIN_LR_IN, MARGIN_TOP_IN, MARGIN_BOTTOM_IN = 0.6, 0.75, 1.0
KEEP_WITH_NEXT = {"title", "subtitle", "funds-header", "goal-header", "goal-title", "ind-header"}
KEEP_WITH_PREV = {"note"}


def _print_scale(sheet: Sheet) -> tuple[float, float]:
    """(scale, printable height in pt) of one page fitted to the paper's width."""
    pw, ph = (842.0, 595.0) if sheet.orientation == "landscape" else (595.0, 842.0)
    sheet_w = sum(float(w) * 7 for w in sheet.col_widths) * 0.75     # pixels -> points
    scale = min(1.0, (pw - 2 * 72 * MARGIN_LR_IN) / sheet_w)
    return scale, ph - 72 * (MARGIN_TOP_IN + MARGIN_BOTTOM_IN)


def page_breaks(sheet: Sheet, heights: list[float], title_rows: int) -> list[int]:
    """Rows (1-based) after which a page should break, so that a column-label
    row never ends a page and the signature lines stay with the total.  The
    estimate is kept on the safe side (95% of a page): Excel and WPS fit to
    width with their own rounding."""
    scale, printable = _print_scale(sheet)
    avail = printable / scale * 0.95
    repeat_h = sum(heights[:title_rows])
    kinds = sheet.row_kinds
    breaks = []
    start, used = 0, 0.0
    r = 0
    while r < sheet.nrows:
        h = heights[r]
        only_headers = all(kinds[x] in KEEP_WITH_NEXT for x in range(start, r))
        if used + h > avail and r > start and not only_headers:
            b = r
            while b - 1 > start and (kinds[b - 1] in KEEP_WITH_NEXT or kinds[b] in KEEP_WITH_PREV):
                b -= 1
            breaks.append(b)              # break after row b (1-based) = before 0-based row b
            start, used, r = b, repeat_h, b
            continue
        used += h
        r += 1
    return breaks


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


def _embed(wb, form) -> None:
    ws = wb.create_sheet(EMBED_SHEET)
    ws.sheet_state = "veryHidden"
    text = embedded_json(form)
    parts = _chunks(text)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    for col, value in enumerate((EMBED_MAGIC, EMBED_VERSION, str(len(parts)), digest), start=1):
        c = ws.cell(row=1, column=col)
        c.value = value
        c.data_type = "s"
    for i, part in enumerate(parts, start=2):
        c = ws.cell(row=i, column=1)
        c.value = part
        c.data_type = "s"


# ---------------------------------------------------------------- the workbook

def _prop(text: str) -> str:
    """A document property: one line of XML-safe text."""
    return re.sub(r"\s+", " ", excel_text(text or "")).strip()[:255]


def _unit_name(form, sheet: Sheet) -> str:
    field = sheet.template.get("unit_field")
    return str(form.header.get(field) or "").strip() if field else ""


def build_workbook(form, sheet: Sheet | None = None):
    from copy import copy

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break
    from openpyxl.worksheet.properties import PageSetupProperties

    if sheet is None:
        sheet = build_sheet(form)
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

    def align(h: str) -> Alignment:
        if h not in aligns:
            aligns[h] = Alignment(horizontal=h, vertical="center", wrap_text=True)
        return aligns[h]

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

    for i, w in enumerate(sheet.col_widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = float(w)
    heights = row_heights(sheet)
    for r, h in enumerate(heights, start=1):
        ws.row_dimensions[r].height = h

    for cell in sheet.cells:
        r, c = cell.row + 1, cell.col + 1
        r2, c2 = r + cell.rowspan - 1, c + cell.colspan - 1
        if r2 > r or c2 > c:
            ws.merge_cells(start_row=r, start_column=c, end_row=r2, end_column=c2)
        xc = ws.cell(row=r, column=c)
        kind, value, number_format = cell_output(cell)
        if kind == "n":
            xc.value = value
        elif kind == "s":
            xc.value = value
            xc.data_type = "s"          # "=100%" is a target, not a formula
        if cell.role == TITLE:
            font = title_font
        elif cell.role == SUBTITLE:
            font = subtitle_font
        else:
            font = fonts[(bool(cell.bold or cell.role == HEADER), False)]
        al = align(cell.align if cell.align in ("left", "center", "right") else "center")
        if kind == "n" or shrink_to_fit(sheet, cell):
            # Numbers and signature-line labels: one line, shrunk if need be
            # (a number too wide for its column would show as ####).
            al = shrunk(al.horizontal)
        border = cell.border and cell.role not in (TITLE, SUBTITLE)
        # Style every cell of a merged range: Excel draws a merged cell's edges
        # from the cells along them.
        for rr in range(r, r2 + 1):
            for cc in range(c, c2 + 1):
                style(ws.cell(row=rr, column=cc), font, al, box if border else None,
                      number_format if kind == "n" else None)

    # Paper: A4 in the sheet's orientation, one page wide, title rows repeated.
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sheet.orientation == "landscape" else "portrait"
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = MARGIN_LR_IN
    ws.page_margins.top = MARGIN_TOP_IN
    ws.page_margins.bottom = MARGIN_BOTTOM_IN
    ws.page_margins.header = 0.3
    ws.page_margins.footer = 0.45
    k = 0
    while k < sheet.nrows and sheet.row_kinds[k] in ("title", "subtitle"):
        k += 1
    if k:
        ws.print_title_rows = f"1:{k}"
    ws.print_area = f"A1:{get_column_letter(sheet.ncols)}{sheet.nrows}"
    for after in page_breaks(sheet, heights, k):
        ws.row_breaks.append(Break(id=after))
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

    _embed(wb, form)
    wb.active = 0
    return wb


def write_xlsx(form, path, sheet: Sheet | None = None) -> None:
    """Write the form's workbook to ``path`` (not atomic; see :func:`core.export.export_form`).

    The workbook is made in memory and written in one go: when the disk is full, openpyxl's own
    zip file would be left open (and, on Windows, its temp file locked until garbage collection)."""
    import io

    buf = io.BytesIO()
    build_workbook(form, sheet).save(buf)
    with open(path, "wb") as fh:
        fh.write(buf.getbuffer())


__all__ = ["write_xlsx", "build_workbook", "cell_output", "row_heights", "excel_text", "embedded_json",
           "EMBED_SHEET", "EMBED_MAGIC", "SHEET_NAME"]
