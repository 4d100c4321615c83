"""Hostile and odd input, through the real editor and the real files.

* Pasted text (tabs, line breaks, emoji, rare CJK of Extension B, a 10,000-character explanation):
  pasted with the editor's paste action and into an open cell editor, stored byte for byte, exported
  to xlsx and read back identical; the PDF names the characters its font lacks *before* anything is
  written, in core and in the window, which lets the clerk cancel or export anyway (□).
* Odd numbers typed key by key into cells: the cell is flagged and the total counts only what was
  read as a number — never an exception, never a silent 0.
* Hostile form files and workbooks in a fresh process each: refused (or read) in < 5 s with bounded
  memory (ru_maxrss growth), never a traceback.

Already covered elsewhere (not repeated): tests/test_hostile_forms.py (the same odd numbers in
core.rules.scoring; truncated, wrong-typed, 100,000-row, 50 MB, deeply nested form files, with
tracemalloc), tests/test_import.py (truncated, garbage, big, zip-bomb, billion-laughs, 6,000-row and
far-away-row workbooks, each refused in < 5 s), tests/test_export.py (formula-like text, control
characters, any text round trip), tests/test_store.py (lone surrogates, text byte for byte).
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from core.export import ExportError, export_form, missing_glyphs
from core.reading import import_workbook
from core.form import load
from core.editing import form_summary, to_tsv
from core.layout import SCORE
from core.store import Store
from tests.helpers import ROOT, SAMPLES
from tests.test_ui_editor import messages, open_editor, select, stored, text, type_chars  # noqa: F401

SEED004 = SAMPLES / "seed004-wangcheng-2020-dept.json"
RARE = "😀𠀀𪚥"                                   # emoji, Extension B (U+20000, U+2A6A5)
LONG = ("第一段：预算执行中的偏差原因\t（制表）\n" + "说明" * 5_000)[:10_000 - len(RARE) - 2] + "\n" + RARE + "。"


def raw_text(store: Store, fid: int) -> str:
    conn = sqlite3.connect(store.path)
    try:
        return conn.execute("SELECT data FROM forms WHERE id = ?", (fid,)).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "forms.db")
    yield s
    s.close()


# ---------------------------------------------------------------- pasted text

def test_pasted_text_is_kept_byte_for_byte_to_the_store_and_the_workbook(qtbot, store, tmp_path):
    ew, fid = open_editor(qtbot, store)
    assert len(LONG) == 10_000
    key = "goals.0.indicators.0.reason"
    # What Excel/WPS put on the clipboard for one cell holding tabs and line breaks: a quoted field.
    QApplication.clipboard().setText(to_tsv([[LONG]]))
    select(ew, key)
    ew.act_paste.trigger()
    assert ew.session.form.get(key) == LONG
    assert stored(store, fid, key) == LONG
    raw = raw_text(store, fid)
    assert json.loads(raw)["goals"][0]["indicators"][0]["reason"].encode("utf-8") == LONG.encode("utf-8")
    assert RARE in raw                                              # stored as text, not escapes

    # A single line with emoji and Extension B, pasted into the open editor of a short cell.
    short = "完成率≥95%😀𠀀𪚥 “引号” ①"
    QApplication.clipboard().setText(short)
    select(ew, "goals.0.indicators.2.actual")
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    ed.selectAll()
    ed.paste()
    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert stored(store, fid, "goals.0.indicators.2.actual") == short

    # Several paragraphs copied from Word, pasted into the open editor of a long text.
    para = "一、项目概况\n\t资金到位及时。\n二、存在问题😀\n𠀀𪚥 结尾"
    QApplication.clipboard().setText(para)
    select(ew, "goals.0.indicators.3.reason")
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    ed.selectAll()
    ed.paste()
    QTest.keyClick(ed, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
    assert stored(store, fid, "goals.0.indicators.3.reason") == para

    # Exported to xlsx and read back: identical, every character.
    form = load(SEED004)
    form.data.update(store.get(fid))
    x = tmp_path / "pasted.xlsx"
    export_form(form, xlsx=x)
    back = import_workbook(x)
    assert back.data == store.get(fid)
    assert back.get(key) == LONG


def test_pdf_names_the_missing_characters_before_writing(tmp_path):
    form = load(SEED004)
    form.set("goals.0.indicators.0.reason", LONG)
    form.set("header.填报人", "王𪚥")
    missing = missing_glyphs(form)
    assert {ch for _p, ch in missing} == set(RARE)
    assert ("header.填报人", "𪚥") in missing and ("goals.0.indicators.0.reason", "😀") in missing
    target = tmp_path / "a.pdf"
    with pytest.raises(ExportError) as err:
        export_form(form, xlsx=tmp_path / "a.xlsx", pdf=target)
    msg = str(err.value)
    assert "U+2A6A5" in msg and "U+20000" in msg and "U+1F600" in msg and "□" in msg
    assert list(tmp_path.iterdir()) == []                          # nothing written, not even the xlsx


def test_window_asks_before_a_pdf_with_missing_characters(qtbot, tmp_path, monkeypatch):
    from ui.app import make_app
    from ui.main_window import MainWindow
    make_app()
    s = Store(tmp_path / "forms.db")
    try:
        form = load(SEED004)
        form.set("goals.0.indicators.0.reason", LONG)
        fid = s.create(form.data, form_summary(form))
        w = MainWindow(s)
        qtbot.addWidget(w)
        ed = w.open_form(fid)
        target = tmp_path / "out" / "表.pdf"
        target.parent.mkdir()
        seen = []

        def answer(choice):
            def exec_(box):
                buttons = {b.text(): b for b in box.buttons()}
                seen.append((box.text(), sorted(buttons), target.exists()))
                return box.standardButton(buttons[choice])
            monkeypatch.setattr(QMessageBox, "exec", exec_)

        answer("取消")
        assert not w.export_to(ed.session.form, "pdf", str(target))
        question, buttons, existed = seen[-1]
        assert buttons == sorted(["仍然导出", "取消"]) and not existed
        assert "U+2A6A5" in question and "第" in question and "行" in question
        assert list(target.parent.iterdir()) == []

        answer("仍然导出")
        assert w.export_to(ed.session.form, "pdf", str(target))
        assert target.read_bytes().startswith(b"%PDF") and not seen[-1][2]
        out = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True)
        if out.returncode == 0:
            assert "□" in out.stdout
        assert [p.name for p in target.parent.iterdir()] == ["表.pdf"]
    finally:
        s.close()


# ---------------------------------------------------------------- odd numbers typed into cells

ODD = ["1e999", "NaN", "１２３", "1,2,3", "12.345.6", "--5", "", "-0", "Infinity",
       "9" * 30, "0.00000000001"]          # past the reader's bounds: once crashed the scorer
READ_AS_NUMBER = {"１２３": Decimal(123), "-0": Decimal(0)}


def _type_into(ew, key: str, typed: str) -> None:
    select(ew, key)
    if typed == "":
        QTest.keyClick(ew.view, Qt.Key.Key_Delete)
        return
    QTest.keyClick(ew.view, Qt.Key.Key_F2)
    ed = ew.delegate.current_editor
    ed.selectAll()
    QTest.keyClick(ed, Qt.Key.Key_Delete)
    if typed.isascii():
        QTest.keyClicks(ed, typed)
    else:
        type_chars(ed, typed)
    QTest.keyClick(ed, Qt.Key.Key_Return)
    QApplication.processEvents()


def _printed_total(ew) -> tuple[Decimal, Decimal]:
    """(the total shown, the sum of the scores printed in the sheet)."""
    sheet = ew.session.sheet
    printed = Decimal(0)
    for c in sheet.cells:
        if c.role == SCORE and c.text and re.fullmatch(r"-?\d+\.\d\d", c.text):
            printed += Decimal(c.text)
    exec_text = text(ew, "funds.total.score") or ""
    if re.fullmatch(r"-?\d+\.\d\d", exec_text):
        printed += Decimal(exec_text)
    return Decimal(text(ew, "total")), printed


@pytest.mark.parametrize("typed", ODD)
def test_odd_numbers_typed_into_the_editor_are_flagged_never_counted_silently(qtbot, store, typed, messages):  # noqa: F811
    ew, fid = open_editor(qtbot, store)
    _type_into(ew, "funds.total.executed", typed)
    _type_into(ew, "goals.0.indicators.1.actual", typed)
    assert not messages                                             # no error box, no exception
    assert ew.session.form.get("funds.total.executed") == typed     # kept as typed
    assert stored(store, fid, "goals.0.indicators.1.actual") == typed
    sheet = ew.session.sheet
    executed = sheet.cell_for("funds.total.executed")
    actual = sheet.cell_for("goals.0.indicators.1.actual")
    sc = ew.session.scores
    shown, printed = _printed_total(ew)
    assert shown == printed                                         # the total is what is printed
    if typed in READ_AS_NUMBER:
        assert sc.exec_score is not None and sc.indicators[1].computed is not None
        return
    # Not a number: no score invented for it, and the cell says why.
    assert executed.level == "error" and executed.messages
    assert actual.level in ("error", "warning") and actual.messages
    assert sc.exec_score is None and text(ew, "funds.total.score") in ("", None)
    assert sc.indicators[1].computed is None and text(ew, "goals.0.indicators.1.score") in ("", None)
    assert any(f.where == "funds.total.executed" for f in sc.findings)
    listed = [ew.findings.item(i).text() for i in range(ew.findings.count())]
    assert any("全年执行数" in t or "执行" in t for t in listed)


# ---------------------------------------------------------------- hostile files, time and memory bounds

PROBE = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])


def peak_kb():
    # VmHWM: this process's own peak. ru_maxrss would start at the parent's size (kept across exec).
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


kind, path = sys.argv[1], sys.argv[2]
from core.form import FormError, load
from core.reading import ImportError_, import_workbook
import openpyxl, openpyxl.reader.excel, defusedxml.ElementTree   # loaded before the baseline
from core.rules import evaluate
base = peak_kb()
t0 = time.perf_counter()
try:
    form = (load if kind == "form" else import_workbook)(path)
    evaluate(form)
    outcome = "read"
except (FormError, ImportError_) as e:
    outcome = "refused: " + str(e)
except Exception as e:
    outcome = "CRASH: " + type(e).__name__ + ": " + str(e)[:200]
elapsed = time.perf_counter() - t0
grew = peak_kb() - base
print(json.dumps({"outcome": outcome, "elapsed": elapsed, "grew_mb": grew / 1024}, ensure_ascii=False))
"""

