#!/usr/bin/env python
"""Build the bundled fonts of resources/fonts/ (TrueType, for reportlab and Qt).

Three files, each rebuilt byte for byte from Debian packages:

* ``NotoSerifSC-Regular.ttf`` -- the body face (宋体 style), SIL OFL 1.1.
  "Noto Serif CJK SC" of NotoSerifCJK-Regular.ttc (package fonts-noto-cjk),
  subset to GB2312, the CJK Unified Ideographs U+4E00-9FFF, CJK Extension A
  U+3400-4DBF, what it has of Extensions B-G (about 2,300: the 通用规范汉字表
  characters outside the BMP among them) and the Latin/punctuation/symbol
  blocks seen in budget forms;
  CFF outlines converted to TrueType (glyf) as fontTools' Snippets/otf2ttf.py
  does (reportlab embeds only glyf fonts). Symbols the CJK face lacks
  (✓ ✔ ☐ ☑ and the rest of Dingbats) are copied in from Noto Sans Symbols2
  (package fonts-noto-core, SIL OFL 1.1).
* ``NotoSansSC-Bold.ttf`` -- the title face (黑体 style), SIL OFL 1.1.
  "Noto Sans CJK SC" of NotoSansCJK-Bold.ttc, subset to GB2312 and the same
  symbol blocks, converted the same way. A title character outside it is
  drawn with the body face.
* ``BabelStoneHan-Supplement.ttf`` -- the few ideographs of U+3400-4DBF and
  U+4E00-9FFF that Noto CJK 2.x does not have yet (U+4DB6-4DBF, U+9FEB-9FFF,
  added in Unicode 11-14), taken from BabelStone Han 15 (package
  fonts-babelstone-han; Arphic Public License, see APL.txt). Kept as its own
  file: its licence is not the OFL, so its glyphs are not merged into the
  OFL faces.

Beside each font, ``*.metrics`` holds what reportlab parses from it (cmap, widths), so that a
PDF export does not parse 13 MB of font each time; it is written last, and must be remade
whenever a font or the reportlab version changes (tests/test_fonts.py checks).

Usage:
    python resources/fonts/build_font.py [--fonts-dir /usr/share/fonts] [body|title|supplement|metrics ...]

Needs fontTools. The body face takes a few minutes (outline conversion).
"""

import argparse
import os
import sys
import time

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.transformPen import TransformPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

HERE = os.path.dirname(os.path.abspath(__file__))
FONTS_DIR = "/usr/share/fonts"

# otf2ttf.py defaults
MAX_ERR = 1.0  # approximation error, in font units (UPEM 1000)
REVERSE_DIRECTION = True  # CFF contours are counter-clockwise, TrueType clockwise
POST_FORMAT = 3.0  # no glyph names (CID-keyed source has only cidNNNNN names)

SYMBOL_RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 Supplement (± × ÷ ° ·)
    (0x0370, 0x03FF),  # Greek
    (0x2000, 0x206F),  # General Punctuation (“ ” … ‰ ※)
    (0x20A0, 0x20CF),  # Currency Symbols
    (0x2100, 0x214F),  # Letterlike Symbols (℃ №)
    (0x2150, 0x218F),  # Number Forms (Ⅰ Ⅴ ⅰ)
    (0x2190, 0x21FF),  # Arrows
    (0x2200, 0x22FF),  # Mathematical Operators (≥ ≤ ≠ ≧ ≦)
    (0x2460, 0x24FF),  # Enclosed Alphanumerics (① … ⑳ ⑴ ⒈)
    (0x2500, 0x257F),  # Box Drawing (═)
    (0x25A0, 0x25FF),  # Geometric Shapes (□ ■ ○ ● △)
    (0x2600, 0x26FF),  # Miscellaneous Symbols (★ ☆ ☐ ☑ ☒)
    (0x2700, 0x27BF),  # Dingbats (✓ ✔ ✗ ✘)
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3200, 0x32FF),  # Enclosed CJK Letters and Months (㈠ ㊣)
    (0x3300, 0x33FF),  # CJK Compatibility (㎡ ㎏)
    (0xFE10, 0xFE1F),  # Vertical Forms
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms (﹏)
    (0xFE50, 0xFE6F),  # Small Form Variants (﹦ ﹤ ﹥)
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms (％ ， ＝ ＞)
]
HAN_RANGES = [
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs (URO)
]
# Extensions B–G and the compatibility supplement: what the body face's source has of them (about
# 2,300, among them the 通用规范汉字表 characters outside the BMP, seen in people's names).
SIP_RANGES = [(0x20000, 0x3134F)]


