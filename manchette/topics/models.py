from __future__ import annotations

from functools import lru_cache

from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from manchette.topics.matching import TopicEntry


class TopicKind(models.TextChoices):
    PERSON = "person", _("personne")
    PLACE = "place", _("lieu")
    ORGANISATION = "organisation", _("organisation")
    EVENT = "event", _("événement")
    THEME = "theme", _("thème")


@lru_cache(maxsize=20_000)
def topic_url(slug: str) -> str:
    """A topic's address; an article page links each of its topics several times
    (body, list, meta), and reversing a URL is not free."""
    return reverse("newsroom:topic", kwargs={"slug": slug})


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
        return topic_url(self.slug)

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    @property
    def matcher_entry(self) -> TopicEntry:
        return TopicEntry(self.pk, self.name, tuple(self.alias_list))


class TopicLinkOptOut(models.Model):
    """Words of one article that must not become topic links, one per line (the
    per-link switch; the whole article's is ArticlePage.topic_links_enabled)."""

    article = models.OneToOneField(
        "newsroom.ArticlePage",
        on_delete=models.CASCADE,
        related_name="topic_link_opt_out",
    )
    words = models.TextField(
        _("mots à ne pas lier"),
        blank=True,
        help_text=_(
            "Un par ligne, tel qu’écrit dans l’article (« France », « sécurité ») : "
            "ces mentions ne deviennent pas des liens vers les pages sujets."
        ),
    )

    class Meta:
        verbose_name = _("mots à ne pas lier")
        verbose_name_plural = _("mots à ne pas lier")

    def __str__(self) -> str:
        return f"{self.article_id}"

    @property
    def word_list(self) -> list[str]:
        return [line.strip() for line in self.words.splitlines() if line.strip()]


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("à examiner")
    ACCEPTED = "accepted", _("accepté")
    REJECTED = "rejected", _("refusé")


class TopicSuggestion(models.Model):
    """A topic Manchette found in an article when it was saved: a known topic (through
    its names and aliases) or a new person, place or organisation (spaCy)."""

    article = models.ForeignKey(
        "newsroom.ArticlePage",
        on_delete=models.CASCADE,
        related_name="topic_suggestions",
    )
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("sujet connu"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suggestions",
    )
    name = models.CharField(_("nom"), max_length=200)
    key = models.CharField(max_length=200)  # folded name: one suggestion per article
    kind = models.CharField(_("type"), max_length=20, choices=TopicKind)
    matched_words = models.JSONField(_("mots trouvés"), default=list)
    status = models.CharField(
        _("décision"),
        max_length=20,
        choices=SuggestionStatus,
        default=SuggestionStatus.PENDING,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "topic_id", "name"]
        verbose_name = _("sujet suggéré")
        verbose_name_plural = _("sujets suggérés")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "key"], name="topic_suggestion_once_per_article"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_new(self) -> bool:
        return self.topic_id is None
