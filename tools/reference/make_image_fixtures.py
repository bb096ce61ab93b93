"""PIL references for image preprocessing -> test/fixtures/images.shfx.

A smooth synthetic RGB image (stored raw, so the test encodes exactly the same pixels) run through
the two HF recipes, written out as the processors compute them:
  crop    (CLIPImageProcessor): shortest edge -> size (bicubic), centre crop, /255, (x - mean) / std
  stretch (ViTImageProcessor):  resize to size x size (bilinear), /255, (x - 0.5) / 0.5
Run with Debian's Python:  /usr/bin/python3 tools/reference/make_image_fixtures.py
With `--one PATH SIZE` it prints the crop recipe of one image file (EXIF orientation applied, as
image.preprocess does) as raw float32 CHW on stdout, for tests on real images.
"""
import os
import sys

import numpy as np
from PIL import Image, ImageOps

from fixture_io import write_fixture

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "images.shfx")
CLIP_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
CLIP_STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
SIZE = 16


def pattern(w=45, h=30):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = x * 255 / (w - 1)
    g = y * 255 / (h - 1)
    b = 128 + 60 * np.sin(x / 4) * np.cos(y / 5)
    return np.stack([r, g, b], axis=-1).round().clip(0, 255).astype(np.uint8)


def crop_recipe(img, size):
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(size * long / short)
    nw, nh = (size, new_long) if w <= h else (new_long, size)
    img = img.resize((nw, nh), Image.BICUBIC)
    top, left = (nh - size) // 2, (nw - size) // 2
    arr = np.asarray(img.crop((left, top, left + size, top + size)), dtype=np.float32) / 255.0
    return ((arr - CLIP_MEAN) / CLIP_STD).transpose(2, 0, 1)


def stretch_recipe(img, size):
    arr = np.asarray(img.resize((size, size), Image.BILINEAR), dtype=np.float32) / 255.0
    return ((arr - 0.5) / 0.5).transpose(2, 0, 1)


def main():
    raw = pattern()
    img = Image.fromarray(raw, "RGB")
    write_fixture(OUT, {
        "image.raw": raw,
        "image.crop16": np.ascontiguousarray(crop_recipe(img, SIZE)),
        "image.stretch16": np.ascontiguousarray(stretch_recipe(img, SIZE)),
    })
    print(f"wrote {os.path.relpath(OUT)}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        img = ImageOps.exif_transpose(Image.open(sys.argv[2])).convert("RGB")
        sys.stdout.buffer.write(np.ascontiguousarray(crop_recipe(img, int(sys.argv[3]))).astype("<f4").tobytes())
    else:
        main()
