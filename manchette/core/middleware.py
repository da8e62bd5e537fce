from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from manchette.core import pagecache
from manchette.core.scheduling import schedule_publish_if_due
from manchette.core.security import is_admin_path, public_security_headers

Handler = Callable[[HttpRequest], HttpResponseBase]
STORED_HEADERS = ("Content-Language",)


class SecurityHeadersMiddleware:
    """CSP, Permissions-Policy and friends on every public page (the Wagtail admin
    keeps the headers Django gives it: it needs inline scripts of its own)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not is_admin_path(request.path):
            for name, value in public_security_headers():
                response.headers.setdefault(name, value)
        return response


def response_from_cache(
    request: HttpRequest, page: pagecache.CachedPage, state: str
) -> HttpResponse:
    gzip_ok = pagecache.accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING"))
    unchanged = pagecache.not_modified(
        page,
        if_none_match=request.META.get("HTTP_IF_NONE_MATCH"),
        if_modified_since=request.META.get("HTTP_IF_MODIFIED_SINCE"),
    )
    body = b"" if unchanged else (page.gzipped if gzip_ok else page.body)
    response = HttpResponse(body, status=304 if unchanged else page.status)
    for name, value in pagecache.response_headers(page, gzip_ok=gzip_ok, state=state):
        response[name] = value
    return response


class PageCacheMiddleware:
    """Serves anonymous readers whole pages from the shared cache, computes each
    missing page once however many readers ask for it at the same moment, and stores
    the pages whose views named what they show (core.http.page_cache_tags)."""

    wait_seconds = 5.0

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not pagecache.request_is_cacheable(
            method=request.method or "", path=request.path, cookies=request.COOKIES
        ):
            return self.get_response(request)
        schedule_publish_if_due()
        key = pagecache.entry_key(
            host=request.get_host(),
            path=request.path,
            query_string=request.META.get("QUERY_STRING", ""),
        )
        lookup = pagecache.page_lookup(key)
        if lookup.page is not None and lookup.fresh:
            return response_from_cache(request, lookup.page, "HIT")
        has_lock = pagecache.lock_acquire(key)
        if not has_lock:
            if lookup.page is not None:
                return response_from_cache(request, lookup.page, "STALE")
            if not pagecache.pass_marked(key):
                computed = self._wait_for_other(key)
                if computed is not None:
                    return response_from_cache(request, computed, "HIT")
        try:
            started_at = time.time()
            response = self.get_response(request)
            self._store(request, response, key, started_at)
        finally:
            if has_lock:
                pagecache.lock_release(key)
        return response

    def _wait_for_other(self, key: str) -> pagecache.CachedPage | None:
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            time.sleep(0.02)
            lookup = pagecache.page_lookup(key)
            if lookup.page is not None and lookup.fresh:
                return lookup.page
            if not pagecache.lock_held(key):
                return None  # done, and its answer was not one to share
        return None

    def _store(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        key: str,
        started_at: float,
    ) -> None:
        tags = getattr(request, "page_cache_tags", None)
        cache_control = response.get("Cache-Control", "")
        if (
            not tags
            or request.method != "GET"
            or response.status_code != 200
            or response.streaming
            or response.cookies
            or "private" in cache_control
            or "no-store" in cache_control
            or not isinstance(response, HttpResponse)
        ):
            if request.method == "GET":
                pagecache.pass_mark(key)
            return
        response["Cache-Control"] = settings.PAGE_CACHE_CONTROL
        response["X-Cache"] = "MISS"
        pagecache.page_store(
            key,
            status=response.status_code,
            content_type=response.get("Content-Type", "text/html; charset=utf-8"),
            body=response.content,
            tags=tags,
            started_at=started_at,
            headers=[(h, response[h]) for h in STORED_HEADERS if h in response],
        )
