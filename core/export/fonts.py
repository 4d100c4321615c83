"""The bundled faces of the PDF: registration with reportlab, coverage, missing glyphs.

Three TrueType files of ``resources/fonts/`` (see its README):

* ``BODY`` (Noto Serif SC, 宋体 style) for cells and text: GB2312, U+4E00–9FFF,
  Extension A and the symbols of budget forms;
* ``TITLE`` (Noto Sans SC Bold, 黑体 style) for titles: GB2312 and the symbols;
* ``SUPPLEMENT`` (a subset of BabelStone Han): the few ideographs of U+3400–4DBF
  and U+4E00–9FFF that Noto has not drawn yet.

A character is drawn with the first face of its chain that has it: body →
supplement, title → body → supplement (:func:`runs`; :func:`markup` for Paragraphs).  A character no face has is
reported by :func:`missing_glyphs` before export.

Loading the fonts is done once per process, on first use (or ahead of time by
:func:`preload`, which the window calls in a background thread), guarded by a
lock; reportlab's parse of each font is shipped beside it (``*.metrics``).
"""
from __future__ import annotations

import threading
import unicodedata

from core.export.font_metrics import load_font
from core.files import BODY_FONT, SUPPLEMENT_FONT, TITLE_FONT, font_path

__all__ = ["BODY", "TITLE", "SUPPLEMENT", "register", "preload", "import_platypus", "cmap", "coverage",
           "missing_glyphs", "face_of", "runs", "markup", "string_width"]

BODY = "NotoSerifSC"
TITLE = "NotoSansSC-Bold"
SUPPLEMENT = "BabelStoneHanSupplement"

FILES = {BODY: BODY_FONT, TITLE: TITLE_FONT, SUPPLEMENT: SUPPLEMENT_FONT}
# every chain holds every face, so that what coverage() promises is always drawn
CHAINS = {BODY: (BODY, SUPPLEMENT, TITLE), TITLE: (TITLE, BODY, SUPPLEMENT)}

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
            _fix_to_unicode()

            registered = set(pdfmetrics.getRegisteredFontNames())
            for name in FILES:
                if name not in registered:
                    pdfmetrics.registerFont(load_font(name, font_file(name)))
                _faces[name] = pdfmetrics.getFont(name).face
    return BODY, TITLE


def _fix_to_unicode() -> None:
    """reportlab 5.1 writes the ToUnicode map of a font subset as ``<%04X>`` of each code point,
    which for a character outside the BMP (𬍤 U+2C364, of the body face's Extensions B–F) gives five
    hex digits that PDF readers cut to U+2C36: the glyph prints, but copying or searching the
    text finds another character.  PDF wants UTF-16BE there: a surrogate pair."""
    from reportlab.pdfbase import ttfonts
    original = ttfonts.makeToUnicodeCMap
    if getattr(original, "_utf16", False):
        return

    def make(fontname, subset):
        text = original(fontname, subset)
        for i, v in enumerate(subset):
            if v > 0xFFFF:
                utf16 = chr(v).encode("utf-16-be").hex().upper()
                text = text.replace("<%02X> <%04X>" % (i, v), "<%02X> <%s>" % (i, utf16), 1)
        return text

    make._utf16 = True
    ttfonts.makeToUnicodeCMap = make


def preload() -> None:
    """Do ahead of time what the first PDF export would do: import reportlab's
    canvas and load the fonts.  Safe to call from a background thread."""
    import reportlab.pdfgen.canvas  # noqa: F401
    register()
    coverage()


class _LazyPattern:
    """A regular expression compiled on first use."""

    def __init__(self, compile_, pattern, flags):
        self._compile, self._args, self._compiled = compile_, (pattern, flags), None

    def __getattr__(self, name):
        if self._compiled is None:
            self._compiled = self._compile(*self._args)
        return getattr(self._compiled, name)


def import_platypus() -> None:
    """Import reportlab.platypus (for the PDF writers that lay out with it: Paragraphs, tables),
    without its costliest part.  The form's PDF draws straight onto the canvas and needs none of it.

    Importing reportlab.platypus.paragraph compiles ``uri_pat``, a case-insensitive URL pattern
    over the whole of U+00A1–U+FFFF: 50–70 ms, in every process that imports it, for a pattern
    used only by ``<a href>`` links in Paragraph markup.  While the module is imported, such a
    pattern (a long one spanning up to U+FFFF) is compiled on first use instead; every other
    pattern is compiled as usual."""
    import sys
    if "reportlab.platypus.paragraph" in sys.modules:
        return
    with _lock:
        if "reportlab.platypus.paragraph" in sys.modules:
            return
        import re
        real = re.compile

        def compile_(pattern, flags=0):
            if isinstance(pattern, str) and len(pattern) > 300 and "\uffff" in pattern:
                return _LazyPattern(real, pattern, flags)
            return real(pattern, flags)

        re.compile = compile_
        try:
            import reportlab.platypus  # noqa: F401
        finally:
            re.compile = real


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


def markup(text: str, face: str = BODY) -> str:
    """``text`` as reportlab Paragraph markup for a paragraph set in ``face``: ``& < >``
    escaped, and the characters ``face`` lacks wrapped in ``<font name=...>`` of the bundled
    face that has them (a Paragraph does not fall back from one font to another)."""
    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = []
    for name, piece in runs(text, face):
        out.append(esc(piece) if name == CHAINS[face][0] else f'<font name="{name}">{esc(piece)}</font>')
    return "".join(out)


def string_width(text: str, face: str, size: float) -> float:
    """Width in points of ``text`` drawn in ``face``'s chain at ``size``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    return sum(stringWidth(piece, name, size) for name, piece in runs(text, face))
