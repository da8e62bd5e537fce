"""The French reaction kinds a new install starts with (created by a data migration;
a newsroom then edits them in the admin). Each has an emoji (shown in the admin) and
an inline SVG drawn in the style of the site's icons, which readers see: an emoji
depends on the reader's fonts, the SVG looks the same everywhere."""

from typing import Any

_OPEN = (
    '<svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" '
    'stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">'
)
_FACE = '<circle cx="12" cy="12" r="9"/>'
_EYES = '<circle cx="9" cy="10" r=".6" fill="currentColor"/><circle cx="15" cy="10" r=".6" fill="currentColor"/>'

ICONS = {
    "interessant": _OPEN
    + '<path d="M9 18h6M10 21h4M12 3a6 6 0 0 0-3.5 10.9c.6.5 1 1.2 1 2V16h5v-.1c0-.8.4-1.5 1-2A6 6 0 0 0 12 3z"/></svg>',
    "utile": _OPEN
    + '<path d="M7 10v11H4V10zM7 10l4-7c1.5 0 2.5 1.2 2.2 2.7L12.6 9H19a2 2 0 0 1 2 2.3l-1.2 7.5A2.5 2.5 0 0 1 17.3 21H7"/></svg>',
    "surprenant": _OPEN + _FACE + _EYES + '<circle cx="12" cy="15.5" r="2"/></svg>',
    "triste": _OPEN + _FACE + _EYES + '<path d="M8.5 16.5c2-2 5-2 7 0"/></svg>',
    "inquietant": _OPEN
    + _FACE
    + _EYES
    + '<path d="M7.5 7.5 10 6.5M16.5 7.5 14 6.5M9 16.5c1.5-1 4.5-1 6 0"/></svg>',
    "agacant": _OPEN
    + _FACE
    + _EYES
    + '<path d="M7 7l3 1.5M17 7l-3 1.5M9 16h6"/></svg>',
}

DEFAULT_KINDS = [
    ("interessant", "Intéressant", "💡"),
    ("utile", "Utile", "👍"),
    ("surprenant", "Surprenant", "😮"),
    ("triste", "Triste", "😢"),
    ("inquietant", "Inquiétant", "😟"),
    ("agacant", "Agaçant", "😠"),
]


def default_kinds_create(model: Any) -> None:
    """With the real model or a migration's historical one."""
    for order, (slug, label, emoji) in enumerate(DEFAULT_KINDS):
        model.objects.get_or_create(
            slug=slug,
            defaults={
                "label": label,
                "emoji": emoji,
                "icon_svg": ICONS[slug],
                "order": order * 10,
            },
        )


def default_icons_fill(model: Any) -> None:
    """Give the default kinds their SVG icon, unless an editor chose one."""
    for slug, icon in ICONS.items():
        model.objects.filter(slug=slug, icon_svg="").update(icon_svg=icon)
