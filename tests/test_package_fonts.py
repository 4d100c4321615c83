"""The 汇总表 and 自评报告 PDFs print every character the bundled faces have (the same fallback
as the tables' PDF), and writing them does not pull in the network stack."""
from __future__ import annotations

import subprocess
import sys

import pytest

from core.package import build_unit_report
from core.package import summarize
from tests.helpers import ROOT, sample_unit
from tests.test_export import POPPLER, pdf_text, run, squash

# Extension A (its first and last), the URO's last, an Extension E name character, the symbols
# of DOMAIN §4 that the body face has only through its fallbacks
RARE = "㐀䶵鿿𬍤"
MARKS = "﹦✓✔"


def rare_unit():
    forms = sample_unit()
    forms[0].header["项目名称"] = f"社会治安{RARE}专项经费"
    row = forms[0].goals[0]["indicators"][0]
    row["reason"] = f"个别{RARE}未达{MARKS}标"
    row["score"] = "5"                      # below its full score: the row and its reason are reported
    return forms


def fonts_of(pdf) -> set[str]:
    lines = run(["pdffonts", str(pdf)]).splitlines()[2:]
    return {line.split()[0].split("+", 1)[-1] for line in lines if line.strip()}


needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")


@needs_poppler
def test_summary_pdf_prints_rare_characters_and_its_title_in_the_title_face(tmp_path):
    from core.package.summary_pdf import write_summary_pdf
    s = summarize(rare_unit())
    assert RARE in s.rows[0].name
    pdf = tmp_path / "s.pdf"
    write_summary_pdf(s, pdf)
    text = squash(pdf_text(pdf))
    assert f"社会治安{RARE}专项经费" in text and "□" not in text
    assert {"NotoSansSC-Bold", "NotoSerifSC-Regular", "BabelStoneHanSupplement-Regular"} <= fonts_of(pdf)


@needs_poppler
def test_report_pdf_prints_rare_characters_in_text_tables_and_headings(tmp_path):
    from core.package.report_pdf import write_report_pdf
    report = build_unit_report(rare_unit())
    assert f"{RARE}未达{MARKS}标" in report.text()
    pdf = tmp_path / "r.pdf"
    write_report_pdf(report, pdf)
    text = squash(pdf_text(pdf))
    assert f"个别{RARE}未达{MARKS}标" in text           # a sentence (drawn line by line)
    assert text.count(f"社会治安{RARE}专项经费") >= 2     # a heading and the 汇总 table's cell
    assert "□" not in text
    assert "BabelStoneHanSupplement-Regular" in fonts_of(pdf)


def test_package_pdfs_and_docx_do_not_import_the_network_stack(tmp_path):
    """xml.sax.saxutils pulls in urllib.request, http.client and email (about 125 ms)."""
    code = ("import sys\n"
            "from tests.helpers import sample_unit\n"
            "from core.package.summary import summarize\n"
            "from core.package.report import build_unit_report\n"
            "from core.package.summary_pdf import write_summary_pdf\n"
            "from core.package.report_pdf import write_report_pdf\n"
            "from core.package.report_docx import write_report_docx\n"
            f"write_summary_pdf(summarize(sample_unit()), {str(tmp_path / 's.pdf')!r})\n"
            f"write_report_pdf(build_unit_report(sample_unit()), {str(tmp_path / 'r.pdf')!r})\n"
            f"write_report_docx(build_unit_report(sample_unit()), {str(tmp_path / 'r.docx')!r})\n"
            "print(sorted(m for m in ('xml.sax', 'urllib.request', 'http.client', 'email') if m in sys.modules))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["[]"]


def test_summary_pdf_headings_fit_their_columns_whole():
    from core.package.summary_pdf import BODY_SIZE, CELL_PAD, HEADINGS, column_widths
    from core.export import fonts
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    body, title = fonts.register()
    width = landscape(A4)[0] - 30 * mm
    forms = sample_unit()
    forms[0].data["funds"]["total"].update(initial="1234567.89", budget="1234567.89", executed="1234567.89")
    s = summarize(forms)
    widths = column_widths(width, title, body, s)
    assert abs(sum(widths) - width) < 0.01                     # the page's width, no more
    for heading, w in zip(HEADINGS, widths):
        for line in heading.split("\n"):
            assert fonts.string_width(line, title, BODY_SIZE) + CELL_PAD <= w, heading
    # figures and the 合计 lines (加权平均 94.25) on one line each
    assert "1,234,567.89" in s.rows[0].cells()
    for cells in [r.cells() for r in s.rows] + [s.total_cells()]:
        for i in range(5, 12):
            for line in cells[i].split("\n"):
                assert fonts.string_width(line, body, BODY_SIZE) + CELL_PAD <= widths[i], line
    assert "".join(HEADINGS[11].split("\n")) == "未达标指标数"


@needs_poppler
def test_summary_and_report_pdfs_embed_every_font_they_name(tmp_path):
    """No font a reader has to substitute (reportlab's default Helvetica, unembedded)."""
    from core.package.report_pdf import write_report_pdf
    from core.package.summary_pdf import write_summary_pdf
    write_summary_pdf(summarize(sample_unit()), tmp_path / "s.pdf")
    write_report_pdf(build_unit_report(sample_unit()), tmp_path / "r.pdf")
    for pdf in (tmp_path / "s.pdf", tmp_path / "r.pdf"):
        rows = [line.split() for line in run(["pdffonts", str(pdf)]).splitlines()[2:] if line.strip()]
        assert rows and all(r[-5] == "yes" for r in rows), (pdf.name, rows)



@needs_poppler
def test_summary_pdf_never_leaves_the_total_or_the_signatures_alone(tmp_path):
    """Whatever the number of projects, the last page holds at least one project's row, the 合计
    row and the signature line (the table's own care: issue of the printed tables)."""
    from core.package.summary_pdf import write_summary_pdf
    from core.package.summary import evaluate
    base = sample_unit()
    scores = [evaluate(f) for f in base]
    for n in range(6, 30):
        s = summarize([base[i % 3] for i in range(n)], scores=[scores[i % 3] for i in range(n)])
        pdf = tmp_path / f"s{n}.pdf"
        write_summary_pdf(s, pdf)
        pages = int(run(["pdfinfo", str(pdf)]).split("Pages:")[1].split()[0])
        for page in range(1, pages + 1):
            text = squash(run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"]))
            has_project = any(name in text for name in ("社会治安综合治理专项经费", "综治、平安建设经费",
                                                        "四型平安小区以奖代拨经费"))
            assert has_project, (n, page, pages)
            assert ("合计" in text) == (page == pages) and ("单位负责人" in text) == (page == pages), (n, page)
