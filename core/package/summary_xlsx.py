"""The 汇总表 as an Excel workbook: 宋体, borders on every cell of merged ranges,
landscape A4 one page wide, the 合计 row and the signature line under it.

Values only, never formulas: clerk text is written as strings; amounts, rates and
scores as numbers with a number format.
"""
from __future__ import annotations

import io

from core.export import AMOUNT_FORMAT, PERCENT_FORMAT, SCORE_FORMAT, excel_text
from core.package.summary import COLUMNS, UNSCORED, Summary

FONT_NAME = "宋体"
TITLE_FONT_NAME = "黑体"
WIDTHS = (5, 10, 22, 9, 18, 11, 11, 11, 10, 15, 8, 7, 28, 8)   # Excel character widths
SIGNATURE_LABELS = ("填表人：", "审核人：", "单位负责人：", "日期：", "（盖章）")
SIGNATURE = (" " * 14).join(SIGNATURE_LABELS)


def title_of(summary: Summary) -> str:
    year = f"{summary.year}年度" if summary.year else ""
    return f"{year}{summary.unit}绩效自评结果汇总表"


def build_workbook(summary: Summary):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    wb = Workbook()
    ws = wb.active
    ws.title = "绩效自评结果汇总表"
    n = len(COLUMNS)
    last = get_column_letter(n)
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    body = Font(name=FONT_NAME, size=10.5, charset=134)
    bold = Font(name=FONT_NAME, size=10.5, bold=True, charset=134)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center", wrap_text=True)

    for i, w in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w

    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = excel_text(title_of(summary))
    ws["A1"].font = Font(name=TITLE_FONT_NAME, size=16, bold=True, charset=134)
    ws["A1"].alignment = center
    ws.row_dimensions[1].height = 36
    # 填报单位 at the left, 金额单位 at the right edge of the table (as the PDF prints them)
    split = get_column_letter(n - 2)
    ws.merge_cells(f"A2:{get_column_letter(n - 3)}2")
    ws.merge_cells(f"{split}2:{last}2")
    ws["A2"] = excel_text(f"填报单位：{summary.unit}")
    ws["A2"].font = body
    ws["A2"].alignment = left
    ws[f"{split}2"] = "金额单位：万元"
    ws[f"{split}2"].font = body
    ws[f"{split}2"].alignment = Alignment(horizontal="right", vertical="center")
    ws.row_dimensions[2].height = 22

    def put(r: int, c: int, value, font=body, al=center, fmt=None):
        cell = ws.cell(row=r, column=c)
        if value not in (None, ""):
            cell.value = excel_text(value) if isinstance(value, str) else value
        cell.font = font
        cell.alignment = al
        cell.border = box
        if fmt:
            cell.number_format = fmt

    r = 3
    for c, name in enumerate(COLUMNS, start=1):
        put(r, c, name, bold)
    ws.row_dimensions[r].height = 30
    for row in summary.rows:
        r += 1
        text = row.cells(short=False)              # 主要偏差原因 whole, wrapped
        for c, value in enumerate(text, start=1):
            key = COLUMNS[c - 1]
            if key == "序号":
                put(r, c, row.no)
            elif key in ("年初预算数", "全年预算数", "全年执行数"):
                num = {"年初预算数": row.initial, "全年预算数": row.budget, "全年执行数": row.executed}[key]
                put(r, c, num, al=right, fmt=AMOUNT_FORMAT)
            elif key == "执行率":
                put(r, c, None if row.rate is None else row.rate / 100, al=right, fmt=PERCENT_FORMAT)
            elif key == "自评得分" and row.scored and row.score is not None:
                put(r, c, row.score, fmt=SCORE_FORMAT)            # centred, as 不计分 and the PDF
            elif key == "未达标指标数":
                put(r, c, row.below)
            elif key in ("项目名称", "实施单位", "主要偏差原因", "备注"):
                put(r, c, value, al=left)
            else:
                put(r, c, value)
        longest = max(len(row.name) / 12, len(row.reason) / 15, len(row.unit) / 10, 1)
        ws.row_dimensions[r].height = min(409, max(22, 15 * (int(longest) + 1)))    # Excel: 409 pt at most
    # 合计
    r += 1
    totals = summary.total_cells()
    for c in range(1, n + 1):
        put(r, c, None, bold)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
    put(r, 1, "合计", bold)
    put(r, 5, totals[4], bold)
    put(r, 6, summary.initial, bold, right, AMOUNT_FORMAT)
    put(r, 7, summary.budget, bold, right, AMOUNT_FORMAT)
    put(r, 8, summary.executed, bold, right, AMOUNT_FORMAT)
    put(r, 9, None if summary.rate is None else summary.rate / 100, bold, right, PERCENT_FORMAT)
    put(r, 10, totals[9], bold)
    put(r, 11, totals[10], bold)
    put(r, 12, summary.below, bold)
    ws.row_dimensions[r].height = 64 if summary.scored_count else 24
    # what the 合计 leaves out, under the table
    for note in summary.notes():
        r += 1
        ws.merge_cells(f"A{r}:{last}{r}")
        ws[f"A{r}"] = excel_text("注：" + note)
        ws[f"A{r}"].font = body
        ws[f"A{r}"].alignment = left
        ws.row_dimensions[r].height = 20
    # signature line
    r += 2
    ws.merge_cells(f"A{r}:{last}{r}")
    ws[f"A{r}"] = SIGNATURE
    ws[f"A{r}"].font = body
    ws[f"A{r}"].alignment = left
    ws.row_dimensions[r].height = 28

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_title_rows = "1:3"
    ws.print_area = f"A1:{last}{r}"
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.font = "宋体,常规"
    ws.oddFooter.center.size = 10
    ws.sheet_view.showGridLines = False
    ws.freeze_panes = "A4"
    wb.properties.title = title_of(summary)
    wb.properties.creator = summary.unit or "ziping"
    wb.properties.keywords = "ziping"
    return wb


def write_summary_xlsx(summary: Summary, path) -> None:
    """Write the workbook to ``path`` (not atomic; the caller uses core.files.atomic)."""
    buf = io.BytesIO()
    build_workbook(summary).save(buf)
    with open(path, "wb") as fh:
        fh.write(buf.getbuffer())


__all__ = ["write_summary_xlsx", "build_workbook", "title_of", "UNSCORED"]
