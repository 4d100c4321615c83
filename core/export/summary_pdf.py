"""The 汇总表 as a PDF (reportlab platypus, bundled fonts): landscape A4, the
header repeated on every page, the 合计 row and the signature line."""
from __future__ import annotations

from xml.sax.saxutils import escape

from ..summary import COLUMNS, Summary
from .faces import faces
from .summary_xlsx import SIGNATURE_LABELS, WIDTHS, title_of

BODY_SIZE = 9
LEADING = 12


def para_style(font: str, size: float = BODY_SIZE, align: int = 1, leading: float = LEADING):
    from reportlab.lib.styles import ParagraphStyle
    return ParagraphStyle("c", fontName=font, fontSize=size, leading=leading, alignment=align,
                          wordWrap="CJK")


def p(text: str, style):
    from reportlab.platypus import Paragraph
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def build_story(summary: Summary, body: str, title: str, width: float) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import Spacer, Table, TableStyle

    center, left, right = para_style(body), para_style(body, align=0), para_style(body, align=2)
    head = para_style(title, align=1)
    total_w = sum(WIDTHS)
    col_w = [width * w / total_w for w in WIDTHS]
    aligns = {"项目名称": left, "实施单位": left, "主要偏差原因": left, "备注": left,
              "年初预算数": right, "全年预算数": right, "全年执行数": right, "执行率": right}
    data = [[p(c, head) for c in COLUMNS]]
    for row in summary.rows:
        data.append([p(v, aligns.get(COLUMNS[i], center)) for i, v in enumerate(row.cells())])
    totals = summary.total_cells()
    data.append([p(v, aligns.get(COLUMNS[i], center) if i >= 5 else center) for i, v in enumerate(totals)])
    n = len(data) - 1
    table = Table(data, colWidths=col_w, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("SPAN", (0, n), (3, n)),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    line = para_style(body, 10.5, 0, 16)
    info = Table([[p(f"填报单位：{summary.unit}", line), p("金额单位：万元", para_style(body, 10.5, 2, 16))]],
                 colWidths=[width * 0.7, width * 0.3])
    sign = Table([[p(t, line) for t in SIGNATURE_LABELS]], colWidths=[width / 5] * 5)
    for t in (info, sign):
        t.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [p(title_of(summary), para_style(title, 16, 1, 24)), Spacer(1, 6), info, Spacer(1, 4), table,
            Spacer(1, 16), sign]


def write_summary_pdf(summary: Summary, path) -> None:
    """Write the PDF to ``path`` (not atomic; the caller uses core.atomic)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    body, title = faces()
    size = landscape(A4)
    margin = 15 * mm

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(body, 9)
        canvas.drawCentredString(size[0] / 2, 8 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(str(path), pagesize=size, leftMargin=margin, rightMargin=margin,
                            topMargin=margin, bottomMargin=margin, title=title_of(summary),
                            author=summary.unit or "ziping", subject="绩效自评结果汇总表")
    doc.build(build_story(summary, body, title, size[0] - 2 * margin), onFirstPage=footer, onLaterPages=footer)


__all__ = ["write_summary_pdf", "para_style", "p"]
