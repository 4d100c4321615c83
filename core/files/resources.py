"""Where the shipped data lives: templates, profiles, samples, fonts.

Found next to the code (a source checkout or an installed copy) or, in a
PyInstaller build, under ``sys._MEIPASS`` — never through the current directory.
"""
from __future__ import annotations

import sys
from pathlib import Path


def resource_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource(*parts: str) -> Path:
    return resource_dir().joinpath(*parts)


# The bundled faces (resources/fonts/README.md): body (宋体 style), title (黑体 style) and the
# supplement for the few ideographs the body face lacks.
BODY_FONT = "NotoSerifSC-Regular.ttf"
TITLE_FONT = "NotoSansSC-Bold.ttf"
SUPPLEMENT_FONT = "BabelStoneHan-Supplement.ttf"
FONT_FILES = (BODY_FONT, TITLE_FONT, SUPPLEMENT_FONT)


def font_path(name: str = BODY_FONT) -> Path:
    """A bundled font file; the body face by default."""
    return resource("fonts", name)


def font_paths() -> list[Path]:
    """Every bundled font file, body face first."""
    return [font_path(name) for name in FONT_FILES]
