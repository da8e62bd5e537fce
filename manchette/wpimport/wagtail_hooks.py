from __future__ import annotations

from typing import Any

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from wagtail import hooks

from manchette.wpimport.selectors import has_old_query, old_query_redirect


@hooks.register("before_serve_page")
def redirect_old_wordpress_query(
    page: Any, request: HttpRequest, serve_args: Any, serve_kwargs: Any
) -> HttpResponse | None:
    """WordPress's short links (/?p=123, /?page_id=28) land on the home page, which
    exists here: Wagtail's redirects only answer missing pages, so they are looked up
    here, before the home page is shown."""
    if not request.GET or request.path != "/":
        return None
    target = old_query_redirect(request)
    if target:
        return HttpResponsePermanentRedirect(target)
    if has_old_query(request):
        # As WordPress did for an unknown id; and no cached copy of the home page
        # is stored under every number someone tries.
        raise Http404
    return None
