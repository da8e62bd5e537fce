from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from wagtail.models import Site

from manchette.core.pagecache import NEVER_CACHED_PREFIXES, value_cached
from manchette.core.security import is_admin_path


def _site_with_its_home(request: HttpRequest) -> Site | None:
    site = Site.find_for_request(request)
    if site is not None:
        # What routing asks of it next: la Une, as its own page type.
        site.root_page = site.root_page.specific
    return site


class SiteLookupMiddleware:
    """The Wagtail site of a reader's request and its home page, from the shared
    cache instead of three queries per request. Both change only with what
    invalidates the "site" tag (a site edited, la Une published or moved); the
    admin keeps Wagtail's own lookup."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_admin_path(request.path) and not request.path.startswith(
            NEVER_CACHED_PREFIXES  # readers' small endpoints route no page
        ):
            request._wagtail_site = value_cached(  # type: ignore[attr-defined]
                f"wagtail-site:{request.get_host()}",
                tags=["site"],
                compute=lambda: _site_with_its_home(request),
            )
        return self.get_response(request)
