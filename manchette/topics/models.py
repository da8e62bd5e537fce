from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index


class TopicKind(models.TextChoices):
    PERSON = "person", _("personne")
    PLACE = "place", _("lieu")
    ORGANISATION = "organisation", _("organisation")
    EVENT = "event", _("événement")
    THEME = "theme", _("thème")


class Topic(index.Indexed, models.Model):
    """A person, place, organisation, event or theme the newsroom covers; each has
    its own page and feed, and its mentions in articles link to it."""

    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(
        _("adresse"), max_length=140, unique=True, allow_unicode=False
    )
    kind = models.CharField(
        _("type"), max_length=20, choices=TopicKind, default=TopicKind.THEME
    )
    aliases = models.TextField(
        _("autres noms"),
        blank=True,
        help_text=_(
            "Un par ligne : sigles, noms complets, pluriels (« OSCE », « Arméniens »)."
        ),
    )
    description = models.TextField(_("description"), blank=True, max_length=1000)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    related = models.ManyToManyField("self", verbose_name=_("sujets liés"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("kind"),
        FieldPanel("aliases"),
        FieldPanel("description"),
        FieldPanel("image"),
        FieldPanel("related"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("aliases"),
        index.AutocompleteField("name"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("sujet")
        verbose_name_plural = _("sujets")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:140] or "sujet"
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def get_absolute_url(self) -> str:
        return reverse("newsroom:topic", kwargs={"slug": self.slug})

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]
