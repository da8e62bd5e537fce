from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "manchette.live"
    label = "live"
    verbose_name = _("Direct")

    def ready(self) -> None:
        from django.db.models.signals import post_delete
        from wagtail.signals import page_published

        from manchette.core.scheduling import periodic_job_register
        from manchette.live import signals
        from manchette.live.models import LiveEntry
        from manchette.live.services import event_prune
        from manchette.newsroom.models import ArticlePage

        periodic_job_register(
            name="purge des événements en direct", every_seconds=3600, run=event_prune
        )
        page_published.connect(signals.article_published, sender=ArticlePage)
        post_delete.connect(signals.live_entry_deleted, sender=LiveEntry)
