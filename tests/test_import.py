"""Reading workbooks back (core.reading.imports): our own exports, other central-layout
workbooks, and files that must be refused quickly with a Chinese message."""
from __future__ import annotations

import re
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from core.export import export_form  # noqa: E402
from core.reading import ImportError_, import_workbook, shown_text  # noqa: E402
from core.form import load  # noqa: E402
from core.rules import evaluate  # noqa: E402
from core.layout import build_sheet  # noqa: E402
from test_export import make_form  # noqa: E402

CENTRAL = ROOT / "resources/samples/central-project-example-2022.json"
CJK = re.compile(r"[\u4e00-\u9fff]")


def refused(path: Path, *words: str) -> str:
    start = time.monotonic()
    with pytest.raises(ImportError_) as e:
        import_workbook(path)
    elapsed = time.monotonic() - start
    msg = str(e.value)
    assert elapsed < 5, f"took {elapsed:.1f} s to refuse"
    assert CJK.search(msg) and "Traceback" not in msg and "\n" not in msg
    for w in words:
        assert w in msg, msg
    return msg


@pytest.fixture()
def exported(tmp_path):
    form = load(CENTRAL)
    x = tmp_path / "c.xlsx"
    export_form(form, xlsx=x)
    return form, x


# ---------------------------------------------------------------- our own workbooks, edited in Excel

def test_visible_edits_are_applied(exported, tmp_path):
    import openpyxl

    form, x = exported
    sheet = build_sheet(form)
    wb = openpyxl.load_workbook(x)
    ws = wb.worksheets[0]

    def put(key, value):
        c = sheet.cell_for(key)
        ws.cell(c.row + 1, c.col + 1).value = value

    put("goals.0.indicators.0.actual", "11次")
    put("funds.total.budget", 900)                       # a number typed in Excel
    put("goals.0.indicators.1.weight", 12)
    put("funds.sources.1.label", "\u3000\u3000\u3000上年结余资金")
    put("goals.0.indicators.0.level1", "产出")            # a merged cell: every row it stands for
    put("header.填报日期", __import__("datetime").datetime(2024, 3, 29))
    y = tmp_path / "edited.xlsx"
    wb.save(y)
    back = import_workbook(y)
    assert back.get("goals.0.indicators.0.actual") == "11次"
    assert back.get("funds.total.budget") == "900"
    assert back.get("goals.0.indicators.1.weight") == "12"
    assert back.get("funds.sources.1.label") == "上年结余资金"
    assert back.get("header.填报日期") == "2024-03-29"
    level1 = sheet.cell_for("goals.0.indicators.0.level1")
    for key in level1.keys:
        assert back.get(key) == "产出"
    # untouched cells keep the text as typed (880 stays "880", not "880.00")
    assert back.get("funds.total.initial") == form.get("funds.total.initial")
    assert back.get("goals.0.indicators.2.target") == form.get("goals.0.indicators.2.target")
    changed = {k for k in ("goals.0.indicators.0.actual", "funds.total.budget")}
    assert changed
    assert evaluate(back).total != evaluate(form).total


def test_typed_text_survives_a_save_in_excel(tmp_path):
    """A number shown as 1,210.99 comes back as typed ("1,210.99" or "1210.99")."""
    import openpyxl

    form = make_form(9)
    x = tmp_path / "m.xlsx"
    export_form(form, xlsx=x)
    wb = openpyxl.load_workbook(x)
    wb.save(x)                                           # opened and saved, nothing changed
    assert import_workbook(x).data == form.data


