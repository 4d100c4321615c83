"""A workbook cell's value as the text Excel shows: numbers plainly, percent formats as 95%, dates
as 2023-03-29.  Shared by the reader of this program's own workbooks and the layout reader."""
from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal, InvalidOperation


def shown_text(value, number_format: str | None = None) -> str:
    """A workbook value as text: numbers plainly (percent formats as 95%), dates as 2023-03-29."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        number = as_decimal(value)
        if number is None:
            return str(value)
        fmt = number_format or ""
        try:
            if "%" in fmt:
                m = re.search(r"0\.(0+)%", fmt)
                places = len(m.group(1)) if m else 0
                pct = (number * 100).quantize(Decimal(1).scaleb(-places)) if places else (number * 100).quantize(Decimal(1))
                return f"{pct}%"
            return plain_number(number)
        except InvalidOperation:      # more digits than Decimal's precision (1E+308 typed in Excel)
            return format(number * 100, "f") + "%" if "%" in fmt else format(number, "f")
    return str(value)


def as_decimal(value) -> Decimal | None:
    try:
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                return None
            return Decimal(format(value, ".15g"))
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return None


def plain_number(number: Decimal) -> str:
    if number == number.to_integral_value():
        return format(number.to_integral_value(), "f")     # 1E+308 too: all its digits, no error
    return format(number.normalize(), "f")