def gb2312_codepoints():
    """Every character encodable as a 2-byte GB2312 (EUC-CN) sequence."""
    cps = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes((hi, lo)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            cps.update(ord(c) for c in ch)
    return cps


def ranges(rs):
    cps = set()
    for lo, hi in rs:
        cps.update(range(lo, hi + 1))
    return cps


def load_face(path, family):
    """The face named ``family`` of a TTC (or the font of a TTF), fully loaded."""
    if not path.lower().endswith(".ttc"):
        return TTFont(path, lazy=False, recalcBBoxes=True, recalcTimestamp=False)
    coll = TTCollection(path, lazy=True)
    try:
        for i, font in enumerate(coll.fonts):
            name = font["name"]
            fam = name.getName(1, 3, 1, 0x409) or name.getName(16, 3, 1, 0x409)
            if fam is not None and fam.toUnicode() == family:
                break
        else:
            raise SystemExit(f"face {family!r} not found in {path}")
    finally:
        coll.close()
    # recalcTimestamp=False keeps the source head.modified -> byte-identical rebuilds
    return TTFont(path, fontNumber=i, lazy=False, recalcBBoxes=True, recalcTimestamp=False)


def subset_font(font, unicodes):
    """Subset in place; keeps only glyphs the font actually has."""
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx",
                            "DSIG", "meta", "fpgm", "prep", "cvt ", "gasp", "hdmx", "LTSH", "VDMX"]
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.glyph_names = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    options.ignore_missing_unicodes = True
    options.prune_unicode_ranges = True
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(unicodes))
    subsetter.subset(font)


# --- CFF -> glyf, as fontTools Snippets/otf2ttf.py -----------------------------


def glyphs_to_quadratic(glyphs, max_err=MAX_ERR, reverse_direction=REVERSE_DIRECTION):
    quadGlyphs = {}
    for gname in glyphs.keys():
        glyph = glyphs[gname]
        ttPen = TTGlyphPen(glyphs)
        cu2quPen = Cu2QuPen(ttPen, max_err, reverse_direction=reverse_direction)
        glyph.draw(cu2quPen)
        quadGlyphs[gname] = ttPen.glyph()
    return quadGlyphs


def update_hmtx(ttFont, glyf):
    hmtx = ttFont["hmtx"]
    for glyphName, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[glyphName] = (hmtx[glyphName][0], glyph.xMin)


