from django.urls import path

from manchette.reactions import views

app_name = "reactions"

urlpatterns = [
    path("reactions/<int:article_id>/", views.react, name="react"),
    # Under /lecteur/, which the page cache never looks at: this answer is personal
    # and changes at every reaction, and skipping the cache lookup keeps it fast.
    path(
        "lecteur/reactions/<int:article_id>/etat.json",
        views.state_json,
        name="state",
    ),
    path(
        "partager/mastodon/<int:article_id>/",
        views.mastodon_share,
        name="mastodon-share",
    ),
]
