"""What each WordPress object became here, so that a second import updates what
changed instead of duplicating it."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class WordPressKind(models.TextChoices):
    AUTHOR = "author", _("auteur")
    CATEGORY = "category", _("catégorie")
    TAG = "tag", _("étiquette")
    ATTACHMENT = "attachment", _("média")
    POST = "post", _("article")
    PAGE = "page", _("page")


class WordPressItem(models.Model):
    # The export's base_site_url: two WordPress sites may share ids.
    source = models.CharField(_("site WordPress"), max_length=200)
    kind = models.CharField(_("type"), max_length=12, choices=WordPressKind)
    wp_id = models.BigIntegerField(_("identifiant WordPress"))
    guid = models.CharField(_("GUID"), max_length=500, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    # A digest of the source item: an unchanged item is not written again.
    fingerprint = models.CharField(max_length=64, blank=True)
    # What has no field here (Yoast canonical, secondary categories, caption…).
    data = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField(_("importé le"), auto_now=True)

    class Meta:
        verbose_name = _("élément WordPress importé")
        verbose_name_plural = _("éléments WordPress importés")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "wp_id"], name="wpimport_one_per_source_id"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.wp_id} ({self.source})"
