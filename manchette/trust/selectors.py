"""Reads of the trust app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from manchette.core.pagecache import value_cached
from manchette.newsroom.models import ArticlePage
from manchette.trust.models import (
    Correction,
    ErrorReport,
    LegalIdentity,
    PartnerLink,
    ReplyRequest,
    ReplyStatus,
    ReportStatus,
)
from manchette.trust.services import PARTNER_LINK_SALT

CORRECTIONS_PAGE_SIZE = 50


def corrections_for_article(*, article_id: int) -> list[Correction]:
    """Oldest first, as an article's history reads."""
    return list(
        Correction.objects.filter(article_id=article_id).order_by("made_at", "pk")
    )


def _shown_with_article(article: Any) -> tuple[list[Correction], list[ReplyRequest]]:
    """What an article page shows of the trust app (its corrections, box and JSON-LD,
    and the published replies), read once per rendered article and kept in the shared
    cache until the article's page is refreshed (`services.article_readers_refresh`)."""
    cached = getattr(article, "_trust_shown", None)
    if cached is None:
        cached = value_cached(
            f"trust:article:{article.pk}",
            tags=[f"page:{article.pk}"],
            compute=lambda: (
                corrections_for_article(article_id=article.pk),
                replies_published_for_article(article_id=article.pk),
            ),
        )
        article._trust_shown = cached
    return cached


def corrections_of(article: Any) -> list[Correction]:
    return _shown_with_article(article)[0]


def replies_of(article: Any) -> list[ReplyRequest]:
    return _shown_with_article(article)[1]


def corrections_latest(*, limit: int = CORRECTIONS_PAGE_SIZE) -> QuerySet[Correction]:
    """Every correction of a published article, newest first."""
    live = ArticlePage.objects.live().public().values("pk")
    return (
        Correction.objects.filter(article__in=live)
        .select_related("article")
        .order_by("-made_at", "-pk")[:limit]
    )


def replies_published_for_article(*, article_id: int) -> list[ReplyRequest]:
    return list(
        ReplyRequest.objects.filter(
            article_id=article_id, status=ReplyStatus.PUBLISHED
        ).order_by("published_at", "pk")
    )


def error_reports_waiting() -> QuerySet[ErrorReport]:
    return ErrorReport.objects.filter(status=ReportStatus.NEW)


def replies_waiting() -> QuerySet[ReplyRequest]:
    return ReplyRequest.objects.filter(status=ReplyStatus.RECEIVED).order_by(
        "received_at"
    )


def legal_identity() -> LegalIdentity:
    return LegalIdentity.load()


def legal_identity_missing() -> list[str]:
    return legal_identity().missing_fields()


def partner_link_from_token(*, token: str) -> PartnerLink | None:
    """The link a token names if we signed it and nobody revoked it (expired or not:
    the caller decides, since an expired link still leads to the published article)."""
    try:
        pk = signing.loads(token, salt=PARTNER_LINK_SALT)
    except signing.BadSignature:
        return None
    return (
        PartnerLink.objects.select_related("article")
        .filter(pk=pk, revoked_at__isnull=True)
        .first()
    )


# What a reader's browser keeps ----------------------------------------------------------------


@dataclass(frozen=True)
class CookieUse:
    name: str
    purpose: Any
    lifetime: Any
    who: Any


def reader_cookies() -> list[CookieUse]:
    """Every cookie the site may set, with what it is for and how long it lasts. The
    privacy policy is generated from this list, and a test keeps it true."""
    from django.conf import settings

    from manchette.discussions import conf as discussions_conf
    from manchette.reactions import conf as reactions_conf

    months = round(reactions_conf.READER_COOKIE_MAX_AGE / (30 * 24 * 3600))
    discussion_months = round(discussions_conf.get("COOKIE_MAX_AGE") / (30 * 24 * 3600))
    return [
        CookieUse(
            reactions_conf.READER_COOKIE,
            _(
                "Se souvenir de votre réaction à un article (un jeton aléatoire signé ; "
                "nous n’en gardons qu’une empreinte). Déposé seulement quand vous réagissez."
            ),
            _("%(months)s mois") % {"months": months},
            _("lecteurs qui réagissent"),
        ),
        CookieUse(
            discussions_conf.get("COOKIE_NAME"),
            _(
                "Vous reconnaître comme auteur de vos commentaires sans compte, pour les "
                "modifier ou les supprimer (un jeton aléatoire signé). Déposé seulement "
                "quand vous commentez."
            ),
            _("%(months)s mois") % {"months": discussion_months},
            _("lecteurs qui commentent"),
        ),
        CookieUse(
            "manchette_consentement",
            _(
                "Se souvenir de votre choix d’afficher ou non les contenus externes "
                "(vidéos, publications) intégrés aux articles."
            ),
            _("6 mois"),
            _("lecteurs qui font ce choix"),
        ),
        CookieUse(
            settings.CSRF_COOKIE_NAME,
            _("Protéger les formulaires de la rédaction contre la falsification."),
            _("1 an"),
            _("rédaction (administration)"),
        ),
        CookieUse(
            settings.SESSION_COOKIE_NAME,
            _("Garder la rédaction connectée à l’administration."),
            _("2 semaines"),
            _("rédaction (administration)"),
        ),
    ]


