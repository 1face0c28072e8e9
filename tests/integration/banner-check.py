#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""banner-check.py — what a receptionist sees in the status page's banner.

usage: banner-check.py SCREENSHOT.png WIDTH HEIGHT BANNER_HEIGHT

Reads a screenshot of the status page (python3-pil) and checks:
  - it is WIDTH x HEIGHT and not one flat colour (a real rendering);
  - the banner box, the page's fixed top strip (0,0)-(WIDTH,BANNER_HEIGHT),
    has text drawn on it: enough pixels that differ from its background;
  - the text colour against the background has a WCAG contrast ratio of
    at least 4.5.
Prints "background #rrggbb text #rrggbb contrast N.N, M text pixels" and
exits 0, or prints what is wrong and exits 1.
"""
import sys
from collections import Counter

try:
    from PIL import Image
except ImportError:
    print("python3-pil missing")
    sys.exit(77)

# Fewer glyph pixels than this in the banner: no text (or a blank box).
MIN_TEXT_PIXELS = 1500
MIN_CONTRAST = 4.5


def luminance(rgb):
    """WCAG 2 relative luminance of an sRGB colour."""
    def lin(c):
        c = c / 255.0
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def hexc(rgb):
    return "#%02x%02x%02x" % rgb


def main():
    if len(sys.argv) != 5:
        print(__doc__.strip().splitlines()[2])
        return 2
    path = sys.argv[1]
    width, height, banner_h = (int(a) for a in sys.argv[2:5])
    try:
        img = Image.open(path).convert("RGB")
    except (OSError, ValueError) as e:
        print("%s: not a readable PNG: %s" % (path, e))
        return 1
    if img.size != (width, height):
        print("%s is %dx%d, not %dx%d" % (path, img.size[0], img.size[1],
                                          width, height))
        return 1
    if len(img.getcolors(maxcolors=2) or [0, 0, 0]) < 2:
        print("%s is one flat colour: nothing was rendered" % path)
        return 1
    # The banner spans the width; a scroll bar may take the right edge.
    box = img.crop((0, 0, width - 20, banner_h))
    counts = Counter(box.getdata())
    bg = counts.most_common(1)[0][0]
    # Glyph pixels: clearly unlike the background (anti-aliased edges
    # blend the two, so only the far ones count as text).
    text = Counter({c: n for c, n in counts.items()
                    if contrast(c, bg) >= 1.5})
    ntext = sum(text.values())
    if ntext < MIN_TEXT_PIXELS:
        print("banner background %s has only %d text pixels: no text drawn "
              "(text the colour of its background?)" % (hexc(bg), ntext))
        return 1
    # The glyphs' own colour: the commonest of the text pixels.
    fg = text.most_common(1)[0][0]
    ratio = contrast(fg, bg)
    print("background %s text %s contrast %.1f, %d text pixels"
          % (hexc(bg), hexc(fg), ratio, ntext))
    if ratio < MIN_CONTRAST:
        print("contrast %.2f is below %.1f" % (ratio, MIN_CONTRAST))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