def test_rows_inserted_in_our_workbook_fall_back_to_the_layout(exported, tmp_path):
    """A row inserted into an exported workbook (the hidden data sheet still there) is read by its
    layout, with the clerk's edit, instead of being refused (issue 11)."""
    import openpyxl

    from tests.xlsx_edit import insert_row

    form, x = exported
    sheet = build_sheet(form)
    wb = openpyxl.load_workbook(x)
    ws = wb.worksheets[0]
    c = sheet.cell_for("goals.0.indicators.0.actual")
    ws.cell(c.row + 1, c.col + 1).value = "5次"
    insert_row(ws, 4)
    insert_row(ws, 4)
    y = tmp_path / "moved.xlsx"
    wb.save(y)
    back = import_workbook(y)
    assert back.get("goals.0.indicators.0.actual") == "5次"
    assert back.year == form.year and back.template_id == form.template_id
    assert [i["name"] for _, _, i in back.indicators()] == [i["name"] for _, _, i in form.indicators()]
    assert evaluate(back).total != evaluate(form).total


def test_corrupted_embedded_form_is_refused(exported, tmp_path):
    import openpyxl

    _, x = exported
    wb = openpyxl.load_workbook(x)
    ws = wb["_ziping"]
    ws["A2"].value = ws["A2"].value.replace("社会治安", "社会治乱")
    ws["A2"].data_type = "s"
    y = tmp_path / "tampered.xlsx"
    wb.save(y)
    refused(y, "已损坏", "校验")


# ---------------------------------------------------------------- other workbooks in the central layout

