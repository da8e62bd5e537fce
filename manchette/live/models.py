from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LiveEvent(models.Model):
    """One event pushed to open pages (a flash, a live-blog entry, a comment).

    The table is the durable log every server process follows (through Redis
    pub/sub or by polling ``id > last_seen``) and replays from on reconnection;
    the id's order is the order readers see. Old rows are pruned periodically."""

    channel = models.CharField(_("canal"), max_length=100)
    event = models.CharField(_("événement"), max_length=50)
    data = models.JSONField(_("données"), encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("événement en direct")
        verbose_name_plural = _("événements en direct")
        indexes = [models.Index(fields=["channel", "id"], name="live_event_channel_id")]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} {self.event}"


class LiveEntry(models.Model):
    """One timestamped entry of an article's live blog (« EN DIRECT »)."""

    article = models.ForeignKey(
        "newsroom.ArticlePage",
        verbose_name=_("article en direct"),
        on_delete=models.CASCADE,
        related_name="live_entries",
    )
    text = models.TextField(_("texte"), max_length=4000, blank=True)
    quote = models.TextField(_("citation"), max_length=1000, blank=True)
    quote_source = models.CharField(
        _("auteur de la citation"), max_length=200, blank=True
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_caption = models.CharField(_("légende"), max_length=300, blank=True)
    link_url = models.URLField(_("lien ou contenu intégré"), blank=True)
    # A string reference, not an import: flashes sit above live; the entry only
    # shows the flash's text and link.
    flash = models.ForeignKey(
        "flashes.Flash",
        verbose_name=_("flash lié"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pinned = models.BooleanField(
        _("L’essentiel"), default=False, help_text=_("Épinglée en tête du direct.")
    )
    created_at = models.DateTimeField(_("publiée le"), default=timezone.now)
    edited_at = models.DateTimeField(_("corrigée le"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("supprimée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("entrée du direct")
        verbose_name_plural = _("entrées des directs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["article", "-created_at"], name="live_entry_article")
        ]

    def __str__(self) -> str:
        return (self.text or self.quote or str(self.flash or ""))[:80] or f"#{self.pk}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not (
            self.text or self.quote or self.image_id or self.flash_id or self.link_url
        ):
            raise ValidationError(_("Une entrée vide ne peut pas être publiée."))
