from __future__ import annotations

from importlib import import_module
from itertools import count

from django.utils import timezone

from manchette.newsletter.models import (
    Delivery,
    Edition,
    EditionStatus,
    ListKind,
    NewsletterList,
    Subscriber,
    Subscription,
)

_sequence = count(1)


def default_list(kind: str = ListKind.DIGEST) -> NewsletterList:
    """The lists the data migration created (created again after a transactional
    test has emptied the database)."""
    migration = import_module("manchette.newsletter.migrations.0002_default_lists")
    fields = next(f for f in migration.DEFAULT_LISTS if f["kind"] == kind)
    newsletter_list, _created = NewsletterList.objects.get_or_create(
        slug=fields["slug"], defaults=fields
    )
    return newsletter_list


def make_subscriber(
    email: str | None = None, *, lists: list[NewsletterList] | None = None, **fields
) -> Subscriber:
    subscriber = Subscriber.objects.create(
        email=email or f"lecteur{next(_sequence)}@exemple.fr",
        confirmed_at=timezone.now(),
        **fields,
    )
    for newsletter_list in lists or []:
        Subscription.objects.create(
            subscriber=subscriber, newsletter_list=newsletter_list
        )
    return subscriber


def make_subscribers(
    n: int, *, newsletter_list: NewsletterList, prefix: str = "abonne"
) -> list[Subscriber]:
    now = timezone.now()
    subscribers = Subscriber.objects.bulk_create(
        [
            Subscriber(email=f"{prefix}{i}@exemple.fr", confirmed_at=now)
            for i in range(n)
        ]
    )
    subscribers = list(
        Subscriber.objects.filter(email__startswith=prefix).order_by("pk")
    )
    Subscription.objects.bulk_create(
        [
            Subscription(subscriber=s, newsletter_list=newsletter_list)
            for s in subscribers
        ]
    )
    return subscribers


def make_edition(newsletter_list: NewsletterList | None = None, **fields) -> Edition:
    return Edition.objects.create(
        newsletter_list=newsletter_list or default_list(),
        subject=fields.pop("subject", "L’essentiel du jour"),
        intro=fields.pop("intro", "Bonjour, voici l’essentiel."),
        **fields,
    )


def claimed_deliveries(addresses: list[str], *, worker_id: str = "w") -> list[Delivery]:
    """Deliveries of one edition being sent, claimed by `worker_id` as a worker
    holds them while sending."""
    from manchette.newsletter.services import deliveries_claim

    edition = make_edition(status=EditionStatus.SENDING, total=len(addresses))
    for address in addresses:
        subscriber = make_subscriber(address, lists=[default_list()])
        Delivery.objects.create(edition=edition, subscriber=subscriber, email=address)
    return deliveries_claim(
        edition_id=edition.pk, worker_id=worker_id, limit=len(addresses)
    )


SMTP_SENDER = "lettre@exemple.fr"


def raw_message(to: str) -> bytes:
    """A message as bytes for `to`, with lines starting with a period (doubled on the
    wire, undoubled by the server) and no final line break (added, as smtplib
    does)."""
    address = to.encode()
    return (
        b"From: lettre@exemple.fr\r\nTo: "
        + address
        + b"\r\nMessage-ID: <"
        + address
        + b">\r\nSubject: Essentiel\r\n\r\n.Point en tete de ligne\r\n..deux\r\n.\r\nfin"
    )
