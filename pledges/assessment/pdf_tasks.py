"""Celery tasks that draw the PDFs of published assessments (pdf.py). Ids in, safe to rerun."""

from __future__ import annotations

from celery import shared_task

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
    """Queue a just-published run's public notice in both languages (members' reports are
    drawn when first asked for). Returns how many were queued."""
    languages = ("zh-hans", "en")
    for language in languages:
        render_notice_pdf.delay(run_id, language)
    return len(languages)
