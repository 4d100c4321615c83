"""Copy and paste with Excel and WPS: an HTML table with text-formatted cells beside the TSV, and
both flavours read back right."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.test_ui_editor import open_editor, select, stored  # noqa: F401
from ui import clipboard

HOSTILE = ["=100%", "=cmd|' /C calc'!A0", "0012", "123456789012345678", "=0起", "+86 138", "-1e5", "1/2",
           "1930.50", "-0", "123456789012", "1,930.54", " 12"]

# What Excel 2016 puts on the clipboard as "HTML Format" for a 3 × 3 range (abridged: the real
# one has more style rules), with a merged cell, an in-cell line break, a number and a percent.
EXCEL_HTML = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=ProgId content=Excel.Sheet><meta name=Generator content="Microsoft Excel 15">
<link id=Main-File rel=Main-File href="file:///C:/Users/a/AppData/Local/Temp/msohtmlclip1/01/clip.htm">
<style><!--table {mso-displayed-decimal-separator:"\\.";}
.xl65 {mso-number-format:"0\\.00";} .xl66 {mso-number-format:Percent;} --></style></head>
<body link="#0563C1" vlink="#954F72"><table border=0 cellpadding=0 cellspacing=0 width=216 style='border-collapse:
 collapse;width:162pt'>
<!--StartFragment-->
 <col width=72 span=3 style='width:54pt'>
 <tr height=19 style='height:14.25pt'>
  <td height=19 class=xl65 align=right width=72 style='height:14.25pt;width:54pt' x:num="1930.54">1930.54</td>
  <td class=xl66 align=right x:num="0.97">97%</td>
  <td>培训<br style='mso-data-placement:same-cell' />人次</td>
 </tr>
 <tr height=19 style='height:14.25pt'>
  <td colspan=2 height=19 style='height:14.25pt'>合并的
  两格</td>
  <td><font class="font5">≥</font><font class="font6">95%</font></td>
 </tr>
 <tr><td>&nbsp;&nbsp;缩进</td><td></td><td>=SUM(A1:B2)</td></tr>
<!--EndFragment-->
</table></body></html>"""

# WPS 表格 writes a similar table: cells marked x:str, a rowspan, entities.
WPS_HTML = """<html><head><meta charset="utf-8"><style>.et2{mso-number-format:"\\@";}</style></head>
<body><table><tr><td class="et2" x:str rowspan="2">一级</td><td class="et2" x:str>A &amp; B</td></tr>
<tr><td class="et2" x:str>&lt;3天</td></tr></table></body></html>"""


# ---------------------------------------------------------------- the HTML flavour, bare

def test_every_text_cell_is_marked_as_text_for_excel():
    html = clipboard.to_html([HOSTILE, ["1930.54", "10", "0", "-2.5"]])
    cells = re.findall(r"<td[^>]*>.*?</td>", html)
    assert len(cells) == len(HOSTILE) + 4
    for raw, td in zip(HOSTILE, cells):
        assert "mso-number-format:\"\\@\"" in td, td          # text: Excel and WPS keep it as typed
        assert 'sdnum="2052;0;@"' in td                        # …and LibreOffice Calc too
    for td in cells[len(HOSTILE):]:
        assert "x:num" in td and "mso-number-format" not in td   # plain amounts stay numbers
    assert "<script" not in html.lower()


def test_html_round_trip_keeps_formula_like_text():
    other = ["a\tb", " 两个  空格 ", "行一\n行二", "x\r\ny", "<b>&amp;</b>", "", "'", '"q"', "\ue000 \ue100", "\xa0"]
    rows = [HOSTILE, other + ["x"] * (len(HOSTILE) - len(other))]
    assert clipboard.parse_html_table(clipboard.to_html(rows)) == rows


cell_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(st.lists(st.lists(cell_text, min_size=3, max_size=3), min_size=1, max_size=4))
def test_html_round_trip_property(rows):
    got = clipboard.parse_html_table(clipboard.to_html(rows))
    if not any(any(v for v in r) for r in rows):
        assert got is None                                      # an all-empty block is nothing to paste
        return
    while rows and not any(rows[-1]):
        rows = rows[:-1]
    assert got == rows


def test_excel_html_lands_as_shown():
    assert clipboard.parse_html_table(EXCEL_HTML) == [
        ["1930.54", "97%", "培训\n人次"],
        ["合并的 两格", "", "≥95%"],
        ["  缩进", "", "=SUM(A1:B2)"],
    ]


def test_wps_html_with_rowspan_and_entities():
    assert clipboard.parse_html_table(WPS_HTML) == [["一级", "A & B"], ["", "<3天"]]


