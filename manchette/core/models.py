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


class OutboxMessage(models.Model):
    """Every email sent by a local install without a mail server, kept so that an
    editor can read it in the admin (and follow a confirmation link)."""

    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True, db_index=True)
    from_email = models.CharField(_("expéditeur"), max_length=320)
    to = models.TextField(_("destinataires"))
    subject = models.CharField(_("objet"), max_length=998)
    text = models.TextField(_("texte"))
    html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("en-têtes"), default=dict)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("courriel de la boîte d’envoi locale")
        verbose_name_plural = _("boîte d’envoi locale")

    def __str__(self) -> str:
        return self.subject
