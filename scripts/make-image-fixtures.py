#!/usr/bin/env python3
"""Writes the image-decoder test fixtures (run once, by hand; never in CI or tests).

Tests/SynapseTests/Fixtures/images/ gets tiny real images: a 16x16 Tango icon (Debian's
`tango-icon-theme`, public domain) saved as RGBA, RGB, grey, grey+alpha, palette, palette with
transparency and 16-bit grey PNGs (one interlaced), and a 24x24 crop of scikit-learn's sample photo
`flower.jpg` saved as baseline, progressive, grey and CMYK JPEGs; the icon also as an Adam7-interlaced
PNG (encoded here: Pillow does not write interlaced files). `expected.json` holds what Pillow
decodes from each file (the decoder's native layout: palettes expanded, 16-bit kept), Pillow's
`convert("L")` of the RGB files, and Pillow's bilinear resize of a float ("F") image, which
ImageResize matches.

Usage: /root/torchenv/bin/python scripts/make-image-fixtures.py   (needs Pillow, numpy, scikit-learn's images)
"""
import json
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SynapseTests", "Fixtures", "images")
ICON = "/usr/share/icons/Tango/16x16/places/folder-remote.png"
PHOTO_CANDIDATES = [
    "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/sklearn/datasets/images/flower.jpg",
    "/usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg",
]


def native(path):
    """Pillow's decoding in the decoder's native layout: (channels, bit depth, flat samples)."""
    im = Image.open(path)
    im.load()
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("I;16", "I;16B"):
        return 1, 16, [int(v) for v in np.asarray(im, dtype=np.uint16).ravel()]
    if im.mode == "CMYK":
        im = im.convert("RGB")
    channels = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[im.mode]
    return channels, 8, [int(v) for v in np.asarray(im, dtype=np.uint8).ravel()]


def write_interlaced(rgba, path):
    """Writes an 8-bit RGBA array as an Adam7-interlaced PNG (filter type 0 on every row)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    height, width, _ = rgba.shape
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = b""
    for x0, y0, dx, dy in passes:
        sub = rgba[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for row in sub:
            raw += b"\x00" + row.tobytes()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 1)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    os.makedirs(ROOT, exist_ok=True)
    icon = Image.open(ICON).convert("RGBA")
    photo_path = next((p for p in PHOTO_CANDIDATES if os.path.exists(p)), None)
    if photo_path is None:
        sys.exit("scikit-learn's flower.jpg not found: pip install scikit-learn")
    photo = Image.open(photo_path).convert("RGB").crop((200, 150, 224, 174))

    files = {
        "rgba.png": lambda p: icon.save(p),
        "rgb.png": lambda p: icon.convert("RGB").save(p),
        "gray.png": lambda p: icon.convert("L").save(p),
        "gray-alpha.png": lambda p: icon.convert("LA").save(p),
        "palette.png": lambda p: icon.convert("RGB").quantize(colors=16).save(p),
        "palette-alpha.png": lambda p: icon.quantize(colors=16, method=Image.Quantize.FASTOCTREE).save(p, transparency=0),
        "gray16.png": lambda p: Image.fromarray((np.asarray(icon.convert("L"), dtype=np.uint16) * 257 + 3).astype(np.uint16)).save(p),
        "interlaced.png": None,    # written below
        "baseline.jpg": lambda p: photo.save(p, quality=90),
        "progressive.jpg": lambda p: photo.save(p, quality=90, progressive=True),
        "gray.jpg": lambda p: photo.convert("L").save(p, quality=90),
        "cmyk.jpg": lambda p: photo.convert("CMYK").save(p, quality=90),
    }
    for name, write in files.items():
        if write:
            write(os.path.join(ROOT, name))
    # Pillow cannot write interlaced PNGs: the RGBA icon encoded here with Adam7 interlacing.
    write_interlaced(np.asarray(icon, dtype=np.uint8), os.path.join(ROOT, "interlaced.png"))

    expected = {}
    for name in files:
        path = os.path.join(ROOT, name)
        channels, depth, samples = native(path)
        im = Image.open(path)
        entry = {"width": im.width, "height": im.height, "channels": channels, "bit_depth": depth, "samples": samples}
        if channels in (3, 4) and depth == 8:
            entry["luma"] = [int(v) for v in np.asarray(Image.open(path).convert("RGB").convert("L")).ravel()]
        expected[name] = entry

    # Bilinear resizing of a float image (mode "F"): down to 7x5 and up to 20x20.
    grey = np.asarray(Image.open(os.path.join(ROOT, "gray.png")), dtype=np.float32) / 255
    f = Image.fromarray(grey, mode="F")
    resize = {"source": "gray.png"}
    for w, h in [(5, 7), (20, 20)]:
        resize[f"{h}x{w}"] = [float(v) for v in np.asarray(f.resize((w, h), Image.BILINEAR)).ravel()]
    expected["resize"] = resize
    with open(os.path.join(ROOT, "expected.json"), "w") as out:
        json.dump(expected, out, separators=(",", ":"))
    print("wrote", ", ".join(sorted(files)), "and expected.json to", os.path.normpath(ROOT))


if __name__ == "__main__":
    main()
