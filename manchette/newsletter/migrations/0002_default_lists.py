from django.db import migrations

DEFAULT_LISTS = [
    {
        "kind": "digest",
        "slug": "essentiel",
        "name": "L’essentiel du jour",
        "description": "Chaque matin, les articles du jour rubrique par rubrique.",
        "position": 10,
    },
    {
        "kind": "alerts",
        "slug": "alertes",
        "name": "Alertes",
        "description": "Les informations importantes, dès qu’elles tombent.",
        "position": 20,
    },
]


def create_default_lists(apps, schema_editor):
    NewsletterList = apps.get_model("newsletter", "NewsletterList")
    for fields in DEFAULT_LISTS:
        NewsletterList.objects.get_or_create(slug=fields["slug"], defaults=fields)


def delete_default_lists(apps, schema_editor):
    NewsletterList = apps.get_model("newsletter", "NewsletterList")
    NewsletterList.objects.filter(
        slug__in=[f["slug"] for f in DEFAULT_LISTS], editions__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0001_initial")]

    operations = [migrations.RunPython(create_default_lists, delete_default_lists)]
