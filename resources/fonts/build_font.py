#!/usr/bin/env python
"""Build resources/fonts/NotoSerifSC-Regular.ttf (a Song/宋体-style TrueType font).

Source: "Noto Serif CJK SC" face of NotoSerifCJK-Regular.ttc (Debian package
fonts-noto-cjk; upstream https://github.com/notofonts/noto-cjk), SIL OFL 1.1.

Steps:
  1. pick the Simplified Chinese face ("Noto Serif CJK SC") from the TTC by its
     name table;
  2. subset it (fontTools.subset) to GB2312 + the whole CJK Unified Ideographs
     block + the Latin/punctuation/symbol ranges used in budget forms, without
     hinting and without OpenType layout tables;
  3. convert the CFF outlines to TrueType quadratic (glyf) outlines exactly as
     fontTools' Snippets/otf2ttf.py does (TTGlyphPen + Cu2QuPen, max_err 1.0,
     reverse_direction=True), because reportlab can only embed glyf fonts;
  4. rename the family to "Noto Serif SC" / "Regular".

Usage:
    python resources/fonts/build_font.py [SOURCE_TTC] [OUTPUT_TTF]

The style ("Regular", "Bold", ...) is taken from the source face, so e.g.
    python resources/fonts/build_font.py \
        /usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc \
        resources/fonts/NotoSerifSC-Bold.ttf
gives "Noto Serif SC" / "Bold".
"""

import argparse
import os
import sys
import time

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
DEFAULT_OUTPUT = os.path.join(HERE, "NotoSerifSC-Regular.ttf")
SOURCE_FAMILY = "Noto Serif CJK SC"

FAMILY = "Noto Serif SC"
PS_FAMILY = "NotoSerifSC"

# otf2ttf.py defaults
MAX_ERR = 1.0  # approximation error, in font units (UPEM 1000)
REVERSE_DIRECTION = True  # CFF contours are counter-clockwise, TrueType clockwise
POST_FORMAT = 3.0  # no glyph names (CID-keyed source has only cidNNNNN names)

UNICODE_RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 Supplement (± × ÷ ° ·)
    (0x0370, 0x03FF),  # Greek
    (0x2000, 0x206F),  # General Punctuation (“ ” … ‰ ※)
    (0x2100, 0x214F),  # Letterlike Symbols (℃ №)
    (0x2150, 0x218F),  # Number Forms (Ⅰ Ⅴ ⅰ)
    (0x2190, 0x21FF),  # Arrows
    (0x2200, 0x22FF),  # Mathematical Operators (≥ ≤ ≠)
    (0x2460, 0x24FF),  # Enclosed Alphanumerics (① … ⑳)
    (0x2500, 0x257F),  # Box Drawing
    (0x25A0, 0x25FF),  # Geometric Shapes (□ ■ ○ ● △)
    (0x2600, 0x26FF),  # Miscellaneous Symbols (★ ☆)
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3300, 0x33FF),  # CJK Compatibility (㎡)
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms (％ ，)
]


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


def wanted_codepoints():
    cps = gb2312_codepoints()
    for lo, hi in UNICODE_RANGES:
        cps.update(range(lo, hi + 1))
    return cps


def find_face_index(path, family=SOURCE_FAMILY):
    coll = TTCollection(path, lazy=True)
    try:
        for i, font in enumerate(coll.fonts):
            name = font["name"]
            fam = name.getName(1, 3, 1, 0x409) or name.getName(16, 3, 1, 0x409)
            if fam is not None and fam.toUnicode() == family:
                return i
    finally:
        coll.close()
    raise SystemExit(f"face {family!r} not found in {path}")


def subset_font(font, unicodes):
    """Subset in place; keeps only glyphs the font actually has."""
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG"]
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


# -------------------------------------------------------------------------------


def rename(font):
    name = font["name"]
    style = name.getName(2, 3, 1, 0x409).toUnicode()
    ps_name = f"{PS_FAMILY}-{style.replace(' ', '')}"
    version = name.getName(5, 3, 1, 0x409)
    version = version.toUnicode().split(";")[0] if version else "Version 1.000"
    new = {
        1: FAMILY,
        2: style,
        3: f"{version.replace('Version ', '')};GOOG;{ps_name};ziping-subset",
        4: FAMILY if style == "Regular" else f"{FAMILY} {style}",
        6: ps_name,
    }
    # one clear name: drop localized / typographic variants of these IDs
    name.names = [
        n for n in name.names if n.nameID not in new and n.nameID not in (16, 17)
    ]
    for nid, value in new.items():
        name.setName(value, nid, 3, 1, 0x409)  # Windows, Unicode BMP, en-US
    note = (
        "Subset of Noto Serif CJK SC converted to TrueType outlines for the "
        "ziping application (resources/fonts/build_font.py)."
    )
    desc = name.getName(10, 3, 1, 0x409)
    name.setName(note if desc is None else f"{note} {desc.toUnicode()}", 10, 3, 1, 0x409)


def build(source, output, verbose=True):
    t0 = time.monotonic()
    idx = find_face_index(source)
    # recalcTimestamp=False keeps the source head.modified -> byte-identical rebuilds
    font = TTFont(source, fontNumber=idx, lazy=False, recalcBBoxes=True,
                  recalcTimestamp=False)
    n_src = len(font.getGlyphOrder())
    src_cmap = set(font.getBestCmap())
    wanted = wanted_codepoints()

    subset_font(font, wanted)
    t1 = time.monotonic()
    otf_to_ttf(font, post_format=POST_FORMAT, max_err=MAX_ERR,
               reverse_direction=REVERSE_DIRECTION)
    t2 = time.monotonic()
    rename(font)
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    font.save(output)
    t3 = time.monotonic()

    if verbose:
        have = set(font.getBestCmap())
        missing = sorted((wanted & src_cmap) - have)
        print(f"source face #{idx} ({SOURCE_FAMILY}): {n_src} glyphs")
        print(f"requested {len(wanted)} code points, source has "
              f"{len(wanted & src_cmap)}, output maps {len(have)} "
              f"in {len(font.getGlyphOrder())} glyphs")
        if missing:
            print("MISSING (present in source):", " ".join(f"U+{c:04X}" for c in missing))
        print(f"subset {t1 - t0:.1f}s, cu2qu {t2 - t1:.1f}s, save {t3 - t2:.1f}s")
        print(f"wrote {output} ({os.path.getsize(output) / 1e6:.2f} MB)")
    return output


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", nargs="?", default=DEFAULT_SOURCE,
                    help=f"NotoSerifCJK TTC (default: {DEFAULT_SOURCE})")
    ap.add_argument("output", nargs="?", default=DEFAULT_OUTPUT,
                    help="output .ttf (default: resources/fonts/NotoSerifSC-Regular.ttf)")
    args = ap.parse_args(argv)
    build(args.source, args.output)


if __name__ == "__main__":
    main()
