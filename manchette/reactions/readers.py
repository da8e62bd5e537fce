"""Who is reacting: a signed-in reader by their account, a guest by a signed cookie
holding a random token. Only a digest of the token is stored, so that the database
alone cannot be used to act as a reader."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase

from manchette.core.http import client_ip
from manchette.reactions import conf

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,64}")


@dataclass(frozen=True)
class Reader:
    key: str | None  # None: a guest who has never reacted
    new_token: str | None = None  # to be set in a cookie with the response
    tampered: bool = False  # their cookie was altered or forged: refuse, and drop it


def _guest_key(token: str) -> str:
    return "g:" + hashlib.sha256(token.encode()).hexdigest()[:40]


def reader_from_request(request: HttpRequest, *, create: bool) -> Reader:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Reader(key=f"u:{user.pk}")
    if conf.READER_COOKIE not in request.COOKIES:
        if not create:
            return Reader(key=None)
        new_token = secrets.token_urlsafe(24)
        return Reader(key=_guest_key(new_token), new_token=new_token)
    try:
        token = request.get_signed_cookie(
            conf.READER_COOKIE, salt=conf.READER_COOKIE_SALT
        )
    except signing.BadSignature:
        return Reader(key=None, tampered=True)
    if not token or not TOKEN_PATTERN.fullmatch(token):
        return Reader(key=None, tampered=True)
    return Reader(key=_guest_key(token))


def reader_cookie_apply(reader: Reader, response: HttpResponseBase) -> HttpResponseBase:
    if reader.new_token:
        response.set_signed_cookie(
            conf.READER_COOKIE,
            reader.new_token,
            salt=conf.READER_COOKIE_SALT,
            max_age=conf.READER_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    elif reader.tampered:
        response.delete_cookie(conf.READER_COOKIE, samesite="Lax")
    return response


def client_key(request: HttpRequest) -> str:
    """The address rate limits count by: the IPv4 address, or the /64 network of an
    IPv6 one (a single subscriber usually holds a whole /64)."""
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address
