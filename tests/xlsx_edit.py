"""Editing workbooks the way Excel does, for the import tests.

openpyxl's ``insert_rows``/``insert_cols`` move the cells but leave merged
ranges where they were; Excel moves them along (and widens a range the new row
falls inside).  These helpers do what Excel does."""
from __future__ import annotations

from openpyxl.utils import get_column_letter


def _ranges(ws):
    return [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]


def _remerge(ws, ranges):
    for r0, c0, r1, c1 in ranges:
        ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)


def _unmerge_all(ws):
    ranges = _ranges(ws)
    for r0, c0, r1, c1 in ranges:
        ws.unmerge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
    return ranges


def insert_row(ws, at: int) -> None:
    """A blank row before row ``at`` (1-based), as Excel's 插入行."""
    ranges = _unmerge_all(ws)
    ws.insert_rows(at)
    moved = []
    for r0, c0, r1, c1 in ranges:
        if r0 >= at:
            moved.append((r0 + 1, c0, r1 + 1, c1))
        elif r1 >= at:
            moved.append((r0, c0, r1 + 1, c1))
        else:
            moved.append((r0, c0, r1, c1))
    _remerge(ws, moved)


def insert_col(ws, at: int) -> None:
    """A blank column before column ``at`` (1-based), as Excel's 插入列."""
    ranges = _unmerge_all(ws)
    ws.insert_cols(at)
    moved = []
    for r0, c0, r1, c1 in ranges:
        if c0 >= at:
            moved.append((r0, c0 + 1, r1, c1 + 1))
        elif c1 >= at:
            moved.append((r0, c0, r1, c1 + 1))
        else:
            moved.append((r0, c0, r1, c1))
    _remerge(ws, moved)


def find(ws, text: str):
    """(row, column) of the first cell holding exactly this text."""
    for row in ws.iter_rows():
        for c in row:
            if c.value == text:
                return c.row, c.column
    raise LookupError(text)


def remerge_column(ws, col: int, first_row: int, fill: bool = True, merge_again: bool = True) -> None:
    """Unmerge every vertical range of a column below ``first_row``, write its value into each
    row (as clerks do when they sort or copy), then merge the same ranges again, or not."""
    ranges = [r for r in _ranges(ws) if r[1] == col and r[3] == col and r[0] >= first_row]
    for r0, c0, r1, c1 in ranges:
        ws.unmerge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
        if fill:
            value = ws.cell(r0, c0).value
            for r in range(r0 + 1, r1 + 1):
                ws.cell(r, c0).value = value
                if isinstance(value, str):
                    ws.cell(r, c0).data_type = "s"
    if merge_again:
        _remerge(ws, ranges)


def column_letter(col: int) -> str:
    return get_column_letter(col)
