from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from manchette.newsroom import sitemaps
from manchette.newsroom import views as newsroom_views

urlpatterns = [
    path(f"{settings.ADMIN_PATH}/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("robots.txt", newsroom_views.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-news.xml", sitemaps.news_sitemap, name="news-sitemap"),
    path("sante/", newsroom_views.health, name="health"),
    path("recherche/", include("manchette.search.urls")),
    path("", include("manchette.flashes.urls")),
    path("", include("manchette.discussions.urls")),
    path("", include("manchette.reactions.urls")),
    path("", include("manchette.newsletter.urls")),
    path("", include("manchette.newsroom.urls")),
    # trust (issue 9): its generated legal pages must win over the StaticPages of the
    # same address, hence before Wagtail's catch-all; audience: the page-view beacon.
    path("", include("manchette.trust.urls")),
    path("", include("manchette.audience.urls")),
    path("", include(wagtail_urls)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = (
        static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
    )

handler404 = "manchette.core.views.page_not_found"
handler500 = "manchette.core.views.server_error"
