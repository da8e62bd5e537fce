from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlashesConfig(AppConfig):
    name = "manchette.flashes"
    label = "flashes"
    verbose_name = _("Flashs info")

    def ready(self) -> None:
        from django.db.models.signals import post_delete
        from wagtail.signals import published, unpublished

        from manchette.flashes import signals
        from manchette.flashes.models import Flash

        published.connect(signals.flash_published, sender=Flash)
        unpublished.connect(signals.flash_unpublished, sender=Flash)
        post_delete.connect(signals.flash_deleted, sender=Flash)
