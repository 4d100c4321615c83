"""The bundled fonts: every character a clerk may type in a Chinese budget form prints, and the
title prints in the bold 黑体-style face (resources/fonts/, core.export.fonts)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.export import export_form, font_metrics, fonts, missing_glyphs  # noqa: E402
from core.files import BODY_FONT, SUPPLEMENT_FONT, TITLE_FONT, font_path  # noqa: E402
from tests.helpers import central_form, sample  # noqa: E402

POPPLER = all(shutil.which(t) for t in ("pdffonts", "pdftotext", "pdftohtml"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed; CI installs it")

# Look-alike operators of DOMAIN §4, the conventions of §6 and what clerks type in real tables.
SYMBOLS = ("﹦ ✓ ✔ ✗ × ※ ① ② ⑩ ⑳ ⑴ ⒈ ≥ ≤ ≧ ≦ ═ ＝ ＞ ＜ > < = ％ % ‰ ℃ ° Ⅰ Ⅱ Ⅴ Ⅹ ⅰ “ ” ‘ ’ … ± ≠ ÷ · "
           "— ～ ㎡ ㎏ № ￥ ¥ □ ■ ○ ● △ ★ ☆ √ ☐ ☑ → 【 】 《 》 〔 〕 （ ） 、 。 ， ： ； ！ ？ 　").split(" ")


def gb2312() -> set[int]:
    cps = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                cps.update(map(ord, bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return cps


URO = set(range(0x4E00, 0xA000))
EXT_A = set(range(0x3400, 0x4DC0))


def cmap_of(name: str) -> set[int]:
    return set(TTFont(font_path(name), lazy=True).getBestCmap())


def test_body_faces_cover_gb2312_uro_extension_a_and_the_symbols():
    body = cmap_of(BODY_FONT) | cmap_of(SUPPLEMENT_FONT)       # what a cell can print
    want = gb2312() | URO | EXT_A | {ord(s) for s in SYMBOLS if s} | {ord("\u3000")}
    assert len(want) > 28_000
    missing = sorted(want - body)
    assert not missing, " ".join(f"U+{c:04X}" for c in missing[:40])
    # the supplement only fills what the OFL body face lacks (U+4DB6–4DBF, U+9FEB–9FFF)
    assert cmap_of(SUPPLEMENT_FONT) - {0x20} <= (URO | EXT_A) - cmap_of(BODY_FONT)
    # and the export code agrees: nothing of this is reported as missing
    assert fonts.missing_glyphs("".join(map(chr, sorted(want)))) == []


def test_body_face_has_the_extension_b_to_f_characters_of_names():
    """Characters outside the BMP that the 通用规范汉字表 lists and people's names use
    (𬍤 𫖮 𬌗 𠮷 …) print; about 2,300 of Extensions B–F in all."""
    body = cmap_of(BODY_FONT)
    assert {ord(c) for c in "𬍤𫖮𬌗𠮷𬭚𬘭𫟼𬀪"} <= body
    assert len([c for c in body if c >= 0x20000]) > 2_000
    assert fonts.missing_glyphs("李𬍤 王𫖮") == []


def test_title_face_covers_gb2312():
    title = cmap_of(TITLE_FONT)
    assert gb2312() <= title
    assert {ord(c) for c in "0123456789（）()年度-"} <= title


def test_missing_glyphs_lists_each_character_no_face_has_once():
    assert fonts.missing_glyphs(["一😀二\t\n", "𠀀😀\u200b", "", None]) == ["😀", "𠀀"]
    assert fonts.missing_glyphs("㐀䶿鿿﹦✔") == []


def test_runs_fall_back_face_by_face():
    fonts.register()
    assert fonts.runs("总分100", fonts.BODY) == [(fonts.BODY, "总分100")]
    assert fonts.runs("鿿年", fonts.BODY) == [(fonts.SUPPLEMENT, "鿿"), (fonts.BODY, "年")]
    # a title character outside GB2312 is drawn by the body face, not as a box
    assert fonts.runs("绩效䶮表", fonts.TITLE) == [(fonts.TITLE, "绩效"), (fonts.BODY, "䶮"), (fonts.TITLE, "表")]


def _fonts_of(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines()[2:]:
        cols = line.split()
        rows[cols[0].split("+")[-1]] = cols[-5]          # name -> emb (yes/no)
    return rows


def _texts_by_font(pdf: Path) -> dict[str, str]:
    """The PDF's text grouped by the family of the font it is drawn in (poppler's pdftohtml)."""
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", str(pdf)],
                         capture_output=True, text=True, check=True).stdout
    family = dict(re.findall(r'<fontspec id="(\d+)"[^>]*family="([^"]+)"', xml))
    out: dict[str, str] = {}
    for fid, text in re.findall(r'<text [^>]*font="(\d+)"[^>]*>(.*?)</text>', xml):
        name = family[fid].split("+")[-1]
        out[name] = out.get(name, "") + re.sub(r"<[^>]+>", "", text)
    return out


@needs_poppler
def test_pdf_title_in_the_title_face_cells_in_the_body_face(tmp_path):
    form = sample("seed004-wangcheng-2020-dept.json")
    pdf = tmp_path / "f.pdf"
    export_form(form, pdf=pdf)
    embedded = _fonts_of(pdf)
    assert embedded.get("NotoSansSC-Bold") == "yes" and embedded.get("NotoSerifSC-Regular") == "yes", embedded
    texts = _texts_by_font(pdf)
    bold = {k: v for k, v in texts.items() if "Sans" in k}
    serif = "".join(v for k, v in texts.items() if "Serif" in k)
    assert "".join(bold.values()).replace(" ", "") == "部门整体自评表"     # the title, and only the title
    assert "部门整体自评表" not in serif.replace(" ", "") and "资金来源" in serif and "108.21%" in serif


@needs_poppler
def test_rare_ideographs_and_symbols_print_without_asking(tmp_path):
    rare = "㐀䶵䶿鿕鿿𬍤"                     # Extension A, the end of Ext A and of the URO, Ext E
    marks = "﹦100%✓✔☑"
    form = central_form([{"name": f"{rare}指标", "target": "﹦100%", "actual": marks, "weight": "90"}],
                        template="hunan-project-simple", header={"项目名称": "乡村䶮振兴"})
    assert missing_glyphs(form) == []
    pdf = tmp_path / "r.pdf"
    export_form(form, pdf=pdf)                          # no ExportError: every character is there
    embedded = _fonts_of(pdf)
    assert embedded.get("BabelStoneHanSupplement-Regular") == "yes", embedded
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert rare in flat and marks in flat and "乡村䶮振兴绩效自评表" in flat
    assert "□" not in flat
    # the title "乡村䶮振兴绩效自评表": 䶮 is not in the title face's GB2312, the body face draws it
    texts = _texts_by_font(pdf)
    assert "䶮" in texts.get("NotoSerifSC", "") and "绩效自评表" in texts.get("NotoSansSC", "")


@pytest.mark.parametrize("name", list(fonts.FILES))
def test_shipped_metrics_match_the_font_and_reportlab(name):
    """The *.metrics files are what reportlab would parse from the font now: remade by
    build_font.py (`python resources/fonts/build_font.py metrics`) when a font or reportlab changes."""
    from reportlab.pdfbase.ttfonts import TTFontFace
    path = fonts.font_file(name)
    cached = font_metrics._cached_face(path, font_metrics.metrics_file(path))
    assert cached is not None, "stale metrics: run python resources/fonts/build_font.py metrics"
    parsed = TTFontFace(str(fonts.font_file(name)))
    skip = {"_pdfScale", "_pos", "_ttf_data"}
    assert {k: v for k, v in cached.__dict__.items() if k not in skip} == \
           {k: v for k, v in parsed.__dict__.items() if k not in skip}
    assert cached._pdfScale(500) == parsed._pdfScale(500)
    assert bytes(cached._ttf_data) == bytes(parsed._ttf_data)
    # the font subset embedded in a PDF is byte for byte what reportlab itself makes
    codes = sorted(parsed.charToGlyph)
    subset = codes[::max(1, len(codes) // 250)][:255]
    assert cached.makeSubset(subset) == parsed.makeSubset(subset)


def test_metrics_of_another_font_are_not_used(tmp_path):
    other = tmp_path / "x.metrics"
    other.write_bytes(font_metrics.metrics_file(fonts.font_file(fonts.TITLE)).read_bytes())
    assert font_metrics._cached_face(fonts.font_file(fonts.BODY), other) is None
    other.write_bytes(b"garbage")
    assert font_metrics._cached_face(fonts.font_file(fonts.BODY), other) is None


WINDOW_SCRIPT = r"""
import sys, time
from ui.app import make_app, prepare_store
from core.store import Store
app = make_app("ziping")
store = Store(sys.argv[1])
prepare_store(store)
from ui.main_window import MainWindow
win = MainWindow(store)
before = {m for m in ("openpyxl", "reportlab.pdfgen.canvas") if m in sys.modules}
win.show()
from core import export
deadline = time.monotonic() + 30
while export._preloading is None and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.01)
export._preloading.join(30)
from core.export import fonts
print(sorted(before), "openpyxl" in sys.modules, "reportlab.pdfgen.canvas" in sys.modules, len(fonts._faces))
"""


def test_window_loads_the_export_code_in_the_background_once_shown(tmp_path):
    """Opening the window does not import openpyxl or reportlab; once it is shown they and the
    fonts are loaded in a background thread, so the first export is as fast as the next."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    p = subprocess.run([sys.executable, "-c", WINDOW_SCRIPT, str(tmp_path / "forms.db")], capture_output=True,
                       text=True, env=env, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[-4:] == ["[]", "True", "True", "3"], p.stdout


