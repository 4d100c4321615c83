"""Which characters the bundled faces can draw: the check made before any PDF is written, so a
form with a character no face has is refused with its cells named, instead of printing a hole."""
from __future__ import annotations

import unicodedata

from core.export import fonts
from core.export.errors import ExportError
from core.layout import HEADER, Sheet, build_sheet

FONT = fonts.BODY
_ZERO_WIDTH = {"Cc", "Cf", "Mn", "Me", "Zl", "Zp"}


def register_font() -> None:
    """Register the embedded TrueType faces once (:mod:`core.export.fonts`).  (Lines
    are broken by :mod:`core.export.pdf_layout`, never by reportlab's CJK wrapping.)"""
    fonts.register()


def coverage():
    """Every code point some bundled face draws (``ord(ch) in coverage()``)."""
    return fonts.coverage()


def invisible(ch: str) -> bool:
    """A character that prints nothing (controls, joiners, combining marks)."""
    return unicodedata.category(ch) in _ZERO_WIDTH


def _drawable(ch: str, cmap: dict) -> bool:
    return ord(ch) in cmap


def missing_in(text: str, cmap: dict | None = None) -> list[str]:
    """Visible characters of ``text`` the font cannot draw, in order, once each."""
    cmap = cmap if cmap is not None else coverage()
    seen: list[str] = []
    for ch in text or "":
        if ch in "\n\t\r " or _drawable(ch, cmap) or invisible(ch):
            continue
        if ch not in seen:
            seen.append(ch)
    return seen


def sheet_missing(sheet: Sheet) -> list[tuple[object, str]]:
    """[(cell, char)] for every printed character the font lacks."""
    cmap = coverage()
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


