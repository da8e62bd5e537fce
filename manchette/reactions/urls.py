from django.urls import path

from manchette.reactions import views

app_name = "reactions"

urlpatterns = [
    path("reactions/<int:article_id>/", views.react, name="react"),
    path("reactions/<int:article_id>/etat.json", views.state_json, name="state"),
    path(
        "partager/mastodon/<int:article_id>/",
        views.mastodon_share,
        name="mastodon-share",
    ),
]
