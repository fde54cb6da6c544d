from __future__ import annotations

from celery import shared_task

from members.models import Cooperative

from . import services


@shared_task
def open_missing_rectifications_task(cooperative_id: int) -> int:
    """Open the rectifications a large import left to the background; safe to run twice."""
    cooperative = Cooperative.objects.filter(pk=cooperative_id).first()
    if cooperative is None:
        return 0
    return services.open_missing_rectifications(cooperative)


@shared_task
def sweep_missing_rectifications() -> int:
    """Catch failures whose rectification task was lost (broker down when it was queued)."""
    opened = 0
    for cooperative_id in (
        services.Inspection.objects.final()
        .failed()
        .filter(rectification__isnull=True)
        .values_list("cooperative_id", flat=True)
        .distinct()
    ):
        opened += open_missing_rectifications_task(cooperative_id)
    return opened
