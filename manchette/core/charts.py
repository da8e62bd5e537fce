"""A small stacked-bar chart drawn on the server as inline SVG: no script, no
library, readable in the admin and printable. One bar per day, one colour per
series; each part of a bar says its figure in a tooltip. Shared by the apps'
admin views (reactions per day, comments per day)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Distinguishable colours (colour-blind safe, Okabe–Ito), one per series in order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]  # fmt: skip
WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP = 36, 28, 10


def series_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def stacked_bars_svg(
    *,
    title: str,
    css_class: str,
    series: Sequence[str],
    days: Sequence[tuple[date, Sequence[int]]],
) -> SafeString:
    """`days`: (day, one count per series, in the order of `series`), oldest first."""
    peak = max((sum(counts) for _day, counts in days), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.7, 1)
    parts = [
        f'<svg class="{css_class}" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="{css_class}-title">',
        f'<title id="{css_class}-title">{escape(title)}</title>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}" stroke="#767676"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    for i, (day, counts) in enumerate(days):
        x = LEFT + i * slot + (slot - bar_w) / 2
        y: float = TOP + plot_h
        label = date_format(day, "j M")
        for k, count in enumerate(counts):
            if not count:
                continue
            h = plot_h * count / peak
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{series_colour(k)}"><title>{escape(label)} – '
                f"{escape(series[k])} : {count}</title></rect>"
            )
        if i % max(len(days) // 6, 1) == 0 or i == len(days) - 1:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
                f'font-size="11">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text escaped above
