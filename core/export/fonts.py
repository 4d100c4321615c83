"""The bundled faces of the PDF: registration with reportlab, coverage, missing glyphs.

Three TrueType files of ``resources/fonts/`` (see its README):

* ``BODY`` (Noto Serif SC, 宋体 style) for cells and text: GB2312, U+4E00–9FFF,
  Extension A and the symbols of budget forms;
* ``TITLE`` (Noto Sans SC Bold, 黑体 style) for titles: GB2312 and the symbols;
* ``SUPPLEMENT`` (a subset of BabelStone Han): the few ideographs of U+3400–4DBF
  and U+4E00–9FFF that Noto has not drawn yet.

A character is drawn with the first face of its chain that has it: body →
supplement, title → body → supplement (:func:`runs`, :func:`draw_string`).
A character no face has is reported by :func:`missing_glyphs` before export.

Parsing the fonts costs tens of milliseconds: it is done once per process, on
first use (or ahead of time by :func:`preload`, which the window calls in a
background thread), guarded by a lock so that the two never race.
"""
from __future__ import annotations

import threading
import unicodedata

from ..resources import BODY_FONT, SUPPLEMENT_FONT, TITLE_FONT, font_path

BODY = "NotoSerifSC"
TITLE = "NotoSansSC-Bold"
SUPPLEMENT = "BabelStoneHanSupplement"

FILES = {BODY: BODY_FONT, TITLE: TITLE_FONT, SUPPLEMENT: SUPPLEMENT_FONT}
CHAINS = {BODY: (BODY, SUPPLEMENT), TITLE: (TITLE, BODY, SUPPLEMENT)}

_ZERO_WIDTH = {"Cc", "Cf", "Mn", "Me", "Zl", "Zp"}

_lock = threading.RLock()
_faces: dict = {}          # name -> reportlab TTFontFace, once registered
_coverage: frozenset | None = None


def font_file(name: str):
    """Path of a bundled face by its registered name."""
    return font_path(FILES[name])


def register() -> tuple[str, str]:
    """Register the bundled faces with reportlab (once per process).

    Returns ``(body_name, title_name)`` for ``canvas.setFont`` and table styles."""
    if len(_faces) == len(FILES):
        return BODY, TITLE
    with _lock:
        if len(_faces) < len(FILES):
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            registered = set(pdfmetrics.getRegisteredFontNames())
            for name in FILES:
                if name not in registered:
                    pdfmetrics.registerFont(TTFont(name, str(font_file(name))))
                _faces[name] = pdfmetrics.getFont(name).face
    return BODY, TITLE


def preload() -> None:
    """Do ahead of time what the first PDF export would do: import reportlab's
    drawing code and parse the fonts.  Safe to call from a background thread."""
    register()
    coverage()
    import reportlab.platypus  # noqa: F401  (the PDF writer's layout engine)


def cmap(name: str = BODY) -> dict:
    """Code point -> glyph of one face."""
    register()
    return _faces[name].charToGlyph


def coverage() -> frozenset:
    """Every code point some bundled face draws."""
    global _coverage
    if _coverage is None:
        register()
        with _lock:
            if _coverage is None:
                cps = set()
                for face in _faces.values():
                    cps.update(face.charToGlyph)
                _coverage = frozenset(cps)
    return _coverage


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _ZERO_WIDTH


def missing_glyphs(texts) -> list[str]:
    """Visible characters of ``texts`` (a string or an iterable of strings)
    that no bundled face has, in order of first appearance, once each."""
    if isinstance(texts, str):
        texts = (texts,)
    have = coverage()
    seen: dict = {}
    for text in texts:
        for ch in text or "":
            if ch in seen or ord(ch) in have or ch in "\n\t\r " or _invisible(ch):
                continue
            seen[ch] = None
    return list(seen)


def face_of(ch: str, face: str = BODY) -> str:
    """The registered name of the face that draws ``ch`` in ``face``'s chain."""
    code = ord(ch)
    chain = CHAINS[face]
    for name in chain:
        if code in _faces[name].charToGlyph:
            return name
    return chain[0]


def runs(text: str, face: str = BODY) -> list[tuple[str, str]]:
    """``text`` cut into ``[(face name, piece)]``, each piece drawn by one face."""
    register()
    first = _faces[CHAINS[face][0]].charToGlyph
    if all(ord(ch) in first or ch == "\u00a0" for ch in text):
        return [(CHAINS[face][0], text)] if text else []
    out: list = []
    for ch in text:
        name = CHAINS[face][0] if ch == "\u00a0" else face_of(ch, face)
        if out and out[-1][0] == name:
            out[-1][1].append(ch)
        else:
            out.append((name, [ch]))
    return [(name, "".join(chars)) for name, chars in out]


def string_width(text: str, face: str, size: float) -> float:
    """Width in points of ``text`` drawn in ``face``'s chain at ``size``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    return sum(stringWidth(piece, name, size) for name, piece in runs(text, face))


def draw_string(canv, x: float, y: float, text: str, face: str, size: float, align: str = "left") -> None:
    """Draw one line on a reportlab canvas; ``x`` is the left edge, the centre or
    the right edge for ``align`` left, center or right.  Leaves the canvas'
    font set to the last face used (callers save and restore state)."""
    pieces = runs(text, face)
    if len(pieces) == 1:
        name, piece = pieces[0]
        canv.setFont(name, size)
        if align == "left":
            canv.drawString(x, y, piece)
        elif align == "right":
            canv.drawRightString(x, y, piece)
        else:
            canv.drawCentredString(x, y, piece)
        return
    from reportlab.pdfbase.pdfmetrics import stringWidth
    widths = [stringWidth(piece, name, size) for name, piece in pieces]
    total = sum(widths)
    if align == "right":
        x -= total
    elif align != "left":
        x -= total / 2
    for (name, piece), w in zip(pieces, widths):
        canv.setFont(name, size)
        canv.drawString(x, y, piece)
        x += w
