"""Emails of the discussions: the confirmation of an address (double opt-in), the
notifications of new comments and replies, the statement of reasons on removal.

Nothing here can relay spam: no email to an address before it is confirmed, except
the one confirmation (rate-limited per address and per client); no email before a
comment is approved; no text written by a reader in any email; a one-click
unsubscribe in each."""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from manchette.core.http import rate_limit_hit
from manchette.core.mail import one_click_unsubscribe_headers
from manchette.discussions import conf
from manchette.discussions.models import (
    Comment,
    CommentStatus,
    Frequency,
    Identity,
    Subscription,
    SubscriptionKind,
)
from manchette.discussions.services import trust_compute
from manchette.newsroom.models import ArticlePage

logger = logging.getLogger("manchette.discussions")
CONFIRM_SALT = "discussions.confirm"
UNSUBSCRIBE_SALT = "discussions.unsubscribe"
REVIEW_SALT = "discussions.review"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _send(*, to: str, subject: str, text: str, unsubscribe_url: str = "") -> None:
    headers = one_click_unsubscribe_headers(unsubscribe_url) if unsubscribe_url else {}
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[to], headers=headers
    )
    message.send()


# Double opt-in --------------------------------------------------------------------------------


def confirmation_token(identity: Identity) -> str:
    return signing.dumps(
        {"i": identity.pk, "h": identity.email_hash}, salt=CONFIRM_SALT
    )


def subscriptions_request(
    *,
    identity: Identity,
    article: ArticlePage,
    kinds: list[str],
    ip: str,
    frequency: str = Frequency.INSTANT,
) -> bool:
    """Record the reader's « Me notifier des … » choices. They take effect at once
    for a confirmed address; otherwise one confirmation email is sent (if the limits
    allow). Returns whether a confirmation was sent."""
    if not identity.email or not kinds:
        return False
    confirmed = identity.email_confirmed_at is not None
    for kind in kinds:
        Subscription.objects.update_or_create(
            identity=identity,
            article=article,
            kind=kind,
            defaults={
                "confirmed_at": timezone.now() if confirmed else None,
                "frequency": frequency,
                "last_sent_at": timezone.now(),  # a digest covers what follows
            },
        )
    if confirmed:
        return False
    limit, window = conf.get("RATE_CONFIRMATION")
    if rate_limit_hit(
        scope="discussions:confirm-to",
        key=identity.email_hash,
        limit=limit,
        window_seconds=window,
    ) or rate_limit_hit(
        scope="discussions:confirm-ip", key=ip, limit=limit * 3, window_seconds=window
    ):
        return False
    url = _absolute(reverse("discussions:confirm", args=[confirmation_token(identity)]))
    email = identity.email
    transaction.on_commit(
        lambda: _send(
            to=email,
            subject=_("Confirmez votre adresse pour suivre la discussion"),
            text=_(
                "Bonjour,\n\nQuelqu’un (vous, sans doute) a demandé à recevoir des "
                "nouvelles d’une discussion sur %(site)s. Pour confirmer votre adresse, "
                "ouvrez ce lien :\n\n%(url)s\n\nSans confirmation, vous ne recevrez rien. "
                "Si vous n’êtes pas à l’origine de cette demande, ignorez ce message.\n"
            )
            % {"site": settings.WAGTAIL_SITE_NAME, "url": url},
        )
    )
    return True