def otf_to_ttf(ttFont, post_format=POST_FORMAT, **kwargs):
    assert ttFont.sfntVersion == "OTTO"
    assert "CFF " in ttFont

    glyphOrder = ttFont.getGlyphOrder()

    ttFont["loca"] = newTable("loca")
    ttFont["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = glyphOrder
    glyf.glyphs = glyphs_to_quadratic(ttFont.getGlyphSet(), **kwargs)
    del ttFont["CFF "]
    if "VORG" in ttFont:
        del ttFont["VORG"]
    glyf.compile(ttFont)
    update_hmtx(ttFont, glyf)

    ttFont["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    maxp.maxTwilightPoints = 0
    maxp.maxStorage = 0
    maxp.maxFunctionDefs = 0
    maxp.maxInstructionDefs = 0
    maxp.maxStackElements = 0
    maxp.maxSizeOfInstructions = 0
    maxp.maxComponentElements = max(
        len(g.components if hasattr(g, "components") else [])
        for g in glyf.glyphs.values()
    )
    maxp.compile(ttFont)

    post = ttFont["post"]
    post.formatType = post_format
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = glyphOrder
    try:
        post.compile(ttFont)
    except OverflowError:
        post.formatType = 3
        print("warning: dropping glyph names, they do not fit in 'post'", file=sys.stderr)

    ttFont["head"].glyphDataFormat = 0
    ttFont.sfntVersion = "\000\001\000\000"


# --- copying glyphs from another (glyf) font -----------------------------------


def copy_glyphs(dst, src, codepoints):
    """Add to ``dst`` the glyphs ``src`` maps for ``codepoints`` (those ``dst`` lacks),
    outlines decomposed and scaled to dst's units per em. Returns the code points added."""
    dst_cmap, src_cmap = dst.getBestCmap(), src.getBestCmap()
    todo = sorted(cp for cp in codepoints if cp not in dst_cmap and cp in src_cmap)
    if not todo:
        return []
    scale = dst["head"].unitsPerEm / src["head"].unitsPerEm
    src_glyphs = src.getGlyphSet()
    glyf, hmtx = dst["glyf"], dst["hmtx"]
    order = list(dst.getGlyphOrder())
    for cp in todo:
        name = f"u{cp:04X}"
        rec = DecomposingRecordingPen(src_glyphs)
        src_glyphs[src_cmap[cp]].draw(rec)
        pen = TTGlyphPen(None)
        rec.replay(TransformPen(pen, (scale, 0, 0, scale, 0, 0)) if scale != 1 else pen)
        glyph = pen.glyph()
        glyph.recalcBounds(glyf)
        glyf.glyphs[name] = glyph
        advance = round(src["hmtx"][src_cmap[cp]][0] * scale)
        hmtx[name] = (advance, getattr(glyph, "xMin", 0))
        order.append(name)
    dst.setGlyphOrder(order)
    glyf.glyphOrder = order
    for table in dst["cmap"].tables:
        if table.isUnicode():
            for cp in todo:
                if cp <= 0xFFFF or table.format in (12, 13):
                    table.cmap[cp] = f"u{cp:04X}"
    return todo


# -------------------------------------------------------------------------------


def rename(font, family, ps_family, note):
    name = font["name"]
    style = name.getName(2, 3, 1, 0x409).toUnicode()
    ps_name = f"{ps_family}-{style.replace(' ', '')}"
    version = name.getName(5, 3, 1, 0x409)
    version = version.toUnicode().split(";")[0] if version else "Version 1.000"
    new = {
        1: family,
        2: style,
        3: f"{version.replace('Version ', '')};{ps_name};ziping-subset",
        4: family if style == "Regular" else f"{family} {style}",
        6: ps_name,
    }
    # one clear name: drop localized / typographic variants of these IDs
    name.names = [
        n for n in name.names if n.nameID not in new and n.nameID not in (16, 17)
    ]
    for nid, value in new.items():
        name.setName(value, nid, 3, 1, 0x409)  # Windows, Unicode BMP, en-US
    desc = name.getName(10, 3, 1, 0x409)
    name.setName(note if desc is None else f"{note} {desc.toUnicode()}", 10, 3, 1, 0x409)


def report(font, wanted, output, t0):
    have = set(font.getBestCmap())
    print(f"{os.path.basename(output)}: {len(have & wanted)} of {len(wanted)} requested code points, "
          f"{len(font.getGlyphOrder())} glyphs, {os.path.getsize(output) / 1e6:.2f} MB, "
          f"{time.monotonic() - t0:.0f} s")


def build_body(fonts_dir, output):
    t0 = time.monotonic()
    font = load_face(os.path.join(fonts_dir, "opentype/noto/NotoSerifCJK-Regular.ttc"), "Noto Serif CJK SC")
    wanted = gb2312_codepoints() | ranges(HAN_RANGES) | ranges(SYMBOL_RANGES)
    wanted |= ranges(SIP_RANGES) & set(font.getBestCmap())
    subset_font(font, wanted)
    otf_to_ttf(font)
    symbols = TTFont(os.path.join(fonts_dir, "truetype/noto/NotoSansSymbols2-Regular.ttf"))
    added = copy_glyphs(font, symbols, ranges(SYMBOL_RANGES))
    print(f"from Noto Sans Symbols2: {''.join(map(chr, added))}")
    rename(font, "Noto Serif SC", "NotoSerifSC",
           "Subset of Noto Serif CJK SC converted to TrueType outlines, with symbols of Noto Sans "
           "Symbols2, for the ziping application (resources/fonts/build_font.py).")
    font.save(output)
    report(font, wanted, output, t0)


def build_title(fonts_dir, output):
    t0 = time.monotonic()
    font = load_face(os.path.join(fonts_dir, "opentype/noto/NotoSansCJK-Bold.ttc"), "Noto Sans CJK SC")
    wanted = gb2312_codepoints() | ranges(SYMBOL_RANGES)
    subset_font(font, wanted)
    otf_to_ttf(font)
    rename(font, "Noto Sans SC", "NotoSansSC",
           "Subset (GB2312) of Noto Sans CJK SC Bold converted to TrueType outlines, for the titles "
           "of the ziping application (resources/fonts/build_font.py).")
    font.save(output)
    report(font, wanted, output, t0)


def build_supplement(fonts_dir, output, body):
    """The ideographs of HAN_RANGES the body face lacks, from BabelStone Han."""
    t0 = time.monotonic()
    have = set(TTFont(body, lazy=True).getBestCmap())
    wanted = ranges(HAN_RANGES) - have
    font = TTFont(os.path.join(fonts_dir, "truetype/babelstone/BabelStoneHan.ttf"),
                  lazy=False, recalcTimestamp=False)
    # the licence the font carries (name ID 13: the Arphic Public License), shipped beside it
    with open(os.path.join(HERE, "APL.txt"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(f"{font['name'].getDebugName(0)}\n\n{font['name'].getDebugName(13).strip()}\n")
    subset_font(font, wanted | {0x20})
    rename(font, "BabelStone Han Supplement", "BabelStoneHanSupplement",
           "Subset of BabelStone Han: the ideographs Noto CJK lacks, for the ziping application "
           "(resources/fonts/build_font.py).")
    font.save(output)
    report(font, wanted, output, t0)
    missing = sorted(wanted - set(font.getBestCmap()))
    if missing:
        print("STILL MISSING:", " ".join(f"U+{c:04X}" for c in missing))


BODY = os.path.join(HERE, "NotoSerifSC-Regular.ttf")
TITLE = os.path.join(HERE, "NotoSansSC-Bold.ttf")
SUPPLEMENT = os.path.join(HERE, "BabelStoneHan-Supplement.ttf")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fonts-dir", default=FONTS_DIR,
                    help="where the Debian font packages put their files (default: /usr/share/fonts)")
    ap.add_argument("which", nargs="*", choices=["body", "title", "supplement", "metrics"],
                    help="which font(s) to build (default: all); the metrics are always remade")
    args = ap.parse_args(argv)
    which = args.which or ["body", "title", "supplement"]
    if which == ["metrics"]:
        write_metrics()
        return
    if "body" in which:
        build_body(args.fonts_dir, BODY)
    if "title" in which:
        build_title(args.fonts_dir, TITLE)
    if "supplement" in which:
        build_supplement(args.fonts_dir, SUPPLEMENT, BODY)
    write_metrics()


def write_metrics():
    """The parsed metrics reportlab loads instead of parsing each font (core/export/font_metrics.py)."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
    from core.export import font_metrics, fonts
    for name in fonts.FILES:
        font_metrics.write_metrics(fonts.font_file(name))
        print(f"wrote {font_metrics.metrics_file(fonts.font_file(name)).name}")


if __name__ == "__main__":
    main()
