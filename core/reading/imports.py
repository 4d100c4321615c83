"""Reading a workbook back into a form (``python main.py import FILE.xlsx``).

Two kinds of workbook:

- one this app exported: it carries the exact form file in the very hidden
  sheet ``_ziping``.  That is loaded, then every input cell the clerk changed
  in Excel is applied on top (a cell still holding what the export wrote keeps
  the typed text, so ``1210.99`` does not come back as ``1,210.99``).  When
  rows or columns were inserted, or the hidden sheet is gone, the workbook is
  read by its layout instead;
- any other workbook laid out as one of the templates: :mod:`core.reading.layout_import`
  finds the template's blocks by their labels and reads them.

A workbook is a zip of XML written by someone else: it is size-checked and its
zip directory checked for bombs, then :mod:`core.reading.xlsx_read` streams the parts
it needs and stops at fixed counts (sheets, shared strings, rows, cells), so
any workbook is read or refused in seconds and bounded memory; DOCTYPE and
entity definitions are refused.  Every failure is an :class:`ImportError_`
with one plain Chinese line, never a traceback.
"""
from __future__ import annotations

import hashlib
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

from core.form import Form, FormError, loads, validate
from core.reading.cell_text import as_decimal, shown_text  # noqa: F401 (shown_text: part of this module's face)
from core.rules import parse_amount

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024          # members smaller than this cannot bomb anything
MAX_MEMBERS = 5000
PRESCAN_BYTES = 4096


class ImportError_(Exception):
    """A workbook that cannot be read; ``str(e)`` is one plain Chinese line."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------- safety checks

def check_package(path: Path) -> None:
    """Refuse what is not a reasonable .xlsx before any XML is parsed."""
    name = path.name
    try:
        if not path.exists():
            raise ImportError_(f"找不到文件：{path}")
        if path.is_dir():
            raise ImportError_(f"这是一个文件夹，不是 Excel 工作簿：{path}")
        if not path.is_file():          # a pipe or a device would block or never end
            raise ImportError_(f"“{name}”不是普通文件（可能是管道或设备），无法导入。")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportError_(f"“{name}”过大（{size / 1024 / 1024:.1f} MB，上限 20 MB），不像是绩效自评表，已拒绝导入。")
        with open(path, "rb") as fh:
            head = fh.read(8)
    except PermissionError:
        raise ImportError_(f"没有权限读取“{name}”；如果它正在 Excel 或 WPS 中打开，请先关闭。") from None
    except OSError as e:
        raise ImportError_(f"无法读取“{name}”（系统错误代码 {e.errno}），请确认文件所在的磁盘或网络位置可以访问。") from None
    suffix = path.suffix.lower()
    if suffix == ".et" or suffix == ".ett":
        raise ImportError_(f"“{name}”是 WPS 表格文件（.et），本程序无法直接读取。请在 WPS 中打开它，"
                           "用“文件 → 另存为”保存为 Excel 工作簿（.xlsx）后再导入。")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if suffix == ".xls":
            raise ImportError_(f"“{name}”是旧版 Excel 工作簿（.xls），本程序无法直接读取。请在 Excel 或 WPS 中打开它，"
                               "另存为 Excel 工作簿（.xlsx）后再导入。")
        raise ImportError_(f"“{name}”是旧版 Excel（.xls）格式或设有打开密码的工作簿。请在 Excel 或 WPS 中打开它，"
                           "取消密码（如有），另存为 Excel 工作簿（.xlsx）后再导入。")
    if suffix in (".csv", ".txt") and not head.startswith(b"PK"):
        raise ImportError_(f"“{name}”是纯文本表格（{suffix}），没有合并单元格和格式，无法按自评表读取。"
                           "请在 Excel 或 WPS 中打开原表格，另存为 Excel 工作簿（.xlsx）后再导入。")
    if not head.startswith(b"PK"):
        raise ImportError_(f"“{name}”不是 Excel 工作簿（.xlsx），无法导入。如果它是用其他软件做的表格，"
                           "请在 Excel 或 WPS 中另存为 .xlsx 后再导入。")
    ods = f"“{name}”是 OpenDocument 表格（.ods），请在 LibreOffice、WPS 或 Excel 中打开它，另存为 Excel 工作簿（.xlsx）后再导入。"
    if suffix == ".ods":
        raise ImportError_(ods)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise ImportError_(f"“{name}”内部文件过多，不像是正常的工作簿，已拒绝导入。")
            total = 0
            for info in infos:
                total += info.file_size
                if info.flag_bits & 0x1:
                    raise ImportError_(f"“{name}”已加密，请在 Excel/WPS 中取消密码后再导入。")
                if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise ImportError_(f"“{name}”的压缩比异常（可能是“压缩炸弹”），已拒绝导入。")
            if total > MAX_UNCOMPRESSED:
                raise ImportError_(f"“{name}”解压后过大（{total / 1024 / 1024:.0f} MB），可能是“压缩炸弹”，已拒绝导入。")
            names = {i.filename for i in infos}
            if "mimetype" in names and "content.xml" in names:
                raise ImportError_(ods)
            if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
                raise ImportError_(f"“{name}”不是 Excel 工作簿（.xlsx），无法导入。")
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    with zf.open(info) as member:
                        start = member.read(PRESCAN_BYTES)
                    if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                        raise ImportError_(f"“{name}”含有不安全的 XML 定义（DOCTYPE/ENTITY），已拒绝导入。")
    except ImportError_:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise ImportError_(f"“{name}”已损坏或不完整（不是完整的 .xlsx 文件），无法导入。") from None
    except Exception:   # zlib.error and the like
        raise ImportError_(f"“{name}”已损坏或不完整（不是完整的 .xlsx 文件），无法导入。") from None


# ---------------------------------------------------------------- cell values

def _same_number(got, expected) -> bool:
    if isinstance(got, bool) or not isinstance(got, (int, float, Decimal)):
        return False
    a, b = as_decimal(got), as_decimal(expected)
    if a is None or b is None:
        return False
    return abs(a - b) <= abs(b) * Decimal("1e-12")



# ---------------------------------------------------------------- entry point

class _Fallback(Exception):
    """The embedded form no longer matches the visible cells: read by layout instead."""


def _open_package(path: Path):
    from core.reading.xlsx_read import Package, PackageError
    try:
        return Package(path, path.name)
    except PackageError as e:
        raise ImportError_(str(e)) from None


def _read_sheet(pkg, index: int):
    from core.reading.xlsx_read import PackageError
    try:
        return pkg.read_sheet(index)
    except PackageError as e:
        raise ImportError_(str(e)) from None


def import_workbook(path) -> Form:
    """Read a workbook into a form.  Raises ImportError_ with a Chinese message.

    Cells that could not be read (a formula without a result) are listed in the
    form's ``import_notes``; the checks show them on their cells until filled."""
    from core.export import EMBED_SHEET

    path = Path(path)
    check_package(path)
    pkg = _open_package(path)
    try:
        names = [n for n, _s, _p in pkg.sheets]
        embedded = None
        if EMBED_SHEET in names:
            try:
                return _import_embedded(pkg, path)
            except _Fallback as e:
                embedded = e.args[0]
        return _import_layout(pkg, path, embedded)
    finally:
        pkg.close()


