from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager, PageViewRestriction
from wagtail.query import PageQuerySet
from wagtail.search import index

from manchette.newsroom.blocks import ArticleBodyBlock

WORDS_PER_MINUTE = 230


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [
            s
            for k, v in value.items()
            if k not in ("type", "id")
            for s in _strings_in(v)
        ]
    if isinstance(value, list | tuple) or hasattr(value, "__iter__"):
        return [s for item in value for s in _strings_in(item)]
    return []


class Author(index.Indexed, models.Model):
    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("adresse"), max_length=140, unique=True)
    role = models.CharField(_("fonction"), max_length=120, blank=True)
    bio = models.TextField(_("présentation"), blank=True, max_length=2000)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("compte"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("role"),
        FieldPanel("bio"),
        FieldPanel("photo"),
        FieldPanel("user"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("auteur")
        verbose_name_plural = _("auteurs")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsroom:author", kwargs={"slug": self.slug})


class ViewRestrictionsLookedUpOnce:
    """Wagtail reads the view restrictions of a page and of its ancestors from the
    database at every serve (two queries). Newsrooms rarely restrict a page: the paths
    under a restriction, and of aliases (which take their source's), are kept in the
    shared cache (``selectors.view_restricted_paths``), and Wagtail's own check runs
    only for a page under one of them."""

    path: str
    alias_of_id: int | None

    def get_view_restrictions(self) -> Any:
        from manchette.newsroom.selectors import view_restrictions

        where = view_restrictions()
        if self.alias_of_id is None and not self.path.startswith(
            (*where.restricted, *where.aliases)
        ):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()  # type: ignore[misc]


class NewsroomPageQuerySet(PageQuerySet):
    def private_q(self) -> Q:
        """Wagtail's, from the restricted paths kept in the shared cache instead of a
        read of every restriction at each ``.public()``."""
        from manchette.newsroom.selectors import view_restrictions

        q = Q()
        for path in view_restrictions().restricted:
            q |= Q(path__startswith=path)
        return q if q else Q(pk__in=[])


NewsroomPageManager = PageManager.from_queryset(NewsroomPageQuerySet)


class HomePage(ViewRestrictionsLookedUpOnce, Page):
    """La Une."""

    objects = NewsroomPageManager()

    lead_article = models.ForeignKey(
        "newsroom.ArticlePage",
        verbose_name=_("article à la une"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Vide : l’article publié le plus récemment."),
    )
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["newsroom.SectionPage", "newsroom.StaticPage"]
    content_panels = [*Page.content_panels, FieldPanel("lead_article")]

    class Meta:
        verbose_name = _("page d’accueil (la Une)")

    def get_context(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        from manchette.newsroom.selectors import home_page_blocks

        context = super().get_context(request, *args, **kwargs)
        context.update(home_page_blocks(home=self, request=request))
        return context

    def cache_tags(self) -> list[str]:
        return ["list:home"]

    def route(self, request: HttpRequest, path_components: list[str]) -> Any:
        """An article in one query, instead of two per level of the tree (each page
        and its specific row): nothing under la Une routes sub-paths of its own, so
        the page whose URL path is the requested one is the answer. Anything else
        (a section, a static page, a 404) goes through Wagtail's own routing."""
        if path_components:
            url_path = self.url_path + "/".join(path_components) + "/"
            found = list(
                ArticlePage.objects.raw(_article_by_url_path_sql(), [url_path])
            )
            if found:
                return found[0].route(request, [])
        return super().route(request, path_components)


@lru_cache(maxsize=1)
def _article_by_url_path_sql() -> str:
    """The query of ``ArticlePage.objects.filter(url_path=…).first()``, compiled once:
    building its SQL (some sixty columns over two tables) cost more than running it."""
    query = ArticlePage.objects.filter(url_path="").order_by("pk")[:1].query
    sql, _params = query.sql_with_params()
    return str(sql)


class CommentPolicy(models.TextChoices):
    INHERIT = "inherit", _("comme le reste du site")
    PRE = "pre", _("modération avant publication")
    POST = "post", _("modération après publication")
    FIRST_HELD = "first_held", _("premier commentaire d’un nouvel invité retenu")


class LiveStatus(models.TextChoices):
    OFF = "off", _("article ordinaire")
    LIVE = "live", _("en direct")
    ENDED = "ended", _("direct terminé")


class SectionPage(ViewRestrictionsLookedUpOnce, Page):
    """A rubrique: International, France, Politique…"""

    objects = NewsroomPageManager()

    intro = models.CharField(_("présentation"), max_length=300, blank=True)
    reactions_enabled = models.BooleanField(_("réactions des lecteurs"), default=True)
    comment_policy = models.CharField(
        _("modération des commentaires"),
        max_length=20,
        choices=CommentPolicy,
        default=CommentPolicy.INHERIT,
    )
    comments_close_after_days = models.PositiveIntegerField(
        _("fermer les commentaires après (jours)"),
        null=True,
        blank=True,
        help_text=_("Vide : la règle du site."),
    )
    parent_page_types = ["newsroom.HomePage"]
    subpage_types = ["newsroom.ArticlePage"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    settings_panels = [
        *Page.settings_panels,
        MultiFieldPanel(
            [
                FieldPanel("reactions_enabled"),
                FieldPanel("comment_policy"),
                FieldPanel("comments_close_after_days"),
            ],
            heading=_("Lecteurs"),
        ),
    ]

    class Meta:
        verbose_name = _("rubrique")
        verbose_name_plural = _("rubriques")

    def get_context(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        from manchette.newsroom.selectors import article_list_for_section, paginate

        context = super().get_context(request, *args, **kwargs)
        context["articles"] = paginate(
            article_list_for_section(section=self),
            page=request.GET.get("page"),
            request=request,
        )
        return context

    def cache_tags(self) -> list[str]:
        return [f"list:section:{self.pk}"]


class ArticlePage(ViewRestrictionsLookedUpOnce, Page):
    objects = NewsroomPageManager()

    kicker = models.CharField(
        _("surtitre"),
        max_length=80,
        blank=True,
        help_text=_("Par exemple « FLASH INFO »."),
    )
    standfirst = models.TextField(_("chapô"), max_length=600, blank=True)
    body = StreamField(
        ArticleBodyBlock(), verbose_name=_("corps de l’article"), blank=True
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image principale"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hero_caption = models.CharField(_("légende"), max_length=400, blank=True)
    hero_credit = models.CharField(_("crédit"), max_length=200, blank=True)
    authors = ParentalManyToManyField(
        Author, verbose_name=_("auteurs"), blank=True, related_name="articles"
    )
    topics = ParentalManyToManyField(
        "topics.Topic", verbose_name=_("sujets"), blank=True, related_name="articles"
    )
    source_credit = models.CharField(
        _("source"),
        max_length=120,
        blank=True,
        help_text=_("Par exemple « avec AFP »."),
    )
    updated_at = models.DateTimeField(
        _("mis à jour le"),
        null=True,
        blank=True,
        help_text=_(
            "À remplir pour une mise à jour visible des lecteurs (pas pour une coquille)."
        ),
    )
    update_note = models.CharField(
        _("note de mise à jour ou de correction"), max_length=400, blank=True
    )
    topic_links_enabled = models.BooleanField(
        _("lier les sujets dans le texte"),
        default=True,
        help_text=_("La première mention de chaque sujet renvoie vers sa page."),
    )
    comments_closed = models.BooleanField(_("commentaires fermés"), default=False)
    live_status = models.CharField(
        _("direct"), max_length=10, choices=LiveStatus, default=LiveStatus.OFF
    )

    parent_page_types = ["newsroom.SectionPage"]
    subpage_types: list[str] = []

    content_panels = [
        FieldPanel("kicker"),
        *Page.content_panels,
        FieldPanel("standfirst"),
        MultiFieldPanel(
            [
                FieldPanel("hero_image"),
                FieldRowPanel([FieldPanel("hero_caption"), FieldPanel("hero_credit")]),
            ],
            heading=_("Image principale"),
        ),
        FieldPanel("body"),
        FieldPanel("authors"),
        FieldPanel("topics"),
        FieldPanel("source_credit"),
        MultiFieldPanel(
            [FieldPanel("updated_at"), FieldPanel("update_note")],
            heading=_("Mise à jour"),
        ),
    ]
    settings_panels = [
        *Page.settings_panels,
        MultiFieldPanel(
            [
                FieldPanel("live_status"),
                FieldPanel("comments_closed"),
                FieldPanel("topic_links_enabled"),
            ],
            heading=_("Article"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("kicker"),
        index.SearchField("standfirst"),
        index.SearchField("body"),
        index.FilterField("first_published_at"),
        index.FilterField("path"),
        index.RelatedFields("topics", [index.SearchField("name")]),
    ]

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    @property
    def body_text(self) -> str:
        """The body's words, from the stored data (no rendering, no query)."""
        return " ".join(strip_tags(text) for text in _strings_in(self.body.raw_data))

    @property
    def reading_minutes(self) -> int:
        words = len(self.body_text.split()) + len(self.standfirst.split())
        return max(1, math.ceil(words / WORDS_PER_MINUTE))

    @property
    def display_date(self) -> Any:
        return (
            self.first_published_at
            or self.go_live_at
            or self.latest_revision_created_at
        )

    @property
    def modified_date(self) -> Any:
        return self.updated_at or self.display_date

    def get_context(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        from manchette.newsroom.selectors import article_detail_context

        context = super().get_context(request, *args, **kwargs)
        context.update(article_detail_context(article=self, request=request))
        return context

    def cache_tags(self) -> list[str]:
        # Comments move a tag of their own: a new one refreshes the page, not
        # the article's own markup (kept apart under "page:…", see selectors).
        return [f"page:{self.pk}", f"discussion:{self.pk}"]


class StaticPage(ViewRestrictionsLookedUpOnce, Page):
    """Mentions légales, contact, politique de confidentialité."""

    objects = NewsroomPageManager()

    body = RichTextField(_("texte"), blank=True)
    parent_page_types = ["newsroom.HomePage"]
    subpage_types: list[str] = []
    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    class Meta:
        verbose_name = _("page fixe")
        verbose_name_plural = _("pages fixes")

    def cache_tags(self) -> list[str]:
        return [f"page:{self.pk}"]


SOCIAL_NETWORKS = (
    "facebook",
    "x",
    "instagram",
    "youtube",
    "linkedin",
    "mastodon",
    "bluesky",
)


@register_setting(icon="site")
class SiteIdentity(BaseGenericSetting):
    """The outlet: its tagline, logo and social profiles (« RÉSEAUX SOCIAUX »)."""

    tagline = models.CharField(_("devise"), max_length=200, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact_email = models.EmailField(_("courriel de la rédaction"), blank=True)
    facebook = models.URLField("Facebook", blank=True)
    x = models.URLField("X", blank=True)
    instagram = models.URLField("Instagram", blank=True)
    youtube = models.URLField("YouTube", blank=True)
    linkedin = models.URLField("LinkedIn", blank=True)
    mastodon = models.URLField("Mastodon", blank=True)
    bluesky = models.URLField("Bluesky", blank=True)

    panels = [
        FieldPanel("tagline"),
        FieldPanel("logo"),
        FieldPanel("contact_email"),
        MultiFieldPanel(
            [FieldPanel(name) for name in SOCIAL_NETWORKS], heading=_("Réseaux sociaux")
        ),
    ]

    class Meta:
        verbose_name = _("identité du site")

    def social_profiles(self) -> list[tuple[str, str]]:
        return [
            (name, getattr(self, name))
            for name in SOCIAL_NETWORKS
            if getattr(self, name)
        ]


class DemoLoad(models.Model):
    """Marks a site whose content came from `load_demo`, so that the loader runs
    again harmlessly there and refuses to touch a real newsroom's site."""

    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chargement de démonstration")

    def __str__(self) -> str:
        return f"demo {self.loaded_at:%Y-%m-%d}"
