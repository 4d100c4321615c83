"""The 自评报告 as a Word file (python-docx), typeset as GB/T 9704-2012 asks:
A4; margins 37/35/28/26 mm; title 二号 (22 pt) 宋体 bold; 一、 三号 黑体; （一） 三号 楷体;
body 三号 (16 pt) 仿宋 on a 22-line grid (GB/T 9704: 22 lines of 28 characters a page);
page numbers “— 1 —” at the foot (a PAGE field).

Fonts are named as Windows has them (SimSun, SimHei, KaiTi, FangSong), with the East-Asian
font attribute ``w:eastAsia`` set on every run, so Word and WPS pick them for Chinese text.
Marked blanks 【请填写：……】 are highlighted so the clerk finds them.
"""
from __future__ import annotations

import io
import re

from core.package.report import Report

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
LINE_PT = 28.95       # 225 mm / 22 lines
CHARS_PER_LINE = 28
# top, bottom, left, right.  The text block is 28 characters of 三号 wide (448 pt, 158 mm: GB/T 9704
# asks 156 mm and 28 characters a line, which Word meets by narrowing its character grid, a grid
# LibreOffice lays out differently), 225 mm high (22 lines of 28.95 pt).
LEFT_TWIPS, RIGHT_TWIPS = 1531, 1415            # 27.0 mm + 24.96 mm; A4 is 11906 twips wide
MARGINS_MM = (37, 35, LEFT_TWIPS * 25.4 / 1440, RIGHT_TWIPS * 25.4 / 1440)
BLANK_RE = re.compile(r"(【请填写：[^】]*】)")
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


