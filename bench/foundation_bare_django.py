"""The Python floor of bench/foundation_serving.py: a bare Django project whose one
view returns a prebuilt page (the seed article's HTML, read once at start).

No app, no middleware, no database: what any Django page costs on an app server
before Manchette does anything. Served by granian as
``foundation_bare_django:wsgi_application`` or ``…:asgi_application`` with
BARE_PAGE=/path/to/page.html in the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-secret",  # noqa: S106 - never deployed
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[],
    MIDDLEWARE=[],
    USE_TZ=True,
)

import django  # noqa: E402

django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import re_path  # noqa: E402

PAGE = Path(os.environ["BARE_PAGE"]).read_bytes()


def prebuilt_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [re_path(r"", prebuilt_page)]

wsgi_application = get_wsgi_application()
asgi_application = get_asgi_application()
