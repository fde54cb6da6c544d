"""Celery tasks that draw the PDFs of published assessments (pdf.py). Ids in, safe to rerun."""

from __future__ import annotations

from celery import shared_task

from ..models import AssessmentRun
from . import pdf

__all__ = ["render_notice_pdf", "render_report_pdf", "render_run_pdfs"]


@shared_task
def render_notice_pdf(run_id: int, language: str) -> int | None:
    """Draw a run's public notice in one language; returns the kept PDF's id (None: not public)."""
    document = pdf.store_notice(run_id, language)
    return document.pk if document else None


@shared_task
def render_report_pdf(run_id: int, member_id: int, language: str) -> int | None:
    """Draw a member's assessment report in one language; returns the kept PDF's id."""
    document = pdf.store_report(run_id, member_id, language)
    return document.pk if document else None


@shared_task
def render_run_pdfs(run_id: int) -> int:
    """Queue the public notices of a published run that nobody has claimed yet (in both
    languages). Returns how many were queued."""
    run = AssessmentRun.objects.filter(pk=run_id).first()
    if run is None or not run.is_public:
        return 0
    languages = pdf.claim_notices(run)
    for language in languages:
        render_notice_pdf.delay(run_id, language)
    return len(languages)
