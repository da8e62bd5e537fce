"""Open Graph images for articles without a hero image: the title on the site's
colours, drawn with Pillow once per title and kept on disk."""

from __future__ import annotations

import hashlib
import io
import textwrap
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
PAPER = (253, 252, 248)
INK = (22, 22, 26)
ACCENT = (163, 18, 15)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in (
        "DejaVuSerif-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    ):
        try:
            return ImageFont.truetype(candidate, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def og_image_png(*, title: str, kicker: str, site_name: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, WIDTH, 18], fill=ACCENT)
    draw.text((70, 70), site_name.upper(), font=_font(34), fill=INK)
    if kicker:
        draw.text((70, 150), kicker.upper(), font=_font(28), fill=ACCENT)
    lines = textwrap.wrap(title, width=34)[:5]
    size = 62 if len(lines) <= 3 else 50
    y = 210
    for line in lines:
        draw.text((70, y), line, font=_font(size), fill=INK)
        y += int(size * 1.22)
    draw.line([70, HEIGHT - 60, WIDTH - 70, HEIGHT - 60], fill=INK, width=3)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def og_image_path(*, title: str, kicker: str, site_name: str) -> Path:
    """The image's file, drawn on first use; its name changes with the title."""
    digest = hashlib.sha256(f"{site_name}|{kicker}|{title}".encode()).hexdigest()[:20]
    path = Path(settings.MEDIA_ROOT) / "og" / f"{digest}.png"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(og_image_png(title=title, kicker=kicker, site_name=site_name))
        tmp.replace(path)
    return path