SHEET_NS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'


def _replace_member(src: Path, dst: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for info in zin.infolist():
            zout.writestr(info, data if info.filename == name else zin.read(info))


def _hostile_files(folder: Path) -> dict[str, tuple[str, Path, str]]:
    """name -> (kind, path, words the refusal must contain or "read")."""
    out = {}
    data = json.loads(SEED004.read_text(encoding="utf-8"))
    row = data["goals"][0]["indicators"][1]

    big = dict(data, goals=[dict(data["goals"][0], indicators=[row] * 100_000)])
    p = folder / "rows100k.json"
    p.write_text(json.dumps(big, ensure_ascii=False), encoding="utf-8")
    out["form: 100,000 indicator rows"] = ("form", p, "过大")

    long = dict(data, texts=dict(data["texts"], 部门职能概述="长" * (50 * 1024 * 1024 // 3)))
    p = folder / "string50mb.json"
    p.write_text(json.dumps(long, ensure_ascii=False), encoding="utf-8")
    out["form: a 50 MB string"] = ("form", p, "过大")

    p = folder / "deep.json"
    p.write_text("[" * 500_000 + "]" * 500_000, encoding="utf-8")
    out["form: 500,000 nested lists"] = ("form", p, "")

    p = folder / "wrongtypes.json"
    bad = json.loads(json.dumps(data))
    bad["goals"][0]["indicators"][0]["weight"] = {"$numberDecimal": "10"}
    bad["funds"]["total"]["executed"] = [1930.54]
    p.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    out["form: wrong types"] = ("form", p, "")

    exported = folder / "ok.xlsx"
    export_form(load(SEED004), xlsx=exported)
    out["xlsx: our own export (control)"] = ("xlsx", exported, "read")

    p = folder / "truncated.xlsx"
    p.write_bytes(exported.read_bytes()[: exported.stat().st_size // 2])
    out["xlsx: truncated"] = ("xlsx", p, "损坏")

    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%d</t></is></c></row>' % (i, i, i)
                    for i in range(1, 100_001))
    p = folder / "rows100k.xlsx"
    _replace_member(exported, p, "xl/worksheets/sheet1.xml", SHEET_NS + rows + b"</sheetData></worksheet>")
    out["xlsx: 100,000 rows"] = ("xlsx", p, "")

    p = folder / "string50mb.xlsx"
    # 50 MB of text that compresses about 6 times (under the 20 MB file limit and the ratio limit),
    # in the title cell, so that openpyxl parses all of it.
    alphabet = "预算绩效自评表指标完成情况偏差原因"
    block = "".join(alphabet[b & 15] for b in os.urandom(350_000)).encode("utf-8")   # 1 MB; deflate
    text = (block * 50)[: 50 * 1024 * 1024 // 3 * 3]                  # looks back only 32 KB
    with zipfile.ZipFile(exported) as zin:
        xml = zin.read("xl/worksheets/sheet1.xml")
    # openpyxl writes the title as UTF-8, or as character references when lxml is installed.
    title = "部门整体自评表"
    title = next(t for t in (title.encode("utf-8"), title.encode("ascii", "xmlcharrefreplace"))
                 if xml.count(b"<t>" + t + b"</t>") == 1)
    _replace_member(exported, p, "xl/worksheets/sheet1.xml", xml.replace(title, text))
    out["xlsx: a 50 MB string"] = ("xlsx", p, "any")

    p = folder / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(512):                                    # 512 MB of zeros, 0.5 MB on disk
                member.write(b"\0" * (1 << 20))
    out["xlsx: zip bomb (512 MB)"] = ("xlsx", p, "压缩")

    laughs = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                         for i in range(1, 10))
              + b"]>" + SHEET_NS + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
              + b"</sheetData></worksheet>")
    p = folder / "laughs.xlsx"
    _replace_member(exported, p, "xl/worksheets/sheet1.xml", laughs)
    out["xlsx: XML entity expansion"] = ("xlsx", p, "不安全")

    huge_form = dict(data, goals=[dict(data["goals"][0], indicators=[dict(row, name=f"指标{i}", actual=f"{i}次")
                                                                     for i in range(100_000)])])
    blob = json.dumps(huge_form, ensure_ascii=False)
    chunks = [blob[i:i + 30_000] for i in range(0, len(blob), 30_000)]
    import hashlib
    from core.export import EMBED_MAGIC
    head = (f'<row r="1"><c r="A1" t="inlineStr"><is><t>{EMBED_MAGIC}</t></is></c>'
            f'<c r="C1" t="inlineStr"><is><t>{len(chunks)}</t></is></c>'
            f'<c r="D1" t="inlineStr"><is><t>{hashlib.sha256(blob.encode()).hexdigest()}</t></is></c></row>')
    body = "".join(f'<row r="{i + 2}"><c r="A{i + 2}" t="inlineStr"><is><t>{c}</t></is></c></row>'
                   for i, c in enumerate(chunks))
    p = folder / "embedded100k.xlsx"
    _replace_member(exported, p, "xl/worksheets/sheet2.xml",
                    SHEET_NS + (head + body).encode("utf-8") + b"</sheetData></worksheet>")
    out["xlsx: embedded form of 100,000 rows"] = ("xlsx", p, "")
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak memory from /proc/self/status")
def test_hostile_files_are_handled_fast_in_bounded_memory(tmp_path):
    """Each file in a fresh process: < 5 s and < 400 MB more peak memory (VmHWM) than the process
    had after importing everything (openpyxl, defusedxml), and a refusal in Chinese or a clean read."""
    from concurrent.futures import ThreadPoolExecutor

    files = _hostile_files(tmp_path)

    def probe(item):
        name, (kind, path, _words) = item
        return name, subprocess.run([sys.executable, "-c", PROBE, kind, str(path), str(ROOT)],
                                    capture_output=True, text=True, timeout=120, cwd=ROOT)
    with ThreadPoolExecutor(1) as pool:     # one at a time: each probe is timed
        runs = dict(pool.map(probe, files.items()))
    results = {}
    for name, (kind, path, words) in files.items():
        r = runs[name]
        assert r.returncode == 0, (name, r.stderr[-2000:])
        res = json.loads(r.stdout.strip().splitlines()[-1])
        results[name] = res
        assert not res["outcome"].startswith("CRASH"), (name, res)
        assert "Traceback" not in res["outcome"]
        if words == "read":
            assert res["outcome"] == "read", (name, res)
        elif words == "any":                     # read, or refused in Chinese
            assert res["outcome"] == "read" or re.search(r"[\u4e00-\u9fff]", res["outcome"]), (name, res)
        else:
            assert res["outcome"].startswith("refused: "), (name, res)
            assert re.search(r"[\u4e00-\u9fff]", res["outcome"]), (name, res)
            assert words in res["outcome"], (name, res)
        assert res["elapsed"] < 5, (name, res)
        assert res["grew_mb"] < 400, (name, res)
    print("\n" + "\n".join(f"{n}: {r['elapsed']:.2f} s, +{r['grew_mb']:.0f} MB, {r['outcome'][:60]}"
                            for n, r in results.items()))


def test_wrong_typed_cells_in_our_workbook(tmp_path):
    """Cells of our own export overwritten in Excel with booleans, errors, formulas, huge numbers
    and dates: read as text or refused in Chinese, never an exception."""
    import datetime as dt

    import openpyxl

    from core.reading import ImportError_
    from core.rules import evaluate
    from core.layout import build_sheet
    form = load(SEED004)
    x = tmp_path / "a.xlsx"
    export_form(form, xlsx=x)
    sheet = build_sheet(form)
    for value in (True, "#DIV/0!", "=1/0", 1e308, -1e-300, dt.datetime(1900, 1, 1), dt.time(12, 30), 10**30):
        wb = openpyxl.load_workbook(x)
        ws = wb.worksheets[0]
        for key in ("funds.total.executed", "goals.0.indicators.1.actual", "goals.0.indicators.1.weight"):
            c = sheet.cell_for(key)
            ws.cell(c.row + 1, c.col + 1).value = value
        y = tmp_path / "typed.xlsx"
        wb.save(y)
        try:
            back = import_workbook(y)
        except ImportError_ as e:
            assert re.search(r"[\u4e00-\u9fff]", str(e)), value
            continue
        for key in ("funds.total.executed", "goals.0.indicators.1.actual"):
            assert isinstance(back.get(key), str), (value, back.get(key))
        evaluate(back)
