from __future__ import annotations

import datetime
import logging
from typing import Any

from celery import Task, shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import OutboxEmail

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


@shared_task
def send_outbox_email(email_id: int) -> bool:
    """Send one outbox e-mail unless it went out already. Returns whether it sent it now."""
    with transaction.atomic():
        email = (
            OutboxEmail.objects.select_for_update()
            .filter(pk=email_id, sent_at__isnull=True)
            .first()
        )
        if email is None:
            return False
        email.attempts += 1
        try:
            send_mail(email.subject, email.body, None, email.to)
        except Exception as error:
            email.last_error = str(error)[:2000]
            email.save(update_fields=["attempts", "last_error"])
            return False
        email.sent_at = timezone.now()
        email.save(update_fields=["attempts", "sent_at", "last_error"])
    return True


@shared_task
def flush_outbox(older_than_seconds: int = 30) -> int:
    """Send what immediate dispatch could not (the broker or the worker was down)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxEmail.objects.pending()
        .filter(created_at__lte=cutoff)
        .values_list("pk", flat=True)[:500]
    )
    return sum(send_outbox_email(email_id) for email_id in ids)
