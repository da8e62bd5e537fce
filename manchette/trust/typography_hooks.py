"""French typography on save: the article editor's submitted text is normalised
before Wagtail's form reads it (so the saved revision is already right), except the
blocks an editor chose to leave as typed. What changed is kept for the preview."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from manchette.newsroom.models import ArticlePage
from manchette.trust.models import TypographyExemption
from manchette.trust.typography import (
    Change,
    contentstate_text,
    normalise,
    normalise_contentstate,
    normalise_html,
    visible,
)

PLAIN_FIELDS = ("title", "kicker", "standfirst", "hero_caption", "update_note")
# Block type → the sub-fields of its value that are prose ("" for the value itself).
BODY_PROSE = {
    "paragraph": ("",),
    "heading": ("text",),
    "quote": ("text",),
    "image": ("caption",),
}
MAX_KEPT_CHANGES = 50


def session_key(article_id: int | None) -> str:
    return f"trust:typography:{article_id or 'new'}"


def _skipped(article_id: int | None) -> set[str]:
    if article_id is None:
        return set()
    return set(
        TypographyExemption.objects.filter(article_id=article_id).values_list(
            "block_id", flat=True
        )
    )


def normalise_post(
    post: QueryDict, *, skipped: set[str]
) -> tuple[QueryDict, list[Change]]:
    """A copy of the article form's data with its prose normalised, and the changes."""
    data = post.copy()
    changes: list[Change] = []

    def fix(key: str, label: str, *, rich: bool = False, block_id: str = "") -> None:
        before = data.get(key)
        if not before:
            return
        after = normalise_contentstate(before) if rich else normalise(before)
        if after != before:
            data[key] = after
            old = contentstate_text(before) if rich else before
            new = contentstate_text(after) if rich else after
            changes.append(Change(label, visible(old), visible(new), block_id))

    for name in PLAIN_FIELDS:
        fix(name, str(ArticlePage._meta.get_field(name).verbose_name))
    try:
        count = int(data.get("body-count", 0))
    except ValueError:
        count = 0
    for i in range(count):
        if data.get(f"body-{i}-deleted"):
            continue
        kind = data.get(f"body-{i}-type", "")
        block_id = data.get(f"body-{i}-id", "")
        if block_id in skipped:
            continue
        for part in BODY_PROSE.get(kind, ()):
            key = f"body-{i}-value" + (f"-{part}" if part else "")
            fix(key, f"{kind} {i + 1}", rich=(kind == "paragraph"), block_id=block_id)
    return data, changes


def before_save(request: HttpRequest, article_id: int | None) -> None:
    if request.method != "POST" or "body-count" not in request.POST:
        return
    data, changes = normalise_post(request.POST, skipped=_skipped(article_id))
    if changes:
        data._mutable = False
        # The form reads the normalised text.
        request.POST = data  # type: ignore[assignment]
    request.trust_typography_changes = changes  # type: ignore[attr-defined]


def after_save_message(request: HttpRequest, article: Any) -> None:
    """Keep this save's changes for the preview page, and say how many there were."""
    from django.urls import reverse
    from wagtail.admin import messages

    changes = getattr(request, "trust_typography_changes", None)
    if changes is None or not isinstance(article, ArticlePage):
        return
    if hasattr(request, "session"):
        request.session[session_key(article.pk)] = [
            c.as_dict() for c in changes[:MAX_KEPT_CHANGES]
        ]
    if not changes:
        return
    messages.info(
        request,
        _(
            "Typographie : %(count)s passage(s) corrigé(s) (espaces insécables, "
            "apostrophes, points de suspension)."
        )
        % {"count": len(changes)},
        buttons=[
            messages.button(
                reverse("trust_typography", args=[article.pk]),
                _("Voir les changements"),
            )
        ],
    )


def article_preview(article: ArticlePage, *, skipped: set[str]) -> list[dict[str, Any]]:
    """Each prose block of the draft, as it is and as the pass would make it."""
    rows = []
    for index, block in enumerate(article.body, start=1):
        kind = block.block_type
        if kind == "paragraph":
            before = strip_tags(block.value.source)
            after = strip_tags(normalise_html(block.value.source))
        elif kind in BODY_PROSE:
            part = BODY_PROSE[kind][0]
            before = str(block.value.get(part) or "")
            after = normalise(before)
        else:
            continue
        rows.append(
            {
                "id": block.id,
                "label": f"{kind} {index}",
                "before": visible(before),
                "after": visible(after),
                "changed": before != after,
                "skipped": block.id in skipped,
            }
        )
    return rows
