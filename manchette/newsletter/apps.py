from typing import Any

from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "manchette.newsletter"
    label = "newsletter"
    verbose_name = "Lettres d’information"

    def ready(self) -> None:
        from anymail.signals import tracking

        from manchette.core.scheduling import periodic_job_register
        from manchette.newsletter import cache, services

        cache.connect()

        periodic_job_register(
            name="lettres : inscriptions expirées",
            every_seconds=3600,
            run=services.signup_requests_expire,
        )
        periodic_job_register(
            name="lettres : composition",
            every_seconds=60,
            run=services.editions_compose_due,
        )
        periodic_job_register(
            name="lettres : envois et reprises",
            every_seconds=30,
            run=services.send_watchdog,
        )
        tracking.connect(
            _tracking_received, dispatch_uid="manchette.newsletter.suppression"
        )
        from manchette.flashes.services import flash_alert_handler_register

        flash_alert_handler_register(flash_alert_email)


def _tracking_received(
    sender: object, event: object, esp_name: str, **kwargs: object
) -> None:
    from manchette.newsletter.services import suppression_record_from_tracking

    suppression_record_from_tracking(event=event, esp_name=esp_name)


def flash_alert_email(flash: Any) -> None:
    """A flash marked « alerte » goes to the "Alertes" list by email."""
    from manchette.newsletter.services import alert_send

    alert_send(text=flash.text, url=flash.link)
