"""Every write of the discussions: posting, replying, editing, deleting, voting,
reporting, moderating and importing comments, and the readers' identities."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from manchette.core.db import row_insert, row_update
from manchette.discussions import conf, selectors
from manchette.discussions.fragments import discussion_changed
from manchette.discussions.models import (
    ArticleDiscussion,
    Comment,
    CommentRevision,
    CommentStatus,
    Identity,
    ModerationAction,
    ModerationDecision,
    Report,
    Trust,
    Vote,
)
from manchette.discussions.policy import (
    CommentRefused,
    article_check_open,
    banned_words_found,
    held_by_policy,
    moderation_settings,
    rate_limits_check,
    rules_by_kind,
    signals_for,
)
from manchette.discussions.rendering import (
    Participant,
    body_render,
    email_hash,
    link_count,
    mentioned_in,
    text_normalize,
)
from manchette.newsroom.models import ArticlePage

logger = logging.getLogger("manchette.discussions")
APPROVED = CommentStatus.APPROVED
# Signals that a moderator must see before publication, whatever the policy.
HOLDING_SIGNALS = {
    "honeypot",
    "too_fast",
    "banned_word",
    "too_many_links",
    "banned_email",
    "banned_domain",
    "banned_ip",
    "banned_identity",
    "duplicate",
}
# Effects of approval that other parts (notifications) add; each gets the comment.
approval_listeners: list = []


# Identities ------------------------------------------------------------------------


def trust_compute(identity: Identity) -> str:
    if identity.user_id and identity.user and identity.user.is_staff:
        return Trust.STAFF
    if identity.email_confirmed_at is None:
        return Trust.NEW
    if identity.approved_count >= conf.get("TRUSTED_AFTER"):
        return Trust.TRUSTED
    return Trust.CONFIRMED


def identity_new(*, name: str = "", email: str = "", user=None) -> Identity:
    """A new identity, not yet stored."""
    identity = Identity(
        token=secrets.token_urlsafe(32),
        name=name,
        email=email,
        email_hash=email_hash(email),
        user=user,
    )
    identity.trust = trust_compute(identity)
    return identity


def identity_create(*, name: str = "", email: str = "", user=None) -> Identity:
    identity = identity_new(name=name, email=email, user=user)
    row_insert(identity)  # on the hot path: a guest's first vote
    return identity


def guest_identity_change(
    identity: Identity | None, *, name: str, email: str
) -> tuple[Identity, list[str] | None]:
    """What a guest's comment does to their identity, decided without writing:
    (the identity, the fields changed), or (a new identity, None) at their first
    comment. A confirmed identity is tied to its address: another address starts
    another identity. (Shared by identity_for_guest and the fast path.)"""
    email, name = email.strip(), text_normalize(name).strip()
    if identity is None or (
        identity.email_confirmed_at is not None
        and identity.email_hash != email_hash(email)
    ):
        return identity_new(name=name, email=email), None
    changed = []
    if name and identity.name != name:
        identity.name = name
        changed.append("name")
    if email and identity.email_confirmed_at is None and identity.email != email:
        identity.email, identity.email_hash = email, email_hash(email)
        changed += ["email", "email_hash"]
    return identity, changed


def identity_for_guest(*, identity: Identity | None, name: str, email: str) -> Identity:
    """The guest's identity, created at their first comment, with the name and
    address they gave (see guest_identity_change)."""
    identity, changed = guest_identity_change(identity, name=name, email=email)
    if changed is None:
        row_insert(identity)  # on the hot path: a guest's first comment
    elif changed:
        row_update(identity, changed)
    return identity


def identity_for_user(*, user) -> Identity:
    """A signed-in reader or journalist speaks with one identity."""
    identity = Identity.objects.filter(user=user).first()
    if identity is None:
        name = user.get_full_name() or user.get_username()
        identity = identity_create(name=name, email=user.email, user=user)
    elif identity.trust != trust_compute(identity):
        identity.trust = trust_compute(identity)
        identity.save(update_fields=["trust"])
    return identity


def _identity_approved_add(identity_id: int | None, delta: int) -> None:
    if not identity_id or not delta:
        return
    # (never below zero: imported comments may be attached to an identity later)
    table = connection.ops.quote_name(Identity._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET approved_count = approved_count + %s,"  # noqa: S608 - table name from the model
            f" trust = {trust_after_sql('%s')} WHERE id = %s AND approved_count >= %s",
            [delta, delta, conf.get("TRUSTED_AFTER"), identity_id, -delta],
        )


def trust_after_sql(delta_sql: str) -> str:
    """SQL for an identity's trust once `delta_sql` approved comments are added to
    its count, as trust_compute says, in the statement that adds them (no read of the
    identity on the way; staff: the stored trust, which identity_for_user keeps in
    step with the account at each of its requests). Then one parameter: how many
    approved comments make a reader trusted. Written in SQL: the ORM's Case() took a
    tenth of a post's Python time to build. (Shared with discussions.fastpath.)"""
    return (
        f"CASE WHEN trust = '{Trust.STAFF.value}' THEN trust"
        f" WHEN email_confirmed_at IS NULL THEN '{Trust.NEW.value}'"
        f" WHEN approved_count + {delta_sql} >= %s THEN '{Trust.TRUSTED.value}'"
        f" ELSE '{Trust.CONFIRMED.value}' END"
    )


