"""The 自评报告 as a Word file (python-docx), typeset as GB/T 9704-2012 asks:
A4; margins 37/35/28/26 mm; title 二号 (22 pt) 宋体 bold; 一、 三号 黑体; （一） 三号 楷体;
body 三号 (16 pt) 仿宋 on a 28-line grid; page numbers “— 1 —” at the foot (a PAGE field).

Fonts are named as Windows has them (SimSun, SimHei, KaiTi, FangSong), with the East-Asian
font attribute ``w:eastAsia`` set on every run, so Word and WPS pick them for Chinese text.
Marked blanks 【请填写：……】 are highlighted so the clerk finds them.
"""
from __future__ import annotations

import io
import re

from ..report import Report

BODY_FONT = "FangSong"
TITLE_FONT = "SimSun"
H1_FONT = "SimHei"
H2_FONT = "KaiTi"
TABLE_FONT = "SimSun"
LATIN_FONT = "Times New Roman"
BODY_PT = 16          # 三号
TITLE_PT = 22         # 二号
TABLE_PT = 10.5       # 五号
FOOTER_PT = 14        # 四号
LINE_PT = 28.95       # 225 mm / 28 lines
MARGINS_MM = (37, 35, 28, 26)     # top, bottom, left, right: a 156 × 225 mm text block
BLANK_RE = re.compile(r"(【请填写：[^】]*】)")


def _fonts(run, east: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), east)
    rfonts.set(qn("w:hint"), "eastAsia")


def _para(doc_or_cell, text: str, east: str, size: float, *, bold=False, align=None, indent=True,
          exact: float | None = LINE_PT, highlight_blanks=True):
    from docx.enum.text import WD_COLOR_INDEX, WD_LINE_SPACING
    from docx.shared import Pt
    p = doc_or_cell.add_paragraph()
    pf = p.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    if exact:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(exact)
    if indent:
        pf.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    parts = BLANK_RE.split(text) if highlight_blanks else [text]
    for part in parts:
        if not part:
            continue
        run = p.add_run(part)
        _fonts(run, east, size, bold)
        if highlight_blanks and BLANK_RE.fullmatch(part):
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return p


def _page_number_footer(section) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    footer = section.footer
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def run(text: str = ""):
        r = p.add_run(text)
        _fonts(r, TITLE_FONT, FOOTER_PT)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._element.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._element.append(instr)
        else:
            r.text = text
    run(" —")


def _grid(section) -> None:
    """28 lines a page: the section's document grid."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PT * 20)))


def _no_grid(p) -> None:
    """Table text is set solid, not on the page's 28-line grid."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    ppr = p._element.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    ppr.insert(0, snap)


def _table(doc, rows: list, widths: tuple, text_width_mm: float) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm
    ncols = len(rows[0])
    table = doc.add_table(rows=len(rows), cols=ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(widths) or ncols
    col_mm = [text_width_mm * w / total for w in (widths or (1,) * ncols)]
    for ri, row in enumerate(rows):
        cells = table.rows[ri].cells
        for ci in range(ncols):
            cell = cells[ci]
            cell.width = Mm(col_mm[ci])
            value = row[ci] if ci < len(row) else ""
            lines = str(value).split("\n")
            first = cell.paragraphs[0]
            for li, line in enumerate(lines):
                p = first if li == 0 else cell.add_paragraph()
                r = p.add_run(line)
                _fonts(r, H1_FONT if ri == 0 else TABLE_FONT, TABLE_PT, bold=False)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER if (ri == 0 or len(line) <= 12) else WD_ALIGN_PARAGRAPH.LEFT
                p.paragraph_format.space_before = p.paragraph_format.space_after = 0
                p.paragraph_format.line_spacing = 1.0
                _no_grid(p)
    for ci, w in enumerate(col_mm):
        table.columns[ci].width = Mm(w)


def build_document(report: Report):
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    top, bottom, left, right = MARGINS_MM
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.footer_distance = Mm(28 - 7)
    _grid(section)
    _page_number_footer(section)
    text_width = 210 - left - right
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    from docx.oxml.ns import qn
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    doc.core_properties.title = report.title
    doc.core_properties.author = report.unit or "ziping"
    doc.core_properties.subject = "绩效自评报告"

    _para(doc, report.title, TITLE_FONT, TITLE_PT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
          exact=None, highlight_blanks=False)
    _para(doc, "", BODY_FONT, BODY_PT, indent=False)
    for sec in report.sections:
        _para(doc, sec.title, H1_FONT, BODY_PT)
        for block in sec.items():
            if block.kind == "h2":
                _para(doc, block.text, H2_FONT, BODY_PT)
            elif block.kind == "table":
                _table(doc, block.rows, block.widths, text_width)
            else:
                for line in block.text.split("\n"):
                    if line.strip():
                        _para(doc, line.strip(), BODY_FONT, BODY_PT)
    return doc


def write_report_docx(report: Report, path) -> None:
    """Write the Word file to ``path`` (not atomic; the caller uses core.atomic)."""
    buf = io.BytesIO()
    build_document(report).save(buf)
    with open(path, "wb") as fh:
        fh.write(buf.getbuffer())


__all__ = ["write_report_docx", "build_document", "BODY_FONT", "H1_FONT", "H2_FONT", "TITLE_FONT"]
