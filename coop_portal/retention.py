"""The retention schedule of personal data (PIPL): what is kept how long
(``settings.RETENTION_DAYS``, shown on the privacy notice) and the jobs that apply it.

Complaints' contact data and evidence belong to the complaints app
(``complaints.services.anonymise_closed_complaints_of``), the earlier values of personal fields
in change histories to the members app (``members.retention``); what is here is the portal's
own: sent e-mail, sessions and log-in records.
"""

from __future__ import annotations

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from .models import OutboxEmail


def cutoff(kind: str, now: datetime.datetime) -> datetime.datetime:
    """The moment before which data of this kind of the schedule is no longer kept."""
    return now - datetime.timedelta(days=settings.RETENTION_DAYS[kind])


def purge_sent_email(now: datetime.datetime) -> int:
    """Blank the recipients and bodies of e-mail sent before the period; returns how many."""
    return (
        OutboxEmail.objects.filter(sent_at__lt=cutoff("sent_email", now))
        .exclude(body="")
        .update(to=[], body="")
    )


def clear_sessions() -> None:
    """Delete expired log-in sessions (their data holds who was logged in, and from where)."""
    call_command("clearsessions")


def prune_login_records(now: datetime.datetime) -> int:
    """Delete records of log-ins and failed attempts older than the period."""
    before = cutoff("login_records", now)
    deleted = 0
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        deleted += model.objects.filter(attempt_time__lt=before).delete()[0]
    return deleted


def apply_retention(now: datetime.datetime | None = None) -> dict[str, int]:
    """Everything of the schedule that is the portal's own, at once (the nightly job)."""
    now = now or timezone.now()
    clear_sessions()
    return {
        "sent_email": purge_sent_email(now),
        "login_records": prune_login_records(now),
    }
