from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Cooperative, Lab, Member, localised


class TestCategory(models.Model):
    """A category of the cooperative's test catalogue (e.g. fabrics, bedding)."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="test_categories",
        verbose_name=_("cooperative"),
    )
    code = models.SlugField(_("code"), max_length=50)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("test category")
        verbose_name_plural = _("test categories")
        ordering = ["cooperative", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "code"], name="test_category_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self.name_zh, self.name_en)


class InspectionQuerySet(models.QuerySet["Inspection"]):
    def final(self) -> InspectionQuerySet:
        """Results that count: not voided by an upheld objection."""
        return self.filter(status=Inspection.Status.FINAL)


class Inspection(models.Model):
    """One inspection report of a sampled product of a member."""

    class Kind(models.TextChoices):
        SUPERVISION = "supervision", _("supervision spot check")
        COMMISSIONED = "commissioned", _("commissioned by the member")

    class Verdict(models.TextChoices):
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")

    class Severity(models.TextChoices):
        MINOR = "minor", _("minor")
        MAJOR = "major", _("major")
        CRITICAL = "critical", _("critical")

    class Status(models.TextChoices):
        FINAL = "final", _("final")
        VOIDED = "voided", _("voided")

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("cooperative"),
    )
    report_no = models.CharField(_("report number"), max_length=60)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("member")
    )
    product = models.CharField(_("product"), max_length=200)
    category = models.ForeignKey(
        TestCategory,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("category"),
    )
    sampled_on = models.DateField(_("sampled on"))
    reported_on = models.DateField(_("reported on"))
    lab = models.ForeignKey(
        Lab,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("lab"),
    )
    lab_name = models.CharField(_("lab name"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.SUPERVISION
    )
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.FINAL
    )
    # The date a re-test passed: it stops the rectification clock of a failed result.
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    retest_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retests",
        verbose_name=_("re-test of"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-reported_on", "report_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "report_no"], name="inspection_unique_report_no"
            ),
        ]
        indexes = [models.Index(fields=["member", "sampled_on"])]

    def __str__(self) -> str:
        return self.report_no
