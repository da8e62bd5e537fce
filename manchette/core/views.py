from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader


def page_not_found(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return HttpResponseNotFound(loader.render_to_string("404.html", request=request))


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without context processors: when this runs, the database may be the
    thing that failed."""
    return HttpResponseServerError(loader.render_to_string("500.html"))