def article_json_ld_extend(article: ArticlePage, data: dict[str, Any]) -> None:
    """schema.org `correction` (CorrectionComment items), and `dateModified` moved to
    the latest correction. A silent typo fix is no correction and moves nothing."""
    corrections = corrections_of(article)
    if not corrections:
        return
    data["correction"] = [
        {
            "@type": "CorrectionComment",
            "text": f"{c.get_kind_display()} : {c.text}",
            "datePublished": c.made_at.isoformat(),
        }
        for c in corrections
    ]
    latest = corrections[-1].made_at
    current = data.get("dateModified")
    if current is None or datetime.fromisoformat(current) < latest:
        data["dateModified"] = latest.isoformat()


@dataclass(frozen=True)
class StoredData:
    """One use of readers' data, as the privacy policy describes it. `fields` names
    the model fields it describes, so that a test fails when one disappears."""

    purpose: Any
    what: Any
    kept: Any
    fields: tuple[str, ...]


def stored_data() -> list[StoredData]:
    return [
        StoredData(
            _("Commentaires"),
            _(
                "Le nom affiché, le texte, le courriel si vous le donnez (jamais "
                "affiché), l’adresse IP de l’envoi (pour la modération et contre les "
                "abus)."
            ),
            _("Tant que le commentaire est en ligne ; vous pouvez le supprimer."),
            (
                "discussions.Comment.author_name",
                "discussions.Comment.author_email",
                "discussions.Comment.body_raw",
                "discussions.Comment.ip",
            ),
        ),
        StoredData(
            _("Réactions"),
            _(
                "La réaction choisie et une empreinte du jeton aléatoire de votre "
                "cookie, sans adresse IP ni compte."
            ),
            _("Tant que l’article est en ligne."),
            ("reactions.Reaction.kind",),
        ),
        StoredData(
            _("Lettre d’information"),
            _(
                "Votre courriel, les lettres choisies, la date de confirmation, et "
                "pour chaque envoi sa date et un éventuel rejet."
            ),
            _("Jusqu’à votre désinscription, en un clic depuis chaque lettre."),
            (
                "newsletter.Subscriber.email",
                "newsletter.Subscriber.confirmed_at",
                "newsletter.Delivery.sent_at",
            ),
        ),
        StoredData(
            _("Signaler une erreur"),
            _("Le passage, votre message et, si vous le donnez, votre courriel."),
            _("Le temps de traiter le signalement."),
            (
                "trust.ErrorReport.passage",
                "trust.ErrorReport.problem",
                "trust.ErrorReport.email",
            ),
        ),
        StoredData(
            _("Droit de réponse"),
            _(
                "Votre nom, votre qualité, votre courriel, votre adresse, les "
                "passages contestés, votre réponse et chaque étape de son traitement."
            ),
            _("Trois ans, durée de la preuve des délais légaux."),
            (
                "trust.ReplyRequest.name",
                "trust.ReplyRequest.email",
                "trust.ReplyRequest.postal_address",
                "trust.ReplyEvent.action",
            ),
        ),
        StoredData(
            _("Mesure d’audience"),
            _(
                "Un nombre de pages vues par heure, par article et par site "
                "d’origine (le nom de domaine seulement). Ni cookie, ni adresse IP, "
                "ni identifiant : on ne peut pas suivre un lecteur."
            ),
            _("Treize mois, puis supprimé."),
            (
                "audience.HourlyViews.hour",
                "audience.HourlyViews.referrer",
                "audience.HourlyViews.views",
            ),
        ),
    ]
