"""Exports: the workbook and the PDF a finance bureau accepts (core.export)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.files import WriteError  # noqa: E402
from core.export import ExportError, export_form, export_names, missing_glyphs, safe_filename  # noqa: E402
from core.export import pdf as pdfmod  # noqa: E402
from core.export import xlsx as xlsxmod  # noqa: E402
from core.reading import import_workbook  # noqa: E402
from core.form import Form, new_form  # noqa: E402
from core.form import load  # noqa: E402
from core.rules import evaluate  # noqa: E402
from core.layout import SCORE, build_sheet  # noqa: E402
from core.form import get_template  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402
from tests.helpers import examples  # noqa: E402

SAMPLES = sorted((ROOT / "resources" / "samples").glob("*.json"))
POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts") and shutil.which("pdfinfo")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdfinfo) not installed; CI installs it")


# ---------------------------------------------------------------- forms for the tests

GROUPS = {"产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
          "效益指标": ["社会效益指标", "经济效益指标", "生态效益指标", "可持续影响指标"],
          "满意度指标": ["服务对象满意度指标"]}
ROWS = [("≥10次", "12次"), ("=100%", "98%"), ("≤30天", "36天"), ("同比上升", "有所上升"), ("95%以上", "96%")]


def make_form(n: int, reason_every: int = 7) -> Form:
    """A central-project form with ``n`` indicators whose weights add up to 90."""
    f = new_form(get_template("central-project"), 2023,
                 {"项目名称": f"乡村振兴衔接资金（{n}项指标）", "主管部门": "某县农业农村局",
                  "实施单位": "某县乡村振兴服务中心", "填报人": "李四", "联系电话": "0731-12345678",
                  "填报日期": "2024-03-15"})
    f.data["funds"]["total"].update(initial="1,210.99", budget="1210.99", executed="1180.5")
    f.data["funds"]["sources"][0].update(initial="1000", budget="1000", executed="980.5")
    f.data["funds"]["sources"][1].update(initial="210.99", budget="210.99", executed="200")
    g = f.goals[0]
    g["planned"] = "巩固拓展脱贫攻坚成果，" * 8
    g["achieved"] = "全面完成年度目标，" * 10
    g["indicators"] = []
    n_out, n_ben = n * 5 // 9, n * 3 // 9
    for l1, cnt, total_w in (("产出指标", n_out, 50), ("效益指标", n_ben, 30), ("满意度指标", n - n_out - n_ben, 10)):
        subs = GROUPS[l1]
        weights = [total_w // cnt] * cnt
        for k in range(total_w - sum(weights)):
            weights[k % cnt] += 1
        for i in range(cnt):
            l2 = subs[i * len(subs) // cnt]
            target, actual = ROWS[i % 5]
            ind = {"level1": l1, "level2": l2, "name": f"{l2[:2]}第{i + 1}项：农村公路养护里程与质量达标情况",
                   "target": target, "actual": actual, "weight": str(weights[i]), "score": None, "tier": None,
                   "reason": ("受汛期影响，部分路段施工延期，已调整计划。" * (1 + i % 3)) if i % reason_every == 0 else ""}
            if i % 5 == 3:
                ind["tier"] = 2
                ind["score"] = f"{weights[i] * 0.7:.2f}"
            g["indicators"].append(ind)
    return f


def long_reason(n_chars: int = 10_000) -> str:
    """A long explanation with numbered markers, to follow it across pages."""
    parts, i = [], 0
    while sum(map(len, parts)) < n_chars:
        parts.append(f"【第{i:04d}段】受汛期影响，部分路段施工延期；已调整计划，确保年底前完工。")
        i += 1
    return "".join(parts)[:n_chars]


def weird_form() -> Form:
    f = make_form(12)
    inds = f.goals[0]["indicators"]
    inds[0]["name"] = "笑脸😀指标\t制表符"
    inds[1]["reason"] = "第一行\n第二行\t缩进\r\n第三行𠀀生僻字"
    inds[2]["reason"] = long_reason()
    inds[3]["actual"] = "=SUM(A1:A3)"
    inds[4]["reason"] = "控制字符\x01在这里"
    f.header["项目名称"] = "项目/名称:测试*?"
    return f


# ---------------------------------------------------------------- helpers

def run(cmd: list[str]) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path, *args: str) -> str:
    return run(["pdftotext", *args, str(path), "-"])


def xml_borders(path: Path) -> dict:
    """{cell reference: [left, right, top, bottom] border styles} of the first sheet, from its XML."""
    import zipfile
    from xml.etree import ElementTree as ET
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as zf:
        styles = ET.fromstring(zf.read("xl/styles.xml"))
        sheet = ET.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    border_list = []
    for b in styles.find("m:borders", ns):
        border_list.append([(b.find(f"m:{side}", ns).get("style") if b.find(f"m:{side}", ns) is not None else None)
                            for side in ("left", "right", "top", "bottom")])
    xfs = [int(xf.get("borderId", 0)) for xf in styles.find("m:cellXfs", ns)]
    return {c.get("r"): border_list[xfs[int(c.get("s", 0))]] for c in sheet.iter(f"{{{ns['m']}}}c")}


def workbook(path: Path):
    import openpyxl
    return openpyxl.load_workbook(str(path))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every sample exported once: {sample name: (form, xlsx path, pdf path)}."""
    out = tmp_path_factory.mktemp("exports")
    done = {}
    for p in SAMPLES:
        form = load(p)
        x, d = out / f"{p.stem}.xlsx", out / f"{p.stem}.pdf"
        export_form(form, xlsx=x, pdf=d)
        done[p.stem] = (form, x, d)
    return done


