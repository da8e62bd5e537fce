"""Comments under articles, the readers who write them, their votes and reports, and
the moderators' decisions. Rules of one row live here; every write is a service."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class Trust(models.TextChoices):
    NEW = "new", _("nouveau")
    CONFIRMED = "confirmed", _("confirmé")
    TRUSTED = "trusted", _("de confiance")
    STAFF = "staff", _("rédaction")


class Identity(models.Model):
    """Who writes: a guest recognised by a signed cookie, a guest who confirmed their
    email (one pseudonymous identity per address, so that history, trust and bans
    hold without a password), or a signed-in reader or journalist."""

    token = models.CharField(max_length=43, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="discussion_identity",
    )
    name = models.CharField(_("nom affiché"), max_length=60, blank=True)
    # Kept only to send what the reader asked for; never shown, never in HTML.
    email = models.EmailField(_("courriel"), blank=True)
    email_hash = models.CharField(max_length=64, blank=True, db_index=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    trust = models.CharField(
        _("confiance"), max_length=10, choices=Trust, default=Trust.NEW
    )
    approved_count = models.PositiveIntegerField(default=0)
    banned_at = models.DateTimeField(_("banni le"), null=True, blank=True)
    ban_reason = models.CharField(
        _("motif du bannissement"), max_length=300, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("identité de lecteur")
        verbose_name_plural = _("identités de lecteurs")
        constraints = [
            models.UniqueConstraint(
                fields=["email_hash"],
                condition=Q(email_confirmed_at__isnull=False),
                name="discussions_one_confirmed_identity_per_email",
            )
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    APPROVED = "approved", _("publié")
    REJECTED = "rejected", _("refusé")
    SPAM = "spam", _("indésirable")
    REMOVED = "removed", _("retiré par la modération")
    DELETED = "deleted", _("supprimé par son auteur")


# A removed comment that has answers stays in the thread as a placeholder.
PLACEHOLDER_STATUSES = (CommentStatus.REMOVED, CommentStatus.DELETED)


class Comment(models.Model):
    article = models.ForeignKey(
        "newsroom.ArticlePage",
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("en réponse à"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    # The top-level comment of the thread, so that a page's replies come in one query.
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    # Set when a reply was attached higher than what it answers (depth limit).
    reply_to_name = models.CharField(max_length=60, blank=True)
    identity = models.ForeignKey(
        Identity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    author_name = models.CharField(_("nom"), max_length=60)
    author_email = models.EmailField(_("courriel"), blank=True)
    author_url = models.URLField(_("site"), blank=True)
    avatar_seed = models.CharField(max_length=64, blank=True)
    as_newsroom = models.BooleanField(_("au nom de la rédaction"), default=False)
    body_raw = models.TextField(_("texte"))
    body_html = models.TextField(_("texte affiché"))
    status = models.CharField(
        _("état"),
        max_length=10,
        choices=CommentStatus,
        default=CommentStatus.PENDING,
        db_index=True,
    )
    signals = models.JSONField(_("signaux"), default=list, blank=True)
    is_edited = models.BooleanField(_("modifié"), default=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_pinned = models.BooleanField(_("épinglé"), default=False)
    is_editors_pick = models.BooleanField(_("choix de la rédaction"), default=False)
    idempotency_key = models.CharField(
        max_length=64, unique=True, null=True, blank=True
    )
    external_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("écrit le"), default=timezone.now)
    score = models.IntegerField(default=0)
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)  # approved direct replies
    report_count = models.PositiveIntegerField(default=0)
    removal_reason = models.TextField(_("motif du retrait"), blank=True)
    review_requested_at = models.DateTimeField(null=True, blank=True)
    review_text = models.TextField(_("demande de réexamen"), blank=True)
    # Whom the text addresses by « @nom » (outside quotes): told as for a reply.
    mentioned = models.ManyToManyField(
        Identity, blank=True, related_name="mentioned_in", verbose_name=_("mentionne")
    )

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        indexes = [
            # The thread's sorts, pinned first, walked in order: the first page
            # reads its rows off the index whatever the size of the discussion
            # (status is filtered row by row: it is an OR, see selectors.IN_THREAD).
            models.Index(
                fields=["article", "depth", "-is_pinned", "-created_at", "-id"],
                name="discussions_top_recent",
            ),
            models.Index(
                fields=["article", "depth", "-is_pinned", "created_at", "id"],
                name="discussions_top_oldest",
            ),
            models.Index(
                fields=[
                    "article",
                    "depth",
                    "-is_pinned",
                    "-score",
                    "-created_at",
                    "-id",
                ],
                name="discussions_top_score",
            ),
            models.Index(fields=["root", "created_at"], name="discussions_replies"),
            models.Index(fields=["status", "created_at"], name="discussions_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body_raw[:40]}"

    @property
    def is_visible(self) -> bool:
        return self.status == CommentStatus.APPROVED

    @property
    def is_placeholder(self) -> bool:
        return self.status in PLACEHOLDER_STATUSES


class CommentRevision(models.Model):
    """An earlier version of an edited comment, for the moderators."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="revisions"
    )
    body_raw = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"révision de {self.comment_id}"


