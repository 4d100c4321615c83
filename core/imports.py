"""Reading a workbook back into a form (``python main.py import FILE.xlsx``).

Two kinds of workbook:

- one this app exported: it carries the exact form file in the very hidden
  sheet ``_ziping``.  That is loaded, then every input cell the clerk changed
  in Excel is applied on top (a cell still holding what the export wrote keeps
  the typed text, so ``1210.99`` does not come back as ``1,210.99``);
- any other workbook in the central-project layout (财预〔2020〕10号): the
  header rows are found by their labels (项目名称, 全年预算数, 一级指标…) and the
  header fields, funds, goal texts and indicator rows are read.

A workbook is a zip of XML written by someone else: it is size-checked, its
zip directory checked for bombs and its XML for entity definitions before
openpyxl touches it (openpyxl then parses through defusedxml), and only its
first 5,000 rows are read.  Every failure is an :class:`ImportError_` with one
plain Chinese line, never a traceback.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .model import Form, FormError, loads, new_form, validate

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024          # members smaller than this cannot bomb anything
MAX_MEMBERS = 5000
MAX_ROWS = 5000
MAX_COLS = 64
MAX_SHEETS = 50
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
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportError_(f"“{name}”过大（{size / 1024 / 1024:.1f} MB，上限 20 MB），不像是绩效自评表，已拒绝导入。")
        with open(path, "rb") as fh:
            head = fh.read(8)
    except PermissionError:
        raise ImportError_(f"没有权限读取“{name}”；如果它正在 Excel 或 WPS 中打开，请先关闭。") from None
    except OSError as e:
        raise ImportError_(f"无法读取“{name}”：{e.strerror or e}") from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportError_(f"“{name}”是旧版 Excel（.xls）或设有打开密码的工作簿，请在 Excel/WPS 中取消密码并另存为 .xlsx 后再导入。")
    if not head.startswith(b"PK"):
        raise ImportError_(f"“{name}”不是 Excel 工作簿（.xlsx），无法导入。")
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


def _open_workbook(path: Path):
    import openpyxl
    from openpyxl import DEFUSEDXML

    if not DEFUSEDXML:   # pragma: no cover - defusedxml is a dependency
        raise ImportError_("缺少 defusedxml 组件，出于安全考虑不导入工作簿；请重新安装本程序。")
    try:
        return openpyxl.load_workbook(str(path), read_only=True, data_only=True, keep_links=False)
    except Exception as e:
        if _caused_by_unsafe_xml(e):
            raise ImportError_(f"“{path.name}”含有不安全的 XML 定义（DOCTYPE/ENTITY），已拒绝导入。") from None
        raise ImportError_(f"“{path.name}”无法作为 Excel 工作簿读取（文件可能已损坏）：{type(e).__name__}") from None


def _caused_by_unsafe_xml(exc: BaseException) -> bool:
    """defusedxml's refusal, possibly wrapped by openpyxl in a ValueError."""
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover
        return False
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


# ---------------------------------------------------------------- cell values

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
        number = _decimal(value)
        if number is None:
            return str(value)
        fmt = number_format or ""
        try:
            if "%" in fmt:
                m = re.search(r"0\.(0+)%", fmt)
                places = len(m.group(1)) if m else 0
                pct = (number * 100).quantize(Decimal(1).scaleb(-places)) if places else (number * 100).quantize(Decimal(1))
                return f"{pct}%"
            return _plain(number)
        except InvalidOperation:      # more digits than Decimal's precision (1E+308 typed in Excel)
            return format(number * 100, "f") + "%" if "%" in fmt else format(number, "f")
    return str(value)


def _decimal(value) -> Decimal | None:
    try:
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                return None
            return Decimal(format(value, ".15g"))
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return None


def _plain(number: Decimal) -> str:
    if number == number.to_integral_value():
        return format(number.to_integral_value(), "f")     # 1E+308 too: all its digits, no error
    return format(number.normalize(), "f")


def _same_number(got, expected) -> bool:
    if isinstance(got, bool) or not isinstance(got, (int, float, Decimal)):
        return False
    a, b = _decimal(got), _decimal(expected)
    if a is None or b is None:
        return False
    return abs(a - b) <= abs(b) * Decimal("1e-12")


