"""What "the same form" means after a workbook is read by its layout.

A workbook without its hidden data sheet holds only what the paper shows, so the
form read back must draw the same table, cell for cell (text, spans, computed
scores, rates, grades), and every value the table shows must come back as
typed: amounts and weights by value (Excel stores numbers), the three target
cells of a Sichuan table by their parts, merged 一级/二级 cells as shown."""
from __future__ import annotations

import io
from decimal import Context

from core.export.cells import DATE_KEYS, chinese_date
from core.export.xlsx import EMBED_SHEET, build_workbook, cell_output, excel_text
from core.export.xlsx_grid import _ILLEGAL
from core.form import Form
from core.rules import parse_amount
from core.layout.sheet import EDITABLE_ROLES, build_sheet, split_target


def shown(cell) -> object:
    """What the workbook shows in a cell: text as Excel can hold it; a number as Excel keeps it
    (15 significant digits, so 10.0 and 10 are the same number)."""
    kind, value, fmt = cell_output(cell)
    if kind == "n":
        return ("n", fmt, _EXCEL.create_decimal(value).normalize())
    return value or ""          # the printed text (a date as 2023年3月29日), as a cell can hold it


def paper(form: Form) -> list[tuple]:
    return [(c.row, c.col, c.rowspan, c.colspan, c.role, shown(c)) for c in build_sheet(form).cells]


def workbook_without_data(form: Form, edit=None) -> bytes:
    """The exported workbook with its hidden sheet deleted, optionally edited (ws -> None)."""
    wb = build_workbook(form)
    del wb[EMBED_SHEET]
    if edit is not None:
        edit(wb.worksheets[0])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_EXCEL = Context(prec=15)


def _same_value(a: str, b: str) -> bool:
    va, ea = parse_amount(a or "")
    vb, eb = parse_amount(b or "")
    if va is not None and vb is not None and not ea and not eb:
        return _EXCEL.create_decimal(va) == _EXCEL.create_decimal(vb)
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
            if split_target(excel_text(back.get(path))) != split_target(excel_text(original.get(path))):
                out.append(f"{path}: {back.get(path)!r} != {original.get(path)!r}")
            continue
        if cell.rowspan > 1 or len(cell.keys) > 1:
            for k in cell.keys:
                if back.get(k) != (cell.value or ""):
                    out.append(f"{k}: {back.get(k)!r} != {cell.value!r}")
            continue
        if cell.text != (cell.value or "") and cell.key.endswith(".label"):
            continue          # decorated (其中：) labels: compared on paper
        if cell.key in DATE_KEYS:       # printed as 2023年3月29日: read back as printed
            if chinese_date(back.get(cell.key)) != chinese_date(original.get(cell.key)):
                out.append(f"{cell.key}: {back.get(cell.key)!r} != {original.get(cell.key)!r}")
            continue
        if not _same_value(back.get(cell.key), original.get(cell.key)):
            out.append(f"{cell.key}: {back.get(cell.key)!r} != {original.get(cell.key)!r}")
    return out


def drawn_only(form: Form) -> Form:
    """The form with every value its table does not show blanked: what a workbook without its
    data sheet can hold at most."""
    f = form.copy()
    index = build_sheet(form).index
    drawn = set(index) | {k.split("#")[0] for k in index}
    for c in build_sheet(form).cells:
        drawn.update(c.keys)
    rows = [("funds.total", f.funds.get("total") or {})]
    rows += [(f"funds.sources.{i}", r) for i, r in enumerate(f.sources)]
    rows += [(f"funds.uses.{i}", r) for i, r in enumerate(f.uses)]
    for base, row in rows:
        for k in ("initial", "budget", "executed", "transfer", "reason"):
            if k in row and f"{base}.{k}" not in drawn:
                row[k] = ""
    for gi, ii, ind in f.indicators():
        for k in ("content", "target", "actual", "weight", "reason", "measure"):
            if k in ind and f"goals.{gi}.indicators.{ii}.{k}" not in drawn:
                ind[k] = ""
    return f


def fits_excel(form: Form) -> bool:
    """Every number the workbook stores has at most 15 significant digits (all Excel keeps), and
    every text is one an Excel cell can hold (no control characters, no lone surrogates)."""
    def texts(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for v in node.values():
                yield from texts(v)
        elif isinstance(node, list):
            for v in node:
                yield from texts(v)
    if any(_ILLEGAL.search(t) or "\r" in t for t in texts(form.data)):
        return False
    for c in build_sheet(form).cells:
        kind, value, _fmt = cell_output(c)
        if kind == "n" and len(value.normalize().as_tuple().digits) > 15:
            return False
    return True


def holdable(form: Form) -> Form:
    """The form with every text as an Excel cell holds it (control characters as U+FFFD, CR LF
    as LF): what any workbook, ours or a clerk's, can carry."""
    def walk(node):
        if isinstance(node, str):
            return excel_text(node)
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node
    return Form(walk(form.data))
