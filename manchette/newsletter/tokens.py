"""Signed links in emails. Preference and unsubscribe links never expire (an old
email's link must still work) but die with the subscriber's token, which is renewed
when they leave; confirmation links expire with the sign-up."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.utils.crypto import constant_time_compare

from manchette.newsletter import conf
from manchette.newsletter.models import SignupRequest, Subscriber

PREFERENCES_SALT = "manchette.newsletter.preferences"
UNSUBSCRIBE_SALT = "manchette.newsletter.unsubscribe"
CONFIRM_SALT = "manchette.newsletter.confirm"


class BadToken(Exception):
    """A link that was altered, belongs to no one, or has expired."""


@dataclass(frozen=True)
class UnsubscribeClaim:
    subscriber: Subscriber
    list_id: int | None
    edition_id: int | None


def preferences_token(subscriber: Subscriber) -> str:
    return signing.Signer(salt=PREFERENCES_SALT).sign_object(
        [subscriber.pk, subscriber.token]
    )


def _subscriber_from(pk: object, token: object) -> Subscriber:
    subscriber = Subscriber.objects.filter(pk=str(pk)).first()
    if subscriber is None or not constant_time_compare(subscriber.token, str(token)):
        raise BadToken
    return subscriber


def subscriber_from_preferences_token(value: str) -> Subscriber:
    try:
        pk, token = signing.Signer(salt=PREFERENCES_SALT).unsign_object(value)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadToken from exc
    return _subscriber_from(pk, token)


def unsubscribe_token(
    subscriber: Subscriber, *, list_id: int | None, edition_id: int | None
) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(
        [subscriber.pk, subscriber.token, list_id, edition_id]
    )


def unsubscribe_claim(value: str) -> UnsubscribeClaim:
    try:
        pk, token, list_id, edition_id = signing.Signer(
            salt=UNSUBSCRIBE_SALT
        ).unsign_object(value)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadToken from exc
    return UnsubscribeClaim(
        subscriber=_subscriber_from(pk, token), list_id=list_id, edition_id=edition_id
    )


def confirm_token(signup: SignupRequest) -> str:
    return signing.dumps(signup.key, salt=CONFIRM_SALT)


def signup_from_confirm_token(value: str) -> SignupRequest:
    max_age = conf.signup_expiry_days() * 24 * 3600
    try:
        key = signing.loads(value, salt=CONFIRM_SALT, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadToken from exc
    signup = SignupRequest.objects.filter(key=str(key)).first()
    if signup is None:
        raise BadToken
    return signup
