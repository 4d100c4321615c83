"""导出报送材料 in the PyInstaller build (slow: skipped unless ZIPING_BUILD_TEST=1, like test_build).

The Word report needs python-docx's templates and must not read them through paths that exist
only in a source checkout."""
from __future__ import annotations

import io
import subprocess
import zipfile

from docx import Document

from core.form import dump
from tests.helpers import UNIT, sample_unit
from tests.test_build import _env, _exe, dist, pytestmark  # noqa: F401 - the build fixture and its skip


def test_package_works_frozen(dist, tmp_path):  # noqa: F811
    files = []
    for i, f in enumerate(sample_unit()):
        files.append(str(tmp_path / f"表{i}.json"))
        dump(f, files[-1])
    out = tmp_path / "材料"
    out.mkdir()
    p = subprocess.run([str(_exe(dist, cli=True)), "package", "-o", str(out), "--zip", "--allow-unfinished", *files], cwd=tmp_path,
                       env=_env(tmp_path / "home"), capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    with zipfile.ZipFile(out / f"2022_{UNIT}_绩效自评材料.zip") as zf:
        names = zf.namelist()
        assert len(names) == 16
        report = next(n for n in names if n.endswith(f"2022_{UNIT}_绩效自评报告.docx"))
        doc = Document(io.BytesIO(zf.read(report)))
    assert doc.paragraphs[0].text.replace("\n", "") == f"2022年度{UNIT}绩效自评报告"
    assert "PAGE" in doc.sections[0].footer._element.xml
