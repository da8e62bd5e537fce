from django.urls import path

from manchette.discussions import account_views, views
from manchette.discussions.api import api

app_name = "discussions"

urlpatterns = [
    path("commentaires/<int:article_id>/", views.thread, name="thread"),
    path("commentaires/<int:article_id>/poster/", views.comment_post, name="post"),
    path("commentaires/<int:article_id>/moi.json", views.me_json, name="me"),
    path("commentaires/<int:article_id>/compte.json", views.count_json, name="count"),
    path(
        "commentaires/<int:article_id>/participants.json",
        views.participants_json,
        name="participants",
    ),
    path("commentaires/reponse/<int:comment_id>/", views.reply_page, name="reply"),
    path("commentaires/vote/<int:comment_id>/", views.comment_vote, name="vote"),
    path(
        "commentaires/signaler/<int:comment_id>/", views.comment_report, name="report"
    ),
    path("commentaires/modifier/<int:comment_id>/", views.comment_edit, name="edit"),
    path(
        "commentaires/supprimer/<int:comment_id>/", views.comment_delete, name="delete"
    ),
    path("commentaires/confirmer/<str:token>/", views.confirm, name="confirm"),
    path("commentaires/desabonner/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("commentaires/reexamen/<str:token>/", views.review, name="review"),
    # The reader's own space: /lecteur/ is never cached (core.pagecache).
    path("lecteur/", account_views.reader_home, name="reader"),
    path(
        "lecteur/connexion/<str:token>/",
        account_views.signin_link,
        name="signin-link",
    ),
    path("lecteur/deconnexion/", account_views.signout, name="signout"),
    path(
        "lecteur/abonnements/<int:subscription_id>/",
        account_views.subscription_change,
        name="subscription",
    ),
    path("lecteur/donnees/", account_views.data_request, name="data"),
    path("lecteur/donnees/<str:token>/", account_views.data_link, name="data-link"),
]

# The JSON API and its OpenAPI schema (/api/discussions/openapi.json).
urlpatterns.append(path("api/discussions/", api.urls))  # type: ignore[arg-type]
