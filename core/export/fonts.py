"""The bundled faces of the PDF: registration with reportlab, coverage, missing glyphs.

Three TrueType files of ``resources/fonts/`` (see its README):

* ``BODY`` (Noto Serif SC, 宋体 style) for cells and text: GB2312, U+4E00–9FFF,
  Extension A and the symbols of budget forms;
* ``TITLE`` (Noto Sans SC Bold, 黑体 style) for titles: GB2312 and the symbols;
* ``SUPPLEMENT`` (a subset of BabelStone Han): the few ideographs of U+3400–4DBF
  and U+4E00–9FFF that Noto has not drawn yet.

A character is drawn with the first face of its chain that has it: body →
supplement, title → body → supplement (:func:`runs`, :func:`draw_string`,
:func:`draw_lines`; :func:`markup` for Paragraphs).  A character no face has is
reported by :func:`missing_glyphs` before export.

Loading the fonts is done once per process, on first use (or ahead of time by
:func:`preload`, which the window calls in a background thread), guarded by a
lock; reportlab's parse of each font is shipped beside it (``*.metrics``).
"""
from __future__ import annotations

import threading
import unicodedata

from ..resources import BODY_FONT, SUPPLEMENT_FONT, TITLE_FONT, font_path

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

            registered = set(pdfmetrics.getRegisteredFontNames())
            for name in FILES:
                if name not in registered:
                    pdfmetrics.registerFont(load_font(name))
                _faces[name] = pdfmetrics.getFont(name).face
    return BODY, TITLE


# ---------------------------------------------------------------- the parsed metrics, shipped
#
# reportlab reads a TrueType font's cmap and metrics into dicts when the font is loaded: for the
# body face (30,000 glyphs) that costs about 50 ms in every process that writes a PDF. The
# result is shipped beside each font (``*.metrics``: marshal of plain data, the big tables as int32 arrays),
# made by :func:`write_metrics` (resources/fonts/build_font.py calls it). It is used only when it
# was made from the same font file by the same reportlab version; otherwise the font is parsed.

_METRICS_FORMAT = 1
# Attributes reportlab's TTFontParser sets while reading the file and its table directory: these
# are read again at load time (cheap); the rest of the face's attributes come from the metrics.
_PARSER_ATTRS = {"_ttf_data", "_pos", "filename", "validate", "version", "numTables", "searchRange",
                 "entrySelector", "rangeShift", "table", "tables", "subfontNameX", "_pdfScale"}
_NAME_ATTRS = ("name", "familyName", "styleName", "fullName", "uniqueFontID")


def metrics_file(name: str):
    path = font_file(name)
    return path.with_suffix(".metrics")


def _metrics_key(face) -> tuple:
    import reportlab
    head = face.table["head"]["offset"]
    return (_METRICS_FORMAT, reportlab.Version, len(face._ttf_data), bytes(face._ttf_data[head + 8:head + 12]))


def _pack(value):
    """Big tables as arrays (marshal of 100,000 small ints is slow to load), the rest as is."""
    from array import array

    def ints(xs):
        return all(type(x) is int for x in xs)

    if isinstance(value, dict) and len(value) > 64 and ints(value) and ints(value.values()):
        return ("dict", array("i", value).tobytes(), array("i", value.values()).tobytes())
    if isinstance(value, list) and len(value) > 64:
        if ints(value):
            return ("list", array("i", value).tobytes())
        if all(type(x) is tuple and len(x) == 2 for x in value) and ints(x for p in value for x in p):
            return ("pairs", array("i", (p[0] for p in value)).tobytes(), array("i", (p[1] for p in value)).tobytes())
    return ("raw", value)


def _unpack(packed):
    from array import array

    def arr(b):
        a = array("i")
        a.frombytes(b)
        return a

    kind = packed[0]
    if kind == "dict":
        return dict(zip(arr(packed[1]), arr(packed[2])))
    if kind == "list":
        return arr(packed[1]).tolist()
    if kind == "pairs":
        return list(zip(arr(packed[1]), arr(packed[2])))
    return packed[1]


def write_metrics(name: str) -> None:
    """Parse a bundled face and write its metrics file (see above)."""
    import marshal

    from reportlab.pdfbase.ttfonts import TTFontFace
    face = TTFontFace(str(font_file(name)))
    attrs = {k: v for k, v in face.__dict__.items() if k not in _PARSER_ATTRS}
    for k in _NAME_ATTRS:
        attrs[k] = bytes(attrs[k])
    data = marshal.dumps({"key": _metrics_key(face), "attrs": {k: _pack(v) for k, v in attrs.items()}})
    metrics_file(name).write_bytes(data)


