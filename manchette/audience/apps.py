from django.apps import AppConfig


class AudienceConfig(AppConfig):
    name = "manchette.audience"
    label = "audience"

    def ready(self) -> None:
        from manchette.audience.services import views_prune
        from manchette.core.scheduling import periodic_job_register

        periodic_job_register(
            name="audience : effacer les compteurs de plus de 13 mois",
            every_seconds=24 * 3600,
            run=views_prune,
        )
