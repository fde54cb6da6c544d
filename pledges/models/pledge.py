from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member


class Pledge(models.Model):
    """One version of a member's public quality guarantee pledge (质量保证承诺)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned with comments")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("member")
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    statement = models.TextField(_("statement"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["member", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["member", "version"], name="pledge_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.member} v{self.version}"


class Commitment(models.Model):
    """A measurable promise of a pledge: a kind of SCORING.md and the member's own target."""

    class Kind(models.TextChoices):
        PASS_RATE = "pass_rate", _("spot-check pass rate")
        RESPONSE_DAYS = "response_days", _("complaint response time")
        RESOLUTION_DAYS = "resolution_days", _("complaint resolution time")
        RECTIFICATION_DAYS = "rectification_days", _("rectification time")

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("pledge")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # A percentage for pass_rate, whole days for the others.
    target = models.DecimalField(_("target"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "kind"], name="commitment_unique_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"
