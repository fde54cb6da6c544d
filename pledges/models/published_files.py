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


class DocumentKind(models.TextChoices):
    REPORT = "report", _("member's assessment report")
    NOTICE = "notice", _("public notice of the results")


class PublishedDocument(models.Model):
    """Which document of a published run: its kind, its member (empty for the public notice,
    which lists every member of the run) and its language."""

    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    language = models.CharField(_("language"), max_length=10)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.run} · {self.kind} · {self.language}"  # type: ignore[attr-defined]


def one_per_document(prefix: str) -> list[models.BaseConstraint]:
    """One row per run, kind, member and language (the public notice has no member)."""
    return [
        models.UniqueConstraint(
            fields=["run", "kind", "member", "language"],
            condition=Q(member__isnull=False),
            name=f"{prefix}_unique_member",
        ),
        models.UniqueConstraint(
            fields=["run", "kind", "language"],
            condition=Q(member__isnull=True),
            name=f"{prefix}_unique_notice",
        ),
    ]


class AssessmentPdf(PublishedDocument):
    """A rendered PDF of a published run, kept so that it is drawn once per revision."""

    Kind = DocumentKind

    run = models.ForeignKey(
        AssessmentRun, on_delete=models.CASCADE, related_name="pdfs", verbose_name=_("run")
    )
    file = models.FileField(_("file"), upload_to=assessment_pdf_path)
    rendered_at = models.DateTimeField(_("rendered"), default=timezone.now)

    class Meta:
        verbose_name = _("assessment PDF")
        verbose_name_plural = _("assessment PDFs")
        constraints = one_per_document("assessment_pdf")


class DocumentClaim(PublishedDocument):
    """The claim to draw one PDF of a published run: whoever creates the row queues the render.

    Its unique constraints make sure that however often a document is asked for before it
    exists, one render at most is queued; a claim left by a render that died is taken over
    once it is older than ``pdf.CLAIM_LIFETIME``.
    """

    run = models.ForeignKey(
        AssessmentRun, on_delete=models.CASCADE, related_name="+", verbose_name=_("run")
    )
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)

    class Meta:
        verbose_name = _("claim to draw a PDF")
        verbose_name_plural = _("claims to draw PDFs")
        constraints = one_per_document("document_claim")
