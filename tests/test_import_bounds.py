"""Bounded imports (issue 12): small crafted workbooks that pass every size check yet made openpyxl
take minutes and gigabytes are refused in seconds, in bounded memory, with a Chinese message.

The three workbooks of the issue are generated here, each smaller than the original but still far
over the reader's limits (so that, without the bound, reading them would take tens of seconds):
millions of shared strings in a small zip; many sheets of 5,000 × 64 cells; a sheet of 1,048,576
rows with no <dimension>.  Each is imported in a fresh process, timed, with its peak memory."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core.reading import xlsx_read
from tests.helpers import ROOT

PROBE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])


def peak_kb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


from core.reading import ImportError_, import_workbook
import core.reading.layout_import, core.reading.xlsx_read, core.rules.scoring     # loaded before the baseline
base = peak_kb()
t0 = time.perf_counter()
try:
    import_workbook(sys.argv[1])
    outcome = "read"
except ImportError_ as e:
    outcome = "refused: " + str(e)
except Exception as e:
    outcome = "CRASH: " + type(e).__name__ + ": " + str(e)[:200]
print(json.dumps({"outcome": outcome, "elapsed": time.perf_counter() - t0,
                  "grew_mb": (peak_kb() - base) / 1024}, ensure_ascii=False))
"""

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _package(path: Path, sheets: list[bytes], shared=None) -> None:
    """A minimal .xlsx: workbook, rels, content types, the given sheet XML parts (streamed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"/>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {NS} {RNS}><sheets>' + "".join(
            f'<sheet name="S{i}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i in range(len(sheets)))
            + "</sheets></workbook>")
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
                       f'2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                       for i in range(len(sheets)))
        if shared is not None:
            rels += ('<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                     'relationships/sharedStrings" Target="sharedStrings.xml"/>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   f'2006/relationships">{rels}</Relationships>')
        for i, body in enumerate(sheets):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", body)
        if shared is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
                for chunk in shared:
                    fh.write(chunk)


def _shared_strings(n: int, counted: bool):
    """Distinct strings, so the part compresses like a real one (about 1:5), not like a bomb."""
    head = f'<sst {NS} count="{n}" uniqueCount="{n}">' if counted else f"<sst {NS}>"
    yield b'<?xml version="1.0"?>' + head.encode()
    for start in range(0, n, 50_000):
        yield "".join(f"<si><t>{i * 7919 % 1000003}</t></si>" for i in range(start, min(n, start + 50_000))).encode()
    yield b"</sst>"


def _big_sheet(rows: int, cols: int) -> bytes:
    body = "".join("<row>" + "".join(f"<c><v>{(r * cols + c) * 7919 % 1000003}</v></c>" for c in range(cols))
                   + "</row>" for r in range(rows))
    return f"<worksheet {NS}><sheetData>{body}</sheetData></worksheet>".encode()


def _far_rows(n: int, empty: bool) -> bytes:
    if empty:
        body = "".join(f'<row r="{i}"/>' for i in range(1, n + 1))
    else:
        body = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, n + 1))
    tail = f'<row r="{n + 1}"><c r="A{n + 1}" t="inlineStr"><is><t>一级指标</t></is></c></row>'
    return f"<worksheet {NS}><sheetData>{body}{tail}</sheetData></worksheet>".encode()


def slow_workbooks(folder: Path) -> dict[str, tuple[Path, str]]:
    small = _big_sheet(1, 3)
    out = {}
    p = folder / "shared-strings.xlsx"          # 2 M shared strings (issue: 11.5 M), no counts given
    _package(p, [small], _shared_strings(2_000_000, counted=False))
    out["2,000,000 shared strings, uncounted"] = (p, "共享字符串过多")
    p = folder / "shared-strings-counted.xlsx"
    _package(p, [small], _shared_strings(1_000_000, counted=True))
    out["1,000,000 shared strings, counted"] = (p, "共享字符串过多")
    p = folder / "sheets.xlsx"                   # 8 sheets of 5,000 × 64 (issue: 38)
    big = _big_sheet(5000, 64)
    _package(p, [big] * 8)
    out["8 sheets of 5,000 x 64"] = (p, "单元格过多")
    p = folder / "rows.xlsx"                     # 1,048,576 rows, no <dimension>
    _package(p, [_far_rows(1_048_576, empty=False)])
    out["1,048,576 rows"] = (p, "5000 行")
    p = folder / "empty-rows.xlsx"               # 1,048,576 empty rows, then a label
    _package(p, [_far_rows(1_048_576, empty=True)])
    out["1,048,576 empty rows"] = (p, "5000 行")
    p = folder / "labels.xlsx"                   # 95,000 cells that look like inline labels
    _package(p, [f"<worksheet {NS}><sheetData>".encode() + "".join(
        "<row>" + "".join(f'<c t="inlineStr"><is><t>填报人：{r}-{c} 联系电话：{c}</t></is></c>' for c in range(19))
        + "</row>" for r in range(5000)).encode() + b"</sheetData></worksheet>"])
    out["95,000 label-like cells"] = (p, "不是可识别的绩效自评表格式")
    p = folder / "indicators.xlsx"               # an indicator table of 2,100 rows (a form holds 2,000)
    head = "".join(f'<c t="inlineStr"><is><t>{t}</t></is></c>' for t in
                   ("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"))
    body = "".join("<row>" + "".join(f'<c t="inlineStr"><is><t>{t}</t></is></c>' for t in
                                     ("", "产出指标", "数量指标", f"指标{r}", "≥1次", "1次", "0.01", "0.01")) + "</row>"
                   for r in range(2100))
    _package(p, [f"<worksheet {NS}><sheetData><row>{head}</row>{body}</sheetData></worksheet>".encode()])
    out["2,100 indicator rows"] = (p, "绩效指标过多")
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak memory from /proc/self/status")
def test_the_slow_workbooks_of_issue_12_are_refused_in_bounded_time_and_memory(tmp_path):
    files = slow_workbooks(tmp_path)
    report = []
    for name, (path, words) in files.items():
        assert path.stat().st_size < 20 * 1024 * 1024
        r = subprocess.run([sys.executable, "-c", PROBE, str(path), str(ROOT)], capture_output=True, text=True,
                           timeout=120, cwd=ROOT)
        assert r.returncode == 0, (name, r.stderr[-2000:])
        res = json.loads(r.stdout.strip().splitlines()[-1])
        report.append(f"{name} ({path.stat().st_size / 1e6:.1f} MB): {res['elapsed']:.2f} s, "
                      f"+{res['grew_mb']:.0f} MB, {res['outcome'][:50]}")
        assert res["outcome"].startswith("refused: "), (name, res)
        assert words in res["outcome"], (name, res)
        assert res["elapsed"] < 5, (name, res)
        assert res["grew_mb"] < 400, (name, res)
    print("\n" + "\n".join(report))


def test_limits_are_what_the_reader_enforces():
    """The limits are small enough for 5 s and generous for a real form (≤ 60 rows × 12 columns)."""
    assert 2000 * 12 < xlsx_read.MAX_CELLS <= 100_000
    assert xlsx_read.MAX_SHARED_STRINGS <= 200_000 and xlsx_read.MAX_SHEETS <= 50


def test_a_form_on_the_second_sheet_after_a_big_one_is_still_read(tmp_path):
    """The cell budget is spent only on what is read: a big first sheet within the limits does
    not stop a form on the next one."""
    import io

    from core.export.xlsx import EMBED_SHEET, build_workbook
    from core.reading import import_workbook
    from tests.helpers import sample

    form = sample("central-project-example-2022.json")
    wb = build_workbook(form)
    del wb[EMBED_SHEET]
    first = wb.create_sheet("说明", 0)
    for r in range(1, 301):
        first.append([f"第{r}行"] * 10)
    buf = io.BytesIO()
    wb.save(buf)
    x = tmp_path / "two.xlsx"
    x.write_bytes(buf.getvalue())
    back = import_workbook(x)
    assert [i["name"] for _, _, i in back.indicators()] == [i["name"] for _, _, i in form.indicators()]


CLASS_NAME = re.compile(r"[A-Za-z_]*(Error|Exception|Zip|Warning)\b|Traceback|errno|\bNone\b")
