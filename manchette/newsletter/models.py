"""Newsletter data: lists, subscribers, editions and the delivery log that makes
sending exactly-once (one row per edition and subscriber)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import (
    FieldPanel,
    InlinePanel,
    MultiFieldPanel,
    PageChooserPanel,
)
from wagtail.models import Orderable


def new_token() -> str:
    return secrets.token_urlsafe(24)


class ListKind(models.TextChoices):
    DIGEST = "digest", _("l’essentiel du jour")
    ALERTS = "alerts", _("alertes")
    WEEKLY = "weekly", _("hebdomadaire d’une rubrique")
    TOPIC = "topic", _("suivi d’un sujet")


class NewsletterList(models.Model):  # type: ignore[django-manager-missing]
    kind = models.CharField(_("type"), max_length=20, choices=ListKind)
    slug = models.SlugField(_("identifiant"), max_length=160, unique=True)
    name = models.CharField(_("nom"), max_length=160)
    description = models.CharField(_("description"), max_length=300, blank=True)
    section = models.ForeignKey(
        "newsroom.SectionPage",
        verbose_name=_("rubrique"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    topic = models.ForeignKey(
        "topics.Topic",
        verbose_name=_("sujet"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    position = models.PositiveIntegerField(_("ordre"), default=100)
    is_active = models.BooleanField(_("proposée aux lecteurs"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("liste de diffusion")
        verbose_name_plural = _("listes de diffusion")

    def __str__(self) -> str:
        return self.name


class Subscriber(models.Model):
    """A confirmed reader. Sign-ups waiting for confirmation are SignupRequests, so
    that an address typed by someone else never changes a real subscriber."""

    email = models.EmailField(_("adresse"), max_length=320, unique=True)
    token = models.CharField(max_length=64, default=new_token, editable=False)
    confirmed_at = models.DateTimeField(_("confirmé le"))
    paused = models.BooleanField(_("en pause"), default=False)
    consent_text = models.TextField(_("consentement donné"), blank=True)
    created_at = models.DateTimeField(_("inscrit le"), auto_now_add=True)
    lists = models.ManyToManyField(
        NewsletterList, through="Subscription", related_name="subscribers"
    )

    class Meta:
        verbose_name = _("abonné")
        verbose_name_plural = _("abonnés")

    def __str__(self) -> str:
        return self.email


class Subscription(models.Model):
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    newsletter_list = models.ForeignKey(
        NewsletterList, on_delete=models.CASCADE, related_name="subscriptions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "newsletter_list"], name="newsletter_one_sub"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} → {self.newsletter_list_id}"


class SignupRequest(models.Model):
    """A sign-up waiting for its confirmation link (deleted after a few days)."""

    email = models.EmailField(max_length=320, db_index=True)
    key = models.CharField(max_length=64, default=new_token, unique=True)
    list_ids = models.JSONField(default=list)
    consent_text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.email


class ListEventKind(models.TextChoices):
    JOINED = "joined", _("inscription")
    LEFT = "left", _("désinscription")


class ListEvent(models.Model):
    """Joins and leaves, without the address: the growth chart and the
    per-edition unsubscribe count are computed from these."""

    newsletter_list = models.ForeignKey(
        NewsletterList, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=10, choices=ListEventKind)
    edition = models.ForeignKey(
        "Edition", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.newsletter_list_id}"


class EditionKind(models.TextChoices):
    DIGEST = "digest", _("composée automatiquement")
    SPECIAL = "special", _("édition spéciale")
    ALERT = "alert", _("alerte")


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("brouillon")
    SCHEDULED = "scheduled", _("programmée")
    SENDING = "sending", _("en cours d’envoi")
    PAUSED = "paused", _("en pause")
    SENT = "sent", _("envoyée")


class Edition(ClusterableModel):
    newsletter_list = models.ForeignKey(
        NewsletterList,
        verbose_name=_("liste"),
        on_delete=models.PROTECT,
        related_name="editions",
    )
    kind = models.CharField(
        _("type"), max_length=20, choices=EditionKind, default=EditionKind.SPECIAL
    )
    status = models.CharField(
        _("état"),
        max_length=20,
        choices=EditionStatus,
        default=EditionStatus.DRAFT,
        db_index=True,
    )
    subject = models.CharField(_("objet"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True, max_length=4000)
    link_url = models.URLField(_("lien principal"), blank=True)
    issue_date = models.DateField(
        _("date de parution"),
        null=True,
        blank=True,
        help_text=_("Pour les éditions composées automatiquement (une par jour)."),
    )
    scheduled_at = models.DateTimeField(_("envoi programmé à"), null=True, blank=True)
    started_at = models.DateTimeField(_("envoi commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("envoi terminé le"), null=True, blank=True)
    total = models.PositiveIntegerField(_("destinataires"), default=0)
    # When send tasks were last queued, so that the watchdog does not queue more
    # while those wait for a free worker.
    workers_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    panels = [
        FieldPanel("newsletter_list"),
        FieldPanel("subject"),
        FieldPanel("intro"),
        FieldPanel("link_url"),
        InlinePanel("items", heading=_("Articles"), label=_("article")),
        MultiFieldPanel([FieldPanel("scheduled_at")], heading=_("Programmation")),
    ]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("édition")
        verbose_name_plural = _("éditions")
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter_list", "issue_date"],
                name="newsletter_one_composed_edition_per_day",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class EditionItem(Orderable):
    edition = ParentalKey(Edition, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(
        "newsroom.ArticlePage",
        verbose_name=_("article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    heading = models.CharField(_("rubrique affichée"), max_length=120, blank=True)
    title = models.CharField(_("titre"), max_length=255, blank=True)
    blurb = models.TextField(_("résumé"), blank=True, max_length=1000)

    panels = [
        PageChooserPanel("article", "newsroom.ArticlePage"),
        FieldPanel("heading"),
        FieldPanel("title"),
        FieldPanel("blurb"),
    ]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("à envoyer")
    SENDING = "sending", _("en cours")
    SENT = "sent", _("envoyé")
    FAILED = "failed", _("échec")
    SKIPPED = "skipped", _("ignoré")


class Delivery(models.Model):
    """The exactly-once log: one row per (edition, subscriber). A worker claims rows
    (pending → sending, with its id), and records each one sent just before the
    server may deliver it (services/sending.py)."""

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.ForeignKey(
        Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    email = models.EmailField(max_length=320)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus, default=DeliveryStatus.PENDING
    )
    worker = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "subscriber"], name="newsletter_one_delivery"
            )
        ]
        indexes = [models.Index(fields=["edition", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.edition_id} → {self.email}"


class SendWorker(models.Model):
    """A running send loop's heartbeat: claims of a worker silent past the lease are
    released by the watchdog."""

    worker_id = models.CharField(max_length=100, unique=True)
    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="workers"
    )
    heartbeat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker_id


class SuppressionReason(models.TextChoices):
    BOUNCE = "bounce", _("adresse en échec définitif")
    COMPLAINT = "complaint", _("plainte pour spam")
    MANUAL = "manual", _("ajout manuel")


class Suppression(models.Model):
    """Addresses that never receive anything again (hard bounces, complaints)."""

    email = models.EmailField(_("adresse"), max_length=320, unique=True)
    reason = models.CharField(_("motif"), max_length=20, choices=SuppressionReason)
    detail = models.CharField(_("détail"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("adresse bloquée")
        verbose_name_plural = _("liste de suppression")

    def __str__(self) -> str:
        return self.email
