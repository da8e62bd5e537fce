"""The topics app's admin views: an article's suggested topics (accept, reject, words
not to link) and merging two topics."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.admin import messages

from manchette.topics.models import (
    SuggestionStatus,
    Topic,
    TopicLinkOptOut,
    TopicSuggestion,
)
from manchette.topics.services import (
    topic_merge,
    topic_suggestion_accept,
    topic_suggestion_reject,
    topic_suggestions_refresh,
)


class OptOutForm(forms.ModelForm):
    class Meta:
        model = TopicLinkOptOut
        fields = ["words"]
        widgets = {"words": forms.Textarea(attrs={"rows": 3})}


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label=gettext_lazy("Fusionner dans"),
        queryset=Topic.objects.none(),
        help_text=gettext_lazy(
            "Les articles, les noms et les sujets liés passent à ce sujet ; l’ancienne "
            "adresse redirige vers la sienne (301)."
        ),
    )

    def __init__(self, *args: object, source: Topic, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["target"].queryset = Topic.objects.exclude(pk=source.pk)  # type: ignore[attr-defined]


def _editable_article(request: HttpRequest, article_id: int):
    from manchette.newsroom.models import ArticlePage

    article = get_object_or_404(ArticlePage, pk=article_id)
    if not article.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return article


@require_http_methods(["GET", "POST"])
def article_suggestions(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _editable_article(request, article_id)
    opt_out = TopicLinkOptOut.objects.filter(
        article=article
    ).first() or TopicLinkOptOut(article=article)
    form = OptOutForm(instance=opt_out)
    here = reverse("topics_article_suggestions", args=[article.pk])
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "refresh":
            topic_suggestions_refresh(article_id=article.pk)
            messages.success(request, _("Suggestions mises à jour."))
            return redirect(here)
        if action == "opt_out":
            form = OptOutForm(request.POST, instance=opt_out)
            if form.is_valid():
                form.save()
                messages.success(request, _("Mots à ne pas lier enregistrés."))
                return redirect(here)
        elif action in ("accept", "reject"):
            suggestion = get_object_or_404(
                TopicSuggestion,
                pk=request.POST.get("suggestion"),
                article=article,
                status=SuggestionStatus.PENDING,
            )
            if action == "accept":
                with transaction.atomic():
                    topic = topic_suggestion_accept(
                        suggestion=suggestion, user=request.user
                    )
                messages.success(
                    request,
                    _("« %(name)s » ajouté aux sujets de l’article.")
                    % {"name": topic.name},
                )
            else:
                topic_suggestion_reject(suggestion=suggestion)
                messages.success(
                    request, _("« %(name)s » écarté.") % {"name": suggestion.name}
                )
            return redirect(here)
    suggestions = list(
        TopicSuggestion.objects.filter(article=article).select_related("topic")
    )
    return TemplateResponse(
        request,
        "topics/admin/article_suggestions.html",
        {
            "page_title": _("Sujets suggérés"),
            "page_subtitle": article.title,
            "header_icon": "tag",
            "article": article,
            "pending": [s for s in suggestions if s.status == SuggestionStatus.PENDING],
            "decided": [s for s in suggestions if s.status != SuggestionStatus.PENDING],
            "topics": list(article.get_latest_revision_as_object().topics.all()),
            "form": form,
            "edit_url": reverse("wagtailadmin_pages:edit", args=[article.pk]),
        },
    )


@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, topic_id: int) -> HttpResponse:
    if not (
        request.user.has_perm("topics.change_topic")
        and request.user.has_perm("topics.delete_topic")
    ):
        raise PermissionDenied
    source = get_object_or_404(Topic, pk=topic_id)
    form = MergeForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        name = source.name
        topic_merge(source=source, target=target)
        messages.success(
            request,
            _("« %(source)s » fusionné dans « %(target)s ».")
            % {"source": name, "target": target.name},
        )
        return redirect(reverse("wagtailsnippets_topics_topic:list"))
    return TemplateResponse(
        request,
        "topics/admin/merge.html",
        {
            "page_title": _("Fusionner un sujet"),
            "page_subtitle": source.name,
            "header_icon": "tag",
            "source": source,
            "article_count": source.articles.count(),
            "form": form,
        },
    )
