"""The bundled faces for the 汇总表 and report PDFs (reportlab).

Uses :mod:`core.export.fonts` (INTERFACES 5) when present; otherwise registers the
bundled font the way :mod:`core.export.pdf` does, for both the body and the title.
"""
from __future__ import annotations


def faces() -> tuple[str, str]:
    """(body_name, title_name), registered with reportlab."""
    try:
        from .fonts import register
    except ImportError:
        from .pdf import FONT, register_font
        register_font()
        return FONT, FONT
    return register()


def missing(texts) -> list[str]:
    """Characters of ``texts`` the body face cannot draw."""
    try:
        from .fonts import missing_glyphs
    except ImportError:
        from .pdf import missing_in
        found: list[str] = []
        for t in texts:
            for ch in missing_in(t or ""):
                if ch not in found:
                    found.append(ch)
        return found
    return missing_glyphs(list(texts))
