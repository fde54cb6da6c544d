from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEmailQuerySet(models.QuerySet["OutboxEmail"]):
    def pending(self) -> OutboxEmailQuerySet:
        return self.filter(sent_at__isnull=True)


class OutboxEmail(models.Model):
    """An e-mail written in the same transaction as the change it reports.

    It is sent after commit by a task, or by the outbox sweep when the broker or the worker
    was down, and marked sent under a row lock: so it goes out once, never lost, never twice.
    """

    # Makes queueing idempotent: the same notice (say, a deadline reminder) is queued once.
    key = models.CharField(_("de-duplication key"), max_length=200, unique=True)
    to = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject
