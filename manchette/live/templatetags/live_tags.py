from __future__ import annotations

from typing import Any

from django import template

from manchette.core.http import page_cache_tags
from manchette.live.blog import (
    blog_channel,
    live_blog_json_ld,
    live_entry_list,
    live_entry_summary,
)
from manchette.live.selectors import event_last_id

register = template.Library()


@register.simple_tag(takes_context=True)
def live_blog(context: Any, article: Any) -> dict[str, Any]:
    """What `live/blog.html` shows. The last event id is read before the entries:
    the page's stream replays whatever came after, even from the page cache."""
    request = context.get("request")
    last_event_id = event_last_id()
    entries = list(live_entry_list(article=article))
    for entry in entries:
        entry.summary = live_entry_summary(entry=entry)  # type: ignore[attr-defined]
    if request is not None:
        # A linked flash's correction changes this page.
        page_cache_tags(
            request, *{f"flash:{e.flash_id}" for e in entries if e.flash_id}
        )
    canonical = context.get("canonical_url", "")
    return {
        "entries": entries,
        "pinned": [e for e in entries if e.pinned],
        "status": getattr(article, "live_status", "off"),
        "channel": blog_channel(article.pk),
        "last_event_id": last_event_id,
        "json_ld": live_blog_json_ld(
            article=article, entries=entries, canonical=canonical
        ),
    }