# Counts and what follows a change of what readers see ---------------------------------


def _page_changed(article_id: int) -> None:
    # The tag `discussion:<id>` is both the discussion fragments' version and what the
    # cached pages showing the discussion (the article, the cards' counts) carry.
    discussion_changed(article_id)


def _live_publish(*, article_id: int, comment_id: int, count: int) -> None:
    """The event for the article's open pages, written in the comment's transaction
    (one commit for both) and pushed once it commits."""
    try:
        from manchette.live.services import event_publish
    except ImportError:  # the live channel is optional: pages then poll the count
        return
    event_publish(
        channel=f"article:{article_id}:comments",
        event="comment",
        data={"id": comment_id, "count": count},
    )


def _discussion_count_add(comment: Comment, delta: int) -> int:
    """Add `delta` to the article's count of published comments (and, for a new one,
    remember it as the latest); returns the new count. One statement once the row
    exists: the ORM's update cannot return the count, which the live event needs."""
    table = connection.ops.quote_name(ArticleDiscussion._meta.db_table)
    assignments = "comment_count = comment_count + %s"
    params: list[Any] = [delta]
    if delta > 0:
        assignments += ", last_comment_at = %s, last_comment_id = %s"
        params += [
            connection.ops.adapt_datetimefield_value(comment.created_at),
            comment.pk,
        ]
    sql = f"UPDATE {table} SET {assignments} WHERE article_id = %s RETURNING comment_count"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, comment.article_id])
        row = cursor.fetchone()
        if row is None:  # the discussion's first change
            ArticleDiscussion.objects.get_or_create(article_id=comment.article_id)
            cursor.execute(sql, [*params, comment.article_id])
            row = cursor.fetchone()
    return int(row[0])


def _visible_count_add(comment: Comment, delta: int, *, announce: bool = True) -> None:
    """Keep the denormalised counts right when a comment enters or leaves the thread
    (inside the caller's transaction)."""
    if not delta:
        return
    count = _discussion_count_add(comment, delta)
    if comment.parent_id:
        Comment.objects.filter(pk=comment.parent_id).update(
            reply_count=F("reply_count") + delta
        )
    _identity_approved_add(comment.identity_id, delta)
    _page_changed(comment.article_id)
    if delta > 0 and announce:
        _live_publish(article_id=comment.article_id, comment_id=comment.pk, count=count)
        for listener in approval_listeners:
            transaction.on_commit(partial(listener, comment.pk))


