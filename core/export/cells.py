"""What a cell prints, shared by the workbook and the PDF.

The sheet holds what the clerk typed; a printed copy follows the documents'
conventions (DOMAIN §6): a date as 2026年12月1日.  The stored value is unchanged.
"""
from __future__ import annotations

import re

from core.rules import to_halfwidth

DATE_KEYS = ("header.填报日期",)
_ISO_DATE = re.compile(r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*$")


def chinese_date(text: str) -> str:
    """2026-12-01 (or 2026/12/1, 2026.12.01) -> 2026年12月1日; anything else as typed."""
    m = _ISO_DATE.match(to_halfwidth(text or ""))
    if not m:
        return text
    y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return text
    return f"{y}年{mo}月{d}日"


def printed_text(cell) -> str:
    if cell.key in DATE_KEYS and cell.text:
        return chinese_date(cell.text)
    return cell.text