class Vote(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    identity = models.ForeignKey(
        Identity, on_delete=models.CASCADE, related_name="votes"
    )
    value = models.SmallIntegerField()  # +1 or -1
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "identity"], name="discussions_one_vote_per_reader"
            ),
            models.CheckConstraint(
                condition=Q(value__in=(1, -1)), name="discussions_vote_value"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d} sur {self.comment_id}"


class ReportReason(models.TextChoices):
    SPAM = "spam", _("indésirable ou publicité")
    ABUSE = "abuse", _("insulte ou harcèlement")
    HATE = "hate", _("propos haineux")
    ILLEGAL = "illegal", _("contenu illicite")
    OFF_TOPIC = "off_topic", _("hors sujet")
    OTHER = "other", _("autre")


class Report(models.Model):
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports"
    )
    identity = models.ForeignKey(
        Identity, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(_("motif"), max_length=12, choices=ReportReason)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "identity"], name="discussions_one_report_per_reader"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} sur {self.comment_id}"


class ArticleDiscussion(models.Model):
    """Denormalised counts of one article's discussion, read by the article page and
    the cards without counting rows."""

    article = models.OneToOneField(
        "newsroom.ArticlePage",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="discussion",
    )
    comment_count = models.PositiveIntegerField(default=0)  # approved comments
    last_comment_at = models.DateTimeField(null=True, blank=True)
    last_comment_id = models.BigIntegerField(default=0)
    # Closed by hand (ArticlePage.comments_closed is honoured too when present).
    closed = models.BooleanField(_("commentaires fermés"), default=False)

    def __str__(self) -> str:
        return f"discussion de {self.article_id}"


class ModerationAction(models.TextChoices):
    APPROVE = "approve", _("publié")
    REJECT = "reject", _("refusé")
    SPAM = "spam", _("marqué indésirable")
    REMOVE = "remove", _("retiré")
    BAN = "ban", _("auteur banni")
    PIN = "pin", _("épinglé")
    UNPIN = "unpin", _("désépinglé")
    PICK = "pick", _("choix de la rédaction")
    UNPICK = "unpick", _("retiré des choix de la rédaction")
    HOLD = "hold", _("retenu")
    REVIEW = "review", _("réexamen demandé")


class ModerationDecision(models.Model):
    """Who decided what, when and why: the history of each comment."""

    comment = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    identity = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("décision"), max_length=10, choices=ModerationAction)
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("décision de modération")
        verbose_name_plural = _("décisions de modération")

    def __str__(self) -> str:
        return f"{self.action} ({self.created_at:%Y-%m-%d})"


class RuleKind(models.TextChoices):
    WORD = "word", _("mot interdit")
    EMAIL = "email", _("adresse bannie")
    DOMAIN = "domain", _("domaine banni")
    IP = "ip", _("adresse IP bannie")


class ModerationRule(models.Model):
    """Words that hold a comment, and banned emails, domains and addresses."""

    kind = models.CharField(_("type"), max_length=10, choices=RuleKind)
    value = models.CharField(_("valeur"), max_length=200)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    panels = [FieldPanel("kind"), FieldPanel("value"), FieldPanel("note")]

    class Meta:
        verbose_name = _("règle de modération")
        verbose_name_plural = _("règles de modération")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value"], name="discussions_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.value}"


class SubscriptionKind(models.TextChoices):
    ARTICLE = "article", _("nouveaux commentaires de suivi")
    REPLIES = "replies", _("nouvelles réponses à mes commentaires")


class Frequency(models.TextChoices):
    INSTANT = "instant", _("à chaque nouveau message")
    DAILY = "daily", _("un résumé par jour")


class Subscription(models.Model):
    """« Me notifier des … »: nothing is sent before the address is confirmed."""

    identity = models.ForeignKey(
        Identity, on_delete=models.CASCADE, related_name="subscriptions"
    )
    article = models.ForeignKey(
        "newsroom.ArticlePage",
        on_delete=models.CASCADE,
        related_name="comment_subscriptions",
    )
    kind = models.CharField(max_length=10, choices=SubscriptionKind)
    frequency = models.CharField(
        max_length=10, choices=Frequency, default=Frequency.INSTANT
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "article", "kind"],
                name="discussions_one_subscription",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.article_id}"


class SitePolicy(models.TextChoices):
    PRE = "pre", _("modération avant publication")
    POST = "post", _("modération après publication")
    FIRST_HELD = "first_held", _("premier commentaire d’un nouvel invité retenu")


@register_setting(icon="comment")
class DiscussionSettings(BaseGenericSetting):
    """The newsroom's rules for the whole site (a section may choose its own)."""

    policy = models.CharField(
        _("modération des commentaires"),
        max_length=20,
        choices=SitePolicy,
        default=SitePolicy.FIRST_HELD,
    )
    comments_close_after_days = models.PositiveIntegerField(
        _("fermer les commentaires après (jours)"),
        null=True,
        blank=True,
        help_text=_("Vide : jamais automatiquement."),
    )

    panels = [FieldPanel("policy"), FieldPanel("comments_close_after_days")]

    class Meta:
        verbose_name = _("discussions")