def _read_font_file(path):
    """The font's bytes: memory-mapped (reportlab reads only the tables and glyphs it needs)."""
    import mmap
    try:
        with open(path, "rb") as fh:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return path.read_bytes()


class _Glyphs:
    """The glyf table, sliced glyph by glyph without copying the whole table first."""
    __slots__ = ("_view",)

    def __init__(self, view):
        self._view = view

    def __getitem__(self, key):
        return bytes(self._view[key])

    def __len__(self):
        return len(self._view)


def _face_class():
    from reportlab.pdfbase.ttfonts import TTFontFace

    class Face(TTFontFace):
        """reportlab's face, but a PDF subset reads only the glyphs it embeds: reportlab copies
        the whole glyf table (11 MB for the body face) for every 256-character subset."""

        def get_table(self, tag):
            if tag == "glyf":
                pos, length = self.get_table_pos(tag)
                return _Glyphs(memoryview(self._ttf_data)[pos:pos + length])
            return super().get_table(tag)

    return Face


def _cached_face(path, metrics):
    """A TTFontFace from the font file and its shipped metrics, or None when they do not match."""
    import marshal

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFontParser
    try:
        blob = metrics.read_bytes()
    except OSError:
        return None
    Face = _face_class()
    face = Face.__new__(Face)
    pdfmetrics.TypeFace.__init__(face, None)
    face._ttf_data = _read_font_file(path)
    face.filename = str(path)
    TTFontParser.__init__(face, str(path))          # the table directory
    try:
        cached = marshal.loads(blob)
        if tuple(cached["key"]) != _metrics_key(face):
            return None
        attrs = {k: _unpack(v) for k, v in cached["attrs"].items()}
    except (ValueError, EOFError, TypeError, KeyError, IndexError, OverflowError):
        return None
    face.__dict__.update(attrs)
    for k in _NAME_ATTRS:
        setattr(face, k, TTFNameBytes(attrs[k]))
    upem = face.unitsPerEm
    face._pdfScale = (lambda x: x) if upem == 1000 else (lambda x, m=1000 / upem: x * m)
    return face


def load_font(name: str):
    """A reportlab TTFont of a bundled face, from its shipped metrics when they match."""
    from reportlab.pdfbase.ttfonts import TTFont
    path = font_file(name)
    face = _cached_face(path, metrics_file(name))
    if face is None:
        return TTFont(name, str(path))
    font = TTFont.__new__(TTFont)
    # what TTFont.__init__ does (reportlab 5.1) once its face is parsed
    from fnmatch import fnmatch
    from weakref import WeakKeyDictionary

    from reportlab import rl_config
    from reportlab.pdfbase.ttfonts import TTEncoding
    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, g) for g in rl_config.unShapedFontGlob)
    return font


def preload() -> None:
    """Do ahead of time what the first PDF export would do: import reportlab's
    drawing code and load the fonts.  Safe to call from a background thread."""
    import_platypus()
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
    """Import reportlab.platypus (the PDF writer's tables and pages), without its costliest part.

    Importing reportlab.platypus.paragraph compiles ``uri_pat``, a case-insensitive URL pattern
    over the whole of U+00A1–U+FFFF: 50–70 ms, in every process that writes a PDF, for a pattern
    used only by ``<a href>`` links in Paragraph markup, which these PDFs never have.  While the
    module is imported, such a pattern (a long one spanning up to U+FFFF) is compiled on first
    use instead; every other pattern is compiled as usual."""
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


def draw_lines(canv, x: float, y: float, lines, leading: float, face: str, size: float,
               align: str = "left") -> None:
    """Draw lines one under another (the first baseline at ``y``) as one PDF text object:
    several times less work for reportlab than a ``drawString`` per line.  ``x`` as in
    :func:`draw_string`; empty lines leave their space."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    text = canv.beginText()
    current = None
    for line in lines:
        if line:
            pieces = runs(line, face)
            x0 = x
            if align != "left":
                width = sum(stringWidth(piece, name, size) for name, piece in pieces)
                x0 = x - width if align == "right" else x - width / 2
            text.setTextOrigin(x0, y)
            for name, piece in pieces:
                if name != current:
                    text.setFont(name, size)
                    current = name
                text.textOut(piece)
        y -= leading
    canv.drawText(text)
