"""reportlab's parse of the bundled fonts, shipped beside them, and a face that embeds subsets fast.

reportlab reads a TrueType font's cmap and metrics into dicts when the font is loaded: for the
body face (30,000 glyphs) that costs about 50 ms in every process that writes a PDF. The result
is shipped beside each font (``*.metrics``: marshal of plain data, the big tables as int32
arrays), made by :func:`write_metrics` (resources/fonts/build_font.py calls it). It is used only
when it was made from the same font file by the same reportlab version on a machine of the same
byte order; otherwise the font is parsed as usual.
"""
from __future__ import annotations

_METRICS_FORMAT = 1
# Attributes reportlab's TTFontParser sets while reading the file and its table directory: these
# are read again at load time (cheap); the rest of the face's attributes come from the metrics.
_PARSER_ATTRS = {"_ttf_data", "_pos", "filename", "validate", "version", "numTables", "searchRange",
                 "entrySelector", "rangeShift", "table", "tables", "subfontNameX", "_pdfScale"}
_NAME_ATTRS = ("name", "familyName", "styleName", "fullName", "uniqueFontID")


def metrics_file(path):
    """The metrics file of a font file."""
    return path.with_suffix(".metrics")


def _metrics_key(face) -> tuple:
    import sys

    import reportlab
    head = face.table["head"]["offset"]
    return (_METRICS_FORMAT, reportlab.Version, sys.byteorder, len(face._ttf_data),
            bytes(face._ttf_data[head + 8:head + 12]))


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


def write_metrics(path) -> None:
    """Parse a font file and write its metrics file (see above)."""
    import marshal

    from reportlab.pdfbase.ttfonts import TTFontFace
    face = TTFontFace(str(path))
    attrs = {k: v for k, v in face.__dict__.items() if k not in _PARSER_ATTRS}
    for k in _NAME_ATTRS:
        attrs[k] = bytes(attrs[k])
    data = marshal.dumps({"key": _metrics_key(face), "attrs": {k: _pack(v) for k, v in attrs.items()}})
    metrics_file(path).write_bytes(data)


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


def load_font(name: str, path):
    """A reportlab TTFont named ``name`` of the font file ``path``, from its shipped metrics
    when they match."""
    from reportlab.pdfbase.ttfonts import TTFont
    face = _cached_face(path, metrics_file(path))
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
