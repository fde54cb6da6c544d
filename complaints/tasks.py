from __future__ import annotations

from celery import shared_task
from django.conf import settings

from members.models import Cooperative

from .services import (
    anonymise_closed_complaints_of,
    redact_sent_tracking_codes,
    remind_and_escalate,
)


@shared_task
def send_complaint_reminders() -> dict[str, int]:
    """Deadline reminders to members and overdue reports to administrators, once each.

    Safe to run any number of times: every notice is keyed on its complaint and deadline.
    """
    totals = {"reminders": 0, "overdue_reported": 0}
    for cooperative_id in Cooperative.objects.values_list("pk", flat=True):
        cooperative = Cooperative.objects.get(pk=cooperative_id)
        report = remind_and_escalate(cooperative)
        totals["reminders"] += report.reminders
        totals["overdue_reported"] += report.overdue_reported
    totals["codes_redacted"] = redact_sent_tracking_codes()
    return totals


@shared_task
def anonymise_closed_complaints() -> int:
    """Erase the contact data and evidence of complaints closed longer ago than the retention
    schedule keeps them (settings.RETENTION_DAYS), in each cooperative's own calendar."""
    days = settings.RETENTION_DAYS["complaint_contact"]
    return sum(
        anonymise_closed_complaints_of(cooperative, days)
        for cooperative in Cooperative.objects.all()
    )