def _central_workbook(path: Path) -> None:
    """A 项目支出绩效自评表 as another tool (or a clerk) would make it."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    rows = [
        ["项目支出绩效自评表"],
        ["（2022年度）"],
        ["项目名称", None, "综治、平安建设经费"],
        ["主管部门", None, "南岳区委政法委", None, None, "实施单位", None, "中共南岳区委政法委员会"],
        ["项目资金\n（万元）", None, None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, None, "年度资金总额", None, 36, 36, 30.64, 10, 0.8511, 8.51],
        [None, None, "其中：当年财政拨款", None, 36, 36, 9.8, "—", "—", "—"],
        [None, None, "      上年结转资金", None, None, None, None, "—", "—", "—"],
        [None, None, "      其他资金", None, None, None, 10, "—", "—", "—"],
        ["年度总体目标", None, "预期目标", None, None, None, "实际完成情况"],
        [None, None, "深化平安建设", None, None, None, "已完成"],
        ["绩效指标", "一级指标", "二级 指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        [None, "产出指标", "数量指标", "公众安全感民意调查", "≥10次", "10次", 20, 20, None],
        [None, None, None, "“平安县市区”工作考评", "≥10次", "8次", 20, 16, "疫情影响"],
        [None, None, "质量指标", "综治考评合格率", "=100%", 1, 10, 10, None],
        [None, "效益指标", "社会效益指标", "群众安全感", "≥95%", 0.96, 30, 30, None],
        [None, "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", 10, 10, None],
        ["总分", None, None, None, None, None, 100, 94.51, "自评等级", "优"],
        ["填报人：", "王五", None, "联系电话：", None, "0734-5678901", None, "填报日期：", "2023-03-29"],
    ]
    for r in rows:
        ws.append(r)
    ws["E15"].data_type = "s"                             # "=100%" typed as text, not a formula
    ws["F16"].number_format = "0%"
    ws["F15"].number_format = "0%"
    ws.merge_cells("B13:B15")
    ws.merge_cells("C13:C14")
    ws.merge_cells("A12:A17")
    wb.save(path)


def test_import_handmade_central_workbook(tmp_path):
    x = tmp_path / "hand.xlsx"
    _central_workbook(x)
    f = import_workbook(x)
    assert f.template_id == "central-project" and f.year == 2022
    assert f.header["项目名称"] == "综治、平安建设经费"
    assert f.header["主管部门"] == "南岳区委政法委"
    assert f.header["实施单位"] == "中共南岳区委政法委员会"
    assert f.header["填报人"] == "王五" and f.header["联系电话"] == "0734-5678901"
    assert f.header["填报日期"] == "2023-03-29"
    total = f.funds["total"]
    assert (total["label"], total["initial"], total["budget"], total["executed"]) == ("年度资金总额", "36", "36", "30.64")
    assert [s["label"] for s in f.sources] == ["当年财政拨款", "上年结转资金", "其他资金"]
    assert f.sources[0]["executed"] == "9.8" and f.sources[2]["executed"] == "10"
    assert f.goals[0]["planned"] == "深化平安建设" and f.goals[0]["achieved"] == "已完成"
    inds = f.goals[0]["indicators"]
    assert [i["name"] for i in inds] == ["公众安全感民意调查", "“平安县市区”工作考评", "综治考评合格率", "群众安全感", "群众满意度"]
    # merged 一级/二级 cells: the blank continuation rows inherit
    assert [i["level1"] for i in inds] == ["产出指标", "产出指标", "产出指标", "效益指标", "满意度指标"]
    assert [i["level2"] for i in inds] == ["数量指标", "数量指标", "质量指标", "社会效益指标", "服务对象满意度指标"]
    assert inds[2]["actual"] == "100%" and inds[3]["actual"] == "96%"       # numbers as shown
    assert inds[0]["weight"] == "20" and inds[1]["reason"] == "疫情影响"
    # scores equal to what the rules give stay computed
    assert all(i["score"] is None for i in inds)
    s = evaluate(f)
    assert s.total is not None and str(s.total) == "94.51"


def test_import_handmade_workbook_with_a_different_score_keeps_it(tmp_path):
    import openpyxl

    x = tmp_path / "hand.xlsx"
    _central_workbook(x)
    wb = openpyxl.load_workbook(x)
    wb.active["H14"].value = 15                           # the rules give 16.00
    wb.save(x)
    f = import_workbook(x)
    assert f.goals[0]["indicators"][1]["score"] == "15"


def test_exported_workbook_without_embedded_form_reads_by_layout(exported, tmp_path):
    import openpyxl

    from core.export.cells import chinese_date

    form, x = exported
    wb = openpyxl.load_workbook(x)
    del wb["_ziping"]
    y = tmp_path / "plain.xlsx"
    wb.save(y)
    f = import_workbook(y)
    # (without the embedded form, the date reads as printed: 2023年3月29日)
    assert f.header == {k: chinese_date(v) if k == "填报日期" else v for k, v in form.header.items()}
    assert [i["name"] for i in f.goals[0]["indicators"]] == [i["name"] for _, _, i in form.indicators()]
    assert [i["target"] for i in f.goals[0]["indicators"]] == [i["target"] for _, _, i in form.indicators()]
    assert evaluate(f).total == evaluate(form).total


def test_unrecognised_workbook_is_refused(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "年龄"])
    wb.active.append(["张三", 30])
    x = tmp_path / "other.xlsx"
    wb.save(x)
    refused(x, "不是可识别的绩效自评表格式", "一级指标")


# ---------------------------------------------------------------- files that must be refused

def test_refuses_non_xlsx(tmp_path):
    x = tmp_path / "notes.xlsx"
    x.write_text("这不是工作簿", encoding="utf-8")
    refused(x, "不是 Excel 工作簿")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    refused(old, ".xls")
    refused(tmp_path / "missing.xlsx", "找不到文件")
    refused(tmp_path, "文件夹")
    z = tmp_path / "other.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "hello")
    refused(z, "不是 Excel 工作簿")


def test_refuses_truncated_xlsx(exported, tmp_path):
    _, x = exported
    data = x.read_bytes()
    for cut in (len(data) // 3, len(data) - 200):
        t = tmp_path / f"cut{cut}.xlsx"
        t.write_bytes(data[:cut])
        refused(t, "损坏")


def test_refuses_member_with_garbage(exported, tmp_path):
    """A zip whose directory is fine but whose sheet is not XML."""
    _, x = exported
    y = tmp_path / "garbage.xlsx"
    with zipfile.ZipFile(x) as src, zipfile.ZipFile(y, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b"\x00\x01garbage<<<"
            dst.writestr(info, data)
    refused(y, "无法")


def test_refuses_big_file(tmp_path):
    x = tmp_path / "big.xlsx"
    with open(x, "wb") as fh:
        fh.write(b"PK\x03\x04")
        fh.truncate(21 * 1024 * 1024)                      # sparse: no 21 MB written
    refused(x, "过大", "20 MB")


def test_refuses_zip_bomb(tmp_path):
    x = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(x, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):                            # 300 MB of zeros, about 300 KB on disk
                member.write(chunk)
    assert x.stat().st_size < 2 * 1024 * 1024
    refused(x, "压缩")


def _with_sheet_xml(src: Path, dst: Path, sheet_xml: bytes) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            zout.writestr(info, data)


LAUGHS = (b'<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
          + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>\n")


def test_refuses_billion_laughs(exported, tmp_path):
    _, x = exported
    body = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    y = tmp_path / "laughs.xlsx"
    _with_sheet_xml(x, y, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + LAUGHS + body)
    refused(y, "不安全")
    # The DOCTYPE hidden after a long comment, past the quick scan: defusedxml still refuses it.
    z = tmp_path / "laughs2.xlsx"
    _with_sheet_xml(x, z, b'<?xml version="1.0"?>\n<!--' + b"x" * 10_000 + b"-->\n" + LAUGHS + body)
    refused(z, "不安全")


def test_refuses_too_many_rows(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"])
    for i in range(6000):
        ws.append(["产出指标", "数量指标", f"指标{i}", "≥1次", "1次"])
    x = tmp_path / "rows.xlsx"
    wb.save(x)
    refused(x, "5000 行")


def test_refuses_far_away_row_quickly(exported, tmp_path):
    """A tiny file whose only row is number 1,000,000 must not make us walk a million empty rows."""
    _, x = exported
    body = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>')
    y = tmp_path / "far.xlsx"
    _with_sheet_xml(x, y, b'<?xml version="1.0"?>\n' + body)
    refused(y)


# ---------------------------------------------------------------- small pieces

def test_shown_text():
    import datetime as dt
    from decimal import Decimal

    assert shown_text(None) == ""
    assert shown_text(12.0) == "12" and shown_text(30.64) == "30.64" and shown_text(0.1 + 0.2) == "0.3"
    assert shown_text(0.96, "0%") == "96%" and shown_text(1.0821, "0.00%") == "108.21%"
    assert shown_text(dt.datetime(2023, 3, 29)) == "2023-03-29"
    assert shown_text(Decimal("1210.990")) == "1210.99"
    assert shown_text(True) == "TRUE"


def test_an_indicator_row_added_in_excel_is_read_with_its_score(exported, tmp_path):
    """The clerk inserts a row inside the indicator table of an exported workbook and types a new
    indicator with a score of their own: the layout reads it, and keeps that score."""
    import openpyxl

    from tests.xlsx_edit import insert_row

    form, x = exported
    sheet = build_sheet(form)
    first = sheet.cell_for("goals.0.indicators.0.name")
    wb = openpyxl.load_workbook(x)
    ws = wb.worksheets[0]
    r = first.row + 2                                     # a 1-based row inside the first 一级 block
    insert_row(ws, r)
    values = {"name": "新增指标", "target": "≥5次", "actual": "5次", "weight": "5", "score": "3"}
    for key, value in values.items():
        c = sheet.cell_for(f"goals.0.indicators.0.{key}")
        ws.cell(r, c.col + 1).value = value
        ws.cell(r, c.col + 1).data_type = "s"
    y = tmp_path / "added.xlsx"
    wb.save(y)
    back = import_workbook(y)
    inds = back.goals[0]["indicators"]
    assert len(inds) == len(form.goals[0]["indicators"]) + 1
    new = inds[1]
    assert (new["name"], new["target"], new["actual"], new["weight"], new["score"]) == ("新增指标", "≥5次", "5次", "5", "3")
    assert new["level1"] == inds[0]["level1"]
    got = [i.score for i in evaluate(back).indicators]
    assert got[:1] + got[2:] == [i.score for i in evaluate(form).indicators]
    assert str(got[1]) == "3"
