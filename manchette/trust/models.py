"""What makes a news site trustworthy and lawful in France: corrections, readers'
error reports, the droit de réponse with its legal clock, the publisher's legal
identity, embargo links for partners, and the editors' typography exemptions."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

# LCEN art. 6 IV: an online service inserts a reply within three days of receiving it.
REPLY_INSERTION_DAYS = 3


@register_setting(icon="doc-full")
class LegalIdentity(BaseGenericSetting):
    """The publisher as the law names it (LCEN art. 6 III): the « Mentions légales »
    page is generated from these fields."""

    publisher_name = models.CharField(
        _("raison sociale ou nom de l’éditeur"), max_length=200, blank=True
    )
    legal_form = models.CharField(
        _("forme juridique et capital"),
        max_length=200,
        blank=True,
        help_text=_(
            "Par exemple « SAS au capital de 10 000 € » ; vide pour une association."
        ),
    )
    address = models.TextField(_("adresse du siège"), max_length=500, blank=True)
    telephone = models.CharField(_("téléphone"), max_length=40, blank=True)
    email = models.EmailField(_("courriel de l’éditeur"), blank=True)
    registration = models.CharField(
        _("immatriculation (RCS, RNA ou SIRET)"), max_length=200, blank=True
    )
    press_registration = models.CharField(
        _("numéro CPPAP ou ISSN"), max_length=100, blank=True
    )
    publication_director = models.CharField(
        _("directeur ou directrice de la publication"), max_length=200, blank=True
    )
    publication_co_director = models.CharField(
        _("codirecteur ou codirectrice de la publication"),
        max_length=200,
        blank=True,
        help_text=_(
            "Obligatoire lorsque le directeur bénéficie d’une immunité parlementaire."
        ),
    )
    editor_in_chief = models.CharField(
        _("responsable de la rédaction"), max_length=200, blank=True
    )
    host_name = models.CharField(_("hébergeur : nom"), max_length=200, blank=True)
    host_address = models.TextField(
        _("hébergeur : adresse"), max_length=500, blank=True
    )
    host_telephone = models.CharField(
        _("hébergeur : téléphone"), max_length=40, blank=True
    )
    reply_contact = models.CharField(
        _("contact pour le droit de réponse"),
        max_length=300,
        blank=True,
        help_text=_(
            "Adresse postale ou courriel où adresser une demande de droit de réponse."
        ),
    )

    panels: ClassVar[list] = [
        MultiFieldPanel(
            [
                FieldPanel("publisher_name"),
                FieldPanel("legal_form"),
                FieldPanel("address"),
                FieldPanel("telephone"),
                FieldPanel("email"),
                FieldPanel("registration"),
                FieldPanel("press_registration"),
            ],
            heading=_("Éditeur"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("publication_director"),
                FieldPanel("publication_co_director"),
                FieldPanel("editor_in_chief"),
            ],
            heading=_("Responsables"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("host_name"),
                FieldPanel("host_address"),
                FieldPanel("host_telephone"),
            ],
            heading=_("Hébergeur"),
        ),
        FieldPanel("reply_contact"),
    ]

    # What LCEN art. 6 III requires of a professional online publisher.
    MANDATORY_FIELDS: ClassVar[tuple[str, ...]] = (
        "publisher_name",
        "address",
        "telephone",
        "registration",
        "publication_director",
        "editor_in_chief",
        "host_name",
        "host_address",
        "host_telephone",
        "reply_contact",
    )

    class Meta:
        verbose_name = _("mentions légales")

    def missing_fields(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.MANDATORY_FIELDS
            if not str(getattr(self, name)).strip()
        ]


class CorrectionKind(models.TextChoices):
    CORRECTION = "correction", _("Correction")
    CLARIFICATION = "precision", _("Précision")
    UPDATE = "update", _("Mise à jour")


class Correction(models.Model):
    """A visible, dated change to a published article. A silent typo fix is not a
    correction: it is a new revision of the page, and moves nothing."""

    article = models.ForeignKey(
        "newsroom.ArticlePage",
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    kind = models.CharField(
        _("type"),
        max_length=12,
        choices=CorrectionKind,
        default=CorrectionKind.CORRECTION,
    )
    text = models.TextField(_("texte"), max_length=2000)
    made_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    report = models.OneToOneField(
        "trust.ErrorReport",
        verbose_name=_("signalement d’origine"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="correction",
    )

    class Meta:
        ordering = ["-made_at", "-pk"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.article}"


class ReportStatus(models.TextChoices):
    NEW = "new", _("à examiner")
    CORRECTED = "corrected", _("corrigé")
    DISMISSED = "dismissed", _("sans suite")


class ErrorReport(models.Model):
    """« Signaler une erreur »: what a reader says is wrong, and where. No account, no
    address kept (the optional email is theirs to give, to be told of the outcome)."""

    article = models.ForeignKey(
        "newsroom.ArticlePage",
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="error_reports",
    )
    passage = models.TextField(_("passage concerné"), max_length=1000)
    problem = models.TextField(_("ce qui est inexact"), max_length=2000)
    email = models.EmailField(_("courriel du lecteur"), blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=ReportStatus, default=ReportStatus.NEW
    )
    created_at = models.DateTimeField(_("reçu le"), default=timezone.now, db_index=True)
    handled_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traité par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Same article and same words within the hour: a double submit, kept once.
    fingerprint = models.CharField(max_length=64, db_index=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("signalement d’erreur")
        verbose_name_plural = _("signalements d’erreur")

    def __str__(self) -> str:
        return f"{self.article} – {self.passage[:60]}"


class ReplyStatus(models.TextChoices):
    RECEIVED = "received", _("reçue")
    PUBLISHED = "published", _("acceptée et publiée")
    REFUSED = "refused", _("refusée")


class ReplyRequest(models.Model):
    """A droit de réponse (loi du 29 juillet 1881 art. 13, LCEN art. 6 IV): a person
    named in an article asks for their reply to be attached to it."""

    article = models.ForeignKey(
        "newsroom.ArticlePage",
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="reply_requests",
    )
    name = models.CharField(_("nom et prénom ou dénomination"), max_length=200)
    capacity = models.CharField(
        _("à quel titre vous êtes mis en cause"), max_length=300
    )
    email = models.EmailField(_("courriel"))
    postal_address = models.TextField(_("adresse postale"), max_length=500)
    contested_passage = models.TextField(_("passages contestés"), max_length=3000)
    reply_text = models.TextField(_("texte de la réponse"))
    status = models.CharField(
        _("état"), max_length=10, choices=ReplyStatus, default=ReplyStatus.RECEIVED
    )
    received_at = models.DateTimeField(
        _("reçue le"), default=timezone.now, db_index=True
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("droit de réponse")
        verbose_name_plural = _("droits de réponse")

    def __str__(self) -> str:
        return f"{self.name} – {self.article}"

    @property
    def insertion_deadline(self):
        return self.received_at + timedelta(days=REPLY_INSERTION_DAYS)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == ReplyStatus.RECEIVED
            and timezone.now() > self.insertion_deadline
        )


class ReplyEvent(models.Model):
    """Every step of a droit de réponse, kept as evidence of the dates."""

    request = models.ForeignKey(
        ReplyRequest, on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("le"), default=timezone.now)
    action = models.CharField(_("étape"), max_length=40)
    note = models.TextField(_("note"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("étape du droit de réponse")
        verbose_name_plural = _("étapes du droit de réponse")

    def __str__(self) -> str:
        return f"{self.action} ({self.at:%Y-%m-%d %H:%M})"


class PartnerLink(models.Model):
    """A private, expiring link through which a named partner reads an article under
    embargo (Wagtail's scheduled publishing keeps it out of everything public)."""

    article = models.ForeignKey(
        "newsroom.ArticlePage",
        verbose_name=_("article sous embargo"),
        on_delete=models.CASCADE,
        related_name="partner_links",
    )
    partner = models.CharField(_("partenaire"), max_length=200)
    expires_at = models.DateTimeField(_("valable jusqu’au"))
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_opened_at = models.DateTimeField(_("dernière lecture"), null=True, blank=True)
    open_count = models.PositiveIntegerField(_("lectures"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lien partenaire (embargo)")
        verbose_name_plural = _("liens partenaires (embargo)")

    def __str__(self) -> str:
        return f"{self.partner} – {self.article}"


class TypographyExemption(models.Model):
    """A block of an article that the French typography pass must leave as typed
    (a quotation in English, code, a name with its own spelling)."""

    article = models.ForeignKey(
        "newsroom.ArticlePage",
        on_delete=models.CASCADE,
        related_name="typography_exemptions",
    )
    block_id = models.CharField(max_length=64)

    class Meta:
        constraints: ClassVar[list] = [
            models.UniqueConstraint(
                fields=["article", "block_id"], name="trust_typography_once"
            )
        ]
        verbose_name = _("bloc sans correction typographique")
        verbose_name_plural = _("blocs sans correction typographique")

    def __str__(self) -> str:
        return f"{self.article_id}:{self.block_id}"