@pytest.fixture(scope="module")
def long60(tmp_path_factory):
    out = tmp_path_factory.mktemp("long60")
    form = make_form(60)
    x, d = out / "long60.xlsx", out / "long60.pdf"
    export_form(form, xlsx=x, pdf=d)
    return form, x, d


names = [p.stem for p in SAMPLES]


# ---------------------------------------------------------------- PDF

@needs_poppler
@pytest.mark.parametrize("name", names)
def test_pdf_fonts_all_embedded(exported, name):
    _, _, d = exported[name]
    lines = run(["pdffonts", str(d)]).splitlines()[2:]
    assert lines, "no fonts listed"
    for line in lines:
        cols = line.split()
        # name type [type2] encoding emb sub uni object ID: emb is the 5th field from the end
        assert cols[-5] == "yes", f"font not embedded: {line}"
        assert cols[0].split("+")[-1].split("-")[0] in ("NotoSerifSC", "NotoSansSC", "BabelStoneHanSupplement")


@needs_poppler
@pytest.mark.parametrize("name", names)
def test_pdf_text_has_every_indicator_score_and_total(exported, name):
    form, _, d = exported[name]
    raw = squash(pdf_text(d, "-raw"))
    layout_text = squash(pdf_text(d, "-layout"))
    for _, _, ind in form.indicators():
        if ind.get("name"):
            assert squash(ind["name"]) in raw, ind["name"]
    sheet = build_sheet(form)
    for cell in sheet.cells:
        if cell.role == SCORE and cell.text:
            assert cell.text in layout_text
    if sheet.scores.profile.scored:
        total = sheet.cell_for("total").text
        assert total and total in layout_text
    assert squash(sheet.title) in raw


@needs_poppler
@pytest.mark.parametrize("name", names)
def test_pdf_metadata_and_page_numbers(exported, name):
    form, _, d = exported[name]
    info = run(["pdfinfo", str(d)])
    sheet = build_sheet(form)
    unit = form.header.get(sheet.template["unit_field"])
    assert re.search(r"^Title:\s+" + re.escape(sheet.title) + r"$", info, re.M)
    assert re.search(r"^Author:\s+" + re.escape(unit) + "$", info, re.M)
    assert re.search(r"^Subject:\s+预算绩效自评表$", info, re.M)
    assert re.search(r"^Creator:\s+ziping$", info, re.M)
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    want = "landscape" if sheet.orientation == "landscape" else "portrait"
    w, h = map(float, re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M).groups())
    assert (w > h) == (want == "landscape") and round(min(w, h)) == 595 and round(max(w, h)) == 842
    for p in range(1, pages + 1):
        assert f"第{p}页共{pages}页" in squash(pdf_text(d, "-f", str(p), "-l", str(p)))