def _status_set(comment: Comment, status: str, **fields) -> None:
    before = comment.status
    comment.status = status
    for name, value in fields.items():
        setattr(comment, name, value)
    comment.save(update_fields=["status", *fields])
    _visible_count_add(comment, int(status == APPROVED) - int(before == APPROVED))


def article_comments_close(*, article: ArticlePage, closed: bool) -> None:
    """Close (or reopen) an article's discussion by hand."""
    ArticleDiscussion.objects.update_or_create(
        article_id=article.pk, defaults={"closed": closed}
    )
    _page_changed(article.pk)


# Posting ------------------------------------------------------------------------------


def comment_body(body: str) -> str:
    """The text as stored, or CommentRefused (empty, too long)."""
    body = text_normalize(body)
    if not body.strip():
        raise CommentRefused(_("Écrivez votre commentaire avant de l’envoyer."))
    if len(body) > conf.get("MAX_LENGTH"):
        raise CommentRefused(
            _(
                "Votre commentaire dépasse %(max)s caractères ; raccourcissez-le "
                "(il est conservé ci-dessous)."
            )
            % {"max": conf.get("MAX_LENGTH")}
        )
    return body


def _links_allowed(identity: Identity) -> bool:
    return identity.trust != Trust.NEW


def _participants_for(article_id: int, body: str) -> list[Participant]:
    """The thread's participants, read only when the text may mention someone."""
    return selectors.thread_participants(article_id=article_id) if "@" in body else []


def _mentioned_set(
    comment: Comment, participants: list[Participant], *, clear: bool = False
) -> None:
    """Record whom the comment addresses (never its own author), to tell them once it
    is published."""
    ids = {
        p.identity_id
        for p in mentioned_in(comment.body_raw, participants)
        if p.identity_id and p.identity_id != comment.identity_id
    }
    if ids or clear:
        comment.mentioned.set(ids)


