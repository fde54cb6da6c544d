from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member

from .assessment import AssessmentRun


def assessment_pdf_path(instance: AssessmentPdf, filename: str) -> str:
    period = instance.run.period
    return (
        f"assessments/{period.cooperative.slug}/{period.code}/r{instance.run.revision}/{filename}"
    )


class AssessmentPdf(models.Model):
    """A rendered PDF of a published run, kept so that it is drawn once per revision."""

    class Kind(models.TextChoices):
        REPORT = "report", _("member's assessment report")
        NOTICE = "notice", _("public notice of the results")

    run = models.ForeignKey(
        AssessmentRun, on_delete=models.CASCADE, related_name="pdfs", verbose_name=_("run")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Empty for the public notice, which lists every member of the run.
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    language = models.CharField(_("language"), max_length=10)
    file = models.FileField(_("file"), upload_to=assessment_pdf_path)
    rendered_at = models.DateTimeField(_("rendered"), default=timezone.now)

    class Meta:
        verbose_name = _("assessment PDF")
        verbose_name_plural = _("assessment PDFs")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "kind", "member", "language"],
                condition=Q(member__isnull=False),
                name="assessment_pdf_unique_member",
            ),
            models.UniqueConstraint(
                fields=["run", "kind", "language"],
                condition=Q(member__isnull=True),
                name="assessment_pdf_unique_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run} · {self.kind} · {self.language}"
