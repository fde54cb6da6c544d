from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from charter.models import CharterVersion
from members.models import Cooperative, Member

from .pledge import Pledge


class AssessmentPeriod(models.Model):
    """A period of a cooperative that an assessment covers, both days inclusive."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="assessment_periods",
        verbose_name=_("cooperative"),
    )
    code = models.CharField(_("code"), max_length=10)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("assessment period")
        verbose_name_plural = _("assessment periods")
        ordering = ["cooperative", "-last_day"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="period_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative.slug} {self.code}"


class AssessmentRun(models.Model):
    """One computation of a period. Published runs are immutable snapshots."""

    class Status(models.TextChoices):
        COMPUTING = "computing", _("computing")
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published (in public notice)")
        FINAL = "final", _("final")
        SUPERSEDED = "superseded", _("superseded")
        FAILED = "failed", _("failed")

    period = models.ForeignKey(
        AssessmentPeriod, on_delete=models.PROTECT, related_name="runs", verbose_name=_("period")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.COMPUTING
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    charter_version = models.ForeignKey(
        CharterVersion,
        on_delete=models.PROTECT,
        related_name="assessment_runs",
        verbose_name=_("charter version"),
    )
    inputs_hash = models.CharField(_("hash of inputs and results"), max_length=64, blank=True)
    revision_note = models.TextField(_("what changed and why"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    notice_ends_on = models.DateField(_("notice period ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        ordering = ["period", "-started_at"]

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"


class MemberAssessment(models.Model):
    """One member's result in a run, with the inputs that produced it."""

    class Status(models.TextChoices):
        RATED = "rated", _("rated")
        NOT_RATED = "not_rated", _("insufficient data")
        NO_PLEDGE = "no_pledge", _("no pledge")

    run = models.ForeignKey(
        AssessmentRun, on_delete=models.CASCADE, related_name="results", verbose_name=_("run")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("member")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    # Each indicator's value and the counts behind it, and the deductions, as computed.
    details = models.JSONField(_("details"), default=dict)
    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pledge assessed"),
    )

    class Meta:
        verbose_name = _("member assessment")
        verbose_name_plural = _("member assessments")
        constraints = [
            models.UniqueConstraint(fields=["run", "member"], name="member_assessment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.run}"
