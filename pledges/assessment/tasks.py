"""Celery tasks that compute runs in chunks and check published runs again (computing.py).

Every task takes ids, reloads, stops early when its work is done, and is safe to run twice.
The schedule's tasks, which start runs and close notice periods, are in schedule.py.
"""

from __future__ import annotations

from celery import Task, shared_task
from celery.signals import worker_ready
from django.db.models import QuerySet

from pledges.models.assessment import AssessmentRun, RunChunk

from . import computing, notifications

# How many times a chunk that failed (a lost connection, a deadlock) is tried again before
# the whole run is marked failed.
CHUNK_RETRIES = 3


@shared_task(bind=True, max_retries=CHUNK_RETRIES)
def compute_run_chunk(self: Task, run_id: int, number: int) -> bool:
    """Compute one chunk of a run; the chunk that completes the run also finishes it."""
    try:
        complete = computing.compute_chunk(run_id, number)
    except Exception as error:
        if self.request.retries < CHUNK_RETRIES and not self.request.is_eager:
            raise self.retry(exc=error, countdown=5 * (self.request.retries + 1)) from error
        computing.fail_run(run_id, f"chunk {number}: {error!r}")
        raise
    if complete:
        computing.finish_run(run_id)
    return complete


@shared_task
def finish_run_task(run_id: int) -> str:
    """Finish a run whose chunks are all done (a run with no member has none)."""
    return computing.finish_run(run_id).status


@shared_task
def resume_computing_runs() -> int:
    """Queue again the chunks not done of every run still computing; returns how many runs.

    A worker killed outright (SIGKILL, out of memory, a lost machine) takes the chunks it
    had received with it: the broker hands them out again only after its visibility
    timeout, an hour. Chunks are safe to compute twice (a done chunk is skipped, and so is a
    chunk in progress elsewhere, at once), so a starting worker simply queues them again.
    """
    return _resume(AssessmentRun.objects.filter(status=AssessmentRun.Status.COMPUTING))


@shared_task
def resume_stalled_runs(idle_seconds: int = 600) -> int:
    """Queue again the chunks of the runs still computing that made no progress for
    ``idle_seconds`` (beat, every few minutes); returns how many runs.

    A run started while the broker was down has chunks that were never queued (the request
    that started it answered normally, coop_portal.tasks.enqueue): this sweep computes them.
    """
    return _resume(AssessmentRun.objects.stalled(idle_seconds))


def _resume(runs_to_resume: QuerySet[AssessmentRun]) -> int:
    runs = list(runs_to_resume.values_list("pk", flat=True))
    for run_id in runs:
        numbers = list(
            RunChunk.objects.filter(run_id=run_id, done_at__isnull=True).values_list(
                "number", flat=True
            )
        )
        for number in numbers:
            compute_run_chunk.delay(run_id, number)
        if not numbers:
            finish_run_task.delay(run_id)
    return len(runs)


@worker_ready.connect
def _resume_after_worker_start(**kwargs: object) -> None:
    resume_computing_runs.delay()


@shared_task
def check_run_task(run_id: int) -> bool | None:
    """Compute a public run's period again and record whether it gives the run's hash (the
    public verification page shows the latest such check). None: the run is not current."""
    run = (
        AssessmentRun.objects.filter(
            pk=run_id, status__in=[AssessmentRun.Status.PUBLISHED, AssessmentRun.Status.FINAL]
        )
        .select_related("period__cooperative", "charter_version")
        .first()
    )
    if run is None:
        return None
    return computing.check_run(run).matches


@shared_task
def notify_publication_task(run_id: int) -> int:
    """E-mail each member of a just-published run (once each, however often it runs)."""
    return notifications.notify_publication(run_id)
