from __future__ import annotations

import nh3
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# What an editor may paste as an icon: drawing elements only, no script, no link,
# no style (the page's CSP would block it anyway; this keeps the stored text inert).
SVG_TAGS = {
    "svg",
    "g",
    "path",
    "circle",
    "ellipse",
    "rect",
    "line",
    "polyline",
    "polygon",
    "title",
}
SVG_ATTRIBUTES = {
    "svg": {"viewBox", "width", "height", "fill", "stroke", "xmlns", "aria-hidden", "focusable"},
    "*": {
        "d", "fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
        "cx", "cy", "r", "rx", "ry", "x", "y", "x1", "y1", "x2", "y2", "points",
        "width", "height", "transform", "fill-rule", "clip-rule", "opacity",
    },
}  # fmt: skip


def svg_sanitize(text: str) -> str:
    if not text.strip():
        return ""
    return nh3.clean(
        text.strip(), tags=SVG_TAGS, attributes=SVG_ATTRIBUTES, link_rel=None
    )


class ReactionKind(models.Model):
    """One of the answers to « Que pensez-vous de cet article ? »."""

    label = models.CharField(_("libellé"), max_length=40)
    slug = models.SlugField(
        _("identifiant"),
        max_length=40,
        unique=True,
        help_text=_(
            "Utilisé dans les adresses et les statistiques ; ne le changez pas."
        ),
    )
    emoji = models.CharField(_("émoji"), max_length=16, blank=True)
    icon_svg = models.TextField(
        _("icône SVG"),
        blank=True,
        help_text=_("Facultatif, remplace l’émoji : un élément <svg> sans script."),
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    active = models.BooleanField(
        _("proposée aux lecteurs"),
        default=True,
        help_text=_(
            "Décochez plutôt que de supprimer : les réactions déjà données restent comptées."
        ),
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("type de réaction")
        verbose_name_plural = _("types de réaction")

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        self.icon_svg = svg_sanitize(self.icon_svg)
        if self.icon_svg and not self.icon_svg.startswith("<svg"):
            raise ValidationError(
                {"icon_svg": _("L’icône doit être un élément <svg>.")}
            )
        if not self.emoji and not self.icon_svg:
            raise ValidationError(_("Donnez un émoji ou une icône SVG."))


class Reaction(models.Model):
    """One reader's reaction to one article: the source of truth the counters follow."""

    article = models.ForeignKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.ForeignKey(ReactionKind, on_delete=models.PROTECT, related_name="+")
    # "u:<user id>" for a signed-in reader, "g:<digest of the cookie's token>" for a guest.
    reader_key = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "reader_key"], name="reaction_one_per_reader"
            )
        ]
        indexes = [models.Index(fields=["article", "created_at"])]
        verbose_name = _("réaction")
        verbose_name_plural = _("réactions")

    def __str__(self) -> str:
        return f"{self.article_id}: {self.kind_id}"


class ReactionCount(models.Model):
    """How many readers hold each reaction on an article, kept by atomic increments
    so that reading the counts is one small indexed query."""

    article = models.ForeignKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.ForeignKey(ReactionKind, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "kind"], name="reaction_count_one_per_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(count__gte=0), name="reaction_count_not_negative"
            ),
        ]
        verbose_name = _("compteur de réactions")

    def __str__(self) -> str:
        return f"{self.article_id}/{self.kind_id}: {self.count}"
