"""Small HTTP helpers every reader-facing app uses: the client's address, rate limits,
and same-origin checks for forms on cached pages."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from manchette.core.cache import async_cache


def client_ip(request: HttpRequest) -> str:
    """The socket peer, or the last untrusted hop of X-Forwarded-For when the peer is
    one of the proxies the settings trust. Anything else in the header is a claim
    of the client and is ignored."""
    peer = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104
    if peer not in settings.TRUSTED_PROXIES:
        return peer
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer
        if hop not in settings.TRUSTED_PROXIES:
            return hop
    return peer


def rate_limit_hit(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit; True when the limit for this window is exceeded."""
    cache_key = f"ratelimit:{scope}:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return False
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds)
        return False
    return count > limit


async def rate_limit_hit_async(
    *, scope: str, key: str, limit: int, window_seconds: int
) -> bool:
    """`rate_limit_hit` for the ASGI fast paths, which run on Redis only: the same
    entry, counted in one round trip (core.cache.RedisCache.ahit)."""
    redis_cache: Any = async_cache()
    count = await redis_cache.ahit(
        f"ratelimit:{scope}:{key}", window_seconds=window_seconds
    )
    return bool(count > limit)


def rate_limits_hit(limits: list[tuple[str, str, int, int]]) -> bool:
    """Count one hit against each (scope, key, limit, window in seconds); True when
    one of them is exceeded (those after it are not counted). On Redis, in one round
    trip instead of one or two per limit."""
    counter = getattr(cache, "hits_over_limit", None)
    if counter is None:
        return any(
            rate_limit_hit(scope=scope, key=key, limit=limit, window_seconds=window)
            for scope, key, limit, window in limits
        )
    return bool(
        counter(
            [
                (f"ratelimit:{scope}:{key}", limit, window)
                for scope, key, limit, window in limits
            ]
        )
    )


async def rate_limits_hit_and_get(
    limits: list[tuple[str, str, int, int]], entries: list[tuple[str, Any]]
) -> tuple[bool, list[Any]]:
    """`rate_limits_hit` for the ASGI fast paths, which run on Redis only (the same
    counters), and the cache's (key, version) `entries` read in the same round
    trip: (whether a limit is exceeded, their values, None where there is none)."""
    redis_cache: Any = async_cache()
    over, values = await redis_cache.ahits_over_limit_and_get(
        [
            (f"ratelimit:{scope}:{key}", limit, window)
            for scope, key, limit, window in limits
        ],
        entries,
    )
    return bool(over), values


def same_origin(request: HttpRequest) -> bool:
    """Whether a POST comes from one of our own pages. Browsers send Origin (or
    Sec-Fetch-Site) on every form POST; a cross-site form cannot fake either."""
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER")
    if not origin:
        # No browser sends a form POST without either; plain HTTP clients (scripts,
        # tests, our JSON API) are not a cross-site forgery.
        return True
    host = urlsplit(origin).netloc
    return host == request.get_host() or origin in settings.CSRF_TRUSTED_ORIGINS


def cross_origin_refusal() -> HttpResponseForbidden:
    return HttpResponseForbidden(_("Requête refusée : elle ne vient pas de ce site."))


def reader_post(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """For forms embedded in whole-page-cached pages, which cannot carry a per-reader
    CSRF token: the request must come from our own origin instead (docs/decisions.md)."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and not same_origin(request):
            return cross_origin_refusal()
        return view(request, *args, **kwargs)

    return wrapped


def page_cache_tags(request: HttpRequest, *tags: str) -> None:
    """Opt this response into the whole-page cache, naming what it shows."""
    existing: set[str] = getattr(request, "page_cache_tags", set())
    existing.update(tags)
    request.page_cache_tags = existing  # type: ignore[attr-defined]


def page_cache_tags_add(request: HttpRequest, *tags: str) -> None:
    """Name what a part shown on every page depends on (the sign-up block…), for the
    pages whose views opted into the cache, without opting any other page in: a
    search result must never be cached because its footer could be."""
    existing: set[str] | None = getattr(request, "page_cache_tags", None)
    if existing is not None:
        existing.update(tags)
