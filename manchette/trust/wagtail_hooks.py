from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import Button

from manchette.newsroom.models import ArticlePage
from manchette.trust import admin_views, conf, selectors, services, typography_hooks
from manchette.trust.models import (
    Correction,
    ErrorReport,
    PartnerLink,
    ReplyRequest,
    ReplyStatus,
    ReportStatus,
)

# Corrections ---------------------------------------------------------------------------


class CorrectionCreateView(generic.CreateView):
    def save_instance(self) -> Correction:
        form = self.form
        return services.correction_add(
            article=form.cleaned_data["article"],
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            made_at=form.cleaned_data.get("made_at"),
            author=admin_views.editor_of(self.request),
        )


class CorrectionEditView(generic.EditView):
    def save_instance(self) -> Correction:
        instance = super().save_instance()
        services.article_readers_refresh(article=instance.article)
        return instance


class CorrectionDeleteView(generic.DeleteView):
    def delete_action(self) -> None:
        services.correction_delete(correction=self.object)


class CorrectionViewSet(ModelViewSet):
    model = Correction
    icon = "edit"
    menu_label = gettext_lazy("Corrections")
    list_display = ["article", "kind", "made_at", "author"]
    list_filter = ["kind"]
    search_fields = ["text"]
    add_view_class = CorrectionCreateView
    edit_view_class = CorrectionEditView
    delete_view_class = CorrectionDeleteView
    panels = [
        FieldPanel("article"),
        FieldPanel("kind"),
        FieldPanel("text"),
        FieldPanel("made_at"),
    ]


# Error reports ---------------------------------------------------------------------------


class ReportActionsColumn(Column):
    def get_value(self, instance: ErrorReport) -> str:
        if instance.status != ReportStatus.NEW:
            return instance.get_status_display()
        return format_html(
            '<a class="button button-small" href="{}">{}</a>',
            reverse("trust_reports:to_correction", args=[instance.pk]),
            _("Transformer en correction"),
        )


class ReportPassageColumn(Column):
    def get_value(self, instance: ErrorReport) -> str:
        return format_html(
            "<q>{}</q><br><small>{}</small>",
            instance.passage[:200],
            instance.problem[:200],
        )


class ErrorReportViewSet(ModelViewSet):
    model = ErrorReport
    icon = "warning"
    menu_label = gettext_lazy("Signalements d’erreur")
    list_display = [
        "article",
        ReportPassageColumn("passage", label=gettext_lazy("Passage et problème")),
        "created_at",
        ReportActionsColumn("actions", label=gettext_lazy("Suite")),
    ]
    list_filter = ["status"]
    search_fields = ["passage", "problem"]
    inspect_view_enabled = True
    add_to_admin_menu = False
    form_fields = ["status"]
    inspect_view_fields = [
        "article",
        "passage",
        "problem",
        "email",
        "status",
        "created_at",
        "handled_at",
        "handled_by",
    ]

    def get_urlpatterns(self) -> list[Any]:
        return [
            *super().get_urlpatterns(),
            path(
                "to-correction/<int:pk>/",
                admin_views.report_to_correction,
                name="to_correction",
            ),
            path("dismiss/<int:pk>/", admin_views.report_dismiss, name="dismiss"),
        ]


# Droit de réponse ---------------------------------------------------------------------------


