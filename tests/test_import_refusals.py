"""Every way an import can refuse a file, walked: each gives one plain Chinese line that says what
to do where there is something to do, names no exception class and has no traceback (issue 12).
Paths covered elsewhere with the big files: tests/test_import_bounds.py (shared strings, cells,
rows); tests/test_import.py (zip bomb, billion laughs, truncated files)."""
from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pytest

from core.reading import xlsx_read
from core.export.xlsx import EMBED_SHEET, build_workbook
from core.reading import ImportError_, import_workbook
from tests.helpers import sample
from tests.test_import_bounds import NS, _package

CJK = re.compile(r"[\u4e00-\u9fff]")
TECHNICAL = re.compile(r"[A-Za-z]*(Error|Exception|BadZip|Zip64|Traceback|errno|Errno)|\bNone\b|0x[0-9a-f]+")


def _sheet(rows: str) -> bytes:
    return f'<worksheet {NS}><sheetData>{rows}</sheetData></worksheet>'.encode()


def _zip(path: Path, members: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _exported(tmp_path: Path, edit=None, name="ours.xlsx") -> Path:
    wb = build_workbook(sample("central-project-example-2022.json"))
    if edit is not None:
        edit(wb)
    buf = io.BytesIO()
    wb.save(buf)
    p = tmp_path / name
    p.write_bytes(buf.getvalue())
    return p


def _embed_cell(ref: str, value):
    def edit(wb):
        ws = wb[EMBED_SHEET]
        ws[ref].value = value
        if isinstance(value, str):
            ws[ref].data_type = "s"
    return edit


def _cases(tmp: Path) -> dict:
    c = {}
    c["missing"] = (tmp / "missing.xlsx", "找不到文件")
    c["folder"] = (tmp, "文件夹")
    if hasattr(os, "mkfifo"):             # Windows has no FIFOs: that case cannot happen there
        fifo = tmp / "pipe.xlsx"
        os.mkfifo(fifo)
        c["fifo"] = (fifo, "不是普通文件")
    big = tmp / "big.xlsx"
    with open(big, "wb") as fh:
        fh.write(b"PK\x03\x04")
        fh.truncate(21 * 1024 * 1024)
    c["too big"] = (big, "上限 20 MB")
    et = tmp / "表.et"
    et.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    c[".et"] = (et, "WPS 中打开")
    xls = tmp / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    c[".xls"] = (xls, "另存为 Excel 工作簿（.xlsx）")
    locked = tmp / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    c["password"] = (locked, "取消密码")
    csv = tmp / "表.csv"
    csv.write_text("一级指标,二级指标\n产出指标,数量指标\n", encoding="utf-8")
    c[".csv"] = (csv, "纯文本")
    c[".ods"] = (_zip(tmp / "表.ods", {"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                                        "content.xml": "<x/>"}), "OpenDocument")
    c["ods named xlsx"] = (_zip(tmp / "ods.xlsx", {"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                                                   "content.xml": "<x/>"}), "OpenDocument")
    text = tmp / "text.xlsx"
    text.write_text("不是工作簿", encoding="utf-8")
    c["not a zip"] = (text, "不是 Excel 工作簿")
    c["zip, not xlsx"] = (_zip(tmp / "other.xlsx", {"readme.txt": "hello"}), "不是 Excel 工作簿")
    many = tmp / "many.xlsx"
    with zipfile.ZipFile(many, "w") as z:
        for i in range(5001):
            z.writestr(f"m{i}", "")
    c["too many members"] = (many, "内部文件过多")
    enc = tmp / "enc.xlsx"
    with zipfile.ZipFile(enc, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    raw = bytearray(enc.read_bytes())
    cd = raw.rindex(b"PK\x01\x02")
    raw[cd + 8] |= 0x1                              # the central directory's "encrypted" flag
    enc.write_bytes(bytes(raw))
    c["encrypted member"] = (enc, "取消密码")
    inflated = tmp / "inflated.xlsx"
    with zipfile.ZipFile(inflated, "w", zipfile.ZIP_DEFLATED) as z:
        chunk = b"\0" * (1024 * 1024 - 1)
        for i in range(210):
            z.writestr(f"xl/media/m{i}.bin", chunk)
    c["200 MB unpacked"] = (inflated, "解压后过大")
    doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><workbook/>'
    c["DOCTYPE at the start"] = (_zip(tmp / "dtd.xlsx", {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": doctype}),
                                 "不安全")
    late = '<?xml version="1.0"?><!--' + "x" * 10_000 + '--><!DOCTYPE x [<!ENTITY a "b">]><workbook/>'
    c["DOCTYPE after 4 KB"] = (_zip(tmp / "dtd2.xlsx", {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": late}),
                               "不安全")
    c["workbook.xml not XML"] = (_zip(tmp / "badwb.xlsx", {"[Content_Types].xml": "<Types/>",
                                                           "xl/workbook.xml": "<workbook><sheets>"}), "已损坏")
    ours = _exported(tmp)
    data = ours.read_bytes()
    cut = tmp / "cut.xlsx"
    cut.write_bytes(data[:len(data) // 2])
    c["truncated"] = (cut, "损坏")
    p = tmp / "sheets.xlsx"
    _package(p, [_sheet("")] * (xlsx_read.MAX_SHEETS + 1))
    c["too many sheets"] = (p, "工作表过多")
    p = tmp / "sst.xlsx"
    _package(p, [_sheet("")], [f'<sst {NS} uniqueCount="300000">'.encode(), b"</sst>"])
    c["shared strings claimed"] = (p, "共享字符串过多")
    p = tmp / "garbage.xlsx"
    _package(p, [b"\x00\x01garbage<<<"])
    c["sheet not XML"] = (p, "已损坏")
    p = tmp / "rows.xlsx"
    _package(p, [_sheet('<row r="5001"><c r="A5001" t="inlineStr"><is><t>x</t></is></c></row>')])
    c["row 5001"] = (p, "5000 行")
    p = tmp / "cells.xlsx"
    _package(p, [_sheet("".join("<row>" + "".join(f"<c><v>{r * 64 + k}</v></c>" for k in range(64)) + "</row>"
                                for r in range(1600)))])
    c["102,400 cells"] = (p, "单元格过多")
    p = tmp / "events.xlsx"
    _package(p, [_sheet('<row r="1">' + "".join(f'<x a="{i * 7919 % 1000003}"/>' for i in range(2_600_000))
                        + "</row>")])
    c["2,600,000 elements"] = (p, "内容过多")
    p = tmp / "styles.xlsx"
    _package(p, [_sheet("")])
    with zipfile.ZipFile(p, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/styles.xml", f"<styleSheet {NS}><cellXfs>" + "".join(
            f'<xf numFmtId="{i * 7919 % 1000003}"/>' for i in range(100_001)) + "</cellXfs></styleSheet>")
    c["100,001 styles"] = (p, "样式过多")
    p = tmp / "nosheet.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", f'<workbook {NS} xmlns:r="r"><sheets><sheet name="A" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Target="worksheets/gone.xml"/>'
                                                 "</Relationships>")
    c["sheet part missing"] = (p, "缺失")
    p = tmp / "hidden.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", f'<workbook {NS} xmlns:r="r"><sheets><sheet name="A" state="hidden" r:id="rId1"/>'
                                      "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Target="worksheets/s.xml"/>'
                                                 "</Relationships>")
        z.writestr("xl/worksheets/s.xml", _sheet(""))
    c["no visible sheet"] = (p, "没有可见的工作表")
    p = tmp / "names.xlsx"
    _package(p, [_sheet('<row><c t="inlineStr"><is><t>姓名</t></is></c><c t="inlineStr"><is><t>年龄</t></is></c></row>')])
    c["not a form"] = (p, "最接近")
    c["embedded: magic"] = (_exported(tmp, _embed_cell("A1", "something"), "e1.xlsx"), "内嵌的表单数据已损坏")
    c["embedded: count"] = (_exported(tmp, _embed_cell("C1", "x"), "e2.xlsx"), "内嵌的表单数据已损坏")
    c["embedded: count too big"] = (_exported(tmp, _embed_cell("C1", "9"), "e3.xlsx"), "数据不完整")
    c["embedded: chunk not text"] = (_exported(tmp, _embed_cell("A2", 5), "e4.xlsx"), "数据不完整")
    c["embedded: checksum"] = (_exported(tmp, _embed_cell("D1", "0" * 64), "e5.xlsx"), "校验不符")

    def bad_json(wb):
        import hashlib
        ws = wb[EMBED_SHEET]
        text = '{"format": "ziping-form", "version": 99}'
        ws["A2"].value, ws["C1"].value, ws["D1"].value = text, "1", hashlib.sha256(text.encode()).hexdigest()
        for ref in ("A2", "C1", "D1"):
            ws[ref].data_type = "s"
        for r in range(3, ws.max_row + 1):
            ws.cell(r, 1).value = None
    c["embedded: not a form"] = (_exported(tmp, bad_json, "e6.xlsx"), "内嵌的表单数据无效")

    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目支出绩效自评表"])
    ws.append(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"])
    for i in range(2001):
        ws.append([None, "产出指标", "数量指标", f"指标{i}", "≥1次", "1次", "0.01", None])
    p = tmp / "rows2001.xlsx"
    wb.save(p)
    c["2,001 indicator rows"] = (p, "绩效指标过多")
    return c


def test_every_refusal_is_plain_chinese(tmp_path):
    cases = _cases(tmp_path)
    seen = []
    for name, (path, words) in cases.items():
        with pytest.raises(ImportError_) as e:
            import_workbook(path)
            pytest.fail(f"not refused: {name}")
        msg = str(e.value)
        seen.append(f"{name}: {msg}")
        assert CJK.search(msg), (name, msg)
        assert "\n" not in msg and not TECHNICAL.search(msg), (name, msg)
        assert words in msg, (name, msg)
    assert len(seen) >= 36