TITLE_EM = int(CHARS_PER_LINE * BODY_PT // TITLE_PT)      # 20 characters of 二号 on a line
_TIGHT = set("，。、；：？！）》」』】〕〉”’…—%％")          # never starts a line
_OPEN = set("（《「『【〔〈“‘")                            # never ends one


def _em(text: str) -> float:
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def title_lines(report: Report, em: float = TITLE_EM) -> list[str]:
    """The title on as few lines as it needs (GB/T 9704: words whole, lines of even length):
    broken where its parts meet (after 年度, around the unit and the project, before
    绩效自评报告) when every line then fits, the most even such break; else into lines of
    about equal length, never inside a number nor before a closing mark."""
    title = report.title
    total = _em(title)
    if total <= em:
        return [title]
    n = len(title)
    seams = set()
    if report.year:
        prefix = f"{report.year}年度"
        if title.startswith(prefix):
            seams.add(len(prefix))
    for part in (report.unit, report.name, "部门整体支出", "绩效自评报告"):
        at = title.rfind(part) if part else -1
        if at >= 0:
            seams.update((at, at + len(part)))
    seams = sorted(i for i in seams if 0 < i < n)

    def lines_at(cuts) -> list[str]:
        bounds = [0, *cuts, n]
        return [title[a:b] for a, b in zip(bounds, bounds[1:])]

    from itertools import combinations
    lines_n = int(-(-total // em))                 # as few lines as the title needs
    fitting = [lines_at(c) for c in combinations(seams, lines_n - 1)
               if all(_em(line) <= em for line in lines_at(c))]
    if fitting:
        return min(fitting, key=lambda ls: max(map(_em, ls)) - min(map(_em, ls)))
    # no seam will do: lines of about equal length
    ok = [i for i in range(1, n) if title[i] not in _TIGHT and title[i - 1] not in _OPEN
          and not (title[i - 1].isascii() and title[i - 1].isalnum() and title[i].isascii() and title[i].isalnum())]
    cuts, last = [], 0
    for k in range(1, lines_n):
        target = total * k / lines_n
        best = None
        for i in ok:
            if i <= last:
                continue
            if _em(title[last:i]) > em:
                break
            if best is None or abs(_em(title[:i]) - target) < abs(_em(title[:best]) - target):
                best = i
        if best is None:
            break
        cuts.append(best)
        last = best
    return lines_at(cuts)


def xml_safe(text: str) -> str:
    """Text as XML can hold it: characters XML forbids become U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def escape(text: str) -> str:
    """``& < >`` escaped for an XML text node (xml.sax.saxutils would pull in urllib, http, email)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Paragraph styles: (name, East-Asian font, size, bold, alignment, first-line indent, exact line, on grid)
STYLES = (
    ("ZP Title", TITLE_FONT, TITLE_PT, True, "center", False, None, True),
    ("ZP H1", H1_FONT, BODY_PT, False, None, True, LINE_PT, True),
    ("ZP H2", H2_FONT, BODY_PT, False, None, True, LINE_PT, True),
    ("ZP Body", BODY_FONT, BODY_PT, False, "justify", True, LINE_PT, True),
    ("ZP Head Cell", H1_FONT, TABLE_PT, False, "center", False, None, False),
    ("ZP Cell", TABLE_FONT, TABLE_PT, False, "center", False, None, False),
    ("ZP Cell Left", TABLE_FONT, TABLE_PT, False, "left", False, None, False),
)


def _add_styles(doc) -> dict[str, str]:
    """Add the paragraph styles (written as XML in one go); returns {name: style id}."""
    from lxml import etree
    jc = {"center": "center", "left": "left", "justify": "both", None: None}
    ids, parts = {}, []
    for name, east, size, bold, align, indent, exact, grid in STYLES:
        sid = name.replace(" ", "")
        ids[name] = sid
        # a heading (and the title) stays on the page of the text that follows it
        ppr = ("<w:keepNext/>" if name in ("ZP Title", "ZP H1", "ZP H2") else "")
        ppr += ("" if grid else '<w:snapToGrid w:val="0"/>')
        ppr += (f'<w:spacing w:before="0" w:after="0" w:line="{round(exact * 20)}" w:lineRule="exact"/>' if exact
                else '<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>')
        if indent:
            ppr += f'<w:ind w:firstLine="{round(size * 2 * 20)}"/>'
        if jc[align]:
            ppr += f'<w:jc w:val="{jc[align]}"/>'
        rpr = (f'<w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{east}" w:hint="eastAsia"/>'
               + ("<w:b/><w:bCs/>" if bold else "") + f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>')
        parts.append(f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{sid}"><w:name w:val="{name}"/>'
                     f'<w:basedOn w:val="Normal"/><w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>')
    root = etree.fromstring(f'<w:styles xmlns:w="{W_NS}">' + "".join(parts) + "</w:styles>")
    styles = doc.styles.element
    for child in list(root):
        styles.append(child)
    return ids


def _para_xml(text: str, style_id: str, highlight_blanks: bool = True) -> str:
    """One paragraph of a style (by its id) as WordprocessingML; marked blanks highlighted."""
    runs = []
    for part in (BLANK_RE.split(text) if highlight_blanks else [text]):
        if not part:
            continue
        mark = '<w:rPr><w:highlight w:val="yellow"/></w:rPr>' if highlight_blanks and BLANK_RE.fullmatch(part) else ""
        runs.append(f'<w:r>{mark}<w:t xml:space="preserve">{escape(xml_safe(part))}</w:t></w:r>')
    return f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>{"".join(runs)}</w:p>'


def _title_xml(lines: list[str], style_id: str) -> str:
    """The title paragraph, its lines separated by line breaks."""
    runs = "<w:r><w:br/></w:r>".join(f'<w:r><w:t xml:space="preserve">{escape(xml_safe(line))}</w:t></w:r>'
                                      for line in lines)
    return f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>{runs}</w:p>'


def _append_body(doc, parts: list[str]) -> None:
    """Parse the body's paragraphs and tables in one go and put them before the section properties."""
    from lxml import etree
    root = etree.fromstring(f'<w:body xmlns:w="{W_NS}">' + "".join(parts) + "</w:body>")
    body = doc.element.body
    at = len(body) - 1 if len(body) and body[-1].tag.endswith("sectPr") else len(body)
    for child in list(root):
        body.insert(at, child)
        at += 1


def _page_number_footer(doc) -> None:
    """The footer “— 1 —”: a PAGE field between two dashes, centred, 四号 宋体.

    The footer part is made here rather than by python-docx's ``section.footer``, which reads a
    template through a path (``docx/parts/../templates``) that does not exist in a frozen build."""
    from docx.enum.section import WD_HEADER_FOOTER
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    from docx.parts.hdrftr import FooterPart

    rpr = (f'<w:rPr><w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{TITLE_FONT}" '
           f'w:hint="eastAsia"/><w:sz w:val="{FOOTER_PT * 2}"/><w:szCs w:val="{FOOTER_PT * 2}"/></w:rPr>')
    runs = (f'<w:r>{rpr}<w:t xml:space="preserve">— </w:t></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r>{rpr}<w:t>1</w:t></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
            f'<w:r>{rpr}<w:t xml:space="preserve"> —</w:t></w:r>')
    xml = (f'<w:ftr xmlns:w="{W_NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
           f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{runs}</w:p></w:ftr>')
    package = doc.part.package
    part = FooterPart(package.next_partname("/word/footer%d.xml"), CT.WML_FOOTER, parse_xml(xml), package)
    rid = doc.part.relate_to(part, RT.FOOTER)
    doc.sections[0]._sectPr.add_footerReference(WD_HEADER_FOOTER.PRIMARY, rid)


def _grid(section) -> None:
    """22 lines a page: the section's document grid."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PT * 20)))


def _table_xml(rows: list, widths: tuple, text_width_mm: float, ids: dict) -> str:
    """A bordered table, written as WordprocessingML in one go (python-docx's cell API is slow):
    column widths in the grid and on every cell, the header row repeated on each page."""

    ncols = len(rows[0])
    total = sum(widths) or ncols
    twips = [round(text_width_mm * w / total / 25.4 * 1440) for w in (widths or (1,) * ncols)]
    border = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    out = [f'<w:tbl><w:tblPr><w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:jc w:val="center"/>'
           f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
           '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
           '</w:tblPr><w:tblGrid>']
    out += [f'<w:gridCol w:w="{t}"/>' for t in twips]
    out.append("</w:tblGrid>")
    for ri, values in enumerate(rows):
        out.append("<w:tr>" + ('<w:trPr><w:tblHeader/></w:trPr>' if ri == 0 else ""))
        for ci in range(ncols):
            value = str(values[ci]) if ci < len(values) else ""
            style = ids["ZP Head Cell" if ri == 0 else ("ZP Cell" if len(value) <= 12 else "ZP Cell Left")]
            out.append(f'<w:tc><w:tcPr><w:tcW w:w="{twips[ci]}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>')
            for line in value.split("\n"):
                run = f'<w:r><w:t xml:space="preserve">{escape(xml_safe(line))}</w:t></w:r>' if line else ""
                out.append(f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{run}</w:p>')
            out.append("</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def _core_properties(doc, report: Report) -> None:
    """文件 → 属性 as Word shows it: the report's title, the unit as author and last editor, made
    and changed now — not python-docx's template (author "python-docx", created 2013)."""
    import datetime as _dt
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    props = doc.core_properties
    props.title = report.title
    props.subject = "绩效自评报告"
    props.author = props.last_modified_by = report.unit or "绩效自评填报工具"
    props.created = props.modified = now
    props.revision = 1
    props.comments = props.keywords = props.category = ""


def build_document(report: Report):
    from docx import Document
    from docx.shared import Mm, Twips

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    top, bottom, left, right = MARGINS_MM
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Twips(LEFT_TWIPS), Twips(RIGHT_TWIPS)
    section.footer_distance = Mm(28 - 7)
    _grid(section)
    _page_number_footer(doc)
    text_width = 210 - left - right
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    from docx.oxml.ns import qn
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    _core_properties(doc, report)

    ids = _add_styles(doc)
    parts = [_title_xml(title_lines(report), ids["ZP Title"]), _para_xml("", ids["ZP Body"])]
    for sec in report.sections:
        parts.append(_para_xml(sec.title, ids["ZP H1"]))
        for block in sec.items():
            if block.kind == "h2":
                parts.append(_para_xml(block.text, ids["ZP H2"]))
            elif block.kind == "table":
                parts.append(_table_xml(block.rows, block.widths, text_width, ids))
            else:
                parts += [_para_xml(line.strip(), ids["ZP Body"]) for line in block.text.split("\n") if line.strip()]
    _append_body(doc, parts)
    return doc


def write_report_docx(report: Report, path) -> None:
    """Write the Word file to ``path`` (not atomic; the caller uses core.files.atomic)."""
    buf = io.BytesIO()
    build_document(report).save(buf)
    with open(path, "wb") as fh:
        fh.write(buf.getbuffer())


__all__ = ["write_report_docx", "build_document", "BODY_FONT", "H1_FONT", "H2_FONT", "TITLE_FONT"]
