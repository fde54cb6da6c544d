from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Cooperative, Member


class Complaint(models.Model):
    """A consumer's complaint about a member's product. Dates drive the assessment."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        FORWARDED = "forwarded", _("forwarded to the member")
        ANSWERED = "answered", _("answered by the member")
        MEDIATION = "mediation", _("in mediation")
        RESOLVED = "resolved", _("resolved")
        CLOSED_UNRESOLVED = "closed_unresolved", _("closed unresolved")

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("cooperative"),
    )
    reference = models.CharField(_("reference"), max_length=40)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("member")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    received_on = models.DateField(_("received on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    responded_on = models.DateField(_("answered on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    upheld_on = models.DateField(_("upheld on"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "reference"], name="complaint_unique_reference"
            ),
        ]
        indexes = [models.Index(fields=["member", "accepted_on"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def rejected(self) -> bool:
        return self.status == self.Status.REJECTED