def _idempotency_key(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def _placement(parent: Comment | None) -> tuple[Comment | None, int | None, int, str]:
    """(parent, thread root, depth, name answered): a reply deeper than the limit
    attaches to the deepest level and names whom it answers."""
    if parent is None:
        return None, None, 0, ""
    deepest = conf.get("MAX_DEPTH") - 1
    if parent.depth < deepest:
        return parent, parent.root_id or parent.pk, parent.depth + 1, ""
    attach_to = parent.parent if parent.parent_id else parent
    return attach_to, parent.root_id or parent.pk, deepest, parent.author_name


def earlier_same_statement() -> str:
    """The comment a form's key already created, else a comment with the same text
    under the same article since a moment: (id, key), the key's first. Parameters:
    key, article id, since, text. In SQL: the ORM's OR of two conditions cost three
    times the query's own time. (Shared with discussions.fastpath.)"""
    return (
        f"SELECT id, idempotency_key FROM {connection.ops.quote_name(Comment._meta.db_table)}"  # noqa: S608 - name from the model
        " WHERE idempotency_key = %s"
        " OR (article_id = %s AND created_at >= %s AND body_raw = %s)"
        " ORDER BY idempotency_key = %s DESC, created_at DESC LIMIT 1"
    )


def duplicate_since() -> datetime:
    return timezone.now() - timedelta(minutes=conf.get("DUPLICATE_MINUTES"))


def _earlier_same(
    *, article: ArticlePage, key: str, body: str
) -> tuple[Comment | None, bool]:
    """(the comment this same form already created, whether the same text was posted
    under this article lately), in one query. Should a recent duplicate hide the
    form's earlier comment, the insert meets the key's unique constraint and
    comment_post returns that comment all the same."""
    since = connection.ops.adapt_datetimefield_value(duplicate_since())
    with connection.cursor() as cursor:
        cursor.execute(earlier_same_statement(), [key, article.pk, since, body, key])
        earlier = cursor.fetchone()
    if earlier is not None and earlier[1] == key:
        return Comment.objects.get(pk=earlier[0]), False
    return None, earlier is not None


def comment_post_checks(
    *, article: ArticlePage, identity: Identity, body: str, moderation: dict
) -> tuple[str, str]:
    """(the text as stored, the article's policy), or CommentRefused: what a comment
    and its article must pass, whoever posts it."""
    body = comment_body(body)
    if not (identity.name or "").strip():
        raise CommentRefused(
            _("Indiquez le nom sous lequel publier votre commentaire.")
        )
    return body, article_check_open(article, moderation)


def reply_check(*, parent: Comment, article: ArticlePage) -> None:
    """A reply answers a published comment of the same article, or CommentRefused."""
    if parent.article_id != article.pk or parent.status != APPROVED:
        raise CommentRefused(_("On ne peut plus répondre à ce commentaire."))


def comment_new(
    *,
    article: ArticlePage,
    identity: Identity,
    body: str,
    ip: str,
    key: str,
    duplicate: bool,
    policy: str,
    moderation: dict,
    parent: Comment | None = None,
    participants: list[Participant] | None = None,
    honeypot: str = "",
    form_age_seconds: float | None = None,
    as_newsroom: bool = False,
) -> Comment:
    """The comment to store, not yet stored: whether it is published or held, and
    why, its place in the thread and its HTML, rendered once here."""
    signals = signals_for(
        duplicate=duplicate,
        identity=identity,
        email=identity.email,
        ip=ip,
        body=body,
        honeypot=honeypot,
        form_age_seconds=form_age_seconds,
        rules=moderation["rules"],
    )
    held = [s for s in signals if s in HOLDING_SIGNALS]
    by_policy = held_by_policy(policy=policy, identity=identity)
    if by_policy and not held:
        signals.append(by_policy)
    status = CommentStatus.PENDING if held or by_policy else APPROVED
    if "honeypot" in signals:
        status = CommentStatus.SPAM
    attach_to, root_id, depth, reply_to_name = _placement(parent)
    return Comment(
        article=article,
        parent=attach_to,
        root_id=root_id,
        depth=depth,
        reply_to_name=reply_to_name,
        identity=identity,
        author_name=(identity.name or "").strip()[: conf.get("NAME_MAX_LENGTH")],
        author_email=identity.email,
        avatar_seed=identity.email_hash
        or hashlib.sha256(identity.token.encode()).hexdigest(),
        as_newsroom=as_newsroom and identity.trust == Trust.STAFF,
        body_raw=body,
        body_html=body_render(
            body, links=_links_allowed(identity), participants=participants or []
        ),
        status=status,
        signals=signals,
        idempotency_key=key,
        ip=ip or None,
    )


def comment_idempotency_key(
    *,
    nonce: str,
    article_id: int,
    parent_id: int | None,
    identity_token: str,
    body: str,
) -> str:
    """What makes a form sent twice the same comment. (The identity by its token,
    which a new one has before it is stored.)"""
    return _idempotency_key(nonce, article_id, parent_id or "", identity_token, body)


def comment_post(
    *,
    article: ArticlePage,
    identity: Identity,
    body: str,
    ip: str,
    parent: Comment | None = None,
    nonce: str = "",
    honeypot: str = "",
    form_age_seconds: float | None = None,
    as_newsroom: bool = False,
) -> Comment:
    """Post a comment (or, with `parent`, a reply). Returns the comment, already
    created when the same form was sent twice. (A guest's new comment on PostgreSQL
    and Redis is most often posted by discussions.fastpath, with the same checks and
    decisions: comment_post_checks, comment_new.)"""
    moderation = moderation_settings()
    body, policy = comment_post_checks(
        article=article, identity=identity, body=body, moderation=moderation
    )
    if parent is not None:
        reply_check(parent=parent, article=article)
    key = comment_idempotency_key(
        nonce=nonce,
        article_id=article.pk,
        parent_id=parent.pk if parent else None,
        identity_token=identity.token,
        body=body,
    )
    existing, duplicate = _earlier_same(article=article, key=key, body=body)
    if existing is not None:
        return existing
    rate_limits_check(ip=ip, email_hash=identity.email_hash, article_id=article.pk)
    participants = _participants_for(article.pk, body)
    comment = comment_new(
        article=article,
        identity=identity,
        body=body,
        ip=ip,
        key=key,
        duplicate=duplicate,
        policy=policy,
        moderation=moderation,
        parent=parent,
        participants=participants,
        honeypot=honeypot,
        form_age_seconds=form_age_seconds,
        as_newsroom=as_newsroom,
    )
    # (no savepoint when the caller's transaction holds this one: a form sent twice
    # at once meets the key's unique constraint, and the insert is simply not made)
    with transaction.atomic(savepoint=False):
        if not row_insert(comment, unless_taken="idempotency_key"):
            return Comment.objects.get(idempotency_key=key)
        _mentioned_set(comment, participants)
        if comment.status == APPROVED:
            _visible_count_add(comment, 1)
    return comment


def comment_reply(
    *, parent: Comment, identity: Identity, body: str, ip: str, **options
) -> Comment:
    """A reply: its article is the parent's, as the database says."""
    return comment_post(
        article=parent.article,
        parent=parent,
        identity=identity,
        body=body,
        ip=ip,
        **options,
    )


# The author's own changes ------------------------------------------------------------------


def comment_edit_deadline(comment: Comment) -> datetime:
    trust = comment.identity.trust if comment.identity else Trust.NEW
    minutes = conf.get("EDIT_MINUTES" if trust == Trust.NEW else "EDIT_MINUTES_TRUSTED")
    return comment.created_at + timedelta(minutes=minutes)


def comment_is_editable(comment: Comment, *, identity: Identity | None) -> bool:
    return (
        identity is not None
        and comment.identity_id == identity.pk
        and comment.status in (APPROVED, CommentStatus.PENDING)
        and timezone.now() < comment_edit_deadline(comment)
        and not Comment.objects.filter(parent=comment)
        .exclude(
            status__in=[
                CommentStatus.REJECTED,
                CommentStatus.SPAM,
                CommentStatus.DELETED,
            ]
        )
        .exists()
    )


@transaction.atomic
def comment_edit(*, comment: Comment, identity: Identity, body: str) -> Comment:
    comment = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("identity")
        .get(pk=comment.pk)
    )
    if not comment_is_editable(comment, identity=identity):
        raise CommentRefused(
            _(
                "Ce commentaire ne peut plus être modifié (délai passé ou réponse reçue)."
            ),
            status=403,
        )
    body = comment_body(body)
    if body == comment.body_raw:
        return comment
    CommentRevision.objects.create(
        comment=comment, body_raw=comment.body_raw, body_html=comment.body_html
    )
    had_mentions = "@" in comment.body_raw
    participants = _participants_for(comment.article_id, body)
    comment.body_raw = body
    comment.body_html = body_render(
        body, links=_links_allowed(identity), participants=participants
    )
    comment.is_edited, comment.edited_at = True, timezone.now()
    comment.save(update_fields=["body_raw", "body_html", "is_edited", "edited_at"])
    # (an edit tells nobody: only publication does, once)
    _mentioned_set(comment, participants, clear=had_mentions)
    words = rules_by_kind()["word"]
    if comment.status == APPROVED and (
        banned_words_found(body, words) or link_count(body) > conf.get("MAX_LINKS")
    ):
        _status_set(
            comment, CommentStatus.PENDING, signals=[*comment.signals, "banned_word"]
        )
    else:
        _page_changed(comment.article_id)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, identity: Identity) -> Comment:
    """The author withdraws their comment; it stays as « Commentaire supprimé » for
    the replies it has."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.identity_id != identity.pk or comment.status == CommentStatus.DELETED:
        raise CommentRefused(
            _("Vous ne pouvez supprimer que vos propres commentaires."), status=403
        )
    comment.revisions.all().delete()
    _status_set(comment, CommentStatus.DELETED, body_raw="", body_html="")
    return comment


# Readers' reactions to comments -------------------------------------------------------------


@transaction.atomic
def comment_vote(*, comment: Comment, identity: Identity, value: int) -> Comment:
    """Vote +1 or -1 (0 withdraws); one vote per reader, changeable."""
    if value not in (-1, 0, 1):
        raise CommentRefused(_("Vote inconnu."))
    comment = Comment.objects.select_related("article").get(pk=comment.pk)
    if comment.status != APPROVED:
        raise CommentRefused(_("Ce commentaire n’est pas publié."), status=404)
    article_check_open(comment.article)
    vote = (
        Vote.objects.select_for_update()
        .filter(comment=comment, identity=identity)
        .first()
    )
    before = vote.value if vote else 0
    if before == value:
        return comment
    if vote is None:
        Vote.objects.create(comment=comment, identity=identity, value=value)
    elif value == 0:
        vote.delete()
    else:
        vote.value = value
        vote.save(update_fields=["value"])
    Comment.objects.filter(pk=comment.pk).update(
        score=F("score") + (value - before),
        upvotes=F("upvotes") + int(value == 1) - int(before == 1),
        downvotes=F("downvotes") + int(value == -1) - int(before == -1),
    )
    _page_changed(comment.article_id)
    comment.refresh_from_db(fields=["score", "upvotes", "downvotes"])
    return comment


@transaction.atomic
def comment_report(*, comment: Comment, identity: Identity, reason: str) -> Comment:
    """A reader flags a comment; past the threshold it waits for a moderator."""
    comment = (
        Comment.objects.select_for_update().select_related("article").get(pk=comment.pk)
    )
    if comment.status != APPROVED:
        raise CommentRefused(_("Ce commentaire n’est pas publié."), status=404)
    _report, created = Report.objects.get_or_create(
        comment=comment, identity=identity, defaults={"reason": reason}
    )
    if not created:
        return comment
    comment.report_count += 1
    comment.save(update_fields=["report_count"])
    if (
        comment.report_count >= conf.get("REPORT_THRESHOLD")
        and not comment.is_editors_pick
    ):
        _status_set(
            comment, CommentStatus.PENDING, signals=[*comment.signals, "reported"]
        )
        ModerationDecision.objects.create(
            comment=comment, action=ModerationAction.HOLD, reason=_("signalements")
        )
    return comment


# Moderation ----------------------------------------------------------------------------------

MODERATION_STATUS = {
    ModerationAction.APPROVE: APPROVED,
    ModerationAction.REJECT: CommentStatus.REJECTED,
    ModerationAction.SPAM: CommentStatus.SPAM,
    ModerationAction.REMOVE: CommentStatus.REMOVED,
    ModerationAction.HOLD: CommentStatus.PENDING,
}
MODERATION_FLAGS = {
    ModerationAction.PIN: ("is_pinned", True),
    ModerationAction.UNPIN: ("is_pinned", False),
    ModerationAction.PICK: ("is_editors_pick", True),
    ModerationAction.UNPICK: ("is_editors_pick", False),
}
# Sent to the author when a moderator removes a comment (see notifications).
removal_listeners: list = []


@transaction.atomic
def comment_moderate(
    *, comment: Comment, moderator, action: str, reason: str = ""
) -> Comment:
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if action in MODERATION_STATUS:
        fields = {"removal_reason": reason} if action == ModerationAction.REMOVE else {}
        _status_set(comment, MODERATION_STATUS[ModerationAction(action)], **fields)
    elif action in MODERATION_FLAGS:
        name, value = MODERATION_FLAGS[ModerationAction(action)]
        setattr(comment, name, value)
        comment.save(update_fields=[name])
        _page_changed(comment.article_id)
    elif action == ModerationAction.BAN:
        identity_ban(
            identity=comment.identity,
            moderator=moderator,
            reason=reason,
            comment=comment,
        )
        return comment
    else:
        raise ValueError(action)
    ModerationDecision.objects.create(
        comment=comment,
        identity_id=comment.identity_id,
        moderator=moderator,
        action=action,
        reason=reason,
    )
    if action == ModerationAction.REMOVE:
        comment_id = comment.pk
        for listener in removal_listeners:
            transaction.on_commit(partial(listener, comment_id))
    return comment


@transaction.atomic
def identity_ban(
    *,
    identity: Identity | None,
    moderator,
    reason: str = "",
    comment: Comment | None = None,
) -> None:
    """Ban the author: their comments are held from now on, and the one in hand is spam."""
    if comment is not None and comment.status != CommentStatus.SPAM:
        _status_set(comment, CommentStatus.SPAM)
    if identity is not None:
        Identity.objects.filter(pk=identity.pk).update(
            banned_at=timezone.now(), ban_reason=reason
        )
    ModerationDecision.objects.create(
        comment=comment,
        identity=identity,
        moderator=moderator,
        action=ModerationAction.BAN,
        reason=reason,
    )


@transaction.atomic
def comment_review_request(
    *, comment: Comment, identity: Identity, text: str
) -> Comment:
    """The author of a removed comment asks, once, for another look."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.identity_id != identity.pk or comment.status != CommentStatus.REMOVED:
        raise CommentRefused(_("Ce réexamen ne peut pas être demandé."), status=403)
    if comment.review_requested_at is not None:
        raise CommentRefused(_("Vous avez déjà demandé un réexamen de ce commentaire."))
    comment.review_requested_at = timezone.now()
    comment.review_text = text_normalize(text)[:2000]
    comment.save(update_fields=["review_requested_at", "review_text"])
    ModerationDecision.objects.create(
        comment=comment,
        identity=identity,
        action=ModerationAction.REVIEW,
        reason=comment.review_text,
    )
    return comment