@transaction.atomic
def identity_confirm(*, token: str) -> Identity | None:
    """Confirm the address behind a link. A second identity confirming an address
    already confirmed joins the first: one pseudonymous identity per address."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    identity = (
        Identity.objects.select_for_update()
        .filter(pk=data.get("i"), email_hash=data.get("h"))
        .first()
    )
    if identity is None:
        return None
    existing = (
        Identity.objects.filter(
            email_hash=identity.email_hash, email_confirmed_at__isnull=False
        )
        .exclude(pk=identity.pk)
        .first()
    )
    if existing is not None:
        Comment.objects.filter(identity=identity).update(identity=existing)
        mentions = Comment.mentioned.through.objects
        mentions.filter(identity=identity).exclude(
            comment_id__in=mentions.filter(identity=existing).values("comment_id")
        ).update(identity=existing)
        for subscription in Subscription.objects.filter(identity=identity):
            Subscription.objects.update_or_create(
                identity=existing,
                article_id=subscription.article_id,
                kind=subscription.kind,
                defaults={"confirmed_at": timezone.now()},
            )
        Subscription.objects.filter(identity=identity).delete()
        identity = existing
    elif identity.email_confirmed_at is None:
        identity.email_confirmed_at = timezone.now()
        identity.trust = trust_compute(identity)
        identity.save(update_fields=["email_confirmed_at", "trust"])
    Subscription.objects.filter(identity=identity, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )
    return identity


# Notifications ----------------------------------------------------------------------------------


def unsubscribe_token(subscription: Subscription) -> str:
    return signing.dumps(subscription.pk, salt=UNSUBSCRIBE_SALT)


def subscription_from_token(token: str) -> Subscription | None:
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return (
        Subscription.objects.select_related("article", "identity").filter(pk=pk).first()
    )


def subscription_cancel(*, subscription: Subscription) -> None:
    subscription.delete()


def may_notify_condition(article_id_sql: str) -> str:
    """SQL that holds when a comment under the article that `article_id_sql` names
    may be told to someone: most discussions have no confirmed follower, and then no
    task is queued at all. (The author's own subscription counts here; recipients_for
    leaves it out.) Shared with discussions.fastpath, which asks in its write."""
    table = connection.ops.quote_name
    return (
        f"EXISTS (SELECT 1 FROM {table(Subscription._meta.db_table)} s"  # noqa: S608 - names from the models
        f" JOIN {table(Identity._meta.db_table)} i ON i.id = s.identity_id"
        f" WHERE s.article_id = {article_id_sql}"
        " AND s.confirmed_at IS NOT NULL"
        f" AND s.frequency = '{Frequency.INSTANT.value}'"
        " AND i.email_confirmed_at IS NOT NULL)"
    )


def comment_may_notify(comment_id: int) -> bool:
    """Whether anyone may be told of this comment, in one statement. In SQL: the ORM
    built this one query with as many Python calls as a third of the post."""
    article = f"(SELECT article_id FROM {connection.ops.quote_name(Comment._meta.db_table)} WHERE id = %s)"  # noqa: S608 - name from the model
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {may_notify_condition(article)}", [comment_id])
        row = cursor.fetchone()
    return bool(row and row[0])


def recipients_for(comment: Comment) -> list[Subscription]:
    """Confirmed, instant subscriptions this approved comment concerns (never its
    own author): the article's followers, and, among those who follow the replies to
    their comments, the parent's author and the people the comment mentions. One
    subscription per reader, each with `.reason`: "reply", "mention" or "article"."""
    subscriptions = Subscription.objects.filter(
        article_id=comment.article_id,
        confirmed_at__isnull=False,
        frequency=Frequency.INSTANT,
        identity__email_confirmed_at__isnull=False,
    ).select_related("identity", "article")
    if comment.identity_id:
        subscriptions = subscriptions.exclude(identity_id=comment.identity_id)
    parent_author = None
    if comment.parent_id:
        parent_author = (
            Comment.objects.filter(pk=comment.parent_id)
            .values_list("identity_id", flat=True)
            .first()
        )
    mentioned = set(comment.mentioned.values_list("pk", flat=True))
    chosen: dict[int, Subscription] = {}
    rank = {"reply": 0, "mention": 1, "article": 2}
    for subscription in subscriptions:
        reason = "article"
        if subscription.kind == SubscriptionKind.REPLIES:
            if subscription.identity_id == parent_author:
                reason = "reply"
            elif subscription.identity_id in mentioned:
                reason = "mention"
            else:
                continue
        # one email per reader: a reply to me wins over a mention of me, which wins
        # over the article's follow-up
        current = chosen.get(subscription.identity_id)
        if current is None or rank[reason] < rank[current.reason]:  # type: ignore[attr-defined]
            subscription.reason = reason  # type: ignore[attr-defined]
            chosen[subscription.identity_id] = subscription
    return list(chosen.values())


def comment_notifications_send(comment_id: int) -> int:
    """Tell the subscribers about an approved comment; returns the emails sent."""
    comment = (
        Comment.objects.select_related("article")
        .filter(pk=comment_id, status=CommentStatus.APPROVED)
        .first()
    )
    if comment is None:
        return 0
    sent = 0
    for subscription in recipients_for(comment):
        unsubscribe = _absolute(
            reverse("discussions:unsubscribe", args=[unsubscribe_token(subscription)])
        )
        read = _absolute(f"{comment.article.url}#commentaire-{comment.pk}")
        if subscription.reason == "reply":  # type: ignore[attr-defined]
            subject = _("Nouvelle réponse à votre commentaire")
            lead = _(
                "Un lecteur a répondu à votre commentaire sous l’article « %(title)s »."
            )
        elif subscription.reason == "mention":  # type: ignore[attr-defined]
            subject = _("Un lecteur vous a mentionné dans la discussion")
            lead = _(
                "Un lecteur vous a mentionné dans un commentaire sous l’article "
                "« %(title)s »."
            )
        else:
            subject = _("Nouveau commentaire dans une discussion que vous suivez")
            lead = _(
                "Un nouveau commentaire a été publié sous l’article « %(title)s »."
            )
        text = (
            lead % {"title": comment.article.title}
            + "\n\n"
            + _("Le lire : %(url)s") % {"url": read}
            + "\n\n"
            + _("Ne plus recevoir ces messages (un clic) : %(url)s")
            % {"url": unsubscribe}
            + "\n"
        )
        _send(
            to=subscription.identity.email,
            subject=subject,
            text=text,
            unsubscribe_url=unsubscribe,
        )
        Subscription.objects.filter(pk=subscription.pk).update(
            last_sent_at=timezone.now()
        )
        sent += 1
    return sent


# Statement of reasons ----------------------------------------------------------------------------


def review_token(comment: Comment) -> str:
    return signing.dumps(comment.pk, salt=REVIEW_SALT)


def comment_from_review_token(token: str) -> Comment | None:
    try:
        pk = signing.loads(token, salt=REVIEW_SALT)
    except signing.BadSignature:
        return None
    return Comment.objects.select_related("article", "identity").filter(pk=pk).first()


def removal_statement_send(comment_id: int) -> bool:
    """Tell the author why their comment was removed, and how to ask for a review
    (EU Digital Services Act, art. 17). Only to a confirmed address."""
    comment = (
        Comment.objects.select_related("article", "identity")
        .filter(pk=comment_id)
        .first()
    )
    if (
        comment is None
        or comment.identity is None
        or comment.identity.email_confirmed_at is None
    ):
        return False
    url = _absolute(reverse("discussions:review", args=[review_token(comment)]))
    text = _(
        "Bonjour,\n\nVotre commentaire publié le %(date)s sous l’article « %(title)s » a été "
        "retiré par la modération.\n\nMotif : %(reason)s\n\nCette décision a été prise par "
        "une personne de la rédaction, au regard de nos règles de discussion. Vous pouvez "
        "en demander le réexamen, une fois, ici :\n\n%(url)s\n"
    ) % {
        "date": timezone.localtime(comment.created_at).strftime("%d/%m/%Y"),
        "title": comment.article.title,
        "reason": comment.removal_reason
        or _("non conforme à nos règles de discussion"),
        "url": url,
    }
    _send(
        to=comment.identity.email,
        subject=_("Votre commentaire a été retiré"),
        text=text,
    )
    return True


# Emailed links to a reader's account and data ---------------------------------------------------

READER_LINK_SALTS = {"signin": "discussions.signin", "data": "discussions.data"}
READER_LINK_MAX_AGE = {"signin": 3600, "data": 2 * 24 * 3600}


def reader_link_token(*, purpose: str, email: str) -> str:
    return signing.dumps(
        {"e": email.strip()}, salt=READER_LINK_SALTS[purpose], compress=True
    )


def reader_link_email(*, purpose: str, token: str) -> str | None:
    """The address a link was sent to, while the link is valid."""
    try:
        data = signing.loads(
            token,
            salt=READER_LINK_SALTS[purpose],
            max_age=READER_LINK_MAX_AGE[purpose],
        )
    except signing.BadSignature:
        return None
    return data.get("e") or None


def reader_link_send(*, purpose: str, email: str, ip: str) -> bool:
    """Send a sign-in link, or a link to one's data (only to an address the
    discussions know). Rate-limited per address and per client like the
    confirmations; the reader sees the same answer whether or not it was sent."""
    from manchette.discussions.rendering import email_hash

    email = email.strip()
    digest = email_hash(email)
    if purpose == "data" and not (
        Identity.objects.filter(email_hash=digest).exists()
        or Comment.objects.filter(author_email__iexact=email).exists()
    ):
        return False
    limit, window = conf.get("RATE_CONFIRMATION")
    if rate_limit_hit(
        scope=f"discussions:{purpose}-to",
        key=digest,
        limit=limit,
        window_seconds=window,
    ) or rate_limit_hit(
        scope=f"discussions:{purpose}-ip",
        key=ip,
        limit=limit * 3,
        window_seconds=window,
    ):
        return False
    route = (
        "discussions:signin-link" if purpose == "signin" else "discussions:data-link"
    )
    url = _absolute(
        reverse(route, args=[reader_link_token(purpose=purpose, email=email)])
    )
    if purpose == "signin":
        subject = _("Votre lien de connexion")
        text = _(
            "Bonjour,\n\nPour vous connecter à votre compte de lecteur sur %(site)s, "
            "ouvrez ce lien (valable une heure) :\n\n%(url)s\n\nSi vous n’avez rien "
            "demandé, ignorez ce message : personne ne peut se connecter sans lui.\n"
        )
    else:
        subject = _("Vos commentaires et vos données")
        text = _(
            "Bonjour,\n\nVous avez demandé l’accès aux données de vos commentaires sur "
            "%(site)s. Ce lien (valable deux jours) permet de les télécharger ou de "
            "les effacer :\n\n%(url)s\n\nSi vous n’avez rien demandé, ignorez ce message.\n"
        )
    _send(
        to=email,
        subject=subject,
        text=text % {"site": settings.WAGTAIL_SITE_NAME, "url": url},
    )
    return True


def subscription_frequency_set(*, subscription: Subscription, frequency: str) -> None:
    """Instant, or one daily digest (the last sent time starts the digest's window)."""
    Subscription.objects.filter(pk=subscription.pk).update(
        frequency=frequency, last_sent_at=timezone.now()
    )


# Daily digests ----------------------------------------------------------------------------------


def _digest_comments(subscription: Subscription, since):
    comments = Comment.objects.filter(
        article_id=subscription.article_id,
        status=CommentStatus.APPROVED,
        created_at__gt=since,
    ).exclude(identity_id=subscription.identity_id)
    if subscription.kind == SubscriptionKind.REPLIES:
        comments = comments.filter(
            Q(parent__identity_id=subscription.identity_id)
            | Q(
                pk__in=Comment.mentioned.through.objects.filter(
                    identity_id=subscription.identity_id
                ).values("comment_id")
            )
        )
    return comments


def daily_digests_send(*, now=None) -> int:
    """One email a day per daily subscription that has news: how many comments
    (or replies to the reader) since the last one, and the link; never their text.
    Each subscription is claimed in its own transaction, so that two schedulers
    never send the same digest. Returns the emails sent."""
    from datetime import timedelta

    now = now or timezone.now()
    due_before = now - timedelta(days=1) + timedelta(minutes=5)
    due = Subscription.objects.filter(
        frequency=Frequency.DAILY,
        confirmed_at__isnull=False,
        identity__email_confirmed_at__isnull=False,
        last_sent_at__lte=due_before,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            subscription = (
                Subscription.objects.select_for_update(skip_locked=True)
                .select_related("identity", "article")
                .filter(pk=pk, last_sent_at__lte=due_before)
                .first()
            )
            if subscription is None:
                continue
            since = subscription.last_sent_at
            Subscription.objects.filter(pk=pk).update(last_sent_at=now)
            count = _digest_comments(subscription, since).count()
            if not count:
                continue
            message = _digest_message(subscription, count)
            transaction.on_commit(partial(_send, **message))
            sent += 1
    return sent


def _digest_message(subscription: Subscription, count: int) -> dict:
    article = subscription.article
    unsubscribe = _absolute(
        reverse("discussions:unsubscribe", args=[unsubscribe_token(subscription)])
    )
    if subscription.kind == SubscriptionKind.REPLIES:
        subject = _("Résumé du jour : des réponses à vos commentaires")
        lead = _(
            "%(n)d nouvelle(s) réponse(s) à vos commentaires sous l’article « %(title)s »."
        )
    else:
        subject = _("Résumé du jour de la discussion que vous suivez")
        lead = _("%(n)d nouveau(x) commentaire(s) sous l’article « %(title)s ».")
    text = (
        lead % {"n": count, "title": article.title}
        + "\n\n"
        + _("Les lire : %(url)s") % {"url": _absolute(f"{article.url}#commentaires")}
        + "\n\n"
        + _("Recevoir chaque message, ou plus rien : %(url)s")
        % {"url": _absolute(reverse("discussions:reader"))}
        + "\n"
        + _("Ne plus recevoir ces messages (un clic) : %(url)s") % {"url": unsubscribe}
        + "\n"
    )
    return {
        "to": subscription.identity.email,
        "subject": subject,
        "text": text,
        "unsubscribe_url": unsubscribe,
    }
