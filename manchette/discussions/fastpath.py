"""A guest's new comment or reply (`POST /commentaires/<id>/poster/`, the form with or
without JavaScript), answered before Django's synchronous machinery (manchette/core/asgi.py
hands it here) when the site runs on PostgreSQL and Redis: four or five statements
instead of a dozen, with psycopg's asynchronous pool and redis.asyncio (core.fastpath);
the comment, the guest's identity, the counts and the live event written by ONE
statement.

Nothing is decided here that Django's path decides otherwise: the form is CommentForm,
the checks and decisions are the services' own (guest_identity_change,
comment_post_checks, reply_check, comment_idempotency_key, comment_new), the limits are
the same counters, the reads the same SQL. Whatever is not a plain new comment or reply
goes on to Django with the body already read: a form with errors, a refusal (closed
article, rate limit…), a « @nom » mention, a « Me notifier » choice, a form sent twice,
a signed-in reader, a body that does not say its length or is large, and any error
before the write. Django then answers as it always does (its rate limits count that
attempt once more: it was refused already)."""

from __future__ import annotations

import functools
import io
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

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
from manchette.core.coroutines import django_call
from manchette.core.db import instances_from_rows, select_all
from manchette.core.fastpath import Receive, Scope, Send
from manchette.core.http import client_ip, rate_limits_hit_and_get, same_origin
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
from manchette.live import conf as live_conf
from manchette.live.models import LiveEvent
from manchette.live.services import (
    event_data,
    event_published_async,
    redis_message,
)
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


def _write_statement(*, identity_is_new: bool) -> str:
    ops = _ops().ops
    quote = ops.quote_name
    identity_table = quote(Identity._meta.db_table)
    identity_fields = [f for f in Identity._meta.concrete_fields if not f.primary_key]
    identity_columns = ", ".join(quote(f.column) for f in identity_fields)
    identity_values = ", ".join(f"%(i_{f.column})s" for f in identity_fields)
    comment_columns = ", ".join(quote(f.column) for f in _comment_fields())
    comment_values = ", ".join(
        "(SELECT id FROM guest)"
        if identity_is_new and f.attname == "identity_id"
        else f"%(c_{f.column})s"
        for f in _comment_fields()
    )
    event = {f.name: quote(f.column) for f in LiveEvent._meta.concrete_fields}
    comment = f"""comment AS (
    INSERT INTO {quote(Comment._meta.db_table)} ({comment_columns})
    VALUES ({comment_values})
    ON CONFLICT ({quote("idempotency_key")}) DO NOTHING
    RETURNING id, created_at
), published AS (
    SELECT id, created_at FROM comment WHERE %(published)s
)"""  # noqa: S608 - names from the model
    if identity_is_new:
        # A guest's first comment: their identity, with its count of published
        # comments already in it (see comment_post), then the comment.
        guest = f"""guest AS (
    INSERT INTO {identity_table} ({identity_columns})
    VALUES ({identity_values}) RETURNING id
), {comment}"""  # noqa: S608 - names from the model
    else:
        # A guest known by their cookie: the name and address they gave now, and
        # their count of published comments, with the trust that follows.
        guest = f"""{comment}, guest AS (
    UPDATE {identity_table} SET {quote("name")} = %(i_name)s,
        {quote("email")} = %(i_email)s, {quote("email_hash")} = %(i_email_hash)s,
        approved_count = approved_count + (SELECT count(*) FROM published),
        trust = {services.trust_after_sql("(SELECT count(*) FROM published)")}
    WHERE id = %(i_id)s RETURNING id
)"""  # noqa: S608 - names from the model
    statement = f"""
WITH {guest}, replied AS (
    UPDATE {quote(Comment._meta.db_table)} SET reply_count = reply_count + 1
    WHERE id = %(c_parent_id)s AND EXISTS (SELECT 1 FROM published)
    RETURNING id
), counted AS (
    INSERT INTO {quote(ArticleDiscussion._meta.db_table)} AS d (article_id,
        comment_count, last_comment_at, last_comment_id, closed)
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
SELECT (SELECT id FROM comment), (SELECT id FROM guest), (SELECT id FROM event),
    (SELECT data FROM event), {may_notify_condition("%(c_article_id)s")},
    set_config('synchronous_commit', 'off', true)
"""  # noqa: S608 - names from the models
    # (trust_after_sql's parameter, named)
    return statement.replace(">= %s THEN", ">= %(trusted_after)s THEN")


