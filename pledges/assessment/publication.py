"""Publication of a run as a background task: a regulator requests it (the view), a worker
publishes (services.publish_run, in one transaction), the run's page shows its progress.

Safe to click twice and to run twice: a request already made queues nothing more, and a run
published already is left alone.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from coop_portal.tasks import enqueue
from members.models import User
from pledges.models.assessment import AssessmentRun

from . import services


@shared_task
def publish_run_task(run_id: int) -> int | None:
    """Publish a run whose publication a regulator requested. Returns the revision published,
    None when there was nothing to publish (published already, or refused: see the run)."""
    run = services.publish_requested(run_id)
    return run.revision if run else None


@transaction.atomic
def request_publication(run: AssessmentRun, *, by: User, note: str = "") -> bool:
    """Queue the publication of a draft (publish_run_task does it, in the background).

    Refused like the publication itself would be. Returns False when the publication was
    requested already: a second click queues nothing.
    """
    run = (
        AssessmentRun.objects.select_for_update(of=("self",))
        .select_related("period__cooperative", "charter_version__policy")
        .get(pk=run.pk)
    )
    services.check_publishable(run)
    services.note_required(run.period, note)
    if run.publication_requested_at is not None:
        return False
    run.publication_requested_at = timezone.now()
    run.publication_requested_by = by
    run.publication_note = note.strip()
    run.publication_error = ""
    run.save(
        update_fields=[
            "publication_requested_at",
            "publication_requested_by",
            "publication_note",
            "publication_error",
        ]
    )
    enqueue(publish_run_task, run.pk)
    return True
