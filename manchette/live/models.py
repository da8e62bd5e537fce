from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LiveEvent(models.Model):
    """One event pushed to open pages (a flash, a live-blog entry, a comment).

    The table is the durable log every server process follows (through Redis
    pub/sub or by polling ``id > last_seen``) and replays from on reconnection;
    the id's order is the order readers see. Old rows are pruned periodically."""

    channel = models.CharField(_("canal"), max_length=100)
    event = models.CharField(_("événement"), max_length=50)
    data = models.JSONField(_("données"), encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("événement en direct")
        verbose_name_plural = _("événements en direct")
        indexes = [models.Index(fields=["channel", "id"], name="live_event_channel_id")]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} {self.event}"
