"""The report's title (二号, about 20 characters a line) breaks where its parts meet, not with
one character left alone on its last line; no heading is left alone at the foot of a page."""
from __future__ import annotations

import re

import pytest

from core.package.report_docx import TITLE_EM, _em, title_lines
from core.package import Report, build_report, build_unit_report
from tests.helpers import UNIT, sample_unit
from tests.test_export import POPPLER, pdf_text


def test_titles_break_between_their_parts():
    forms = sample_unit()
    unit = build_unit_report(forms)
    assert _em(unit.title) > TITLE_EM                  # 21 characters: one line is not enough
    assert title_lines(unit) == [f"2022年度{UNIT}", "绩效自评报告"]
    assert title_lines(build_report(forms[0])) == [f"2022年度{UNIT}", "社会治安综合治理专项经费绩效自评报告"]
    short = Report("2022年度某局绩效自评报告", 2022, "某局", "", [])
    assert title_lines(short) == [short.title]


@pytest.mark.parametrize("unit", ["某" * 40 + "单位", "某市2023年第12批" + "某" * 30, "某" * 18])
def test_long_titles_break_into_fitting_lines_of_even_length(unit):
    report = Report(f"2022年度{unit}绩效自评报告", 2022, unit, "", [])
    lines = title_lines(report)
    assert "".join(lines) == report.title
    assert all(_em(line) <= TITLE_EM for line in lines)
    assert len(lines) == -(-_em(report.title) // TITLE_EM)
    assert min(map(_em, lines)) >= 3                 # never a word or two alone
    for a, b in zip(lines, lines[1:]):
        assert not (a[-1].isdigit() and b[0].isdigit())


def test_docx_and_pdf_print_the_title_on_those_lines(tmp_path):
    from docx import Document

    from core.package.report_docx import write_report_docx
    from core.package.report_pdf import write_report_pdf
    report = build_unit_report(sample_unit())
    write_report_docx(report, tmp_path / "r.docx")
    title = Document(str(tmp_path / "r.docx")).paragraphs[0]
    assert title.text == f"2022年度{UNIT}\n绩效自评报告"
    if not POPPLER:
        pytest.skip("poppler-utils not installed")
    write_report_pdf(report, tmp_path / "r.pdf")
    first = [line.strip() for line in pdf_text(tmp_path / "r.pdf").splitlines() if line.strip()][:2]
    assert first == [f"2022年度{UNIT}", "绩效自评报告"]


HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_no_heading_alone_at_the_foot_of_a_pdf_page(tmp_path):
    from core.package.report_pdf import write_report_pdf
    from tests.test_export import run
    forms = sample_unit()
    for i, report in enumerate([build_unit_report(forms)] + [build_report(f) for f in forms]):
        pdf = tmp_path / f"r{i}.pdf"
        write_report_pdf(report, pdf)
        pages = int(run(["pdfinfo", str(pdf)]).split("Pages:")[1].split()[0])
        for page in range(1, pages):
            lines = [ln.strip() for ln in run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"]).splitlines()
                     if ln.strip() and not re.fullmatch(r"—\s*\d+\s*—", ln.strip())]
            assert not HEADING.match(lines[-1]), (report.title, page, lines[-1])


def test_word_headings_keep_with_the_next_paragraph(tmp_path):
    from docx import Document

    from core.package.report_docx import write_report_docx
    write_report_docx(build_unit_report(sample_unit()), tmp_path / "r.docx")
    doc = Document(str(tmp_path / "r.docx"))
    for name in ("ZP Title", "ZP H1", "ZP H2"):
        assert doc.styles[name].paragraph_format.keep_with_next is True, name
    assert not doc.styles["ZP Body"].paragraph_format.keep_with_next
