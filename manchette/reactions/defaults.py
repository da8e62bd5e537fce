"""The French reaction kinds a new install starts with (created by a data migration;
a newsroom then edits them in the admin)."""

DEFAULT_KINDS = [
    ("interessant", "Intéressant", "💡"),
    ("utile", "Utile", "👍"),
    ("surprenant", "Surprenant", "😮"),
    ("triste", "Triste", "😢"),
    ("inquietant", "Inquiétant", "😟"),
    ("agacant", "Agaçant", "😠"),
]


def default_kinds_create(model: type) -> None:
    """With the real model or a migration's historical one."""
    for order, (slug, label, emoji) in enumerate(DEFAULT_KINDS):
        model.objects.get_or_create(
            slug=slug, defaults={"label": label, "emoji": emoji, "order": order * 10}
        )
