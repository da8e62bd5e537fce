from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.core.cache import cache
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from manchette.discussions.rendering import identicon_svg

register = template.Library()


@register.simple_tag
def discussion_block(article: Any) -> SafeString:
    """The discussion under an article, as every reader sees it (cached with the page,
    and on its own until the discussion changes)."""
    from manchette.discussions.views import discussion_block_html

    return discussion_block_html(article=article)


@register.filter
def avatar(seed: str) -> SafeString:
    return mark_safe(identicon_svg(seed or "-"))  # noqa: S308 - built from a hash only


@register.filter
def html_body(comment: Any) -> SafeString:
    """The HTML rendered and sanitised when the comment was written."""
    return mark_safe(comment.body_html)  # noqa: S308 - nh3-cleaned at write time


_ANY_ID = 987654321


@lru_cache(maxsize=64)
def _comment_url_parts(name: str, prefix: str, urlconf: Any) -> tuple[str, str]:
    head, _id, tail = reverse(f"discussions:{name}", args=[_ANY_ID]).partition(
        str(_ANY_ID)
    )
    return head, tail


@register.filter
def comment_url(comment_id: int, name: str) -> str:
    """`{% url "discussions:<name>" comment.pk %}`, reversed once per link name
    instead of five times on every comment of every thread."""
    head, tail = _comment_url_parts(name, get_script_prefix(), get_urlconf())
    return f"{head}{int(comment_id)}{tail}"


# Each comment's own markup, kept apart --------------------------------------------------

COMMENT_HTML_KEY = "discussions:comment-html:{}:{}"
COMMENT_HTML_SECONDS = 24 * 3600


def comment_state(comment: Any, *, is_open: bool) -> str:
    """Everything comment.html shows of a comment (its replies aside): the markup
    kept under this digest is the markup of this state, whatever changed elsewhere in
    the discussion. A field added to the template must be added here."""
    identity = comment.identity if comment.identity_id else None
    shown = (
        comment.depth,
        comment.is_pinned,
        comment.is_editors_pick,
        comment.is_placeholder,
        comment.avatar_seed,
        comment.as_newsroom,
        comment.author_name,
        identity.trust if identity else "",
        comment.created_at.isoformat(),
        comment.is_edited,
        comment.reply_to_name,
        comment.body_html,
        comment.upvotes,
        comment.downvotes,
        is_open,
        get_language(),
        settings.WAGTAIL_SITE_NAME,
        settings.TIME_ZONE,
    )
    return hashlib.blake2b(repr(shown).encode(), digest_size=12).hexdigest()


def _kept_comment_html(thread: Any, *, is_open: bool) -> dict[str, str]:
    """The kept markup of every comment of this page of the thread, read in one go
    the first time one of them is shown."""
    kept = getattr(thread, "kept_comment_html", None)
    if kept is None:
        keys = []
        for top in thread.comments:
            for comment in (top, *getattr(top, "replies", ())):
                comment.markup_key = _markup_key(comment, is_open=is_open)
                keys.append(comment.markup_key)
        kept = cache.get_many(keys) if keys else {}
        thread.kept_comment_html = kept
    return kept


def _markup_key(comment: Any, *, is_open: bool) -> str:
    return COMMENT_HTML_KEY.format(comment.pk, comment_state(comment, is_open=is_open))


@register.tag("commentmarkup")
def do_commentmarkup(parser: template.base.Parser, token: template.base.Token) -> Any:
    """{% commentmarkup %}…{% endcommentmarkup %} in comment.html: the comment's own
    markup, rendered once per state of the comment (``comment_state``) instead of at
    every render of its discussion, so that a new comment renders only itself."""
    nodelist = parser.parse(("endcommentmarkup",))
    parser.delete_first_token()
    return CommentMarkupNode(nodelist)


class CommentMarkupNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        comment, thread = context.get("comment"), context.get("thread")
        if context.get("personal") or comment is None or thread is None:
            return self.nodelist.render(context)  # the reader's own edit links
        is_open = bool(context.get("is_open"))
        kept = _kept_comment_html(thread, is_open=is_open)
        # Worked out with the page's other keys; a comment not in the page is rare.
        key = getattr(comment, "markup_key", None) or _markup_key(
            comment, is_open=is_open
        )
        html = kept.get(key)
        if html is None:
            html = self.nodelist.render(context)
            cache.set(key, str(html), timeout=COMMENT_HTML_SECONDS)
        return mark_safe(html)  # noqa: S308 - our own template's output
