"""Render the pictures in this folder again: the PDF and the workbook (through LibreOffice) of the
seed 004 form and of a 60-indicator form that runs over several pages.

Needs poppler-utils (pdftoppm) and libreoffice-calc.  Run from the repository root:
    .venv/bin/python docs/renders/make_renders.py
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

from bench.export import make_form  # noqa: E402
from core.export import export_form  # noqa: E402
from core.model import load  # noqa: E402


def pages(pdf: Path, stem: str, wanted: list[int], tmp: Path) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp / stem)], check=True)
    for n in wanted:
        found = sorted(tmp.glob(f"{stem}-*{n}.png"))
        src = next(p for p in found if int(p.stem.rsplit("-", 1)[1]) == n)
        shutil.copy(src, HERE / f"{stem}-p{n}.png")


def libreoffice_pdf(xlsx: Path, tmp: Path) -> Path:
    profile = tmp / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp / "lo"), str(xlsx)], check=True, capture_output=True, timeout=180)
    return tmp / "lo" / (xlsx.stem + ".pdf")


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        forms = {"seed004": load(ROOT / "resources/samples/seed004-wangcheng-2020-dept.json"),
                 "long60": make_form(60)}
        wanted = {"seed004": ([1], [1]), "long60": ([1, 2], [2])}
        for name, form in forms.items():
            pdf, xlsx = tmp / f"{name}.pdf", tmp / f"{name}.xlsx"
            export_form(form, xlsx=xlsx, pdf=pdf)
            pages(pdf, f"{name}-pdf", wanted[name][0], tmp)
            pages(libreoffice_pdf(xlsx, tmp), f"{name}-xlsx", wanted[name][1], tmp)
    print("rendered:", ", ".join(sorted(p.name for p in HERE.glob("*.png"))))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
