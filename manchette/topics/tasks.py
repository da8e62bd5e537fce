"""Background work of the topics app (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def topic_suggestions_refresh_task(article_id: int) -> int:
    """Suggest topics for an article just saved; returns how many are waiting."""
    from manchette.newsroom.models import ArticlePage
    from manchette.topics.models import SuggestionStatus
    from manchette.topics.services import topic_suggestions_refresh

    if not ArticlePage.objects.filter(pk=article_id).exists():
        return 0  # deleted since it was saved
    suggestions = topic_suggestions_refresh(article_id=article_id)
    return sum(s.status == SuggestionStatus.PENDING for s in suggestions)