# Import ---------------------------------------------------------------------------------------


@transaction.atomic
def comment_import(
    *,
    article: ArticlePage,
    parent: Comment | None,
    author_name: str,
    author_email: str,
    author_url: str,
    ip: str | None,
    created_at: datetime,
    status: str,
    body_raw: str,
    likes: int = 0,
    dislikes: int = 0,
    external_id: str,
) -> Comment:
    """One comment from another system (WordPress), as it was; idempotent by
    `external_id`. Links are kept as text: nobody vouched for these authors here."""
    existing = Comment.objects.filter(external_id=external_id).first()
    if existing is not None:
        return existing
    body = text_normalize(body_raw)
    attach_to, root_id, depth, reply_to_name = _placement(parent)
    comment = Comment.objects.create(
        article=article,
        parent=attach_to,
        root_id=root_id,
        depth=depth,
        reply_to_name=reply_to_name,
        author_name=text_normalize(author_name)[: conf.get("NAME_MAX_LENGTH")]
        or _("Anonyme"),
        author_email=author_email or "",
        author_url=author_url or "",
        avatar_seed=email_hash(author_email)
        or hashlib.sha256(external_id.encode()).hexdigest(),
        body_raw=body,
        body_html=body_render(body, links=False),
        status=status,
        external_id=external_id,
        ip=ip or None,
        created_at=created_at,
        score=likes - dislikes,
        upvotes=likes,
        downvotes=dislikes,
    )
    if status == APPROVED:
        _visible_count_add(comment, 1, announce=False)
    return comment


