from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReactionsConfig(AppConfig):
    name = "manchette.reactions"
    label = "reactions"
    verbose_name = _("Réactions des lecteurs")

    def ready(self) -> None:
        from manchette.core.scheduling import periodic_job_register
        from manchette.reactions import cache, conf

        cache.connect()
        periodic_job_register(
            name="classements des articles",
            every_seconds=conf.rankings_refresh_seconds(),
            run=cache.rankings_refresh,
        )
