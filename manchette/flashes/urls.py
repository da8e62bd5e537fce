from django.urls import path

from manchette.flashes import views

app_name = "flashes"

urlpatterns = [
    path("flashs/", views.flash_archive, name="archive"),
    path("flashs/actifs.json", views.flash_active_json, name="active"),
    path("flashs/rss/", views.FlashFeed(), name="feed"),
]