def _import_layout(pkg, path: Path, embedded: Form | None) -> Form:
    from core.reading.layout_import import Grid, NotThisLayout, read_layout

    visible = [i for i, (_n, state, _p) in enumerate(pkg.sheets) if state in ("visible", "", None)]
    problems = []
    hint = embedded.template_id if embedded is not None else None
    for i in visible:
        grid = Grid.from_sheet(_read_sheet(pkg, i))
        try:
            data, notes = read_layout(grid, hint)
        except NotThisLayout as e:
            problems.append(str(e))
            continue
        if embedded is not None and data.get("template") == embedded.template_id:
            _keep_computed(data, embedded)
        if notes:
            data["import_notes"] = [{"where": w, "message": m} for w, m in dict.fromkeys(notes)]
        try:
            return validate(data)
        except FormError as e:
            raise ImportError_(f"“{path.name}”中读取的内容无效：{e}") from None
    detail = problems[0] if problems else "工作簿中没有可见的工作表"
    raise ImportError_(f"“{path.name}”不是可识别的绩效自评表格式：{detail}。"
                       "可导入本程序导出的工作簿，以及按本程序各模板格式填写的表格。")


def _keep_computed(data: dict, embedded: Form) -> None:
    """Read by layout a workbook this app exported: a printed score, rate or total still equal to
    what the export computed is not the clerk's (Excel does not recompute our values)."""
    from core.rules import compute as score
    from core.rules import fmt2, r2

    if data.get("year") is None:
        data["year"] = embedded.data.get("year")
    s = score(embedded)

    def row_key(ind: dict) -> tuple:
        return tuple(str(ind.get(k) or "") for k in ("level1", "level2", "name", "target", "weight"))
    exported = {}           # an indicator row as exported -> its computed score (rows found by content:
    for gi, ii, ind in embedded.indicators():                   # rows may have been inserted)
        res = s.indicator(gi, ii)
        if res is not None and res.score is not None and not res.overridden:
            exported.setdefault(row_key(ind), r2(res.score))
    for goal in data.get("goals") or []:
        for ind in goal.get("indicators") or []:
            typed = ind.get("score")
            computed = exported.get(row_key(ind))
            if typed and computed is not None:
                value, err = parse_amount(typed)
                if value is not None and not err and value == computed:
                    ind["score"] = None
    total = data.get("funds", {}).get("total", {})
    if total.get("rate") and s.rate is not None and total["rate"].strip() == f"{fmt2(s.rate)}%":
        del total["rate"]
    if isinstance(data.get("total"), str) and s.total is not None and data["total"].strip() == fmt2(s.total):
        del data["total"]


# ---------------------------------------------------------------- workbooks this app exported

