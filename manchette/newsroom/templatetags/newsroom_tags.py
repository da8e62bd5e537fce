from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from manchette.newsroom.selectors import article_parts

register = template.Library()


@register.simple_tag(takes_context=True)
def article_part(context: template.Context, which: str) -> SafeString:
    """``"meta"`` or ``"main"`` of the article's own markup (``selectors.article_parts``),
    worked out once per request, from the page's whole context."""
    request, article = context["request"], context["page"]
    memo: dict[int, tuple[SafeString, SafeString]] = request.__dict__.setdefault(
        "_manchette_article_parts", {}
    )
    if article.pk not in memo:
        memo[article.pk] = article_parts(
            article=article,
            request=request,
            context={str(k): v for k, v in context.flatten().items()},
        )
    meta, main = memo[article.pk]
    return meta if which == "meta" else main
