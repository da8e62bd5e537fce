"""« Publier un flash »: one form, published in seconds; the flashes online now, each
with « Corriger » (the snippet editor, with its revisions) and « Retirer »."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin import messages
from wagtail.admin.widgets import AdminPageChooser

from manchette.flashes.models import TEXT_MAX_LENGTH, Flash, FlashLevel
from manchette.flashes.selectors import flash_list_active
from manchette.flashes.services import flash_publish, flash_withdraw

DURATIONS = [
    ("1", gettext_lazy("1 heure")),
    ("3", gettext_lazy("3 heures")),
    ("6", gettext_lazy("6 heures")),
    ("12", gettext_lazy("12 heures")),
    ("24", gettext_lazy("24 heures")),
    ("72", gettext_lazy("3 jours")),
]


class QuickFlashForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Texte du flash"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX_LENGTH}),
        help_text=gettext_lazy("280 caractères au plus."),
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Niveau"),
        choices=FlashLevel.choices,
        initial=FlashLevel.URGENT,
        widget=forms.RadioSelect,
    )
    is_alert = forms.BooleanField(
        label=gettext_lazy("Alerte : envoyer aussi aux abonnés des alertes"),
        required=False,
    )
    article: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Article lié"),
        queryset=None,
        required=False,
    )
    url = forms.URLField(
        label=gettext_lazy("Ou un lien"), required=False, assume_scheme="https"
    )
    duration = forms.ChoiceField(
        label=gettext_lazy("Dans le bandeau pendant"), choices=DURATIONS, initial="6"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        from manchette.newsroom.models import ArticlePage

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["article"]
        field.queryset = ArticlePage.objects.all()  # type: ignore[attr-defined]
        field.widget = AdminPageChooser(target_models=[ArticlePage])


def _require(request: HttpRequest, action: str) -> None:
    if not request.user.has_perm(f"flashes.{action}_flash"):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def quick_publish(request: HttpRequest) -> HttpResponse:
    _require(request, "add")
    form = QuickFlashForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        flash = flash_publish(
            text=data["text"],
            level=data["level"],
            is_alert=data["is_alert"],
            article=data["article"],
            url=data["url"],
            expire_at=timezone.now() + timedelta(hours=int(data["duration"])),
            user=request.user,
        )
        messages.success(
            request, _("Flash publié : « %(text)s ».") % {"text": flash.text}
        )
        return redirect("flashes_quick_publish")
    return TemplateResponse(
        request,
        "flashes/admin/quick_publish.html",
        {
            "page_title": _("Publier un flash"),
            "header_icon": "warning",
            "form": form,
            "active": list(flash_list_active()),
        },
    )


@require_POST
def withdraw(request: HttpRequest, flash_id: int) -> HttpResponse:
    _require(request, "publish")
    flash = get_object_or_404(Flash, pk=flash_id)
    flash_withdraw(flash=flash, user=request.user)
    messages.success(request, _("Flash retiré : « %(text)s ».") % {"text": flash.text})
    return redirect(reverse("flashes_quick_publish"))