@functools.cache
def _statements() -> dict[str, str]:
    """The guest's identity (new, or known and changed, with its count of published
    comments), the comment unless this form's key is taken, the discussion's count,
    the live event: one statement, one transaction, committed without waiting for
    the disk (as readers.reader_comment_post does); and the reads before it, sent
    together."""
    select_identity, _ = select_all(Identity, "postgresql")
    return {
        "write new": _write_statement(identity_is_new=True),
        "write known": _write_statement(identity_is_new=False),
        "article": article_sql(ARTICLE_SELECT, with_discussion=True),
        "identity": f"{select_identity} WHERE token = %s LIMIT 1",
        "earlier": services.earlier_same_statement(),
        # the comment answered, and the one it answers (services._placement may
        # attach a reply to it)
        "parent": (
            f"{select_all(Comment, 'postgresql')[0]} WHERE id = %s OR id = (SELECT"  # noqa: S608 - names from the model
            f" parent_id FROM {_ops().ops.quote_name(Comment._meta.db_table)}"
            " WHERE id = %s)"
        ),
    }


@functools.cache
def _comment_fields() -> list[Any]:
    return [f for f in Comment._meta.concrete_fields if not f.primary_key]


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
    site_root_paths: Any


@dataclass
class Read:
    article: ArticlePage | None
    identity: Identity | None
    earlier: tuple[Any, ...] | None  # (id, idempotency key)
    parent: Comment | None


async def _reads(
    *, article_id: int, token: str | None, key: str, body: str, parent_id: int | None
) -> Read:
    """The article, the guest's identity, the comment of the same key or the same
    text lately, the comment answered: in one round trip."""
    statements = _statements()
    wrapper = _ops()
    reads = [
        (statements["article"], [False, article_id]),
        (
            statements["earlier"],
            [key, article_id, services.duplicate_since(), body, key],
        ),
    ]
    if token:
        reads.append((statements["identity"], [token]))
    if parent_id:
        reads.append((statements["parent"], [parent_id, parent_id]))
    found = await fastpath.fetchall_together(reads)
    found_identities = found[2] if token else []
    found_comments = found[-1] if parent_id else []
    articles = instances_from_rows(
        ArticlePage,
        found[0],
        columns=ARTICLE_COLUMNS,
        extra=[CLOSED_ANNOTATION],
        wrapper=wrapper,
    )
    identities = instances_from_rows(
        Identity,
        found_identities,
        columns=select_all(Identity, "postgresql")[1],
        wrapper=wrapper,
    )
    comments = {
        c.pk: c
        for c in instances_from_rows(
            Comment,
            found_comments,
            columns=select_all(Comment, "postgresql")[1],
            wrapper=wrapper,
        )
    }
    parent = comments.get(parent_id) if parent_id else None
    if parent is not None and parent.parent_id in comments:
        parent.parent = comments[parent.parent_id]  # (read with it, for _placement)
    return Read(
        article=articles[0] if articles else None,
        identity=identities[0] if identities else None,
        earlier=found[1][0] if found[1] else None,
        parent=parent,
    )


def _left(reason: str) -> Any:
    """None: the request goes on to Django (MANCHETTE_LOG_LEVEL=DEBUG says why)."""
    logger.debug("comment left to Django: %s", reason)
    return None


