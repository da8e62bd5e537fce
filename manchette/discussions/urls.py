from django.urls import path

from manchette.discussions import views

app_name = "discussions"

urlpatterns = [
    path("commentaires/<int:article_id>/", views.thread, name="thread"),
    path("commentaires/<int:article_id>/poster/", views.comment_post, name="post"),
    path("commentaires/<int:article_id>/moi.json", views.me_json, name="me"),
    path("commentaires/<int:article_id>/compte.json", views.count_json, name="count"),
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
]
