"""Celery tasks of the pledges app. Assessment tasks live in assessment/tasks.py and are
imported here so that Celery's autodiscovery (which looks for <app>.tasks) registers them."""

from celery import shared_task

from .assessment.tasks import *  # noqa: F403
from .models.pledge import Pledge


@shared_task
def render_pledge_pdf_task(pledge_id: int) -> bool:
    """Render the PDF of a published pledge version once; returns whether it rendered it now."""
    from .services import render_pledge_pdf

    pledge = (
        Pledge.objects.published()
        .select_related("member__cooperative")
        .filter(pk=pledge_id)
        .first()
    )
    if pledge is None or pledge.pdf:
        return False
    render_pledge_pdf(pledge)
    return True