async def comment_post(request: Any, article_id: int) -> Posted | None:
    """The guest's new comment, written; None when Django must answer instead."""
    if not 0 < article_id <= MAX_ID:
        return _left("no such article")
    form = CommentForm(request.POST, guest=True)
    if not form.is_valid():
        return _left("the form has errors")
    submission = views.submission_from_form(form.cleaned_data)
    if submission.notify or "@" in submission.text:
        return _left("a mention or a subscription")
    parent_id = submission.parent_id
    if parent_id is not None and not 0 < parent_id <= MAX_ID:
        return _left("no such comment to answer")
    try:
        body = services.comment_body(submission.text)
    except CommentRefused:
        return _left("no text, or too long")
    token = request.get_signed_cookie(
        conf.get("COOKIE_NAME"), default=None, salt=COOKIE_SALT
    )

    def key_for(identity_token: str) -> str:
        return services.comment_idempotency_key(
            nonce=submission.nonce,
            article_id=article_id,
            parent_id=parent_id,
            identity_token=identity_token,
            body=body,
        )

    read = await _reads(
        article_id=article_id,
        token=token,
        key=key_for(token or ""),
        body=body,
        parent_id=parent_id,
    )
    article, parent, earlier = read.article, read.parent, read.earlier
    if article is None:
        return _left("no such article")
    if parent_id is not None and parent is None:
        return _left("no such comment to answer")
    identity, changed = services.guest_identity_change(
        read.identity, name=submission.name, email=submission.email
    )
    key = key_for(identity.token)
    if earlier is not None and earlier[1] == key:
        return _left("the form sent twice")  # Django shows the comment it made
    # The limits counted, and the settings read, in one round trip: before the
    # checks that need the settings (a post refused because its discussion closed
    # by date then counts once, which Django's path does not do).
    ip = client_ip(request)
    over, (moderation, root_paths) = await rate_limits_hit_and_get(
        comment_rate_limits(
            ip=ip, email_hash=identity.email_hash, article_id=article.pk
        ),
        [
            (MODERATION_CACHE_KEY, None),
            (SITE_ROOT_PATHS_CACHE_KEY, SITE_ROOT_PATHS_CACHE_VERSION),
        ],
    )
    if over:
        return _left("a rate limit")
    if moderation is None:
        moderation = await django_call(moderation_settings)
    if root_paths is None:
        root_paths = await django_call(Site.get_site_root_paths)
    try:
        body, policy = services.comment_post_checks(
            article=article, identity=identity, body=body, moderation=moderation
        )
        if parent is not None:
            services.reply_check(parent=parent, article=article)
    except CommentRefused as refused:
        return _left(refused.message)
    comment = services.comment_new(
        article=article,
        identity=identity,
        body=body,
        ip=ip,
        key=key,
        duplicate=earlier is not None,
        policy=policy,
        moderation=moderation,
        parent=parent,
        honeypot=submission.honeypot,
        form_age_seconds=submission.form_age_seconds,
    )
    published = comment.status == services.APPROVED
    is_new = changed is None
    if is_new:
        identity.approved_count = int(published)
    channel = f"article:{article.pk}:comments"
    event_data(channel, "comment", {})  # (the channel checked as event_publish does)
    params = {
        **_prepared(identity, "i_", list(Identity._meta.concrete_fields)),
        **_prepared(comment, "c_", _comment_fields()),
        "published": published,
        "trusted_after": conf.get("TRUSTED_AFTER"),
        "e_channel": channel,
        "e_event": "comment",
        "e_created_at": comment.created_at,
    }
    write = _statements()["write new" if is_new else "write known"]
    row = await fastpath.fetchone(write, params)
    assert row is not None
    comment_id, identity_id, event_id, event_json, may_notify = row[:5]
    if comment_id is None:
        return _left("the same form at the same moment")  # Django shows it
    comment.pk = comment_id
    identity.pk = comment.identity_id = identity_id
    identity._state.adding = False
    event = None if event_json is None else json.loads(event_json)
    await _after_commit(article, comment, event_id=event_id, event=event)
    return Posted(
        article, comment, identity, bool(may_notify) and published, root_paths
    )


async def _after_commit(
    article: ArticlePage, comment: Comment, *, event_id: int | None, event: Any
) -> None:
    """What services._visible_count_add does once its transaction commits, for a
    published comment: the discussion's fragments and the pages showing it are
    stale, and its open pages are told (in one round trip when the live channel
    runs on the cache's Redis)."""
    if event_id is None:
        return  # held: nothing readers see has changed
    live_event = LiveEvent(
        pk=event_id,
        channel=f"article:{article.pk}:comments",
        event="comment",
        data=event,
        created_at=comment.created_at,
    )
    tags = [VERSION_TAG.format(article.pk)]
    redis_cache: Any = async_cache()
    try:
        if live_conf.redis_url() == redis_cache.server():
            message = (live_conf.redis_channel(), redis_message(live_event))
            await tags_invalidate_async(tags, publish=message)
        else:
            await tags_invalidate_async(tags)
            await event_published_async(live_event)
    except Exception:
        logger.exception("comment %s: pages not told of it", comment.pk)


async def _answer(request: Any, article_id: int) -> HttpResponseBase | None:
    request.get_host()  # as Django: a host not in ALLOWED_HOSTS is Django's 400
    if not same_origin(request):
        return _left("another origin")  # Django's refusal
    posted = await comment_post(request, article_id)
    if posted is None:
        return None
    # Written: from here on, this answers whatever happens.
    article, comment = posted.article, posted.comment
    try:
        if posted.may_notify:
            for listener in services.approval_listeners:
                await django_call(listener, comment_id=comment.pk)
        article._wagtail_cached_site_root_paths = posted.site_root_paths
        if views.wants_json(request):
            payload = await django_call(
                views.posted_json, request=request, article=article, comment=comment
            )
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
    if (
        found is None
        or not enabled()
        or fastpath.has_session(scope)
        or not fastpath.body_is_small(scope)
    ):
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
