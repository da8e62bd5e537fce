from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    PreviewableMixin,
    RevisionMixin,
)
from wagtail.search import index

TEXT_MAX_LENGTH = 280


class FlashLevel(models.TextChoices):
    URGENT = "urgent", _("urgent")
    INFO = "info", _("information")


class Flash(
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    PreviewableMixin,
    index.Indexed,
    models.Model,
):
    """A breaking-news flash: the « FLASH INFO » banner on every page, pushed live.

    Wagtail's draft state gives it a start (``go_live_at``) and an end
    (``expire_at``) that the scheduler applies, and revisions keep every correction."""

    text = models.CharField(_("texte"), max_length=TEXT_MAX_LENGTH)
    level = models.CharField(
        _("niveau"), max_length=10, choices=FlashLevel, default=FlashLevel.INFO
    )
    article = models.ForeignKey(
        "newsroom.ArticlePage",
        verbose_name=_("article lié"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    url = models.URLField(
        _("lien"), blank=True, help_text=_("Sans article lié : une autre adresse.")
    )
    is_alert = models.BooleanField(
        _("alerte"),
        default=False,
        help_text=_("Envoyée aussi aux abonnés des alertes par courriel."),
    )
    alert_sent_at = models.DateTimeField(
        _("alerte envoyée le"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    revisions = GenericRelation(
        "wagtailcore.Revision",
        content_type_field="content_type",
        related_query_name="flash",
    )

    panels = [
        FieldPanel("text"),
        FieldRowPanel([FieldPanel("level"), FieldPanel("is_alert")]),
        MultiFieldPanel([FieldPanel("article"), FieldPanel("url")], heading=_("Lien")),
    ]
    search_fields = [index.SearchField("text"), index.FilterField("live")]

    class Meta:
        verbose_name = _("flash info")
        verbose_name_plural = _("flashs info")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expire_at__isnull=True)
                | Q(go_live_at__isnull=True)
                | Q(expire_at__gt=models.F("go_live_at")),
                name="flash_expires_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def link(self) -> str:
        if self.article_id and self.article and self.article.live:
            return self.article.url or ""
        return self.url

    @property
    def published_at(self):
        return self.first_published_at or self.go_live_at or self.created_at

    def with_content_json(self, content):
        """Publishing an older revision must not bring back « alert not sent yet »."""
        obj = super().with_content_json(content)
        obj.alert_sent_at = self.alert_sent_at
        return obj

    def get_preview_template(self, request, mode_name):
        return "flashes/preview.html"
