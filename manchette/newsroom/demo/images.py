"""Illustrations drawn locally with Pillow, so that the demo needs no download."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

PALETTES = [
    ((24, 44, 74), (196, 78, 58)),
    ((32, 64, 52), (226, 186, 92)),
    ((58, 34, 70), (232, 140, 120)),
    ((20, 20, 24), (150, 16, 16)),
    ((40, 70, 100), (230, 230, 220)),
    ((88, 54, 30), (240, 200, 150)),
    ((16, 60, 80), (120, 200, 190)),
    ((70, 70, 70), (210, 180, 60)),
]


def illustration_jpeg(*, seed: int, width: int = 1600, height: int = 900) -> bytes:
    rng = random.Random(seed)
    dark, light = PALETTES[seed % len(PALETTES)]
    image = Image.new("RGB", (width, height), dark)
    draw = ImageDraw.Draw(image)
    for y in range(height):  # vertical gradient
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(
                int(d + (li - d) * t * 0.55) for d, li in zip(dark, light, strict=True)
            ),
        )
    for _ in range(9):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(60, 360)
        shade = tuple(min(255, c + rng.randrange(-30, 30)) for c in light)
        draw.ellipse(
            [x - r, y - r, x + r, y + r], outline=shade, width=rng.randrange(3, 14)
        )
    for _ in range(5):
        x = rng.randrange(width)
        draw.rectangle(
            [x, 0, x + rng.randrange(8, 40), height],
            fill=tuple(max(0, c - 20) for c in dark),
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()
