"""Writes of the topics app: suggestions, their decisions, merges; and the linking of
topics in a rendered article body."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.contrib.redirects.models import Redirect

from manchette.core.pagecache import tags_invalidate
from manchette.topics import conf
from manchette.topics.linking import LinkTarget, links_apply
from manchette.topics.matching import fold_phrase
from manchette.topics.models import SuggestionStatus, Topic, TopicSuggestion
from manchette.topics.suggesting import FoundTopic, language_model_loaded

logger = logging.getLogger(__name__)


def topic_links_apply(
    *, html: str, topics: Sequence[Topic], skip_words: Iterable[str] = ()
) -> str:
    """Wrap the first mention of each topic in the rendered body in a link to its page
    (never inside links, headings, quote attributions or the kicker), except the
    mentions the editor listed in `skip_words`. No query: the topics are given."""
    return links_apply(
        html=html,
        targets=[LinkTarget(t.matcher_entry, t.get_absolute_url()) for t in topics],
        skip_words=skip_words,
    )


def _article(article_id: int) -> Any:
    from manchette.newsroom.models import ArticlePage

    return ArticlePage.objects.get(pk=article_id)


def article_text(page: Any) -> str:
    """What suggestions read: the headline, the standfirst and the body's words."""
    return "\n".join([page.title, page.standfirst, page.body_text])


@transaction.atomic
def topic_suggestions_refresh(*, article_id: int) -> list[TopicSuggestion]:
    """Suggest topics for the article's latest version (draft included). Decisions
    already taken stay; suggestions no longer found in the text go."""
    from manchette.topics.selectors import topics_found_in_text

    article = _article(article_id)
    draft = article.get_latest_revision_as_object()
    on_article = {topic.pk for topic in draft.topics.all()}
    found = [
        f
        for f in topics_found_in_text(text=article_text(draft))
        if f.topic_id not in on_article
    ]
    existing = {s.key: s for s in TopicSuggestion.objects.filter(article=article)}
    for item in found:
        suggestion = existing.get(item.key)
        if suggestion is None:
            suggestion = TopicSuggestion(article=article, key=item.key)
        elif suggestion.status != SuggestionStatus.PENDING:
            continue
        suggestion.topic_id = item.topic_id
        suggestion.name = item.name[:200]
        suggestion.kind = item.kind
        suggestion.matched_words = item.words[:20]
        suggestion.save()
    TopicSuggestion.objects.filter(
        article=article, status=SuggestionStatus.PENDING
    ).exclude(key__in=[item.key for item in found]).delete()
    return list(TopicSuggestion.objects.filter(article=article))


def topic_suggestions_request(*, article: Any) -> bool:
    """Called when an editor saves an article: suggestions now for a short text when
    the language model is already loaded, otherwise in a background task. Never
    raises, so that saving never fails because of suggestions. True when done now."""
    from manchette.topics.tasks import topic_suggestions_refresh_task

    try:
        words = len(article_text(article).split())
        if words <= conf.inline_max_words() and language_model_loaded():
            topic_suggestions_refresh(article_id=article.pk)
            return True
        article_id = article.pk
        transaction.on_commit(
            lambda: topic_suggestions_refresh_task.enqueue(article_id=article_id)
        )
    except Exception:  # suggestions are a help: an error must not stop the editor
        logger.exception("topic suggestions failed for article %s", article.pk)
    return False


def _unique_slug(name: str) -> str:
    base = slugify(name)[:130] or "sujet"
    slug, n = base, 1
    while Topic.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def topic_for_entity(*, name: str, kind: str) -> Topic:
    """The topic for a new entity an editor accepted: an existing topic of the same
    name (« Haut-Karabakh » and « Haut Karabakh » are not merged, « ÉTATS-UNIS » and
    « États-Unis » are), or a new one."""
    key = fold_phrase(name)
    for topic in Topic.objects.filter(name__iexact=name) | Topic.objects.filter(
        slug=slugify(name)
    ):
        if fold_phrase(topic.name) == key:
            return topic
    return Topic.objects.create(name=name, kind=kind, slug=_unique_slug(name))