# Readers' accounts and personal data ----------------------------------------------------------


class SignInRefused(CommentRefused):
    pass


@transaction.atomic
def reader_account_for_email(*, email: str):
    """The reader account of an address proven by an emailed link, created at the
    first sign-in; the address's pseudonymous identity joins it, history and all.
    Staff accounts never sign in this way (their access is the admin's)."""
    from django.contrib.auth import get_user_model

    email = email.strip()
    digest = email_hash(email)
    users = get_user_model().objects
    user = users.filter(email__iexact=email).order_by("pk").first()
    if user is not None and (user.is_staff or user.is_superuser):
        raise SignInRefused(
            _(
                "Ce compte est celui d’un membre de la rédaction : connectez-vous par l’administration."
            ),
            status=403,
        )
    if user is None:
        user = users.create_user(username=f"lecteur-{digest[:24]}", email=email)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if not user.is_active:
        raise SignInRefused(_("Ce compte a été fermé."), status=403)
    identity = Identity.objects.filter(user=user).first()
    if identity is None:
        identity = (
            Identity.objects.select_for_update()
            .filter(email_hash=digest, email_confirmed_at__isnull=False)
            .first()
        ) or Identity.objects.filter(email_hash=digest, user__isnull=True).order_by(
            "-pk"
        ).first()
        if identity is None:
            identity = identity_create(name="", email=email)
        identity.user = user
    if identity.email_confirmed_at is None:
        others = Identity.objects.filter(
            email_hash=digest, email_confirmed_at__isnull=False
        ).exclude(pk=identity.pk)
        if not others.exists():
            identity.email_confirmed_at = timezone.now()
    identity.save()
    identity.trust = trust_compute(identity)
    identity.save(update_fields=["trust"])
    return user


