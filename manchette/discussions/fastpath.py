"""A guest's new comment (`POST /commentaires/<id>/poster/`, the form with or without
JavaScript), answered before Django's synchronous machinery (manchette/core/asgi.py
hands it here) when the site runs on PostgreSQL and Redis: four statements instead of
a dozen, with psycopg's asynchronous pool and redis.asyncio (core.fastpath), the
comment, the guest's identity, the counts and the live event written by ONE statement.

Nothing is decided here that Django's path decides otherwise: the form is CommentForm,
the checks and decisions are the services' own (guest_identity_change,
comment_post_checks, comment_idempotency_key, comment_new), the limits are the same
counters, the reads the same SQL. Whatever is not a plain new comment goes on to Django
with the body already read: a form with errors, a refusal (closed article, rate limit…),
a reply, a mention, a « Me notifier » choice, a form sent twice, a signed-in reader, and
any error before the write. Django then answers as it always does (its rate limits count
that attempt once more: it was refused already)."""

from __future__ import annotations

import functools
import io
import logging
import re
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from wagtail.models import Site
from wagtail.models.sites import (
    SITE_ROOT_PATHS_CACHE_KEY,
    SITE_ROOT_PATHS_CACHE_VERSION,
)

from manchette.core import fastpath
from manchette.core.cache import async_cache
from manchette.core.db import instances_from_rows, select_all
from manchette.core.fastpath import Receive, Scope, Send
from manchette.core.http import client_ip, rate_limits_hit_async, same_origin
from manchette.core.pagecache import tags_invalidate_async
from manchette.discussions import conf, services, views
from manchette.discussions.forms import CommentForm
from manchette.discussions.fragments import VERSION_TAG
from manchette.discussions.models import ArticleDiscussion, Comment, Identity
from manchette.discussions.notifications import may_notify_condition
from manchette.discussions.policy import (
    MODERATION_CACHE_KEY,
    CommentRefused,
    comment_rate_limits,
    moderation_settings,
)
from manchette.discussions.readers import (
    ARTICLE_COLUMNS,
    ARTICLE_SELECT,
    CLOSED_ANNOTATION,
    COOKIE_SALT,
    MAX_ID,
    article_sql,
    identity_cookie_set,
)
from manchette.live.models import LiveEvent
from manchette.live.services import event_data, event_published_async
from manchette.newsroom.models import ArticlePage

logger = logging.getLogger("manchette.discussions")

# Django's <int:…> converter, bounded to what fits a bigint (longer: Django answers).
POST_PATH = re.compile(r"/commentaires/([0-9]{1,18})/poster/")


def enabled() -> bool:
    return bool(settings.DISCUSSIONS_FAST_PATH) and fastpath.postgres_and_redis()


@functools.cache
def _ops() -> Any:
    """A database wrapper for its operations only (quoting, adapting values):
    it never connects."""
    return connections.create_connection("default")


