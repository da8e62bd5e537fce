from django.urls import path

from manchette.newsroom import feeds, views

app_name = "newsroom"

urlpatterns = [
    path("sujets/<slug:slug>/", views.topic_detail, name="topic"),
    path("auteurs/<slug:slug>/", views.author_detail, name="author"),
    path("flux/rss/", feeds.ArticleFeed(), name="feed-rss"),
    path("flux/atom/", feeds.atom(feeds.ArticleFeed)(), name="feed-atom"),
    path(
        "flux/rubrique/<slug:slug>/rss/", feeds.SectionFeed(), name="section-feed-rss"
    ),
    path(
        "flux/rubrique/<slug:slug>/atom/",
        feeds.atom(feeds.SectionFeed)(),
        name="section-feed-atom",
    ),
    path("flux/sujet/<slug:slug>/rss/", feeds.TopicFeed(), name="topic-feed-rss"),
    path(
        "flux/sujet/<slug:slug>/atom/",
        feeds.atom(feeds.TopicFeed)(),
        name="topic-feed-atom",
    ),
    path("flux/auteur/<slug:slug>/rss/", feeds.AuthorFeed(), name="author-feed-rss"),
    path(
        "flux/auteur/<slug:slug>/atom/",
        feeds.atom(feeds.AuthorFeed)(),
        name="author-feed-atom",
    ),
]
