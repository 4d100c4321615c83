"""The workbook's grid as data: what each cell holds, the column widths, the row
heights, and the rows and pages as the PDF has them (see :mod:`.xlsx`)."""
from __future__ import annotations

import math
import re
from decimal import Decimal

from core.export.cells import printed_text
from core.layout import COMPUTED, INPUT, TITLE, Sheet, excel_scale, text_width

EXCEL_MAX_TEXT = 32_767
FONT_SIZE = 10.5
TITLE_SIZE = 16
LINE_PT = 14.25               # one line of 宋体 10.5pt, as Excel and LibreOffice lay it out
PAD_PT = 4.0
MIN_ROW_PT = 18.0
MAX_ROW_PT = 409.0            # Excel's limit
SPREAD_PT = 400.0             # a taller row is spread over rows of at most this height
TEXT_FORMAT = "@"
AMOUNT_FORMAT = "#,##0.00"
SCORE_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"
MARGIN_LR_IN, MARGIN_TOP_IN, MARGIN_BOTTOM_IN = 0.6, 0.6, 0.9

_PLAIN_NUMBER = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d{1,10})?$")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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


def cell_need(sheet: Sheet, cell, widths: list) -> float:
    """Estimated height in points of a cell's wrapped text in the workbook."""
    px = _column_px(widths, cell.col, cell.colspan)
    size = TITLE_SIZE if cell.role == TITLE else FONT_SIZE
    line = LINE_PT * size / FONT_SIZE
    if shrink_to_fit(sheet, cell) or cell_output(cell)[0] == "n":
        return line + PAD_PT          # shrunk to fit on one line
    return _lines(printed_text(cell), px * FONT_SIZE / size) * line + PAD_PT


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
        return cell_need(sheet, cell, widths)

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
        from core.export.pdf_layout import layout
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
