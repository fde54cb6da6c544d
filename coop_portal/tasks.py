from __future__ import annotations

import datetime
import logging
import time
from typing import Any

from celery import Task, shared_task
from django.core.mail import send_mail
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from . import retention
from .models import OUTBOX_MAX_ATTEMPTS, OutboxEmail, outbox_retry_delay

logger = logging.getLogger(__name__)
# Queuing from a request tries the broker once (connecting gives up after
# CELERY_BROKER_CONNECTION_TIMEOUT): work it could not queue is left to the sweeps.
PUBLISH_RETRY_POLICY = {"max_retries": 0}


def send_task(task: Task, *args: Any, **kwargs: Any) -> bool:
    """Queue a task now; says whether the broker took it.

    A broker that is down or unreachable is logged, never raised: what the user submitted is
    already stored, and a periodic sweep (or the next reader of a missing PDF) does the work
    later. Queuing gives up after one attempt (PUBLISH_RETRY_POLICY), so a request never
    waits on the broker longer than CELERY_BROKER_CONNECTION_TIMEOUT.
    """
    try:
        task.apply_async(args, kwargs, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception as error:
        if _raised_by_the_task(task, error):
            raise
        logger.warning(
            "Broker unreachable; %s%r left for the sweep.", task.name, args, exc_info=True
        )
        return False
    return True


def _raised_by_the_task(task: Task, error: Exception) -> bool:
    # With tasks run in-process (tests, the embedded demo) apply_async runs the task itself:
    # its own errors are bugs to see, not a broker that is away.
    from kombu.exceptions import OperationalError

    return bool(task.app.conf.task_always_eager) and not isinstance(error, OperationalError)


def enqueue(task: Task, *args: Any, **kwargs: Any) -> None:
    """Queue a task once the current transaction commits (at once outside one), never
    raising for a broker that is down (see ``send_task``)."""
    transaction.on_commit(lambda: send_task(task, *args, **kwargs), robust=True)


# A sender holds a claimed e-mail this long (several times EMAIL_TIMEOUT, which bounds each
# exchange with the mail server); a sender that died holding it lets go at the end.
OUTBOX_CLAIM = datetime.timedelta(minutes=15)
# Recording an e-mail as sent is tried this many times, on a new connection each time, so that a
# connection dropped just after the mail server took the e-mail does not have it sent again.
RECORD_TRIES = 4
RECORD_PAUSE_SECONDS = 1.0


def _claim(email_id: int, now: datetime.datetime) -> datetime.datetime | None:
    """Take the e-mail for sending: one more attempt, held until the time returned (None when
    it is sent, given up, waiting for its backoff or held by another sender).

    One UPDATE, committed at once: outside the caller's transaction, if it had one, the claim
    would not hold against other senders, and the attempt would roll back with it.
    """
    until = now + OUTBOX_CLAIM
    claimed = (
        OutboxEmail.objects.due(now)
        .filter(pk=email_id)
        .update(attempts=F("attempts") + 1, claimed_until=until)
    )
    return until if claimed else None


def _record(email_id: int, claimed_until: datetime.datetime | None, **values: Any) -> bool:
    """Write the outcome of a send, retrying on a new connection when the database drops.

    With ``claimed_until`` only while this sender still holds the claim (a failure must not
    release another sender's); without it in any case (an e-mail sent is sent).
    """
    unsent = OutboxEmail.objects.filter(pk=email_id, sent_at__isnull=True)
    if claimed_until is not None:
        unsent = unsent.filter(claimed_until=claimed_until)
    for attempt in range(1, RECORD_TRIES + 1):
        try:
            return bool(unsent.update(claimed_until=None, **values))
        except DatabaseError:
            if attempt == RECORD_TRIES:
                raise
            logger.warning(
                "Recording outbox e-mail %s failed; trying again.", email_id, exc_info=True
            )
            connection.close()
            time.sleep(RECORD_PAUSE_SECONDS * attempt)
    return False


@shared_task
def send_outbox_email(email_id: int) -> bool:
    """Send one outbox e-mail unless it went out already. Returns whether it sent it now.

    Claim, commit, send, record: never talk to the mail server inside a transaction, so a
    commit that fails after the mail server took the e-mail cannot leave it looking unsent.
    Must be called outside a transaction (tasks are; ``queue_mail`` queues it on commit).
    """
    claimed_until = _claim(email_id, timezone.now())
    if claimed_until is None:
        return False
    email = OutboxEmail.objects.get(pk=email_id)
    try:
        send_mail(email.subject, email.body, None, email.to)
    except Exception as error:
        retry_at = timezone.now() + outbox_retry_delay(email.attempts)
        _record(email_id, claimed_until, last_error=str(error)[:2000], next_attempt_at=retry_at)
        if email.attempts >= OUTBOX_MAX_ATTEMPTS:
            logger.error(
                "Outbox e-mail %s given up after %d attempts: %s",
                email_id,
                email.attempts,
                error,
            )
        return False
    try:
        _record(
            email_id,
            None,
            sent_at=timezone.now(),
            last_error="",
            body=email.redacted_body(),
            redact=[],
        )
    except DatabaseError:
        # The mail server has the e-mail; the claim keeps other senders off it until it
        # expires (OUTBOX_CLAIM), by which time the database is normally back.
        logger.exception("Outbox e-mail %s was sent but could not be recorded as sent.", email_id)
    return True


@shared_task
def flush_outbox(older_than_seconds: int = 30) -> int:
    """Send what immediate dispatch could not (the broker or the worker was down) and what
    is due again after a failed try."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxEmail.objects.due(now)
        .filter(created_at__lte=cutoff)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    return sum(send_outbox_email(email_id) for email_id in ids)


@shared_task
def apply_retention() -> dict[str, int]:
    """The nightly retention job of the portal's own personal data (coop_portal/retention.py)."""
    return retention.apply_retention()
