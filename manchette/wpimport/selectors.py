from __future__ import annotations

from django.http import HttpRequest
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Site

# The query parameters of WordPress's short links.
OLD_QUERY_KEYS = ("p", "page_id", "attachment_id")


def old_query_redirect(request: HttpRequest) -> str | None:
    """Where an old /?p=123 address leads, from the redirects the import made."""
    for key in OLD_QUERY_KEYS:
        value = request.GET.get(key, "")
        if value.isdigit():
            redirect = (
                Redirect.get_for_site(Site.find_for_request(request))
                .filter(old_path=Redirect.normalise_path(f"/?{key}={value}"))
                .select_related("redirect_page")
                .first()
            )
            if redirect is not None:
                return redirect.link
    return None


def has_old_query(request: HttpRequest) -> bool:
    return any(request.GET.get(key, "").isdigit() for key in OLD_QUERY_KEYS)
