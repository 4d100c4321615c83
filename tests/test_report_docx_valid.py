"""The 自评报告's Word files are valid WordprocessingML, as far as a test can tell without Word:
every XML part parses; every measurement and size the writer emits (w:w, w:val of sz, spacing,
indents, margins, the page grid…) is an integer, as the schema's ST_TwipsMeasure, ST_HpsMeasure
and ST_DecimalNumber require — an unformatted placeholder such as ``w:w="{sum(twips)}"`` made
Word call the file unreadable; the core properties name the unit and the day, not python-docx's
template; and LibreOffice converts each file where it is installed."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile

import pytest
from lxml import etree

from core.package import build_report, build_unit_report
from core.package.report_docx import build_document
from tests.helpers import sample, sample_unit

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Attributes (of any w: element) that hold a number of twips, eighths of a point, half-points …
NUMERIC_ATTRS = {"w", "h", "before", "after", "line", "left", "right", "start", "end", "firstLine", "hanging",
                 "top", "bottom", "header", "footer", "gutter", "linePitch", "charSpace", "space", "pos",
                 "beforeLines", "afterLines", "leftChars", "rightChars", "firstLineChars", "hangingChars",
                 "sz", "code"}
# Elements whose w:val is a number.
NUMERIC_VAL = {"sz", "szCs", "kern", "position", "outlineLvl", "ilvl", "numId", "gridSpan", "spacing", "w"}
INTEGER = re.compile(r"-?\d+")


def _docx(report) -> bytes:
    buf = io.BytesIO()
    build_document(report).save(buf)
    return buf.getvalue()


def bad_numbers(data: bytes) -> list[str]:
    """``part: element@attr=value`` for every number attribute of word/*.xml that is no integer."""
    bad = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            root = etree.fromstring(z.read(name))                # every part is well-formed XML
            if not name.startswith("word/"):
                continue
            for el in root.iter():
                if not isinstance(el.tag, str) or not el.tag.startswith("{" + W + "}"):
                    continue
                local = etree.QName(el).localname
                for key, value in el.attrib.items():
                    attr = etree.QName(key)
                    if attr.namespace != W:
                        continue
                    numeric = attr.localname in NUMERIC_ATTRS or (attr.localname == "val" and local in NUMERIC_VAL)
                    if ("{" in value or "}" in value) or (numeric and not INTEGER.fullmatch(value)):
                        bad.append(f"{name}: {local}@{attr.localname}={value!r}")
    return bad


def _reports():
    unit = sample_unit()
    out = [("unit", build_unit_report(unit))]
    out += [(f"project {i}", build_report(f)) for i, f in enumerate(unit)]
    out.append(("部门整体", build_report(sample("seed004-wangcheng-2020-dept.json"))))
    return out


@pytest.mark.parametrize("label, report", _reports(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_number_in_the_word_file_is_an_integer(label, report):
    data = _docx(report)
    assert bad_numbers(data) == []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "<w:tbl>" in body or label.startswith("project")       # the checks saw tables too


def test_the_check_finds_the_placeholder_that_word_refuses():
    """What the writer used to emit: caught by the check above."""
    data = _docx(build_unit_report(sample_unit()))
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "word/document.xml":
                content = re.sub(rb'<w:tblW w:w="\d+"', b'<w:tblW w:w="{sum(twips)}"', content, count=1)
            dst.writestr(item, content)
    assert any("tblW@w='{sum(twips)}'" in b for b in bad_numbers(broken.getvalue()))


def test_core_properties_name_the_unit_and_today():
    report = build_unit_report(sample_unit())
    with zipfile.ZipFile(io.BytesIO(_docx(report))) as z:
        core = z.read("docProps/core.xml").decode("utf-8")
    assert "python-docx" not in core and "2013" not in core
    assert f"<dc:creator>{report.unit}</dc:creator>" in core
    assert f"<cp:lastModifiedBy>{report.unit}</cp:lastModifiedBy>" in core
    assert f"<dc:title>{report.title}</dc:title>" in core
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert re.search(rf"<dcterms:created[^>]*>{today}T", core) and re.search(rf"<dcterms:modified[^>]*>{today}T", core)


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed")
def test_libreoffice_converts_every_report(tmp_path):
    for i, (_label, report) in enumerate(_reports()):
        path = tmp_path / f"报告{i}.docx"
        path.write_bytes(_docx(report))
        p = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                           capture_output=True, timeout=240)
        assert p.returncode == 0, p.stderr
        assert (tmp_path / f"报告{i}.pdf").read_bytes()[:5] == b"%PDF-"
