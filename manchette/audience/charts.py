"""Charts drawn on the server as inline SVG: no script, no external service, no
library to vendor; they print, and the dashboard gives each one its data table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 30
INK, GRID, LINE, FILL = "#1f1f24", "#d0d0d6", "#0072B2", "#0072B233"
_ids = count(1)


def nice_ceiling(value: int) -> int:
    """A round top for the scale: 1, 2, 5 × a power of ten."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)


def _frame(title: str, top: int) -> tuple[list[str], str]:
    chart_id = f"audience-chart-{next(_ids)}"
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="audience-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}" font-family="system-ui, sans-serif">',
        f'<title id="{chart_id}">{escape(title)}</title>',
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{INK}">{round(top * fraction)}</text>'
        )
    return parts, chart_id


def line_chart_svg(
    *, title: str, points: Sequence[tuple[str, int]], label_every: int = 6
) -> SafeString:
    """Views over time: a line over an area, a dot with its figure per point."""
    values = [v for _label, v in points]
    top = nice_ceiling(max(values, default=0))
    parts, _id = _frame(title, top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)
    coords = [
        (LEFT + i * step, TOP + plot_h * (1 - v / top)) for i, v in enumerate(values)
    ]
    if coords:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        base = TOP + plot_h
        parts.append(
            f'<polygon points="{coords[0][0]:.1f},{base} {line} {coords[-1][0]:.1f},{base}" '
            f'fill="{FILL}" stroke="none"/>'
            f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>'
        )
    for i, ((label, value), (x, y)) in enumerate(zip(points, coords, strict=True)):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{LINE}">'
            f"<title>{escape(label)} : {value}</title></circle>"
        )
        if i % label_every == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
                f'font-size="11" fill="{INK}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text escaped above


def bar_chart_svg(
    *, title: str, points: Sequence[tuple[str, int]], label_every: int = 5
) -> SafeString:
    """One bar per period (days), its figure in a tooltip."""
    values = [v for _label, v in points]
    top = nice_ceiling(max(values, default=0))
    parts, _id = _frame(title, top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    bar = max(slot * 0.72, 1)
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        x = LEFT + i * slot + (slot - bar) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}" fill="{LINE}"><title>{escape(label)} : {value}</title></rect>'
        )
        if i % label_every == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
                f'font-size="11" fill="{INK}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text escaped above


def sparkline_svg(*, title: str, values: Sequence[int]) -> SafeString:
    width, height = 200, 40
    top = max(values, default=0)
    bottom = min(values, default=0)
    span = (top - bottom) or 1
    step = width / max(len(values) - 1, 1)
    line = " ".join(
        f"{i * step:.1f},{height - 3 - (v - bottom) / span * (height - 6):.1f}"
        for i, v in enumerate(values)
    )
    return mark_safe(  # noqa: S308 - the title is escaped
        f'<svg class="audience-spark" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">'
        f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/></svg>'
    )