def article_topics_add(*, article: Any, topics: Sequence[Topic], user: Any) -> None:
    """Add topics to the article's latest version, as a new revision; a live article
    without other pending changes is published again at once, so readers see the
    topic while no editor's draft is published by surprise."""
    draft = article.get_latest_revision_as_object()
    current = list(draft.topics.all())
    missing = [t for t in topics if t.pk not in {c.pk for c in current}]
    if not missing:
        return
    draft.topics.set([*current, *missing])
    publish_now = article.live and not article.has_unpublished_changes
    revision = draft.save_revision(user=user, log_action=True)
    if publish_now:
        revision.publish(user=user)


@transaction.atomic
def topic_suggestion_accept(*, suggestion: TopicSuggestion, user: Any) -> Topic:
    topic = suggestion.topic or topic_for_entity(
        name=suggestion.name, kind=suggestion.kind
    )
    article_topics_add(article=suggestion.article, topics=[topic], user=user)
    suggestion.topic = topic
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.decided_at = timezone.now()
    suggestion.save()
    return topic


def topic_suggestion_reject(*, suggestion: TopicSuggestion) -> None:
    suggestion.status = SuggestionStatus.REJECTED
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_at"])


def _merged_aliases(target: Topic, source: Topic) -> str:
    aliases = target.alias_list
    known = {fold_phrase(name) for name in (target.name, *aliases)}
    for name in (source.name, *source.alias_list):
        if fold_phrase(name) not in known:
            known.add(fold_phrase(name))
            aliases.append(name)
    return "\n".join(aliases)


@transaction.atomic
def topic_merge(*, source: Topic, target: Topic) -> Topic:
    """Fold `source` into `target`: its articles, names, related topics and suggestions
    move; its address redirects (301) to the target's; then it is deleted."""
    from manchette.newsroom.models import ArticlePage

    if source.pk == target.pk:
        raise ValueError("a topic cannot be merged into itself")
    links = ArticlePage.topics.through.objects
    article_ids = set(
        links.filter(topic=source).values_list("articlepage_id", flat=True)
    )
    tagged_both = set(
        links.filter(topic=target, articlepage_id__in=article_ids).values_list(
            "articlepage_id", flat=True
        )
    )
    links.filter(topic=source).exclude(articlepage_id__in=tagged_both).update(
        topic=target
    )
    links.filter(topic=source).delete()
    _revisions_repoint(article_ids=article_ids, source=source, target=target)

    target.aliases = _merged_aliases(target, source)
    target.save()
    target.related.add(*source.related.exclude(pk=target.pk))
    for suggestion in TopicSuggestion.objects.filter(topic=source):
        key = f"topic:{target.pk}"
        if TopicSuggestion.objects.filter(article=suggestion.article, key=key).exists():
            suggestion.delete()
        else:
            suggestion.topic, suggestion.key, suggestion.name = target, key, target.name
            suggestion.save()

    old_url, new_url = source.get_absolute_url(), target.get_absolute_url()
    Redirect.objects.filter(redirect_link=old_url).update(redirect_link=new_url)
    Redirect.objects.update_or_create(
        old_path=Redirect.normalise_path(old_url),
        site=None,
        defaults={"redirect_link": new_url, "is_permanent": True},
    )
    source_pk = source.pk
    source.delete()
    tags_invalidate(
        [
            f"topic:{source_pk}",
            f"list:topic:{source_pk}",
            f"topic:{target.pk}",
            f"list:topic:{target.pk}",
            *(f"page:{pk}" for pk in article_ids),
        ]
    )
    return target


def _revisions_repoint(*, article_ids: set[int], source: Topic, target: Topic) -> None:
    """Latest revisions name topics by id: point them at the target, so that the next
    edit of each article keeps the topic."""
    from manchette.newsroom.models import ArticlePage

    for article in ArticlePage.objects.filter(pk__in=article_ids).select_related(
        "latest_revision"
    ):
        revision = article.latest_revision
        if revision is None or source.pk not in revision.content.get("topics", []):
            continue
        ids = [
            target.pk if pk == source.pk else pk for pk in revision.content["topics"]
        ]
        revision.content["topics"] = list(dict.fromkeys(ids))
        revision.save(update_fields=["content"])


def found_as_json(found: Sequence[FoundTopic]) -> list[dict[str, Any]]:
    return [item.as_json() for item in found]
