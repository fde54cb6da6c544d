from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Cooperative


class CharterVersionQuerySet(models.QuerySet["CharterVersion"]):
    def published(self) -> CharterVersionQuerySet:
        return self.filter(status=CharterVersion.Status.PUBLISHED)

    def in_force(self, cooperative: Cooperative, on: datetime.date) -> CharterVersion | None:
        """The published version with the latest effective date on or before the day."""
        return (
            self.published()
            .filter(cooperative=cooperative, effective_from__lte=on)
            .order_by("-effective_from", "-number")
            .first()
        )


class CharterVersion(models.Model):
    """One version of a cooperative's charter (公约). A published version never changes."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="charter_versions",
        verbose_name=_("cooperative"),
    )
    number = models.PositiveIntegerField(_("version number"))
    effective_from = models.DateField(_("in force from"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = CharterVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("charter version")
        verbose_name_plural = _("charter versions")
        ordering = ["cooperative", "-effective_from", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "number"], name="charter_version_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative.slug} v{self.number}"


class ScoringPolicy(models.Model):
    """The figures marked (policy) in SCORING.md, fixed with each charter version."""

    charter_version = models.OneToOneField(
        CharterVersion,
        on_delete=models.CASCADE,
        related_name="policy",
        verbose_name=_("charter version"),
    )
    # Commitment minimums: a pledge may be stricter, never weaker.
    min_pass_rate = models.DecimalField(
        _("minimum spot-check pass rate (%)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("90.0"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    max_response_days = models.PositiveSmallIntegerField(
        _("longest complaint response time (days)"), default=7
    )
    max_resolution_days = models.PositiveSmallIntegerField(
        _("longest complaint resolution time (days)"), default=30
    )
    max_rectification_days = models.PositiveSmallIntegerField(
        _("longest rectification time (days)"), default=60
    )
    # Which commitment kinds every pledge must hold.
    required_kinds = models.JSONField(
        _("required commitment kinds"),
        default=list,
        blank=True,
        help_text=_("Empty means all four kinds."),
    )
    weight_pass_rate = models.PositiveSmallIntegerField(_("weight of the pass rate"), default=50)
    weight_response_days = models.PositiveSmallIntegerField(
        _("weight of response time"), default=20
    )
    weight_resolution_days = models.PositiveSmallIntegerField(
        _("weight of resolution time"), default=20
    )
    weight_rectification_days = models.PositiveSmallIntegerField(
        _("weight of rectification time"), default=10
    )
    critical_penalty = models.DecimalField(
        _("points deducted per critical failure"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("15.0"),
    )
    upheld_penalty = models.DecimalField(
        _("points deducted per upheld complaint"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("2.0"),
    )
    upheld_cap = models.DecimalField(
        _("most points deducted for upheld complaints"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("20.0"),
    )
    grade_a_min = models.DecimalField(
        _("lowest score for grade A"), max_digits=4, decimal_places=1, default=Decimal("90.0")
    )
    grade_b_min = models.DecimalField(
        _("lowest score for grade B"), max_digits=4, decimal_places=1, default=Decimal("75.0")
    )
    grade_c_min = models.DecimalField(
        _("lowest score for grade C"), max_digits=4, decimal_places=1, default=Decimal("60.0")
    )
    rectification_period_days = models.PositiveSmallIntegerField(
        _("rectification period after a warning (days)"), default=90
    )
    notice_period_days = models.PositiveSmallIntegerField(
        _("public notice period (days)"), default=7
    )
    appeal_window_days = models.PositiveSmallIntegerField(_("appeal window (days)"), default=15)
    objection_window_days = models.PositiveSmallIntegerField(
        _("window for objecting to an inspection result (days)"), default=15
    )
    cooling_off_days = models.PositiveSmallIntegerField(
        _("cooling-off period before re-admission (days)"), default=365
    )
    suspension_after_consecutive_d = models.PositiveSmallIntegerField(
        _("consecutive D grades that propose a suspension"), default=2
    )
    suspension_critical_failures = models.PositiveSmallIntegerField(
        _("critical failures in one period that propose a suspension"), default=2
    )
    trademark_after_consecutive_a = models.PositiveSmallIntegerField(
        _("consecutive A grades that make a member eligible for the collective trademark"),
        default=2,
    )

    class Meta:
        verbose_name = _("scoring policy")
        verbose_name_plural = _("scoring policies")

    def __str__(self) -> str:
        return str(self.charter_version)