def _read_grid(ws, nrows: int | None = None, ncols: int = MAX_COLS) -> list[list[tuple]]:
    """Values and number formats of the first rows: [[(value, number_format), ...], ...]."""
    limit = min(nrows, MAX_ROWS) if nrows else MAX_ROWS
    grid = []
    try:
        for i, row in enumerate(ws.iter_rows(min_row=1, max_row=limit + 1, max_col=ncols)):
            cells = [(getattr(c, "value", None), getattr(c, "number_format", None)) for c in row]
            if i >= limit:
                if nrows is None and any(v not in (None, "") for v, _ in cells):
                    raise ImportError_(f"工作表“{ws.title}”超过 {MAX_ROWS} 行，不像是绩效自评表，已拒绝导入。")
                break
            grid.append(cells)
    except ImportError_:
        raise
    except Exception as e:
        if _caused_by_unsafe_xml(e):
            raise ImportError_("工作簿含有不安全的 XML 定义（DOCTYPE/ENTITY），已拒绝导入。") from None
        raise ImportError_(f"工作表“{ws.title}”无法读取（文件可能已损坏）：{type(e).__name__}") from None
    return grid


# ---------------------------------------------------------------- entry point

def import_workbook(path) -> Form:
    """Read a workbook into a form.  Raises ImportError_ with a Chinese message."""
    path = Path(path)
    check_package(path)
    wb = _open_workbook(path)
    try:
        from .export.xlsx import EMBED_SHEET
        names = list(wb.sheetnames)
        if EMBED_SHEET in names:
            return _import_embedded(wb, path)
        visible = [n for n in names if getattr(wb[n], "sheet_state", "visible") == "visible"][:MAX_SHEETS]
        problems = []
        for n in visible:
            grid = [[shown_text(v, f).strip() for v, f in row] for row in _read_grid(wb[n])]
            try:
                return _import_central(grid)
            except _NotThisLayout as e:
                problems.append(str(e))
        detail = problems[0] if problems else "工作簿中没有可见的工作表"
        raise ImportError_(f"“{path.name}”不是可识别的绩效自评表格式：{detail}。"
                           "目前可导入本程序导出的工作簿和财政部通用格式（项目支出绩效自评表）。")
    finally:
        try:
            wb.close()
        except Exception:
            pass


# ---------------------------------------------------------------- workbooks this app exported