@needs_poppler
def test_pdf_long_form_repeats_indicator_header_on_every_page(long60):
    form, _, d = long60
    pages = int(re.search(r"Pages:\s+(\d+)", run(["pdfinfo", str(d)])).group(1))
    assert pages >= 3
    seen = []
    for p in range(1, pages + 1):
        text = squash(pdf_text(d, "-raw", "-f", str(p), "-l", str(p)))
        if p > 1 and "总分" not in text or p < pages:
            assert "一级指标" in text and "三级指标" in text and "得分" in text, f"page {p}"
        seen.append(text)
    everything = "".join(seen)
    for _, _, ind in form.indicators():
        assert squash(ind["name"]) in everything


def test_pdf_layout_spans_every_merged_cell(long60):
    form, _, _ = long60
    sheet = build_sheet(form)
    lay = pdfmod.layout(sheet)
    assert len(lay.pages) >= 3
    drawn = [pdfmod.page_cells(lay, p) for p in range(len(lay.pages))]
    merged = [c for c in sheet.cells if c.rowspan > 1 or c.colspan > 1]
    spans = [d for page in drawn for d in page if d.r1 > d.r0 or d.c1 > d.c0]
    assert len(spans) >= len(merged)
    # every merged cell is drawn over its columns, and over its rows on each page it reaches
    for page, cells in zip(lay.pages, drawn):
        for d in cells:
            c = d.box.cell
            assert (d.c0, d.c1) == (c.col, c.col + c.colspan - 1)
            on_page = [j for j, sl in enumerate(page) if c.row <= sl.row < c.row + c.rowspan]
            assert (d.r0, d.r1) == (min(on_page), max(on_page))
    # Same column widths on every page, filling the frame.
    pw, _ = lay.page_size
    assert abs(sum(lay.col_widths) - (pw - 2 * pdfmod.MARGIN_X)) < 0.01
    # Every page fits its frame.
    _, ph = lay.page_size
    for page in lay.pages:
        assert sum(sl.height for sl in page) <= ph - pdfmod.MARGIN_TOP - pdfmod.MARGIN_BOTTOM


def test_pdf_no_line_starts_with_closing_punctuation(exported):
    for name in names:
        sheet = build_sheet(exported[name][0])
        lay = pdfmod.layout(sheet)
        for b in lay.boxes:
            for i, line in enumerate(b.lines):
                if line and i and not b.cell.text.replace("\r", "").split("\n").count(line):
                    assert line[0] not in pdfmod.NO_START, (name, b.cell.key, line)


CJK = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
PUNCT = "，。、：；！？）》」』】％…“”（《"
ALPHABET = CJK[:200] + PUNCT * 3 + "abc123 .,%-"


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=ALPHABET, min_size=1, max_size=120),
       width=st.floats(min_value=25, max_value=300))
@example(text="1% ！", width=25.0)          # a full-width closing mark after a space (found on a fresh clone)
@example(text="（ 完成", width=25.0)         # an opening mark before a space
def test_line_breaking_rules(text, width):
    pdfmod.register_font()
    lines = pdfmod.break_lines(text, width)
    # Nothing lost but the spaces at a break.
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for i, line in enumerate(lines):
        body = line.rstrip("".join(pdfmod.NO_START) + " ")  # closing punctuation may hang (with spaces before it)
        w = sum(pdfmod._width(ch, pdfmod.SIZE) for ch in body)
        assert w <= width + 0.01 or len(body) <= 1, (line, w, width)
        if i and line:
            assert line[0] not in pdfmod.NO_START and line[0] != " ", (lines, width)
        if i + 1 < len(lines) and line and lines[i + 1] and len(line) > 1:
            assert line[-1] not in pdfmod.NO_END or all(ch in pdfmod.NO_END for ch in line[-2:]), lines


