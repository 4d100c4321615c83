"""The 汇总表 as a PDF (reportlab platypus, bundled fonts): landscape A4, the
header repeated on every page, the 合计 row and the signature line."""
from __future__ import annotations

from core.export import fonts
from core.package.summary import COLUMNS, Summary
from core.package.summary_xlsx import SIGNATURE_LABELS, WIDTHS, title_of

BODY_SIZE = 9
LEADING = 12


def para_style(font: str, size: float = BODY_SIZE, align: int = 1, leading: float = LEADING):
    from reportlab.lib.styles import ParagraphStyle
    return ParagraphStyle("c", fontName=font, fontSize=size, leading=leading, alignment=align,
                          wordWrap="CJK")


def p(text: str, style):
    """A Paragraph of ``text`` in ``style``'s face, with the bundled faces' fallback for the
    characters that face lacks (fonts.markup) and a line break for each newline."""
    fonts.import_platypus()
    from reportlab.platypus import Paragraph
    return Paragraph("<br/>".join(fonts.markup(line, style.fontName) for line in (text or "").split("\n")), style)


# headings as printed: one too long for its narrow column on two lines of whole words
HEADINGS = tuple({"未达标指标数": "未达标\n指标数"}.get(c, c) for c in COLUMNS)
CELL_PAD = 4            # left + right padding of a cell


WHOLE = range(5, 12)    # 年初预算数 … 未达标指标数: figures and short words, never broken


def column_widths(width: float, head_font: str, body_font: str | None = None,
                  summary: Summary | None = None) -> list[float]:
    """Column widths (pt) in the workbook's proportions, each at least as wide as its heading's
    lines (no “项目类/别”) and, for the figures' columns, as their widest figure or line of the
    合计 row (no “94.2/5”); the room taken from the columns with more than they need."""
    total_w = sum(WIDTHS)
    col_w = [width * w / total_w for w in WIDTHS]
    need = [max(fonts.string_width(line, head_font, BODY_SIZE) for line in h.split("\n")) + CELL_PAD + 0.5
            for h in HEADINGS]
    if summary is not None and body_font:
        rows = [r.cells() for r in summary.rows] + [summary.total_cells()]
        for i in WHOLE:
            for cells in rows:
                for line in cells[i].split("\n"):
                    need[i] = max(need[i], fonts.string_width(line, body_font, BODY_SIZE) + CELL_PAD + 0.5)
    short = sum(max(0.0, n - w) for n, w in zip(need, col_w))
    spare = [max(0.0, w - n) for n, w in zip(need, col_w)]
    if short and sum(spare) > short:
        share = short / sum(spare)
        col_w = [max(n, w - sp * share) for n, w, sp in zip(need, col_w, spare)]
    return col_w


def build_story(summary: Summary, body: str, title: str, width: float) -> list:
    from reportlab.lib import colors
    fonts.import_platypus()
    from reportlab.platypus import Spacer, Table, TableStyle

    center, left, right = para_style(body), para_style(body, align=0), para_style(body, align=2)
    head = para_style(title, align=1)
    col_w = column_widths(width, title, body, summary)
    aligns = {"项目名称": left, "实施单位": left, "主要偏差原因": left, "备注": left,
              "年初预算数": right, "全年预算数": right, "全年执行数": right, "执行率": right}
    data = [[p(c, head) for c in HEADINGS]]
    for row in summary.rows:
        data.append([p(v, aligns.get(COLUMNS[i], center)) for i, v in enumerate(row.cells())])
    totals = summary.total_cells()
    data.append([p(v, aligns.get(COLUMNS[i], center) if i >= 5 else center) for i, v in enumerate(totals)])
    n = len(data) - 1
    line = para_style(body, 10.5, 0, 16)
    info = Table([[p(f"填报单位：{summary.unit}", line), p("金额单位：万元", para_style(body, 10.5, 2, 16))]],
                 colWidths=[width * 0.7, width * 0.3])
    sign = Table([[p(t, line) for t in SIGNATURE_LABELS]], colWidths=[sum(col_w) / 5] * 5)
    for t in (info, sign):
        t.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("FONTNAME", (0, 0), (-1, -1), body)]))
    # the signature line is the table's last row (spanned, no borders), so that it, the 合计 row and
    # the last project's row are never parted by a page break (NOSPLIT): neither 合计 nor the
    # signatures alone on a page
    notes = summary.notes()
    if notes:      # what the 合计 leaves out, just under it and kept with it
        sign = Table([[p("注：" + n, line)] for n in notes] + [[sign]], colWidths=[sum(col_w)])
        sign.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                  ("TOPPADDING", (0, -1), (-1, -1), 10)]))
    data.append([sign] + [""] * (len(HEADINGS) - 1))
    table = Table(data, colWidths=col_w, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, n), 0.6, colors.black), ("FONTNAME", (0, 0), (-1, -1), body),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("SPAN", (0, n), (3, n)),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD / 2), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD / 2),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("SPAN", (0, n + 1), (-1, n + 1)), ("TOPPADDING", (0, n + 1), (-1, n + 1), 16),
        ("LEFTPADDING", (0, n + 1), (-1, n + 1), 0), ("RIGHTPADDING", (0, n + 1), (-1, n + 1), 0),
        ("NOSPLIT", (0, max(1, n - 1)), (-1, n + 1)),
    ]))
    return [p(title_of(summary), para_style(title, 16, 1, 24)), Spacer(1, 6), info, Spacer(1, 4), table]


def write_summary_pdf(summary: Summary, path) -> None:
    """Write the PDF to ``path`` (not atomic; the caller uses core.files.atomic)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    fonts.import_platypus()
    from reportlab.platypus import SimpleDocTemplate

    body, title = fonts.register()
    size = landscape(A4)
    margin = 15 * mm

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(body, 9)
        canvas.drawCentredString(size[0] / 2, 8 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(str(path), pagesize=size, leftMargin=margin, rightMargin=margin,
                            topMargin=margin, bottomMargin=margin, title=title_of(summary),
                            author=summary.unit or "ziping", subject="绩效自评结果汇总表",
                            lang="zh-CN", initialFontName=body, initialFontSize=BODY_SIZE)   # no Helvetica
    doc.build(build_story(summary, body, title, size[0] - 2 * margin), onFirstPage=footer, onLaterPages=footer)


__all__ = ["write_summary_pdf", "para_style", "p"]
