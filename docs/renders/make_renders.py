"""Render the pictures in this folder again: the PDF and the workbook (printed through
LibreOffice) of the seed 004 form and of three forms that stress the layout:
a 2,500-character 实际完成情况, a 5,000-character 偏差原因分析 and 150 indicators.

Pages shown: the first, the second (where a long text continues) and the last (the
总分 with its last indicator row and the signature lines); every page for seed 004.

Needs poppler-utils (pdftoppm, pdfinfo) and libreoffice-calc.  Run from the repository root:
    .venv/bin/python docs/renders/make_renders.py
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

from core.export import export_form  # noqa: E402
from tests.layout_forms import STRESS  # noqa: E402

RESOLUTION = "50"


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def pages(pdf: Path, stem: str, tmp: Path, every: bool = False) -> list[str]:
    n = page_count(pdf)
    wanted = sorted(set(range(1, n + 1) if every else [1, min(2, n), n]))
    made = []
    for p in wanted:
        out = tmp / f"{stem}-{p}"
        subprocess.run(["pdftoppm", "-png", "-r", RESOLUTION, "-f", str(p), "-l", str(p), "-singlefile",
                        str(pdf), str(out)], check=True)
        name = f"{stem}-p{p}of{n}.png"
        shutil.copy(out.with_suffix(".png"), HERE / name)
        made.append(name)
    return made


def libreoffice_pdfs(books: list[Path], tmp: Path) -> None:
    """Print the workbooks to PDF with LibreOffice, in one run with its own profile."""
    profile = tmp / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp / "lo"), *map(str, books)], check=True, capture_output=True, timeout=600)


def main() -> None:
    for old in HERE.glob("*.png"):
        old.unlink()
    made = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, make in STRESS.items():
            export_form(make(), xlsx=tmp / f"{name}.xlsx", pdf=tmp / f"{name}.pdf")
        libreoffice_pdfs([tmp / f"{name}.xlsx" for name in STRESS], tmp)
        for name in STRESS:
            made += pages(tmp / f"{name}.pdf", f"{name}-pdf", tmp, every=name == "seed004")
            made += pages(tmp / "lo" / f"{name}.pdf", f"{name}-xlsx", tmp, every=name == "seed004")
    print("rendered:", ", ".join(made))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
