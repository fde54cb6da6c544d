"""The retention schedule of personal data (PIPL): what is kept how long
(``settings.RETENTION_DAYS``, shown on the privacy notice) and the jobs that apply it.

Complaints' contact data and evidence belong to the complaints app
(``complaints.services.anonymise_closed_complaints_of``); what is here is the portal's own:
sent e-mail, sessions, log-in records and earlier values of personal fields in histories.
"""

from __future__ import annotations

import datetime
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from .models import OutboxEmail

# Personal fields of the models whose changes are kept (django-simple-history): their
# earlier values are blanked in history rows older than the schedule's period.
PERSONAL_HISTORY_FIELDS = {
    "members.Member": ["contact_person", "phone", "email"],
    "members.QualityOfficer": ["phone", "email"],
    "members.ShadowVisit": ["staff_names"],
}


def _cutoff(kind: str, now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=settings.RETENTION_DAYS[kind])


def purge_sent_email(now: datetime.datetime) -> int:
    """Blank the recipients and bodies of e-mail sent before the period; returns how many."""
    return (
        OutboxEmail.objects.filter(sent_at__lt=_cutoff("sent_email", now))
        .exclude(body="")
        .update(to=[], body="")
    )


def clear_sessions() -> None:
    """Delete expired log-in sessions (their data holds who was logged in, and from where)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


def prune_login_records(now: datetime.datetime) -> int:
    """Delete records of log-ins and failed attempts older than the period."""
    cutoff = _cutoff("login_records", now)
    deleted = 0
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        deleted += model.objects.filter(attempt_time__lt=cutoff).delete()[0]
    return deleted


def prune_personal_history(now: datetime.datetime) -> int:
    """Blank the personal fields of history rows older than the period; returns how many rows."""
    cutoff = _cutoff("personal_history", now)
    changed = 0
    for label, fields in PERSONAL_HISTORY_FIELDS.items():
        history = apps.get_model(label).history.model  # type: ignore[attr-defined]
        blank = dict.fromkeys(fields, "")
        # Rows with any of the fields still filled in.
        holding = history.objects.filter(history_date__lt=cutoff).exclude(**blank)
        changed += holding.update(**blank)
    return changed


def apply_retention(now: datetime.datetime | None = None) -> dict[str, int]:
    """Everything of the schedule that is the portal's own, at once (the nightly job)."""
    now = now or timezone.now()
    clear_sessions()
    return {
        "sent_email": purge_sent_email(now),
        "login_records": prune_login_records(now),
        "personal_history": prune_personal_history(now),
    }
