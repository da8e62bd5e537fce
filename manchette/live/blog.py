"""The live blog (« EN DIRECT ») of an article: its entries, rendered the same way
in the cached page and in the events that update open pages."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import _json_script_escapes  # type: ignore[attr-defined]
from django.utils.safestring import SafeString, mark_safe

from manchette.core.pagecache import tags_invalidate
from manchette.live.models import LiveEntry
from manchette.live.services import event_publish

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from manchette.newsroom.models import ArticlePage


def blog_channel(article_id: int) -> str:
    return f"article:{article_id}:blog"


# Selectors -------------------------------------------------------------------------
def live_entry_list(*, article: ArticlePage) -> QuerySet[LiveEntry]:
    return (
        LiveEntry.objects.filter(article=article, deleted_at__isnull=True)
        .select_related("image", "flash")
        .order_by("-created_at", "-pk")
    )


def live_entry_summary(*, entry: LiveEntry) -> str:
    """The line « L’essentiel » shows for a pinned entry."""
    text = entry.text or entry.quote or (entry.flash.text if entry.flash else "")
    return text if len(text) <= 160 else text[:159] + "…"


def live_entry_html(*, entry: LiveEntry) -> str:
    return render_to_string("live/entry.html", {"entry": entry})


def live_blog_json_ld(
    *, article: ArticlePage, entries: list[LiveEntry], canonical: str
) -> SafeString:
    status = getattr(article, "live_status", "off")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": article.title,
        "url": canonical,
        "coverageStartTime": (
            entries[-1].created_at if entries else article.first_published_at
        ),
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "headline": (entry.text or entry.quote or str(entry.flash or ""))[:110],
                "datePublished": entry.created_at,
                "url": f"{canonical}#entree-{entry.pk}",
            }
            for entry in entries[:50]
        ],
    }
    if status == "ended" and entries:
        data["coverageEndTime"] = entries[0].created_at
    text = json.dumps(data, cls=_Encoder, ensure_ascii=False)
    return mark_safe(text.translate(_json_script_escapes))  # noqa: S308 - escaped


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if hasattr(o, "isoformat"):
            return o.isoformat()
        return super().default(o)


# Services ---------------------------------------------------------------------------
def _announce(*, entry: LiveEntry, event: str) -> None:
    data: dict[str, Any] = {"id": entry.pk, "pinned": entry.pinned}
    if event != "entry-delete":
        data["html"] = live_entry_html(entry=entry)
        data["summary"] = live_entry_summary(entry=entry)
    event_publish(channel=blog_channel(entry.article_id), event=event, data=data)
    tags = [f"page:{entry.article_id}"]
    transaction.on_commit(lambda: tags_invalidate(tags))


@transaction.atomic
def live_entry_post(*, article: ArticlePage, **fields: Any) -> LiveEntry:
    """Publish an entry: it appears at the top of every open page of the article."""
    entry = LiveEntry(article=article, **fields)
    entry.full_clean()
    entry.save()
    _announce(entry=entry, event="entry")
    return entry


@transaction.atomic
def live_entry_announce_change(*, entry: LiveEntry, created: bool) -> LiveEntry:
    """After the admin saved an entry: mark a correction, push it to open pages."""
    if not created:
        entry.edited_at = timezone.now()
        entry.save(update_fields=["edited_at"])
    _announce(entry=entry, event="entry" if created else "entry-update")
    return entry


@transaction.atomic
def live_entry_update(*, entry: LiveEntry, **fields: Any) -> LiveEntry:
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.full_clean()
    entry.save()
    return live_entry_announce_change(entry=entry, created=False)


@transaction.atomic
def live_entry_delete(*, entry: LiveEntry) -> LiveEntry:
    """Kept (the record of what was published), no longer shown."""
    entry.deleted_at = timezone.now()
    entry.save(update_fields=["deleted_at"])
    _announce(entry=entry, event="entry-delete")
    return entry


def live_blog_status_announce(*, article: ArticlePage) -> None:
    """The article was published with a live status (« en direct », « terminé »)."""
    status = getattr(article, "live_status", "off")
    if status != "off":
        event_publish(
            channel=blog_channel(article.pk), event="status", data={"status": status}
        )
