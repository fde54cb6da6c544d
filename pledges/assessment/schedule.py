"""The schedule's tasks of assessments (beat): start the periods that closed, make final the
runs whose notice period ended. Safe to run twice."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.core.exceptions import ValidationError

from members.models import Cooperative
from pledges.models.assessment import AssessmentPeriod

from . import services
from .periods import closed_codes

# Periods that closed longer ago than this are not computed by the schedule on its own (a
# new cooperative's old periods wait for a regulator to start them).
SCHEDULE_LOOKBACK = datetime.timedelta(days=60)


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
