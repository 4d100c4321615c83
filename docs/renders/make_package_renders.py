"""Render the pictures of the submission package (导出报送材料) again, for a unit of three project
forms built from the samples: the 汇总表 PDF, the unit report's PDF, and its Word file as
LibreOffice lays it out (converted to PDF), plus the unit view of the window.

Needs poppler-utils (pdftoppm) and libreoffice-writer.  Run from the repository root:
    .venv/bin/python docs/renders/make_package_renders.py
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core.package import Entry, make_package, write_package  # noqa: E402
from tests.helpers import UNIT, sample_unit  # noqa: E402

DPI = "55"


def pages(pdf: Path, stem: str, wanted: list[int], tmp: Path) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", DPI, str(pdf), str(tmp / stem)], check=True)
    for n in wanted:
        src = next(p for p in sorted(tmp.glob(f"{stem}-*.png")) if int(p.stem.rsplit("-", 1)[1]) == n)
        shutil.copy(src, HERE / f"{stem}-p{n}.png")


def screenshot(out: Path) -> None:
    from core.editing import form_summary
    from core.store import Store
    from ui.app import make_app
    from ui.main_window import MainWindow
    app = make_app()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "forms.db")
        for f in sample_unit():
            store.create(f.data, form_summary(f))
        w = MainWindow(store)
        w.resize(1100, 430)
        w.show()
        w.act_unit_view.trigger()
        w.unit_view.choose(2022, UNIT)
        w.statusBar().clearMessage()
        app.processEvents()
        w.grab().save(str(out))
        view = w.unit_view
        view.tabs.setCurrentIndex(2)
        view.unit_report.select_section("basic")
        w.resize(1100, 520)
        app.processEvents()
        w.grab().save(str(out.with_name("screenshot-report-editor.png")))
        w.close()
        store.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pkg = make_package([Entry(f) for f in sample_unit()])
        folder = write_package(pkg, tmp)
        print(f"{folder.name}/")
        for name in sorted(p.name for p in folder.iterdir()):
            print(f"    {name}")
        from docx import Document
        doc = Document(str(folder / f"2022_{UNIT}_绩效自评报告.docx"))
        print(f"python-docx: {len(doc.paragraphs)} paragraphs, {len(doc.tables)} tables, "
              f"first: {doc.paragraphs[0].text}")
        pages(folder / f"2022_{UNIT}_绩效自评汇总表.pdf", "package-summary-pdf", [1], tmp)
        pages(folder / f"2022_{UNIT}_绩效自评报告.pdf", "package-report-pdf", [1, 2], tmp)
        lo = tmp / "lo"
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", "pdf",
                        "--outdir", str(lo), str(folder / f"2022_{UNIT}_绩效自评报告.docx")],
                       check=True, capture_output=True, timeout=300)
        pages(next(lo.glob("*.pdf")), "package-report-docx", [1, 2], tmp)
    screenshot(ROOT / "docs" / "screenshot-unit-view.png")


if __name__ == "__main__":
    main()
