from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from manchette.core.coroutines import run_to_completion
from manchette.core.http import reader_post
from manchette.reactions.readers import (
    Reader,
    client_key,
    reader_cookie_apply,
    reader_from_request,
)
from manchette.reactions.selectors import (
    ReactableArticle,
    article_for_reactions,
    reaction_state,
)
from manchette.reactions.services import (
    DJANGO_BACKEND,
    ReactionBackend,
    ReactionRefused,
    ReactionWanted,
    writes_limit,
)
from manchette.reactions.sharing import mastodon_instance_clean, share_text


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.META.get("HTTP_ACCEPT", "")


def _article_missing() -> str:
    return _("Cet article n’existe pas ou n’est plus en ligne.")


def _article_or_404(article_id: int) -> ReactableArticle:
    found = article_for_reactions(article_id=article_id)
    if found is None:
        raise Http404(_article_missing())
    return found


def _results_page(
    request: HttpRequest,
    found: ReactableArticle,
    reader: Reader,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    state = reaction_state(article_id=found.article.pk, reader_key=reader.key)
    return render(
        request,
        "reactions/results.html",
        {
            "article": found.article,
            "reactions_open": found.open,
            "state": state,
            "error": error,
        },
        status=status,
    )


def _refusal(
    request: HttpRequest,
    article_id: int,
    reader: Reader,
    refused: ReactionRefused,
) -> HttpResponseBase:
    found = (
        None if _wants_json(request) else article_for_reactions(article_id=article_id)
    )
    if found is None:
        response: HttpResponseBase = JsonResponse(
            {"error": refused.message}, status=refused.status
        )
    else:
        response = _results_page(
            request, found, reader, error=refused.message, status=refused.status
        )
    return reader_cookie_apply(reader, response)


@never_cache
@reader_post
@require_http_methods(["GET", "HEAD", "POST"])
def react(request: HttpRequest, article_id: int) -> HttpResponseBase:
    """GET: the results page (uncached: this reader's choice and the counts). POST: give,
    change (``kind``) or withdraw (``action=remove``) a reaction. Without JavaScript
    the POST ends on the results page, so that the reader sees the counts the cached
    article page cannot show; with JavaScript it answers the new state as JSON."""
    if request.method != "POST":
        found = _article_or_404(article_id)
        reader = reader_from_request(request, create=False)
        return reader_cookie_apply(reader, _results_page(request, found, reader))

    posted = run_to_completion(
        reaction_post_steps(DJANGO_BACKEND, request=request, article_id=article_id)
    )
    if posted.refused is not None:
        if posted.refused.status == 404 and not _wants_json(request):
            raise Http404(posted.refused.message)
        return _refusal(request, article_id, posted.reader, posted.refused)
    if _wants_json(request):
        state = reaction_state(
            article_id=article_id, reader_key=posted.reader.key, mine=posted.mine
        )
        response: HttpResponseBase = JsonResponse(state.as_json())
    else:
        response = HttpResponseRedirect(
            reverse("reactions:react", args=[article_id]) + "#reactions", status=303
        )
    return reader_cookie_apply(posted.reader, response)


@dataclass(frozen=True)
class ReactionPosted:
    reader: Reader
    mine: str | None = None
    refused: ReactionRefused | None = None


async def reaction_post_steps(
    backend: ReactionBackend, *, request: HttpRequest, article_id: int
) -> ReactionPosted:
    """What a reaction POST decides, in this order, written once for this view and
    for the ASGI fast path (reactions.fastpath), each with its own backend."""
    address = client_key(request)
    if await backend.limit_hit(writes_limit(client_key=address)):
        refused = ReactionRefused(
            _("Trop de réactions en peu de temps. Patientez une minute."), status=429
        )
        return ReactionPosted(Reader(key=None), refused=refused)
    is_open = await backend.article_open(article_id=article_id)
    if is_open is None:
        refused = ReactionRefused(_article_missing(), status=404)
        return ReactionPosted(Reader(key=None), refused=refused)
    reader = reader_from_request(request, create=True)
    try:
        if reader.tampered:
            raise ReactionRefused(
                _(
                    "Votre témoin de lecteur a été modifié ; il vient d’être effacé. "
                    "Réessayez."
                )
            )
        if not is_open:
            raise ReactionRefused(
                _("Les réactions sont fermées pour cette rubrique."), status=403
            )
        if request.POST.get("action") == "remove":
            await backend.reaction_remove(
                article_id=article_id, reader_key=reader.key or ""
            )
            return ReactionPosted(reader)
        kind = await backend.reaction_set(
            ReactionWanted(
                article_id=article_id,
                reader_key=reader.key or "",
                kind_slug=request.POST.get("kind", "")[:40],
                client_key=address,
                reader_is_new=reader.new_token is not None,
            )
        )
    except ReactionRefused as refused:
        return ReactionPosted(reader, refused=refused)
    return ReactionPosted(reader, mine=kind.slug)


@never_cache
@require_GET
def state_json(request: HttpRequest, article_id: int) -> JsonResponse:
    """What the cached article page cannot hold: the counts now, and this reader's
    choice. A tampered cookie is ignored (and dropped), never an error page."""
    reader = reader_from_request(request, create=False)
    state = reaction_state(article_id=article_id, reader_key=reader.key)
    response = JsonResponse(state.as_json())
    reader_cookie_apply(reader, response)
    return response


@never_cache
@reader_post
@require_http_methods(["GET", "HEAD", "POST"])
def mastodon_share(request: HttpRequest, article_id: int) -> HttpResponseBase:
    """Mastodon sharing needs the reader's instance: this small page asks for it, then
    links to their instance's own share form (reactions.js remembers the instance and
    goes there at once). The link comes from a same-origin POST only, so that a link
    from elsewhere cannot make this site point a reader to any host."""
    found = _article_or_404(article_id)
    error = ""
    instance = ""
    share_url = ""
    host = None
    if request.method == "POST":
        instance = request.POST.get("instance", "")[:200]
        host = mastodon_instance_clean(instance)
        if host:
            # A link, not a redirect: the CSP's form-action 'self' rightly stops a form
            # from being redirected to another site.
            text = share_text(article=found.article, request=request)
            share_url = f"https://{host}/share?text={quote(text, safe='')}"
        else:
            error = _(
                "Indiquez l’adresse de votre instance Mastodon, par exemple « mastodon.social »."
            )
    return render(
        request,
        "reactions/mastodon_share.html",
        {
            "article": found.article,
            "error": error,
            "instance": instance,
            "share_url": share_url,
            "host": host,
            "share_text": share_text(article=found.article, request=request),
        },
        status=400 if error else 200,
    )