def test_pdf_draws_the_lines_as_broken():
    """Each PDF cell draws the lines break_lines made, unchanged: the whole text, and no line
    after the first starts with ，。：；！？）》、％…"""
    form = load(ROOT / "resources" / "samples" / "seed004-wangcheng-2020-dept.json")
    text = "按季度及时开展司法救助工作，发放救助资金七十万元；三是认真做好未收押未收监病犯清理整顿工作。全部收监，提前完成任务！" * 6
    form.data["goals"][0]["indicators"][2]["reason"] = text
    pdfmod.register_font()
    lay = pdfmod.layout(build_sheet(form))
    drawn = [d for p in range(len(lay.pages)) for d in pdfmod.page_cells(lay, p) if any(d.lines)]
    assert drawn
    def own(d):                    # a piece continued from the previous page starts with （续）
        return d.lines[1:] if d.lines[:1] == [pdfmod.CONTINUED] else d.lines

    reason = [d for d in drawn if len("".join(own(d))) > 10 and "".join(own(d)) in text]
    assert "".join("".join(own(d)) for d in reason) == text
    for d in drawn:
        for line in d.lines[1:]:
            assert line[:1] not in pdfmod.NO_START, d.lines

def test_missing_glyphs_reported_before_export(tmp_path):
    f = weird_form()
    missing = missing_glyphs(f)
    assert ("goals.0.indicators.0.name", "😀") in missing
    assert ("goals.0.indicators.1.reason", "𠀀") in missing
    assert all(ch not in "\t\n\r\x01" for _, ch in missing)
    out = tmp_path / "w.pdf"
    with pytest.raises(ExportError) as e:
        export_form(f, pdf=out, xlsx=tmp_path / "w.xlsx")
    msg = str(e.value)
    assert "😀" in msg and "𠀀" in msg and "U+1F600" in msg and "三级指标" in msg and "偏差原因" in msg
    assert not out.exists() and not (tmp_path / "w.xlsx").exists()   # checked before anything is written
    assert ("goals.0.indicators.0.name", "😀") in e.value.missing


@needs_poppler
def test_weird_form_exports_with_allow_missing(tmp_path):
    f = weird_form()
    x, d = tmp_path / "w.xlsx", tmp_path / "w.pdf"
    export_form(f, xlsx=x, pdf=d, allow_missing=True)
    text = pdf_text(d, "-raw")
    flat = squash(text)
    assert "□" in text                                       # the missing characters are marked
    assert "笑脸□指标制表符" in flat                         # tab printed as space
    assert "第三行□生僻字" in flat
    # the 10,000-character reason runs over pages, every piece of it in order
    # (a marker cut by a page break is interrupted by the page's footer and header)
    markers = re.findall(r"【第(\d{4})段】", flat)
    want = re.findall(r"【第(\d{4})段】", long_reason())
    pages = int(re.search(r"Pages:\s+(\d+)", run(["pdfinfo", str(d)])).group(1))
    assert pages > 3
    assert markers == sorted(set(markers)) and set(markers) <= set(want)
    assert len(want) - len(markers) < pages
    assert squash(long_reason()[-40:]) in flat
    # and the workbook still round-trips exactly
    assert import_workbook(x).data == f.data


def test_write_pdf_raises_without_allow_missing(tmp_path):
    from core.export.pdf import write_pdf
    with pytest.raises(ExportError):
        write_pdf(weird_form(), tmp_path / "x.pdf")


# ---------------------------------------------------------------- workbook

def _all_cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


@pytest.mark.parametrize("name", names)
def test_xlsx_has_values_never_formulas(exported, name):
    form, x, _ = exported[name]
    wb = workbook(x)
    assert not [c.coordinate for c in _all_cells(wb) if c.data_type == "f"]
    sheet = build_sheet(form)
    ws = wb.worksheets[0]
    for cell in sheet.cells:
        if cell.text.startswith("="):
            got = ws.cell(cell.row + 1, cell.col + 1)
            assert got.value == cell.text and got.data_type == "s"


def test_seed001_equals_targets_are_strings(exported):
    form, x, _ = exported["seed001-nanyue-2022-zongzhi"]
    ws = workbook(x).worksheets[0]
    values = [c.value for c in _all_cells(ws.parent) if c.parent is ws]
    targets = [ind["target"] for _, _, ind in form.indicators() if ind["target"].startswith("=")]
    assert "=100%" in targets and "=36万元" in targets
    for t in targets:
        assert t in values