@functools.cache
def _statements() -> dict[str, str]:
    ops = _ops().ops
    quote = ops.quote_name
    identity_table = quote(Identity._meta.db_table)
    comment_fields = [
        f for f in Comment._meta.concrete_fields if not f.primary_key
    ]  # (the id comes from the database)
    identity_fields = list(Identity._meta.concrete_fields)
    event = {f.name: quote(f.column) for f in LiveEvent._meta.concrete_fields}
    discussion = quote(ArticleDiscussion._meta.db_table)
    identity_columns = ", ".join(quote(f.column) for f in identity_fields)
    identity_values = ", ".join(f"%(i_{f.column})s" for f in identity_fields)
    comment_columns = ", ".join(quote(f.column) for f in comment_fields)
    comment_values = ", ".join(f"%(c_{f.column})s" for f in comment_fields)
    select_identity, _ = select_all(Identity, "postgresql")
    # The guest's identity (new, or its name and address changed, and its count of
    # published comments), the comment unless this form's key is taken, the
    # discussion's count, the live event: one statement, one transaction, committed
    # without waiting for the disk (as readers.reader_comment_post).
    identity_step = {
        # a guest's first comment: their identity, its count of published comments
        # already in it (see comment_post)
        "new": f"""INSERT INTO {identity_table} ({identity_columns})
    VALUES ({identity_values}) RETURNING id""",  # noqa: S608 - names from the model
        # a guest known by their cookie: the name and address they gave now, and
        # their count of published comments, with the trust that follows
        "known": f"""UPDATE {identity_table} SET {quote("name")} = %(i_name)s,
        {quote("email")} = %(i_email)s, {quote("email_hash")} = %(i_email_hash)s,
        approved_count = approved_count + (SELECT count(*) FROM published),
        trust = {services.trust_after_sql("(SELECT count(*) FROM published)")}
    WHERE id = %(i_id)s RETURNING id""",  # noqa: S608 - names from the model
    }
    write = {
        kind: f"""
WITH comment AS (
    INSERT INTO {quote(Comment._meta.db_table)} ({comment_columns})
    VALUES ({comment_values})
    ON CONFLICT ({quote("idempotency_key")}) DO NOTHING
    RETURNING id, created_at
), published AS (
    SELECT id, created_at FROM comment WHERE %(published)s
), guest AS (
    {step}
), counted AS (
    INSERT INTO {discussion} AS d (article_id, comment_count, last_comment_at,
        last_comment_id, closed)
    SELECT %(c_article_id)s, 1, created_at, id, false FROM published
    ON CONFLICT (article_id) DO UPDATE SET comment_count = d.comment_count + 1,
        last_comment_at = EXCLUDED.last_comment_at,
        last_comment_id = EXCLUDED.last_comment_id
    RETURNING comment_count
), event AS (
    INSERT INTO {quote(LiveEvent._meta.db_table)} ({event["channel"]},
        {event["event"]}, {event["data"]}, {event["created_at"]})
    SELECT %(e_channel)s, %(e_event)s,
        jsonb_build_object('id', published.id, 'count', counted.comment_count),
        %(e_created_at)s
    FROM published, counted
    RETURNING id, data
)
SELECT (SELECT id FROM comment), (SELECT id FROM event), (SELECT data FROM event),
    {may_notify_condition("%(c_article_id)s")},
    (SELECT count(*) FROM guest),
    set_config('synchronous_commit', 'off', true)
""".replace(">= %s THEN", ">= %(trusted_after)s THEN")  # noqa: S608 - names from the models
        for kind, step in identity_step.items()
    }
    return {
        "write new": write["new"],
        "write known": write["known"],
        "article": article_sql(ARTICLE_SELECT, with_discussion=True),
        "identity": f"{select_identity} WHERE token = %s LIMIT 1",
        "identity_id": (
            f"SELECT nextval(pg_get_serial_sequence('{Identity._meta.db_table}', 'id'))"
        ),
        "earlier": services.earlier_same_statement(),
    }


def _prepared(instance: Any, prefix: str, fields: list[Any]) -> dict[str, Any]:
    wrapper = _ops()
    return {
        f"{prefix}{f.column}": f.get_db_prep_save(f.pre_save(instance, True), wrapper)
        for f in fields
    }


@dataclass
class Posted:
    article: ArticlePage
    comment: Comment
    identity: Identity
    may_notify: bool


async def _article(article_id: int) -> ArticlePage | None:
    rows = await fastpath.fetchall(_statements()["article"], [False, article_id])
    found = instances_from_rows(
        ArticlePage,
        rows,
        columns=ARTICLE_COLUMNS,
        extra=[CLOSED_ANNOTATION],
        wrapper=_ops(),
    )
    return found[0] if found else None


async def _identity(token: str | None) -> Identity | None:
    if not token:
        return None
    rows = await fastpath.fetchall(_statements()["identity"], [token])
    _, columns = select_all(Identity, "postgresql")
    found = instances_from_rows(Identity, rows, columns=columns, wrapper=_ops())
    return found[0] if found else None


async def _moderation() -> dict:
    redis_cache: Any = async_cache()
    found = await redis_cache.aget(MODERATION_CACHE_KEY)
    return found if found is not None else await sync_to_async(moderation_settings)()


async def _site_root_paths() -> Any:
    redis_cache: Any = async_cache()
    found = await redis_cache.aget(
        SITE_ROOT_PATHS_CACHE_KEY, version=SITE_ROOT_PATHS_CACHE_VERSION
    )
    return (
        found if found is not None else await sync_to_async(Site.get_site_root_paths)()
    )