def _import_embedded(pkg, path: Path) -> Form:
    from core.export import EMBED_MAGIC, EMBED_SHEET, ROW_MAP_CELL, SHEET_NAME
    from core.form import template_ids
    _ROW_MAP = (ROW_MAP_CELL[0] - 1, ROW_MAP_CELL[1] - 1)
    from core.reading.xlsx_read import sheet_index

    sd = _read_sheet(pkg, sheet_index(pkg, EMBED_SHEET))
    bad = f"“{path.name}”中内嵌的表单数据已损坏，无法导入"

    def at(r, c):
        cell = sd.cells.get((r, c))
        return cell.value if cell is not None else None
    if at(0, 0) != EMBED_MAGIC:
        raise ImportError_(bad + "。")
    try:
        count = int(str(at(0, 2)))
    except (TypeError, ValueError):
        raise ImportError_(bad + "。") from None
    if count < 1 or count + 1 > sd.nrows:
        raise ImportError_(bad + "（数据不完整）。")
    parts = []
    for r in range(1, 1 + count):
        v = at(r, 0)
        if not isinstance(v, str):
            raise ImportError_(bad + "（数据不完整）。")
        parts.append(v)
    text = "".join(parts)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if str(at(0, 3) or "") != digest:
        raise ImportError_(bad + "（校验不符）。")
    try:
        form = loads(text, known_templates=set(template_ids()))
    except FormError as e:
        raise ImportError_(f"“{path.name}”中内嵌的表单数据无效：{e}") from None

    index = sheet_index(pkg, SHEET_NAME)
    if index is None:
        index = next((i for i, (n, _s, _p) in enumerate(pkg.sheets) if n != EMBED_SHEET), None)
    if index is not None:
        _apply_visible_edits(form, _read_sheet(pkg, index), path, _spread_rows(at(*_ROW_MAP)))
    return form


def _spread_rows(value) -> dict:
    """{sheet row: workbook rows} of the rows the export spread over several workbook rows."""
    if not (isinstance(value, str) and value.startswith("rows:")):
        return {}
    try:
        return {int(k): int(v) for k, v in json.loads(value[5:]).items()}
    except (ValueError, AttributeError, TypeError):
        return {}


def _norm(text) -> str:
    return re.sub(r"\s+", "", str(text or ""))


def _row_starts(spread: dict, nrows: int) -> list[int]:
    """The workbook row (0-based) where each sheet row starts, and the one after the last
    (as :func:`core.export.xlsx.row_starts`, from the map read out of the hidden sheet)."""
    starts, at = [], 0
    for r in range(nrows):
        starts.append(at)
        at += max(1, min(spread.get(r, 1), 10_000))
    starts.append(at)
    return starts


def _apply_visible_edits(form: Form, sd, path: Path, spread: dict) -> None:
    """Apply every input cell the clerk changed in Excel on top of the embedded form."""
    from core.layout import HEADER, LABEL, build_sheet

    sheet = build_sheet(form)
    starts = _row_starts(spread, sheet.nrows)       # a tall row may span several workbook rows

    def at(r: int, c: int):
        r = starts[r] if r < len(starts) else r
        cell = sd.cells.get((r, c))
        return (cell.value, cell.number_format) if cell is not None else (None, None)

    # The layout must still be the one exported: rows or columns inserted in
    # Excel shift every cell, and the workbook is then read by its layout.
    labels = [c for c in sheet.cells if c.role in (LABEL, HEADER) and c.text.strip()]
    moved = [c for c in labels if _norm(shown_text(*at(c.row, c.col))) != _norm(c.text)]
    if moved:
        raise _Fallback(form)
    _apply_edits(form, sheet, sd, at, path, starts)


def _apply_edits(form: Form, sheet, sd, at, path: Path, starts: list[int]) -> None:
    from core.export import cell_output
    from core.layout import EDITABLE_ROLES, edit_cell
    from core.reading.layout_import import FORMULA_MESSAGE

    notes = []
    edits = []
    for cell in sheet.cells:
        if cell.role not in EDITABLE_ROLES or not cell.key:
            continue
        got, number_format = at(cell.row, cell.col)
        raw = sd.cells.get((starts[cell.row] if cell.row < len(starts) else cell.row, cell.col))
        if raw is not None and raw.formula:
            notes.append({"where": cell.key, "message": FORMULA_MESSAGE})
        kind, expected, _fmt = cell_output(cell)
        if kind == "n":
            if _same_number(got, expected) or (isinstance(got, str) and got == cell.text):
                continue
        elif kind == "s":
            if isinstance(got, str) and got == expected:
                continue
        else:
            if got is None or got == "":
                continue
        new = shown_text(got, number_format)
        if cell.value is not None and cell.text != cell.value and cell.text.endswith(cell.value):
            decoration = cell.text[:len(cell.text) - len(cell.value)]   # 其中： before a funds label
            if decoration and new.startswith(decoration):
                new = new[len(decoration):]
        edits.append((cell, new))
    for cell, new in edits:
        edit_cell(form, cell, new)
    if notes:
        form.data["import_notes"] = notes
    if edits:
        try:
            validate(form.data)
        except FormError as e:
            raise ImportError_(f"“{path.name}”中修改的内容无效：{e}") from None