@pytest.mark.parametrize("name", names)
def test_xlsx_layout_and_print_setup(exported, name):
    form, x, _ = exported[name]
    sheet = build_sheet(form)
    wb = workbook(x)
    ws = wb.worksheets[0]
    assert ws.title == "绩效自评表"
    # merges as in the sheet (a tall row spread over several workbook rows merges its
    # cells down), borders on every cell of a bordered range
    starts = xlsxmod.row_starts(wb, sheet.nrows)
    want = {(starts[c.row] + 1, c.col + 1, starts[c.row + c.rowspan], c.col + c.colspan) for c in sheet.cells
            if c.rowspan > 1 or c.colspan > 1 or starts[c.row + 1] - starts[c.row] > 1}
    got = {(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges}
    assert got == want
    # (read from the file itself: openpyxl rebuilds merged cells' borders on load)
    borders = xml_borders(x)
    for c in sheet.cells:
        for rr in range(starts[c.row] + 1, starts[c.row + c.rowspan] + 1):
            for cc in range(c.col + 1, c.col + c.colspan + 1):
                sides = borders.get(f"{get_column_letter(cc)}{rr}", [None] * 4)
                if c.border and c.role not in ("title", "subtitle"):
                    assert sides == ["thin"] * 4, (name, rr, cc)
                else:
                    assert sides == [None] * 4
    # fonts
    title = ws.cell(1, 1)
    assert title.font.b and title.font.sz == 16 and title.font.name in ("黑体", "宋体")
    assert ws.cell(starts[sheet.header_rows[0]] + 1, 2).font.name == "宋体"
    assert ws.cell(starts[sheet.header_rows[0]] + 1, 2).font.sz == 10.5
    # widths and computed heights
    for i, w in enumerate(xlsxmod.excel_widths(sheet), start=1):
        assert ws.column_dimensions[chr(64 + i)].width == w
    heights = [ws.row_dimensions[r].height for r in range(1, sheet.nrows + 1)]
    assert all(h and h >= 18 for h in heights)
    # paper
    ps = ws.page_setup
    assert ps.paperSize == 9 and ps.orientation == sheet.orientation
    # one page wide, with every page (broken where the PDF breaks) fitting at that scale
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ps.fitToWidth == 1 and ps.fitToHeight == 0
    k = sum(1 for kind in sheet.row_kinds if kind in ("title", "subtitle"))
    assert ws.print_title_rows == f"$1:${k}" or ws.print_title_rows == f"1:{k}"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.page_margins.bottom >= 0.9
    assert ws.cell(1, 1).alignment.vertical == "center"
    # properties
    assert wb.properties.title == sheet.title
    assert wb.properties.creator == form.header[sheet.template["unit_field"]]


def test_xlsx_row_height_follows_long_text(exported):
    form, x, _ = exported["seed004-wangcheng-2020-dept"]
    sheet = build_sheet(form)
    wb = workbook(x)
    ws = wb.worksheets[0]
    starts = xlsxmod.row_starts(wb, sheet.nrows)
    c = sheet.cell_for("texts.部门职能概述")
    assert sum(ws.row_dimensions[x + 1].height for x in range(starts[c.row], starts[c.row + 1])) > 100
    assert ws.cell(starts[c.row] + 1, c.col + 1).alignment.wrap_text


def test_xlsx_numbers_are_numbers(exported):
    form, x, _ = exported["central-project-example-2022"]
    sheet = build_sheet(form)
    ws = workbook(x).worksheets[0]
    budget = sheet.cell_for("funds.total.budget")
    c = ws.cell(budget.row + 1, budget.col + 1)
    assert c.data_type == "n" and c.value == 880 and c.number_format == "#,##0.00"
    total = sheet.cell_for("total")
    c = ws.cell(total.row + 1, total.col + 1)
    assert c.data_type == "n" and f"{c.value:.2f}" == total.text and c.number_format == "0.00"
    rate = sheet.cell_for("funds.total.rate")
    c = ws.cell(rate.row + 1, rate.col + 1)
    assert c.number_format == "0.00%" and f"{c.value * 100:.2f}%" == rate.text


def test_embedded_form_is_very_hidden_and_chunked(tmp_path):
    f = make_form(9)
    f.goals[0]["achieved"] = "😀长" * 40_000          # 80,000 characters, 120,000 UTF-16 units
    x = tmp_path / "big.xlsx"
    export_form(f, xlsx=x)
    wb = workbook(x)
    ws = wb["_ziping"]
    assert ws.sheet_state == "veryHidden"
    assert wb.active.title == "绩效自评表"
    cells = [c for c in _all_cells(wb) if c.parent is ws and isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells)
    assert all(len(c.value.encode("utf-16-le")) // 2 <= 32_000 for c in cells)
    assert int(ws["C1"].value) >= 4
    # the visible cell is cut to what Excel holds, and the import still gets every character
    visible = wb.worksheets[0]
    assert all(len(str(c.value or "").encode("utf-16-le")) // 2 <= 32_767 for c in _all_cells(wb) if c.parent is visible)
    assert import_workbook(x).data == f.data


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize("name", names)
def test_round_trip_samples(exported, name, tmp_path):
    form, x, _ = exported[name]
    back = import_workbook(x)
    assert back.data == form.data
    assert json.dumps(evaluate(back).to_json(), ensure_ascii=False) == json.dumps(evaluate(form).to_json(), ensure_ascii=False)
    assert back.to_json() == form.to_json()


def test_round_trip_sixty_indicators(long60):
    form, x, _ = long60
    back = import_workbook(x)
    assert back.data == form.data
    assert evaluate(back).to_json() == evaluate(form).to_json()


def test_round_trip_weird_form(tmp_path):
    f = weird_form()
    x = tmp_path / "w.xlsx"
    export_form(f, xlsx=x)
    assert not [c for c in _all_cells(workbook(x)) if c.data_type == "f"]
    back = import_workbook(x)
    assert back.data == f.data


TEXTS = st.text(alphabet=st.sampled_from(list("=+-@长度，。%≥≤ \t\n\r\x01😀𠀀a1.") + ["\ud800", "\ufffe", "\x7f"]),
                max_size=30)


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=TEXTS, target=TEXTS, actual=TEXTS, amount=TEXTS, unit=TEXTS)
def test_round_trip_any_text(tmp_path, name, target, actual, amount, unit):
    f = make_form(9)
    ind = f.goals[0]["indicators"][0]
    ind.update(name=name, target=target, actual=actual)
    f.data["funds"]["total"]["budget"] = amount
    f.header["实施单位"] = unit
    x = tmp_path / "h.xlsx"
    export_form(f, xlsx=x)
    assert import_workbook(x).data == f.data


# ---------------------------------------------------------------- names

def test_export_names():
    f = load(ROOT / "resources/samples/central-project-example-2022.json")
    assert export_names(f) == ("2022_某区委政法委_社会治安综合治理专项经费_绩效自评表.xlsx",
                               "2022_某区委政法委_社会治安综合治理专项经费_绩效自评表.pdf")
    d = load(ROOT / "resources/samples/seed004-wangcheng-2020-dept.json")
    assert export_names(d)[0] == "2020_中共长沙市望城区委政法委员会_部门整体_绩效自评表.xlsx"
    f.header["项目名称"] = 'a\\b/c:d*e?f"g<h>i|j\tk\x01l'
    xlsx, pdf = export_names(f)
    stem = xlsx[:-5]
    assert not set('\\/:*?"<>|\t\x01') & set(stem)
    assert stem == "2022_某区委政法委_a_b_c_d_e_f_g_h_i_j_k_l_绩效自评表"
    f.header["项目名称"] = "很长的项目名称" * 50
    xlsx, pdf = export_names(f)
    assert len(xlsx) <= 125 and xlsx.endswith("_绩效自评表.xlsx") and pdf.endswith("_绩效自评表.pdf")
    assert safe_filename(" 名称. ") == "名称"


# ---------------------------------------------------------------- atomic writes

def test_missing_folder_gives_write_error(tmp_path):
    f = load(SAMPLES[0])
    target = tmp_path / "nope" / "a.xlsx"
    with pytest.raises(WriteError) as e:
        export_form(f, xlsx=target)
    assert "不存在" in str(e.value)
    assert not target.exists()


def test_read_only_folder_gives_write_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        probe = folder / "probe"
        try:
            probe.write_bytes(b"x")
            probe.unlink()
            pytest.skip("running as root: chmod 555 does not stop writes here")
        except PermissionError:
            pass
        with pytest.raises(WriteError) as e:
            export_form(load(SAMPLES[0]), xlsx=folder / "a.xlsx", pdf=folder / "a.pdf")
        assert "权限" in str(e.value)
        assert list(folder.iterdir()) == []
    finally:
        os.chmod(folder, 0o755)


def test_crash_mid_write_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "form.xlsx"
    target.write_bytes(b"old workbook")
    real = xlsxmod.write_xlsx

    def half_then_crash(form, path, sheet=None, lay=None):
        real(form, path, sheet, lay)
        data = Path(path).read_bytes()
        Path(path).write_bytes(data[: len(data) // 2])
        raise RuntimeError("power cut")

    monkeypatch.setattr(xlsxmod, "write_xlsx", half_then_crash)
    with pytest.raises(RuntimeError):
        export_form(load(SAMPLES[0]), xlsx=target)
    assert target.read_bytes() == b"old workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["form.xlsx"]


def test_file_held_open_gives_chinese_message(tmp_path, monkeypatch):
    target = tmp_path / "form.pdf"
    target.write_bytes(b"old pdf")
    import core.files.atomic as atomic

    def locked(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(atomic.os, "replace", locked)
    with pytest.raises(WriteError) as e:
        export_form(load(SAMPLES[0]), pdf=target)
    assert "可能正被 PDF 阅读器或浏览器打开" in str(e.value) and "Excel" not in str(e.value)
    assert target.read_bytes() == b"old pdf"
    assert [p.name for p in tmp_path.iterdir()] == ["form.pdf"]


# ---------------------------------------------------------------- command line

def test_cli_export_and_import(tmp_path):
    sample = ROOT / "resources/samples/seed004-wangcheng-2020-dept.json"
    x, d, j = tmp_path / "a.xlsx", tmp_path / "a.pdf", tmp_path / "a.json"
    py = sys.executable
    r = subprocess.run([py, "main.py", "export", str(sample), "--xlsx", str(x), "--pdf", str(d)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert x.stat().st_size > 0 and d.read_bytes().startswith(b"%PDF")
    r = subprocess.run([py, "main.py", "import", str(x), "-o", str(j)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert j.read_bytes() == (load(sample).to_json() + "\n").encode("utf-8")
    # bad input: exit 2, one Chinese line
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    r = subprocess.run([py, "main.py", "import", str(bad), "-o", str(j)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "不是 Excel 工作簿" in r.stderr
    r = subprocess.run([py, "main.py", "export", str(sample), "--pdf", str(tmp_path / "no" / "a.pdf")],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "不存在" in r.stderr and "Traceback" not in r.stderr


def test_folder_without_write_permission_gives_write_error(tmp_path, monkeypatch):
    """The read-only folder case, simulated (chmod is ineffective for root)."""
    import core.files.atomic as atomic

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", denied)
    target = tmp_path / "a.xlsx"
    with pytest.raises(WriteError) as e:
        export_form(load(SAMPLES[0]), xlsx=target)
    assert "没有该文件夹的写入权限" in str(e.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("template_id", ["central-project", "hunan-dept", "hubei-dept", "hunan-project-simple",
                                         "sichuan-project"])
def test_blank_forms_of_every_template_export_and_round_trip(template_id, tmp_path):
    f = new_form(get_template(template_id), None)
    x, d = tmp_path / "b.xlsx", tmp_path / "b.pdf"
    export_form(f, xlsx=x, pdf=d)
    assert d.read_bytes().startswith(b"%PDF")
    assert import_workbook(x).data == f.data


def test_sichuan_three_column_target_edited_in_excel(tmp_path):
    import openpyxl

    f = new_form(get_template("sichuan-project"), 2023, {"项目名称": "测试", "实施单位": "某单位"})
    f.goals[0]["indicators"][0].update(name="培训次数", target="≥10次", actual="12次", weight="10")
    x = tmp_path / "s.xlsx"
    export_form(f, xlsx=x)
    sheet = build_sheet(f)
    cell = sheet.cell_for("goals.0.indicators.0.target#value")
    wb = openpyxl.load_workbook(x)
    wb.worksheets[0].cell(cell.row + 1, cell.col + 1).value = 15
    wb.save(x)
    assert import_workbook(x).get("goals.0.indicators.0.target") == "≥15次"