def test_html_is_read_safely():
    evil = ("<html><head><script>alert(1)</script><link rel=stylesheet href='http://x/y.css'></head><body>"
            "<img src='http://example.invalid/t.png'><table><tr><td>ok<script>bad()</script></td>"
            "<td><style>td{}</style>v</td><td><table><tr><td>inner</td></tr></table>out</td></tr></table>"
            "<table><tr><td>second table</td></tr></table></body></html>")
    assert clipboard.parse_html_table(evil) == [["ok", "v", "out"]]
    assert clipboard.parse_html_table("<p>no table</p>") is None
    assert clipboard.parse_html_table("<table><tr><td>" + "x" * clipboard.MAX_HTML_CHARS) is None
    wide = "<table><tr>" + "<td>1</td>" * (clipboard.MAX_COLS + 5) + "</tr></table>"
    assert clipboard.parse_html_table(wide) is None
    assert clipboard.parse_html_table("<table><tr><td colspan='x'>a</td><td rowspan=-3>b</td></tr></table>") == [["a", "b"]]


def test_mime_prefers_html_and_falls_back_to_text():
    data = QMimeData()
    data.setText("tsv\tonly\r\n")
    assert clipboard.grid_from_mime(data) == [["tsv", "only"]]
    data.setHtml("<table><tr><td>=100%</td><td>0012</td></tr></table>")
    assert clipboard.grid_from_mime(data) == [["=100%", "0012"]]
    data.setHtml("<p>a web page, not a table</p>")
    assert clipboard.grid_from_mime(data) == [["tsv", "only"]]


# ---------------------------------------------------------------- in the editor

@pytest.fixture
def editor(qtbot, tmp_path):
    from core.store import Store
    s = Store(tmp_path / "forms.db")
    ew, fid = open_editor(qtbot, s)
    yield ew, fid, s
    s.close()


def test_copy_puts_html_with_text_cells_and_tsv(editor):
    ew, fid, store = editor
    form = ew.session.form
    pairs = [("goals.0.indicators.1.target", "=100%"), ("goals.0.indicators.1.actual", "=cmd|' /C calc'!A0"),
             ("goals.0.indicators.1.weight", "0012")]
    cells = [(ew.session.sheet.cell_for(k), v) for k, v in pairs]
    ew.push(ew.session.edit_many(cells, "test"), cells=[c for c, _ in cells])
    first = ew.model.index_for_key(pairs[0][0])
    last = ew.model.index_for_key(pairs[-1][0])
    ew.view.setCurrentIndex(first)
    ew.view.selectionModel().select(
        __import__("PySide6.QtCore", fromlist=["QItemSelection"]).QItemSelection(first, last),
        ew.view.selectionModel().SelectionFlag.ClearAndSelect)
    ew.view.setFocus()
    QTest.keyClick(ew.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    data = QApplication.clipboard().mimeData()
    assert data.hasHtml() and data.hasText()
    assert data.text() == "=100%\t=cmd|' /C calc'!A0\t0012\r\n"
    html = data.html()
    for v in ("=100%", "=cmd|' /C calc'!A0", "0012"):
        td = next(t for t in re.findall(r"<td[^>]*>.*?</td>", html) if v in t.replace("&#32;", " "))
        assert "mso-number-format:\"\\@\"" in td
    # Round trip: paste the block one row down; the text lands as text, byte for byte.
    select(ew, "goals.0.indicators.2.target")
    QTest.keyClick(ew.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert form.get("goals.0.indicators.2.target") == "=100%"
    assert stored(store, fid, "goals.0.indicators.2.actual") == "=cmd|' /C calc'!A0"
    assert stored(store, fid, "goals.0.indicators.2.weight") == "0012"


def test_paste_from_excel_html_and_from_tsv(editor):
    ew, fid, store = editor
    data = QMimeData()
    data.setHtml(EXCEL_HTML)
    data.setText("1930.54\t97%\t\"培训\n人次\"\r\n")
    QApplication.clipboard().setMimeData(data)
    select(ew, "goals.0.indicators.3.target")
    QTest.keyClick(ew.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert stored(store, fid, "goals.0.indicators.3.target") == "1930.54"
    assert stored(store, fid, "goals.0.indicators.3.actual") == "97%"
    assert stored(store, fid, "goals.0.indicators.3.weight") == "培训\n人次"
    assert stored(store, fid, "goals.0.indicators.4.actual") == ""          # under the merged cell
    assert stored(store, fid, "goals.0.indicators.4.weight") == "≥95%"
    assert ew.undo_stack.count() == 1                                        # one step
    # A TSV-only clipboard (a plain editor, an older WPS) lands the same way.
    QApplication.clipboard().setText("≥90%\t88%\r\n")
    select(ew, "goals.0.indicators.5.target")
    QTest.keyClick(ew.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert stored(store, fid, "goals.0.indicators.5.target") == "≥90%"
    assert stored(store, fid, "goals.0.indicators.5.actual") == "88%"


def test_a_bare_fragment_of_rows_is_read_too():
    """Some programs hand over only the fragment between the StartFragment markers."""
    frag = "<!--StartFragment--><tr><td>≥95%</td><td>0012</td></tr><tr><td>a</td><td>b</td></tr><!--EndFragment-->"
    assert clipboard.parse_html_table(frag) == [["≥95%", "0012"], ["a", "b"]]
    assert clipboard.parse_html_table("<table><tr><td>x</td></tr>") == [["x"]]      # no </table>
