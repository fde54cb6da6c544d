"""Celery tasks of assessments (computing runs in chunks, closing notice periods).

Every task takes ids, reloads, stops early when its work is done, and is safe to run twice.
"""

from __future__ import annotations

import datetime

from celery import Task, shared_task
from celery.signals import worker_ready
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from members.models import Cooperative
from pledges.models.assessment import AssessmentPeriod, AssessmentRun, RunChunk

from . import services
from .periods import closed_codes

__all__ = [
    "assess_closed_periods",
    "check_run_task",
    "compute_run_chunk",
    "finalise_runs",
    "finish_run_task",
    "resume_computing_runs",
    "resume_stalled_runs",
]

# How many times a chunk that failed (a lost connection, a deadlock) is tried again before
# the whole run is marked failed.
CHUNK_RETRIES = 3
# Periods that closed longer ago than this are not computed by the schedule on its own (a
# new cooperative's old periods wait for a regulator to start them).
SCHEDULE_LOOKBACK = datetime.timedelta(days=60)


@shared_task(bind=True, max_retries=CHUNK_RETRIES)
def compute_run_chunk(self: Task, run_id: int, number: int) -> bool:
    """Compute one chunk of a run; the chunk that completes the run also finishes it."""
    try:
        complete = services.compute_chunk(run_id, number)
    except Exception as error:
        if self.request.retries < CHUNK_RETRIES and not self.request.is_eager:
            raise self.retry(exc=error, countdown=5 * (self.request.retries + 1)) from error
        services.fail_run(run_id, f"chunk {number}: {error!r}")
        raise
    if complete:
        services.finish_run(run_id)
    return complete


@shared_task
def finish_run_task(run_id: int) -> str:
    """Finish a run whose chunks are all done (a run with no member has none)."""
    return services.finish_run(run_id).status


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
    return services.check_run(run).matches


@shared_task
def assess_closed_periods() -> list[int]:
    """Start the computation of every period that closed recently and has no run yet."""
    started: list[int] = []
    for cooperative in Cooperative.objects.filter(charter_versions__isnull=False).distinct():
        today = cooperative.today()
        for code in closed_codes(today):
            services.period_for(cooperative, code)
        periods = AssessmentPeriod.objects.filter(
            cooperative=cooperative,
            last_day__lt=today,
            last_day__gte=today - SCHEDULE_LOOKBACK,
            runs__isnull=True,
        )
        for period in periods:
            try:
                started.append(services.start_run(period).pk)
            except ValidationError:
                # No charter in force on its last day, or a run started meanwhile.
                continue
    return started


@shared_task
def finalise_runs() -> int:
    """Make final every published run whose notice period has ended."""
    return services.finalise_due_runs()


from .pdf_tasks import *  # noqa: E402, F403