class LegalClockColumn(Column):
    """Time left of the three days the law allows, or how late it is."""

    def get_value(self, instance: ReplyRequest) -> str:
        deadline = instance.insertion_deadline
        when = date_format(timezone.localtime(deadline), "j M H:i")
        if instance.status == ReplyStatus.PUBLISHED:
            late = instance.published_at and instance.published_at > deadline
            return format_html(
                "{} {}{}",
                _("publiée le"),
                date_format(timezone.localtime(instance.published_at), "j M H:i"),
                _(" (hors délai)") if late else "",
            )
        if instance.status == ReplyStatus.REFUSED:
            return _("refusée")
        left = deadline - timezone.now()
        if left.total_seconds() < 0:
            return format_html(
                '<strong class="w-text-critical-200">{} {}</strong>',
                _("DÉLAI DÉPASSÉ depuis le"),
                when,
            )
        hours = int(left.total_seconds() // 3600)
        return format_html(
            "{} {} ({} j {} h)", _("avant le"), when, hours // 24, hours % 24
        )


class ReplyDecideColumn(Column):
    def get_value(self, instance: ReplyRequest) -> str:
        return format_html(
            '<a class="button button-small" href="{}">{}</a>',
            reverse("trust_replies:decide", args=[instance.pk]),
            _("Lire et décider")
            if instance.status == ReplyStatus.RECEIVED
            else _("Historique"),
        )


class ReplyRequestViewSet(ModelViewSet):
    model = ReplyRequest
    icon = "mail"
    menu_label = gettext_lazy("Droits de réponse")
    list_display = [
        "name",
        "article",
        "received_at",
        LegalClockColumn("clock", label=gettext_lazy("Délai légal (3 jours)")),
        "status",
        ReplyDecideColumn("decide", label=gettext_lazy("Décision")),
    ]
    list_filter = ["status"]
    search_fields = ["name", "reply_text"]
    form_fields = ["status"]
    add_to_admin_menu = False

    def get_urlpatterns(self) -> list[Any]:
        return [
            *super().get_urlpatterns(),
            path("decide/<int:pk>/", admin_views.reply_decide, name="decide"),
        ]


# Embargo ---------------------------------------------------------------------------------------


class PartnerLinkCreateView(generic.CreateView):
    def get_initial(self) -> dict[str, Any]:
        from datetime import timedelta

        return {
            **super().get_initial(),
            "expires_at": timezone.now() + timedelta(days=conf.partner_link_days()),
        }

    def save_instance(self) -> PartnerLink:
        data = self.form.cleaned_data
        return services.partner_link_create(
            article=data["article"],
            partner=data["partner"],
            expires_at=data["expires_at"],
            user=admin_views.editor_of(self.request),
        )


class PartnerUrlColumn(Column):
    def get_value(self, instance: PartnerLink) -> str:
        if instance.revoked_at:
            return _("révoqué")
        return format_html(
            '<input type="text" readonly value="{}" aria-label="{}" size="40">',
            services.partner_link_url(link=instance),
            _("Lien privé à transmettre au partenaire"),
        )


class PartnerLinkViewSet(ModelViewSet):
    model = PartnerLink
    icon = "link"
    menu_label = gettext_lazy("Liens d’embargo")
    list_display = [
        "partner",
        "article",
        "expires_at",
        "open_count",
        PartnerUrlColumn("url", label=gettext_lazy("Lien privé")),
    ]
    add_view_class = PartnerLinkCreateView
    panels = [
        FieldPanel("article"),
        FieldPanel("partner"),
        FieldPanel("expires_at"),
        FieldPanel("revoked_at"),
    ]
    add_to_admin_menu = False


class TrustGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Confiance")
    menu_icon = "success"
    menu_order = 250
    items = (
        ErrorReportViewSet("trust_reports"),
        CorrectionViewSet("trust_corrections"),
        ReplyRequestViewSet("trust_replies"),
        PartnerLinkViewSet("trust_partner_links"),
    )


@hooks.register("register_admin_viewset")
def register_trust() -> TrustGroup:
    return TrustGroup()


# Dashboard panel: legal identity and what waits for a decision ----------------------------------


class TrustPanel(Component):
    name = "manchette_trust"
    order = 60
    template_name = "trust/admin/panel.html"

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        replies = list(selectors.replies_waiting())
        return {
            "missing": selectors.legal_identity_missing(),
            "reports_waiting": selectors.error_reports_waiting().count(),
            "replies_waiting": len(replies),
            "replies_overdue": sum(1 for r in replies if r.is_overdue),
        }


@hooks.register("construct_homepage_panels")
def add_trust_panel(request: Any, panels: list[Any]) -> None:
    panels.insert(1, TrustPanel())


# French typography on save ------------------------------------------------------------------------


@hooks.register("before_edit_page")
def typography_before_edit(request: Any, page: Any) -> None:
    if isinstance(page, ArticlePage):
        typography_hooks.before_save(request, page.pk)


@hooks.register("before_create_page")
def typography_before_create(request: Any, parent_page: Any, page_class: Any) -> None:
    if page_class is ArticlePage:
        typography_hooks.before_save(request, None)


@hooks.register("after_edit_page")
def typography_after_edit(request: Any, page: Any) -> None:
    typography_hooks.after_save_message(request, page.specific)


@hooks.register("after_create_page")
def typography_after_create(request: Any, page: Any) -> None:
    typography_hooks.after_save_message(request, page.specific)


@hooks.register("register_admin_urls")
def trust_admin_urls() -> list[Any]:
    return [
        path(
            "trust/typographie/<int:page_id>/",
            admin_views.typography_preview,
            name="trust_typography",
        )
    ]


@hooks.register("register_page_header_buttons")
def typography_button(
    page: Any, user: Any, view_name: str, next_url: Any = None
) -> Any:
    if isinstance(page.specific_deferred, ArticlePage):
        yield Button(
            _("Typographie"),
            reverse("trust_typography", args=[page.pk]),
            icon_name="edit",
            priority=90,
        )
