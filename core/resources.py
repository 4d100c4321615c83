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
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resource_dir().joinpath(*parts)


def font_path() -> Path:
    return resource("fonts", "NotoSerifSC-Regular.ttf")
