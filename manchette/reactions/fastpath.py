"""The two requests every open article page makes, answered before Django's
synchronous machinery (manchette/core/asgi.py hands them here): the state
(`GET /lecteur/reactions/<id>/etat.json`) and a reaction posted by reactions.js
(`POST /reactions/<id>/` asking for JSON), on PostgreSQL with psycopg's
asynchronous pool and on Redis with redis.asyncio (docs/decisions.md).

Nothing is decided here: the request goes through the view's own steps
(`views.reaction_post_steps`), the writes through the services' own statements
(`services.reaction_set_steps`), the cookie through `readers`, the same-origin check
through `core.http`; only the clients differ. Everything else (the form without
JavaScript and its results page, HEAD, a signed-in reader, SQLite, the file cache)
stays with Django."""

from __future__ import annotations

import io
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    HttpRequest,
    HttpResponseBadRequest,
    HttpResponseBase,
    JsonResponse,
)

from manchette.core import fastpath
from manchette.core.fastpath import Receive, Scope, Send, header
from manchette.core.http import (
    cross_origin_refusal,
    rate_limit_hit_async,
    same_origin,
)
from manchette.reactions.models import ReactionKind
from manchette.reactions.readers import reader_cookie_apply, reader_from_request
from manchette.reactions.selectors import (
    STATE_STATEMENT,
    UNKNOWN,
    article_reactions_open_async,
    reaction_kinds_active_async,
    reaction_state_from_rows,
)
from manchette.reactions.services import (
    RateLimit,
    ReactionWanted,
    reaction_remove_steps,
    reaction_set_steps,
)
from manchette.reactions.views import reaction_post_steps

# Django's <int:…> converter, bounded to what fits a bigint (longer: Django answers).
STATE_PATH = re.compile(r"/lecteur/reactions/([0-9]{1,18})/etat\.json")
REACT_PATH = re.compile(r"/reactions/([0-9]{1,18})/")


def enabled() -> bool:
    return bool(settings.REACTIONS_FAST_PATH) and fastpath.postgres_and_redis()


class FastBackend:
    """The view's and the services' steps with asynchronous clients; one per
    request (the kinds are read once for it)."""

    def __init__(self) -> None:
        self._kinds: list[ReactionKind] | None = None

    async def kinds_active(self) -> list[ReactionKind]:
        if self._kinds is None:
            self._kinds = await reaction_kinds_active_async()
        return self._kinds

    async def limit_hit(self, limit: RateLimit) -> bool:
        return await rate_limit_hit_async(**limit._asdict())

    async def article_open(self, *, article_id: int) -> bool | None:
        return await article_reactions_open_async(article_id=article_id)

    async def fetchone(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
        row = await fastpath.fetchone(sql, params)
        assert row is not None
        return row

    async def fetchall(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        return await fastpath.fetchall(sql, params)

    async def reaction_set(self, wanted: ReactionWanted) -> ReactionKind:
        return await reaction_set_steps(self, wanted)

    async def reaction_remove(self, *, article_id: int, reader_key: str) -> bool:
        return await reaction_remove_steps(
            self, article_id=article_id, reader_key=reader_key
        )

    async def state_json(
        self, *, article_id: int, reader_key: str | None, mine: Any = UNKNOWN
    ) -> JsonResponse:
        rows = await self.fetchall(
            STATE_STATEMENT, {"article": article_id, "reader": reader_key}
        )
        state = reaction_state_from_rows(
            article_id=article_id,
            kinds=await self.kinds_active(),
            rows=rows,
            mine=mine,
        )
        return JsonResponse(state.as_json())


def _route(scope: Scope) -> tuple[str, int] | None:
    """("state" | "react", article id) for the requests answered here."""
    if scope["type"] != "http":
        return None
    method, path = scope["method"], scope["path"]
    if method == "GET" and (found := STATE_PATH.fullmatch(path)):
        return "state", int(found[1])
    if (
        method == "POST"
        and (found := REACT_PATH.fullmatch(path))
        and "application/json" in header(scope, b"accept")
    ):
        return "react", int(found[1])
    return None


async def _answer(
    request: HttpRequest, action: str, article_id: int
) -> HttpResponseBase:
    request.get_host()  # as Django: a host not in ALLOWED_HOSTS gets a 400
    backend = FastBackend()
    if action == "state":
        # A tampered cookie is ignored (and dropped), never an error.
        reader = reader_from_request(request, create=False)
        response = await backend.state_json(
            article_id=article_id, reader_key=reader.key
        )
        return reader_cookie_apply(reader, response)
    if not same_origin(request):
        return cross_origin_refusal()
    posted = await reaction_post_steps(backend, request=request, article_id=article_id)
    if posted.refused is not None:
        response = JsonResponse(
            {"error": posted.refused.message}, status=posted.refused.status
        )
    else:
        response = await backend.state_json(
            article_id=article_id, reader_key=posted.reader.key, mine=posted.mine
        )
    return reader_cookie_apply(posted.reader, response)


async def handle(scope: Scope, receive: Receive, send: Send) -> bool:
    """Answer the request if it is one of the two; False leaves it to Django."""
    route = _route(scope)
    if route is None or not enabled():
        return False
    if fastpath.has_session(scope):
        return False  # possibly a signed-in reader: Django's sessions know them
    action, article_id = route
    if action == "react" and not fastpath.body_is_small(scope):
        return False
    body = await fastpath.body_read(receive) if action == "react" else b""
    if body is None:  # the client went away
        return True
    request = ASGIRequest(scope, io.BytesIO(body))
    try:
        response = await _answer(request, action, article_id)
    except (DisallowedHost, RequestDataTooBig):
        response = HttpResponseBadRequest()
    await fastpath.response_send(response, send)
    return True
