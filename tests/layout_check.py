"""What "the same form" means after a workbook is read by its layout.

A workbook without its hidden data sheet holds only what the paper shows, so the
form read back must draw the same table, cell for cell (text, spans, computed
scores, rates, grades), and every value the table shows must come back as
typed: amounts and weights by value (Excel stores numbers), the three target
cells of a Sichuan table by their parts, merged 一级/二级 cells as shown."""
from __future__ import annotations

import io

from core.export.xlsx import EMBED_SHEET, build_workbook, excel_text
from core.model import Form
from core.reader import parse_amount
from core.sheet import EDITABLE_ROLES, build_sheet, split_target


def paper(form: Form) -> list[tuple]:
    return [(c.row, c.col, c.rowspan, c.colspan, c.role, c.text) for c in build_sheet(form).cells]


def workbook_without_data(form: Form, edit=None) -> bytes:
    """The exported workbook with its hidden sheet deleted, optionally edited (ws -> None)."""
    wb = build_workbook(form)
    del wb[EMBED_SHEET]
    if edit is not None:
        edit(wb.worksheets[0])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _same_value(a: str, b: str) -> bool:
    va, ea = parse_amount(a or "")
    vb, eb = parse_amount(b or "")
    if va is not None and vb is not None and not ea and not eb:
        return va == vb
    return excel_text(a or "") == excel_text(b or "")


def differences(original: Form, back: Form) -> list[str]:
    out = []
    if back.template_id != original.template_id:
        return [f"template {back.template_id} != {original.template_id}"]
    a, b = paper(original), paper(back)
    if a != b:
        for x, y in zip(a, b):
            if x != y:
                out.append(f"cell {x} != {y}")
        if len(a) != len(b):
            out.append(f"{len(a)} cells != {len(b)}")
    for cell in build_sheet(original).cells:
        if cell.role not in EDITABLE_ROLES or not cell.key or cell.key.endswith(".score"):
            continue
        if "#" in cell.key:
            path = cell.key.split("#")[0]
            if split_target(back.get(path)) != split_target(original.get(path)):
                out.append(f"{path}: {back.get(path)!r} != {original.get(path)!r}")
            continue
        if cell.rowspan > 1 or len(cell.keys) > 1:
            for k in cell.keys:
                if back.get(k) != (cell.value or ""):
                    out.append(f"{k}: {back.get(k)!r} != {cell.value!r}")
            continue
        if cell.text != (cell.value or "") and cell.key.endswith(".label"):
            continue          # decorated (其中：) labels: compared on paper
        if not _same_value(back.get(cell.key), original.get(cell.key)):
            out.append(f"{cell.key}: {back.get(cell.key)!r} != {original.get(cell.key)!r}")
    return out
