"""A bounded reader of .xlsx packages: cells, number formats and merged ranges.

openpyxl parses whole parts before it can be stopped (a sheet without
``<dimension>`` is walked to its last row, every shared string is loaded), so
a small crafted workbook can take minutes and gigabytes.  This reader streams
each part through expat in chunks and stops as soon as a count passes its
limit: sheets, shared strings, rows, cells, XML elements.  DOCTYPE and entity
declarations are refused.  Nothing here raises anything but
:class:`PackageError` (one plain Chinese line).

A cell comes back as ``Cell(value, number_format, formula)``: ``value`` is a
``str``, a ``Decimal``, a ``bool``, a ``datetime`` or None; ``formula`` is True
for a formula cell that has no cached result (a workbook written by a program
and never opened in Excel).
"""
from __future__ import annotations

import datetime as _dt
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation
from xml.parsers import expat

MAX_SHEETS = 50
MAX_SHARED_STRINGS = 200_000
MAX_ROWS = 5000
MAX_COLS = 64
MAX_CELLS = 100_000          # cells read over the whole workbook (a 2,000-row form has < 30,000)
MAX_EVENTS = 2_500_000       # XML elements in one part
MAX_STYLES = 100_000
CHUNK = 1 << 16
_EXCEL_DIGITS = Context(prec=15)

_BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
    12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy",
    18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
    # Chinese Excel's built-in date formats
    27: "yyyy\"年\"m\"月\"", 28: "m\"月\"d\"日\"", 29: "m\"月\"d\"日\"", 30: "m-d-yy", 31: "yyyy\"年\"m\"月\"d\"日\"",
    32: "h\"时\"mm\"分\"", 33: "h\"时\"mm\"分\"ss\"秒\"", 34: "上午/下午h\"时\"mm\"分\"",
    35: "上午/下午h\"时\"mm\"分\"ss\"秒\"", 36: "yyyy\"年\"m\"月\"", 50: "yyyy\"年\"m\"月\"",
    51: "m\"月\"d\"日\"", 52: "yyyy\"年\"m\"月\"", 53: "m\"月\"d\"日\"", 57: "yyyy\"年\"m\"月\"",
    58: "m\"月\"d\"日\"",
}
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


class PackageError(Exception):
    """The package cannot be read within bounds; ``str(e)`` is one plain Chinese line."""


class _Stop(Exception):
    pass


@dataclass(slots=True)
class Cell:
    value: object = None
    number_format: str = "General"
    formula: bool = False          # a formula with no cached result


@dataclass
class SheetData:
    name: str
    state: str
    cells: dict = field(default_factory=dict)      # (row, col) 0-based -> Cell
    merges: list = field(default_factory=list)     # (r0, c0, r1, c1) 0-based inclusive
    nrows: int = 0
    ncols: int = 0

    def grid(self) -> list[list[Cell | None]]:
        out = [[None] * self.ncols for _ in range(self.nrows)]
        for (r, c), cell in self.cells.items():
            out[r][c] = cell
        return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def _is_date_format(fmt: str) -> bool:
    f = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", fmt or "")
    return bool(re.search(r"[yYdDhHsS]|(?<![0#])[mM]", f)) and "General" not in f


