"""The beacon: an uncached endpoint that the article page calls after it loads
(navigator.sendBeacon), or loads as an image without JavaScript. The page itself
stays cached for everyone."""

from __future__ import annotations

import base64

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from manchette.audience.services import is_robot, referrer_domain, view_record
from manchette.core.http import reader_post

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@reader_post
@require_http_methods(["GET", "POST"])
def beacon(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    try:
        article_id = int(params.get("a", ""))
    except ValueError:
        article_id = 0
    if article_id > 0 and not is_robot(request.headers.get("User-Agent", "")):
        # Without JavaScript the only referrer known is the article itself: "direct".
        view_record(
            article_id=article_id,
            referrer=referrer_domain(
                referrer=params.get("r", "")[:300], own_host=request.get_host()
            ),
        )
    if request.method == "POST":
        response = HttpResponse(status=204)
    else:
        response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response