def test_import_platypus_skips_compiling_reportlabs_url_pattern():
    """reportlab.platypus.paragraph compiles a URL pattern over U+00A1–U+FFFF on import (50–70 ms);
    fonts.import_platypus (for the writers that use Paragraphs) leaves it to first use."""
    code = ("from core.export import fonts; fonts.import_platypus(); "
            "import reportlab.platypus.paragraph as p, re; print(type(p.uri_pat).__name__, "
            "p.uri_pat.match('http://example.com/x') is not None, re.compile.__module__)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.stdout.split() == ["_LazyPattern", "True", "re"], p.stderr


@needs_poppler
def test_markup_lets_a_paragraph_print_every_face(tmp_path):
    """Other PDF writers (platypus Paragraphs) get the same fallback through fonts.markup."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate
    body, title = fonts.register()
    text = "说明<附件>&鿿䶿"
    assert fonts.markup(text) == ('说明&lt;附件&gt;&amp;<font name="BabelStoneHanSupplement">鿿䶿</font>')
    pdf = tmp_path / "p.pdf"
    SimpleDocTemplate(str(pdf)).build([Paragraph(fonts.markup(text, fonts.TITLE),
                                                 ParagraphStyle("t", fontName=title, fontSize=14)),
                                       Paragraph(fonts.markup(text), ParagraphStyle("b", fontName=body))])
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert out.count("说明<附件>&鿿䶿") == 2
    assert _fonts_of(pdf).keys() >= {"NotoSansSC-Bold", "NotoSerifSC-Regular", "BabelStoneHanSupplement-Regular"}
