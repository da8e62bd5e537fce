"""The default kinds get an SVG icon: emojis depend on the reader's fonts."""

from django.db import migrations

from manchette.reactions.defaults import default_icons_fill


def fill_icons(apps, schema_editor):
    default_icons_fill(apps.get_model("reactions", "ReactionKind"))


class Migration(migrations.Migration):
    dependencies = [("reactions", "0002_default_kinds")]

    operations = [migrations.RunPython(fill_icons, migrations.RunPython.noop)]