class Package:
    """An open .xlsx package, read part by part within the limits above."""

    def __init__(self, path, name: str):
        self.name = name
        try:
            self.zf = zipfile.ZipFile(path)
        except Exception:
            raise PackageError(f"“{name}”已损坏或不完整（不是完整的 .xlsx 文件），无法导入。") from None
        self.members = {i.filename: i for i in self.zf.infolist()}
        self.cells_read = 0
        self.sheets: list[tuple[str, str, str]] = []   # (name, state, part)
        self.date1904 = False
        self.shared: list[str] = []
        self.formats: list[str] = []
        self._read_workbook()
        self._read_styles()
        self._read_shared_strings()

    def close(self) -> None:
        try:
            self.zf.close()
        except Exception:
            pass

    # ------------------------------------------------------------ parsing
    def _parse(self, part: str, start=None, end=None, chars=None) -> None:
        """Stream one part through expat; handlers may raise _Stop to end early."""
        info = self.members.get(part)
        if info is None:
            return
        p = expat.ParserCreate()
        p.buffer_text = True
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def unsafe(*_a):
            raise PackageError(f"“{self.name}”含有不安全的 XML 定义（DOCTYPE/ENTITY），已拒绝导入。")
        p.StartDoctypeDeclHandler = unsafe
        p.EntityDeclHandler = unsafe
        p.UnparsedEntityDeclHandler = unsafe
        p.ExternalEntityRefHandler = unsafe
        count = [0]

        def on_start(tag, attrs):
            count[0] += 1
            if count[0] > MAX_EVENTS:
                raise PackageError(f"“{self.name}”的内容过多（部件 {part}），不像是绩效自评表，已拒绝导入。")
            if start is not None:
                start(_local(tag), attrs)
        p.StartElementHandler = on_start
        if end is not None:
            p.EndElementHandler = lambda tag: end(_local(tag))
        if chars is not None:
            p.CharacterDataHandler = chars
        try:
            with self.zf.open(info) as fh:
                while True:
                    chunk = fh.read(CHUNK)
                    p.Parse(chunk, not chunk)
                    if not chunk:
                        break
        except (_Stop, PackageError) as e:
            if isinstance(e, PackageError):
                raise
        except expat.ExpatError:
            raise PackageError(f"“{self.name}”中的表格数据已损坏（部件 {part} 无法解析），无法导入。") from None
        except Exception:   # zlib errors, bad CRC, truncated members
            raise PackageError(f"“{self.name}”已损坏或不完整（不是完整的 .xlsx 文件），无法导入。") from None

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        folder, base = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", base + ".rels")
        out: dict[str, tuple[str, str]] = {}

        def start(tag, a):
            if tag == "Relationship" and "Id" in a and "Target" in a:
                target = a["Target"]
                if target.startswith("/"):
                    full = target.lstrip("/")
                else:
                    full = posixpath.normpath(posixpath.join(folder, target))
                out[a["Id"]] = (full, a.get("Type", ""))
        self._parse(rels_part, start)
        return out

    def _read_workbook(self) -> None:
        rels = self._rels("xl/workbook.xml")
        self.rels = rels
        found = []

        def start(tag, a):
            if tag == "sheet":
                rid = next((v for k, v in a.items() if _local(k) == "id" and ":" in k), None)
                found.append((a.get("name", ""), a.get("state", "visible"), rels.get(rid, ("", ""))[0]))
                if len(found) > MAX_SHEETS:
                    raise PackageError(f"“{self.name}”的工作表过多（超过 {MAX_SHEETS} 个），不像是绩效自评表，已拒绝导入。")
            elif tag == "workbookPr":
                self.date1904 = a.get("date1904", "0") in ("1", "true")
        self._parse("xl/workbook.xml", start)
        self.sheets = found

    def _read_styles(self) -> None:
        part = next((t for t, ty in self.rels.values() if ty.endswith("/styles")), "xl/styles.xml")
        custom: dict[int, str] = {}
        xfs: list[int] = []
        where = []

        def start(tag, a):
            if tag == "numFmt":
                try:
                    custom[int(a.get("numFmtId", "-1"))] = a.get("formatCode", "General")
                except ValueError:
                    pass
            elif tag in ("cellXfs", "cellStyleXfs"):
                where.append(tag)
            elif tag == "xf" and where and where[-1] == "cellXfs":
                try:
                    xfs.append(int(a.get("numFmtId", "0")))
                except ValueError:
                    xfs.append(0)
                if len(xfs) > MAX_STYLES:
                    raise PackageError(f"“{self.name}”的单元格样式过多，不像是绩效自评表，已拒绝导入。")

        def end(tag):
            if tag in ("cellXfs", "cellStyleXfs") and where:
                where.pop()
        self._parse(part, start, end)
        self.formats = [custom.get(i, _BUILTIN_FORMATS.get(i, "General")) for i in xfs]

    def _read_shared_strings(self) -> None:
        part = next((t for t, ty in self.rels.values() if ty.endswith("/sharedStrings")), None)
        if part is None:
            return
        out = self.shared
        state = {"depth_rph": 0, "in_t": False, "buf": []}
        limit_msg = (f"“{self.name}”的共享字符串过多（超过 {MAX_SHARED_STRINGS:,} 个），"
                     "不像是绩效自评表，已拒绝导入。")

        def start(tag, a):
            if tag == "sst":
                for key in ("uniqueCount", "count"):
                    try:
                        if int(a.get(key, "0")) > MAX_SHARED_STRINGS and key == "uniqueCount":
                            raise PackageError(limit_msg)
                    except ValueError:
                        pass
            elif tag == "si":
                state["buf"] = []
            elif tag == "rPh":
                state["depth_rph"] += 1
            elif tag == "t" and not state["depth_rph"]:
                state["in_t"] = True

        def end(tag):
            if tag == "si":
                out.append("".join(state["buf"]))
                if len(out) > MAX_SHARED_STRINGS:
                    raise PackageError(limit_msg)
            elif tag == "rPh":
                state["depth_rph"] -= 1
            elif tag == "t":
                state["in_t"] = False

        def chars(data):
            if state["in_t"]:
                state["buf"].append(data)
        self._parse(part, start, end, chars)

    # ------------------------------------------------------------ sheets
    def read_sheet(self, index: int) -> SheetData:
        name, state, part = self.sheets[index]
        sd = SheetData(name=name, state=state)
        if part not in self.members:
            raise PackageError(f"“{self.name}”的工作表“{name}”缺失（文件可能已损坏），无法导入。")
        cur = {"row": -1, "col": -1, "t": None, "s": 0, "v": None, "f": False, "in": None, "is": [],
               "rph": 0, "row_has": False, "stop_rows": False}

        def start(tag, a):
            if tag == "row":
                if cur["stop_rows"]:
                    return
                r = a.get("r")
                try:
                    cur["row"] = int(r) - 1 if r else cur["row"] + 1
                except ValueError:
                    cur["row"] += 1
                cur["col"] = -1
                cur["row_has"] = False
            elif tag == "c":
                ref = a.get("r")
                m = _CELL_REF.match(ref) if ref else None
                if m:
                    cur["col"] = col_index(m.group(1))
                    cur["row"] = int(m.group(2)) - 1
                else:
                    cur["col"] += 1
                cur["t"] = a.get("t")
                try:
                    cur["s"] = int(a.get("s", "0"))
                except ValueError:
                    cur["s"] = 0
                cur["v"] = None
                cur["f"] = False
                cur["is"] = []
            elif tag == "v":
                cur["in"] = "v"
                cur["v"] = ""
            elif tag == "f":
                cur["f"] = True
            elif tag == "rPh":
                cur["rph"] += 1
            elif tag == "t" and not cur["rph"]:
                cur["in"] = "t"
            elif tag == "mergeCell":
                ref = a.get("ref", "")
                parts = ref.split(":")
                ms = [_CELL_REF.match(p) for p in parts]
                if len(parts) in (1, 2) and all(ms):
                    r0, c0 = int(ms[0].group(2)) - 1, col_index(ms[0].group(1))
                    r1, c1 = int(ms[-1].group(2)) - 1, col_index(ms[-1].group(1))
                    r0, r1 = min(r0, r1), max(r0, r1)
                    c0, c1 = min(c0, c1), max(c0, c1)
                    if r0 < MAX_ROWS and c0 < MAX_COLS and (r1 > r0 or c1 > c0) and len(sd.merges) < MAX_CELLS:
                        sd.merges.append((r0, c0, min(r1, MAX_ROWS - 1), min(c1, MAX_COLS - 1)))

        def end(tag):
            if tag == "c":
                self._end_cell(sd, cur)
            elif tag in ("v", "t"):
                cur["in"] = None
            elif tag == "rPh":
                cur["rph"] -= 1
            elif tag == "row" and cur["row"] >= MAX_ROWS:
                cur["stop_rows"] = True

        def chars(data):
            if cur["in"] == "v":
                cur["v"] += data
            elif cur["in"] == "t":
                cur["is"].append(data)
        self._parse(part, start, end, chars)
        return sd

    def _end_cell(self, sd: SheetData, cur: dict) -> None:
        r, c = cur["row"], cur["col"]
        t, v = cur["t"], cur["v"]
        value: object = None
        if t == "inlineStr":
            value = "".join(cur["is"])
        elif v is not None and v != "":
            if t == "s":
                try:
                    value = self.shared[int(v)]
                except (ValueError, IndexError):
                    value = ""
            elif t in ("str", "e"):
                value = v
            elif t == "b":
                value = v.strip() in ("1", "true")
            elif t == "d":
                value = v
            else:
                try:
                    value = _EXCEL_DIGITS.create_decimal(v.strip())     # Excel keeps 15 digits
                    if not value.is_finite():
                        value = v
                except InvalidOperation:
                    value = v
        formula = cur["f"] and (v is None or v == "") and t != "inlineStr"
        if value in (None, "") and not formula:
            return
        if r >= MAX_ROWS:
            raise PackageError(f"工作表“{sd.name}”超过 {MAX_ROWS} 行，不像是绩效自评表，已拒绝导入。")
        if c >= MAX_COLS or r < 0 or c < 0:
            return
        self.cells_read += 1
        if self.cells_read > MAX_CELLS:
            raise PackageError(f"“{self.name}”的单元格过多（超过 {MAX_CELLS:,} 个），不像是绩效自评表，已拒绝导入。")
        s = cur["s"]
        fmt = self.formats[s] if 0 <= s < len(self.formats) else "General"
        if isinstance(value, Decimal) and _is_date_format(fmt):
            value = self._date(value)
        sd.cells[(r, c)] = Cell(value, fmt, formula)
        sd.nrows = max(sd.nrows, r + 1)
        sd.ncols = max(sd.ncols, c + 1)

    def _date(self, serial: Decimal):
        try:
            days = float(serial)
            base = _dt.datetime(1904, 1, 1) if self.date1904 else _dt.datetime(1899, 12, 30)
            if not self.date1904 and days < 60:
                days += 1                    # Excel's 1900-02-29 that never was
            if not (0 <= days < 2958466):
                return serial
            out = base + _dt.timedelta(days=days)
            return out.replace(microsecond=0) if out.microsecond < 500_000 else \
                (out + _dt.timedelta(seconds=1)).replace(microsecond=0)
        except (OverflowError, ValueError, InvalidOperation):
            return serial


def sheet_index(pkg: Package, name: str) -> int | None:
    for i, (n, _s, _p) in enumerate(pkg.sheets):
        if n == name:
            return i
    return None