async def comment_post(request: Any, article_id: int) -> Posted | None:
    """The guest's new comment, written; None when Django must answer instead."""
    if not 0 < article_id <= MAX_ID:
        return None
    form = CommentForm(request.POST, guest=True)
    if not form.is_valid():
        return None
    submission = views.submission_from_form(form.cleaned_data)
    if submission.parent_id or submission.notify or "@" in submission.text:
        return None  # a reply, a mention, a subscription: see the module's doc
    article = await _article(article_id)
    if article is None:
        return None
    token = request.get_signed_cookie(
        conf.get("COOKIE_NAME"), default=None, salt=COOKIE_SALT
    )
    known = await _identity(token)
    identity, changed = services.guest_identity_change(
        known, name=submission.name, email=submission.email
    )
    is_new = changed is None
    if is_new:
        row = await fastpath.fetchone(_statements()["identity_id"], [])
        assert row is not None
        identity.pk = row[0]
    moderation = await _moderation()
    try:
        body, policy = services.comment_post_checks(
            article=article,
            identity=identity,
            body=submission.text,
            moderation=moderation,
        )
    except CommentRefused:
        return None
    key = services.comment_idempotency_key(
        nonce=submission.nonce,
        article_id=article.pk,
        parent_id=None,
        identity_id=identity.pk,
        body=body,
    )
    earlier = await fastpath.fetchone(
        _statements()["earlier"],
        [key, article.pk, services.duplicate_since(), body, key],
    )
    if earlier is not None and earlier[1] == key:
        return None  # the form sent twice: Django shows the comment it made
    ip = client_ip(request)
    limits = comment_rate_limits(
        ip=ip, email_hash=identity.email_hash, article_id=article.pk
    )
    if await rate_limits_hit_async(limits):
        return None
    comment = services.comment_new(
        article=article,
        identity=identity,
        body=body,
        ip=ip,
        key=key,
        duplicate=earlier is not None,
        policy=policy,
        moderation=moderation,
        honeypot=submission.honeypot,
        form_age_seconds=submission.form_age_seconds,
    )
    published = comment.status == services.APPROVED
    if is_new:
        identity.approved_count = int(published)
    channel = f"article:{article.pk}:comments"
    params = {
        **_prepared(identity, "i_", list(Identity._meta.concrete_fields)),
        **_prepared(
            comment,
            "c_",
            [f for f in Comment._meta.concrete_fields if not f.primary_key],
        ),
        "identity_is_new": is_new,
        "published": published,
        "trusted_after": conf.get("TRUSTED_AFTER"),
        "e_channel": channel,
        "e_event": "comment",
        "e_created_at": comment.created_at,
    }
    event_data(channel, "comment", {})  # (the channel is checked as event_publish does)
    write = _statements()["write new" if is_new else "write known"]
    row = await fastpath.fetchone(write, params)
    assert row is not None
    comment_id, event_id, data, may_notify = row[0], row[1], row[2], row[3]
    if comment_id is None:
        return None  # the same form, at the same moment: Django shows that comment
    comment.pk = comment_id
    if is_new:
        identity._state.adding = False
    await _after_commit(article, comment, event_id=event_id, event=data)
    return Posted(article, comment, identity, bool(may_notify) and published)


async def _after_commit(
    article: ArticlePage, comment: Comment, *, event_id: int | None, event: Any
) -> None:
    """What services._visible_count_add does once its transaction commits: the
    discussion's fragments and the pages showing it are stale, open pages are told."""
    try:
        await tags_invalidate_async([VERSION_TAG.format(article.pk)])
    except Exception:
        logger.exception("discussion %s: cached pages not invalidated", article.pk)
    if event_id is not None:
        live_event = LiveEvent(
            pk=event_id,
            channel=f"article:{article.pk}:comments",
            event="comment",
            data=event,
            created_at=comment.created_at,
        )
        await event_published_async(live_event)


async def _answer(request: Any, article_id: int) -> HttpResponseBase | None:
    request.get_host()  # as Django: a host not in ALLOWED_HOSTS is Django's 400
    if not same_origin(request):
        return None  # Django's refusal
    posted = await comment_post(request, article_id)
    if posted is None:
        return None
    # Written: from here on, this answers whatever happens.
    article, comment = posted.article, posted.comment
    try:
        if posted.may_notify:
            for listener in services.approval_listeners:
                await sync_to_async(listener)(comment.pk)
        article._wagtail_cached_site_root_paths = await _site_root_paths()
        if views.wants_json(request):
            payload = await sync_to_async(views.posted_json)(request, article, comment)
            return identity_cookie_set(JsonResponse(payload), posted.identity)
        url = views.posted_comment_url(article, comment)
    except Exception:
        logger.exception("comment %s: posted, answered without its page", comment.pk)
        thread = reverse("discussions:thread", args=[article.pk])
        url = f"{thread}#commentaire-{comment.pk}"
    return identity_cookie_set(HttpResponseRedirect(url), posted.identity)


async def handle(scope: Scope, receive: Receive, send: Send) -> Receive | None:
    """Answer a guest's new comment: None once answered, else the `receive` that
    Django must read the request from (the body replayed when it was read here)."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return receive
    found = POST_PATH.fullmatch(scope["path"])
    if found is None or not enabled() or fastpath.has_session(scope):
        return receive
    body = await fastpath.body_read(receive)
    if body is None:
        return None  # the client went away
    request = ASGIRequest(scope, io.BytesIO(body))
    try:
        response = await _answer(request, int(found[1]))
    except (DisallowedHost, RequestDataTooBig):
        response = None
    except Exception:
        # Nothing was written (the write is one statement, and once it is done
        # _answer answers): Django tries again, and tells the reader what failed.
        logger.exception("comment fast path: left to Django")
        response = None
    if response is None:
        return fastpath.body_replay(body, receive)
    await fastpath.response_send(response, send)
    return None
