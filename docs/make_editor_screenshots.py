"""Take the editor screenshots of docs/ (offscreen, widget.grab()).

    screenshot-explain-reverse.png   计分说明 of a reverse indicator (central project sample)
    screenshot-fix-seed004.png       the one-click fix offered for seed 004's printed 108.00%

Run from the repository root:  python docs/make_editor_screenshots.py
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from core.form import load  # noqa: E402
from core.editing import EditSession  # noqa: E402
from ui.app import make_app  # noqa: E402
from ui.editor import EditorWidget  # noqa: E402

SAMPLES = ROOT / "resources" / "samples"
OUT = ROOT / "docs"


def editor_for(path: Path, size=(1366, 740)) -> EditorWidget:
    ew = EditorWidget(EditSession(load(path), None, None))
    ew.resize(*size)
    ew.show()
    ew.splitter.setSizes([size[0] - 430, 430])
    for _ in range(5):
        QApplication.processEvents()
    ew.fit_columns()
    return ew


def settle(ew: EditorWidget | None = None) -> None:
    for _ in range(10):
        QApplication.processEvents()
    if ew is not None:
        ew.view.horizontalScrollBar().setValue(0)      # the table's left edge in the picture
        QApplication.processEvents()


def main() -> int:
    make_app("screenshots")
    ew = editor_for(SAMPLES / "central-project-example-2022.json")
    idx = ew.model.index_for_key("goals.0.indicators.2.score")
    ew.view.scrollTo(idx, ew.view.ScrollHint.PositionAtCenter)
    ew.view.setCurrentIndex(idx)
    ew.view.setFocus()
    settle(ew)
    ew.grab().save(str(OUT / "screenshot-explain-reverse.png"))
    ew.close()

    ew = editor_for(SAMPLES / "seed004-wangcheng-2020-dept.json")
    ew.panel.setCurrentIndex(0)
    ew.go_to_path("funds.total.rate")
    settle(ew)
    ew.grab().save(str(OUT / "screenshot-fix-seed004.png"))
    ew.close()
    print("written:", ", ".join(p.name for p in sorted(OUT.glob("screenshot-*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
