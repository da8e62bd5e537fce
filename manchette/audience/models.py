"""Cookie-free audience: page views counted per hour, article and referring domain.
No address, no identifier, nothing that could follow a reader (CNIL's exemption for
strictly limited audience measurement)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

DIRECT = ""  # no referrer: typed address, bookmark, app, or a browser that hides it
INTERNAL = "interne"  # from another page of this site


class HourlyViews(models.Model):
    hour = models.DateTimeField(_("heure"))
    article = models.ForeignKey(
        "newsroom.ArticlePage",
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    referrer = models.CharField(_("site d’origine"), max_length=100, blank=True)
    views = models.PositiveIntegerField(_("pages vues"), default=0)

    class Meta:
        verbose_name = _("pages vues par heure")
        verbose_name_plural = _("pages vues par heure")
        constraints: ClassVar[list] = [
            models.UniqueConstraint(
                fields=["hour", "article", "referrer"], name="audience_one_counter"
            )
        ]
        indexes: ClassVar[list] = [models.Index(fields=["hour"], name="audience_hour")]

    def __str__(self) -> str:
        return (
            f"{self.hour:%Y-%m-%d %H}h #{self.article_id} {self.referrer}: {self.views}"
        )
