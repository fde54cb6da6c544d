from __future__ import annotations

import datetime

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import OutboxEmail


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
