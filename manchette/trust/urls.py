from django.urls import path

from manchette.trust import views

app_name = "trust"

urlpatterns = [
    path("signaler-une-erreur/<int:article_id>/", views.error_report, name="report"),
    path(
        "signaler-une-erreur/<int:article_id>/merci/",
        views.error_report_thanks,
        name="report-thanks",
    ),
    path("droit-de-reponse/<int:article_id>/", views.reply_request, name="reply"),
    path("corrections/", views.corrections_page, name="corrections"),
    path("corrections/rss/", views.CorrectionsFeed(), name="corrections-feed"),
    # Served here rather than by the StaticPage of the same address: generated from
    # the LegalIdentity setting and from what the site really stores.
    path("mentions-legales/", views.legal_notice, name="legal-notice"),
    path("politique-de-confidentialite/", views.privacy_policy, name="privacy-policy"),
    path("embargo/<str:token>/", views.embargo_preview, name="embargo"),
]