def _comments_of_email(email: str):
    """Every comment of an address: written under its identities, or imported."""
    return Comment.objects.filter(
        Q(identity__email_hash=email_hash(email))
        | Q(author_email__iexact=email.strip())
    )


@transaction.atomic
def reader_data_erase(*, email: str, keep_text: bool) -> int:
    """Erase what identifies the writer of an address (GDPR art. 17): name, email,
    address and avatar leave every comment, which either stays as « Anonyme » or
    loses its text too (« Commentaire supprimé » when it has replies). Returns the
    number of comments concerned."""
    from django.contrib.auth import get_user_model

    from manchette.discussions.models import Subscription

    anonymous = _("Anonyme")
    comments = list(_comments_of_email(email).select_for_update(of=("self",)))
    identities = list(Identity.objects.filter(email_hash=email_hash(email)))
    names = {c.author_name for c in comments} | {i.name for i in identities if i.name}
    articles = {c.article_id for c in comments}
    for comment in comments:
        comment.author_name, comment.author_email, comment.author_url = (
            anonymous,
            "",
            "",
        )
        comment.ip, comment.avatar_seed = None, secrets.token_hex(32)
        comment.save(
            update_fields=[
                "author_name",
                "author_email",
                "author_url",
                "ip",
                "avatar_seed",
            ]
        )
        comment.revisions.all().delete()
        if not keep_text and comment.status != CommentStatus.DELETED:
            _status_set(comment, CommentStatus.DELETED, body_raw="", body_html="")
    if names and articles:
        Comment.objects.filter(article_id__in=articles, reply_to_name__in=names).update(
            reply_to_name=anonymous
        )
    Subscription.objects.filter(identity__in=identities).delete()
    reader_users = [i.user_id for i in identities if i.user_id]
    for identity in identities:
        identity.name, identity.email, identity.email_hash = "", "", ""
        identity.email_confirmed_at, identity.user = None, None
        identity.token = secrets.token_urlsafe(32)  # the old cookie means nothing now
        identity.save()
    get_user_model().objects.filter(
        pk__in=reader_users, is_staff=False, is_superuser=False
    ).delete()
    for article_id in articles:
        _page_changed(article_id)
    return len(comments)
