from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    from manchette.newsroom.selectors import sections_live

    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "LANGUAGE_CODE": settings.LANGUAGE_CODE,
        # A callable: evaluated only by templates that use it, once per request.
        "nav_sections": lambda: sections_live(request),
    }
