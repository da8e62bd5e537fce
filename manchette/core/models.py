from django.db import models
from django.utils.translation import gettext_lazy as _


class SchedulerHeartbeat(models.Model):
    """One row per periodic job: when it last ran and how it went, so that the admin
    can show whether scheduled publishing is alive."""

    name = models.CharField(_("tâche"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("dernier passage"))
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        verbose_name = _("battement du planificateur")
        verbose_name_plural = _("battements du planificateur")

    def __str__(self) -> str:
        return self.name
