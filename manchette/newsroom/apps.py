from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsroomConfig(AppConfig):
    name = "manchette.newsroom"
    label = "newsroom"
    verbose_name = _("Rédaction")

    def ready(self) -> None:
        from manchette.newsroom import cache

        cache.connect()
