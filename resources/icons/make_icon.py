"""Draws the app icon: a red seal (印章) square with "绩" in white.

    .venv/bin/python resources/icons/make_icon.py      # writes app.ico (16–256 px) and app.png (256 px)

Needs Pillow (installed with reportlab) and the bundled font resources/fonts/NotoSerifSC-Regular.ttf
(SIL OFL 1.1). Each size is drawn on its own at 4× and scaled down, with a thicker stroke at the
small sizes so the character stays legible in the taskbar and the title bar.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT = HERE.parent / "fonts" / "NotoSerifSC-Regular.ttf"
SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
RED = (190, 30, 45, 255)        # seal red
WHITE = (255, 255, 255, 255)
CHAR = "绩"
SS = 4                          # supersampling


def draw(size: int) -> Image.Image:
    s = size * SS
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    margin = 0 if size <= 24 else round(s * 0.03)
    radius = round(s * (0.08 if size <= 24 else 0.12))
    d.rounded_rectangle((margin, margin, s - 1 - margin, s - 1 - margin), radius=radius, fill=RED)
    if size >= 32:
        # The thin inner frame of a seal.
        inset = round(s * 0.09)
        width = max(SS, round(s * 0.025))
        d.rounded_rectangle((inset, inset, s - 1 - inset, s - 1 - inset),
                            radius=round(radius * 0.6), outline=WHITE, width=width)
        box = s - 2 * inset - 4 * width
    else:
        box = s - 2 * margin - round(s * 0.06)
    # Embolden: the font is a Regular Song face, too thin for small icons.
    stroke = round(s * (0.035 if size <= 24 else 0.022 if size <= 48 else 0.012))
    font_px = box
    font = ImageFont.truetype(str(FONT), font_px)
    while font_px > 8:
        l, t, r, b = d.textbbox((0, 0), CHAR, font=font, stroke_width=stroke)
        if r - l <= box and b - t <= box:
            break
        font_px -= max(1, font_px // 40)
        font = ImageFont.truetype(str(FONT), font_px)
    l, t, r, b = d.textbbox((0, 0), CHAR, font=font, stroke_width=stroke)
    x = (s - (r - l)) / 2 - l
    y = (s - (b - t)) / 2 - t
    d.text((x, y), CHAR, font=font, fill=WHITE, stroke_width=stroke, stroke_fill=WHITE)
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    images = [draw(n) for n in SIZES]
    big = images[-1]
    big.save(HERE / "app.png", optimize=True)
    big.save(HERE / "app.ico", format="ICO", sizes=[(n, n) for n in SIZES],
             append_images=images[:-1])
    print(f"wrote {HERE / 'app.ico'} ({', '.join(map(str, SIZES))} px) and {HERE / 'app.png'}")


if __name__ == "__main__":
    main()
