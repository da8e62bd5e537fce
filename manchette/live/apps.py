from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "manchette.live"
    label = "live"
    verbose_name = _("Direct")

    def ready(self) -> None:
        from manchette.core.scheduling import periodic_job_register
        from manchette.live.services import event_prune

        periodic_job_register(
            name="purge des événements en direct", every_seconds=3600, run=event_prune
        )
