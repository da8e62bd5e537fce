"""The French defaults, which a newsroom then edits in the admin."""

from django.db import migrations

from manchette.reactions.defaults import DEFAULT_KINDS, default_kinds_create


def create_defaults(apps, schema_editor):
    default_kinds_create(apps.get_model("reactions", "ReactionKind"))


def remove_defaults(apps, schema_editor):
    ReactionKind = apps.get_model("reactions", "ReactionKind")
    ReactionKind.objects.filter(slug__in=[s for s, _, _ in DEFAULT_KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reactions", "0001_reactions")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
