"""A member's reply (社员回应) beside a public result about it: its assessment result of a
period, one of its spot-check results, or its complaint figures.

One model for the three: this app is the lowest that can hold a real foreign key to each
target (an assessment period is a pledges record, an inspection an inspections one), so the
reply lives here and the pages of the lower apps show it through the ``replies`` template
tags. The reply is the member's own words, published at once under its own responsibility;
an administrator of its cooperative may refuse it (offensive or plainly untrue text), which
hides it and records who, when and why. One row per target: a new text replaces the old one,
which the history keeps.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inspections.models import Inspection
from members.models import Member

from .assessment import AssessmentPeriod

# The longest reply, in characters: a short answer beside a result, not a statement.
REPLY_LENGTH = 500


class ReplyQuerySet(models.QuerySet["Reply"]):
    def shown(self) -> ReplyQuerySet:
        """Replies the public pages show: not refused, beside a result still shown (a
        spot-check result voided after an objection is no longer shown, nor its reply)."""
        return self.filter(refused_at__isnull=True).exclude(
            inspection__status=Inspection.Status.VOIDED
        )

    def refused(self) -> ReplyQuerySet:
        return self.filter(refused_at__isnull=False)


class Reply(models.Model):
    class Subject(models.TextChoices):
        ASSESSMENT = "assessment", _("assessment result")
        INSPECTION = "inspection", _("spot-check result")
        COMPLAINTS = "complaints", _("complaint statistics")

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="replies", verbose_name=_("member")
    )
    subject = models.CharField(_("reply to"), max_length=20, choices=Subject.choices)
    # The period's result, whichever revision of it is current: a corrected revision does not
    # end the reply, a newer period's result does.
    period = models.ForeignKey(
        AssessmentPeriod,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("assessment period"),
    )
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("spot-check result"),
    )
    text = models.TextField(_("reply"), max_length=REPLY_LENGTH)
    written_at = models.DateTimeField(_("written"), default=timezone.now)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    refused_at = models.DateTimeField(_("refused"), null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refused by"),
    )
    refusal_reason = models.TextField(_("reason for the refusal"), blank=True)

    objects = ReplyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member's reply")
        verbose_name_plural = _("members' replies")
        ordering = ["member", "-written_at"]
        constraints = [
            # Exactly the target of its subject, and no other.
            models.CheckConstraint(
                condition=(
                    Q(subject="assessment", period__isnull=False, inspection__isnull=True)
                    | Q(subject="inspection", period__isnull=True, inspection__isnull=False)
                    | Q(subject="complaints", period__isnull=True, inspection__isnull=True)
                ),
                name="reply_one_target",
            ),
            models.UniqueConstraint(
                fields=["member", "period"],
                condition=Q(subject="assessment"),
                name="reply_unique_assessment",
            ),
            models.UniqueConstraint(
                fields=["inspection"],
                condition=Q(subject="inspection"),
                name="reply_unique_inspection",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(subject="complaints"),
                name="reply_unique_complaints",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.answers}"

    @property
    def is_refused(self) -> bool:
        return self.refused_at is not None

    @property
    def answers(self) -> str:
        """What the reply answers, as a reader names it."""
        if self.period_id is not None:
            return gettext("Assessment result of the %(period)s") % {"period": self.period}
        if self.inspection_id is not None:
            return gettext("Spot-check report %(report)s") % {
                "report": self.inspection.report_no  # type: ignore[union-attr]
            }
        return gettext("Complaint statistics")