def _import_embedded(wb, path: Path) -> Form:
    from .export.xlsx import EMBED_MAGIC, EMBED_SHEET, SHEET_NAME
    from .templates import template_ids

    ws = wb[EMBED_SHEET]
    bad = f"“{path.name}”中内嵌的表单数据已损坏，无法导入"
    rows = _read_grid(ws, nrows=1 + (MAX_FILE_BYTES // 30_000) + 2, ncols=4)
    if not rows or rows[0][0][0] != EMBED_MAGIC:
        raise ImportError_(bad + "。")
    head = [v for v, _ in rows[0]]
    try:
        count = int(str(head[2]))
    except (TypeError, ValueError):
        raise ImportError_(bad + "。") from None
    if count < 1 or count + 1 > len(rows):
        raise ImportError_(bad + "（数据不完整）。")
    parts = []
    for row in rows[1:1 + count]:
        v = row[0][0]
        if not isinstance(v, str):
            raise ImportError_(bad + "（数据不完整）。")
        parts.append(v)
    text = "".join(parts)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if str(head[3] or "") != digest:
        raise ImportError_(bad + "（校验不符）。")
    try:
        form = loads(text, known_templates=set(template_ids()))
    except FormError as e:
        raise ImportError_(f"“{path.name}”中内嵌的表单数据无效：{e}") from None

    sheet_name = SHEET_NAME if SHEET_NAME in wb.sheetnames else next(
        (n for n in wb.sheetnames if n != EMBED_SHEET), None)
    if sheet_name is not None:
        _apply_visible_edits(form, wb[sheet_name], path)
    return form


def _norm(text) -> str:
    return re.sub(r"\s+", "", str(text or ""))


def _apply_visible_edits(form: Form, ws, path: Path) -> None:
    """Apply every input cell the clerk changed in Excel on top of the embedded form."""
    from .export.xlsx import cell_output, row_starts
    from .sheet import EDITABLE_ROLES, HEADER, LABEL, build_sheet, edit_cell

    sheet = build_sheet(form)
    starts = row_starts(ws.parent, sheet.nrows)     # a tall row may span several workbook rows
    grid = _read_grid(ws, nrows=starts[-1], ncols=sheet.ncols)

    def at(r: int, c: int):
        r = starts[r] if r < len(starts) else r
        if r < len(grid) and c < len(grid[r]):
            return grid[r][c]
        return (None, None)

    # The layout must still be the one exported: rows or columns inserted in
    # Excel would shift every cell and the edits could not be told apart.
    labels = [c for c in sheet.cells if c.role in (LABEL, HEADER) and c.text.strip()]
    moved = [c for c in labels if _norm(shown_text(*at(c.row, c.col))) != _norm(c.text)]
    if len(moved) >= 3 or (labels and len(moved) * 4 > len(labels)):
        first = moved[0]
        raise ImportError_(f"“{path.name}”的表格结构与导出时不同（第 {first.row + 1} 行附近插入或删除了行、列），"
                           "无法确定修改了哪些内容。请在本程序中修改后重新导出，或撤销表格结构的改动后再导入。")

    edits = []
    for cell in sheet.cells:
        if cell.role not in EDITABLE_ROLES or not cell.key:
            continue
        got, number_format = at(cell.row, cell.col)
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
    if edits:
        try:
            validate(form.data)
        except FormError as e:
            raise ImportError_(f"“{path.name}”中修改的内容无效：{e}") from None


# ---------------------------------------------------------------- other workbooks: central-project layout

class _NotThisLayout(Exception):
    pass


HEADER_FIELDS = ("项目名称", "主管部门", "实施单位", "填报人", "联系电话", "填报日期")
_IND_COLUMNS = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标",),
    "target": ("年度指标值", "指标值", "年初目标值", "目标值", "预期指标值", "年度目标值"),
    "actual": ("实际完成值", "全年实际完成值", "完成值", "实际值"),
    "weight": ("分值", "权重", "权重（分值）"),
    "score": ("得分", "自评得分"),
    "reason": ("偏差原因分析及改进措施", "偏差原因分析", "未完成原因", "产生差异的原因及改进措施", "备注"),
}
_END_WORDS = ("总分", "合计", "总计", "自评总分")


def _strip_label(text: str) -> str:
    return _norm(text).rstrip(":：")


def _find_row(grid, predicate, start: int = 0, stop: int | None = None) -> int | None:
    for r in range(start, len(grid) if stop is None else min(stop, len(grid))):
        if predicate([_norm(v) for v in grid[r]]):
            return r
    return None


def _value_right_of(row: list[str], c: int, labels: set[str]) -> str:
    for v in row[c + 1:]:
        if v and _strip_label(v) not in labels:
            return v
        if v:
            return ""
    return ""


def _import_central(grid: list[list[str]]) -> Form:
    from .evaluate import evaluate
    from .scoring import QUALITATIVE, fmt2
    from .templates import get_template
    from . import reader

    # Indicator table header row.
    def is_ind_header(cells):
        return "一级指标" in cells and "二级指标" in cells and "三级指标" in cells
    hr = _find_row(grid, is_ind_header)
    if hr is None:
        raise _NotThisLayout("找不到“一级指标/二级指标/三级指标”表头")
    header = [_norm(v) for v in grid[hr]]
    cols: dict[str, int] = {}
    for key, names in _IND_COLUMNS.items():
        for name in names:
            if name in header:
                cols[key] = header.index(name)
                break
        else:
            if key == "reason":
                for i, v in enumerate(header):
                    if "原因" in v or "改进措施" in v:
                        cols[key] = i
                        break
    missing = [names[0] for key, names in _IND_COLUMNS.items() if key in ("name", "target", "actual") and key not in cols]
    if missing:
        raise _NotThisLayout("指标表缺少列：" + "、".join(missing))

    # Header fields: label cell, value to its right.
    labels = set(HEADER_FIELDS) | {"单位负责人（签字）", "单位（盖章）", "自评等级", "总分"}
    fields: dict[str, str] = {}
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            lab = _strip_label(v)
            if lab in HEADER_FIELDS and lab not in fields:
                fields[lab] = _value_right_of(row, c, labels)
    year = None
    for row in grid[:4]:
        for v in row:
            m = re.search(r"((?:19|20)\d{2})\s*年", v)
            if m:
                year = int(m.group(1))
                break
        if year:
            break

    template = get_template("central-project")
    form = new_form(template, year, {k: fields.get(k, "") for k in HEADER_FIELDS})
    form.data["profile"] = "central"

    # Funds.
    def is_funds_header(cells):
        return any("预算数" in v for v in cells) and any("执行数" in v for v in cells)
    fr = _find_row(grid, is_funds_header, 0, hr)
    if fr is not None:
        fh = [_norm(v) for v in grid[fr]]

        def col_of(*words):
            for i, v in enumerate(fh):
                if any(w in v for w in words):
                    return i
            return None
        c_init = col_of("年初预算")
        c_budget = col_of("全年预算", "调整后预算", "预算数(A)", "预算数（A）")
        c_exec = col_of("全年执行", "执行数")
        first_num = min(c for c in (c_init, c_budget, c_exec) if c is not None)
        total, sources = None, []
        for r in range(fr + 1, hr):
            row = grid[r]
            cells = [_norm(v) for v in row]
            if any(("预期目标" in v or "年度总体目标" in v or "总体目标" == v) for v in cells):
                break
            label = ""
            for v in row[:first_num]:
                n = _norm(v)
                if n and not n.startswith("项目资金") and not n.startswith("资金情况"):
                    label = v.strip()
            label = re.sub(r"^\s*其中\s*[:：]\s*", "", label).strip().strip("\u3000").strip()
            def val(c):
                return row[c].strip() if c is not None and c < len(row) else ""
            entry = {"label": label, "initial": val(c_init), "budget": val(c_budget), "executed": val(c_exec)}
            if not label and not any(entry[k] for k in ("initial", "budget", "executed")):
                continue
            if total is None and any(w in _norm(label) for w in ("总额", "合计", "总计")):
                total = entry
            else:
                sources.append(entry)
        if total is not None:
            form.data["funds"]["total"].update(total)
        if sources:
            form.data["funds"]["sources"] = sources

    # Goal texts.
    def is_goal_header(cells):
        return any(v.startswith("预期目标") for v in cells) and any(v.startswith("实际完成情况") for v in cells)
    gr = _find_row(grid, is_goal_header, 0, hr)
    goal = form.goals[0]
    if gr is not None:
        gh = [_norm(v) for v in grid[gr]]
        cp = next(i for i, v in enumerate(gh) if v.startswith("预期目标"))
        ca = next(i for i, v in enumerate(gh) if v.startswith("实际完成情况"))
        planned, achieved = [], []
        for r in range(gr + 1, hr):
            row = grid[r]
            if cp < len(row) and row[cp]:
                planned.append(row[cp])
            if ca < len(row) and row[ca]:
                achieved.append(row[ca])
        goal["planned"] = "\n".join(planned)
        goal["achieved"] = "\n".join(achieved)

    # Indicator rows; a blank 一级/二级 cell continues the one above (merged cells).
    indicators = []
    scores_typed = []
    last1 = last2 = ""
    for r in range(hr + 1, len(grid)):
        row = grid[r]
        cells = [_norm(v) for v in row]
        if any(v.startswith(_END_WORDS) for v in cells if v):
            break
        if is_ind_header(cells):
            continue

        def get(key):
            c = cols.get(key)
            return row[c].strip() if c is not None and c < len(row) else ""
        values = {k: get(k) for k in _IND_COLUMNS}
        if not any(values[k] for k in ("name", "target", "actual", "weight", "score")):
            if any(cells) and not any(values.values()):
                break          # something else below the table (signature lines)
            continue
        l1 = values["level1"] or last1
        l2 = values["level2"] or (last2 if not values["level1"] else "")
        last1, last2 = l1, l2
        indicators.append({"level1": l1, "level2": l2, "name": values["name"], "target": values["target"],
                           "actual": values["actual"], "weight": values["weight"], "score": None, "tier": None,
                           "reason": values["reason"]})
        scores_typed.append(values["score"])
        if len(indicators) > 2000:
            raise ImportError_("指标行过多（超过 2000 行），不像是绩效自评表。")
    if not indicators:
        raise _NotThisLayout("指标表中没有指标行")
    goal["indicators"] = indicators

    # Scores: a typed score equal to what the rules give stays computed; a
    # different one is the clerk's (an override); a qualitative row keeps its
    # score and gets the tier it falls in.
    s = evaluate(form)
    for ii, typed in enumerate(scores_typed):
        value, err = reader.parse_amount(typed)
        if value is None or err:
            continue
        res = s.indicator(0, ii)
        ind = indicators[ii]
        if res is not None and res.kind == QUALITATIVE:
            ind["score"] = typed
            if res.weight:
                for t_index, tier in enumerate(s.profile.tiers, start=1):
                    if tier.contains(value / res.weight):
                        ind["tier"] = t_index
                        break
        elif res is None or res.computed is None or fmt2(res.computed) != fmt2(value):
            ind["score"] = typed
    try:
        return validate(form.data)
    except FormError as e:
        raise ImportError_(f"读取的内容无效：{e}") from None
