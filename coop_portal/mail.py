"""Transactional e-mail through an outbox: written with the change, sent after commit."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils import translation

from .models import OutboxEmail
from .tasks import enqueue, send_outbox_email

logger = logging.getLogger(__name__)


def queue_mail(
    to: Sequence[str],
    template: str,
    context: dict[str, object],
    *,
    language: str | None = None,
    key: str | None = None,
    redact: Sequence[str] = (),
) -> OutboxEmail | None:
    """Write an e-mail to the outbox and have it sent once the caller's transaction commits.

    The template ``<template>_subject.txt`` gives the subject line and ``<template>.txt`` the
    body; both are rendered now, in the recipient's language. With a ``key`` the same e-mail
    is queued at most once, however often this is called. The strings in ``redact`` (secrets
    the e-mail carries) are blanked in the outbox once it is sent. Returns None when there is
    nobody to write to or the key was used already.
    """
    recipients = [address for address in to if address]
    if not recipients:
        return None
    with translation.override(language or translation.get_language()):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    email, created = OutboxEmail.objects.get_or_create(
        key=key or f"once:{uuid.uuid4()}",
        defaults={"to": recipients, "subject": subject, "body": body, "redact": list(redact)},
    )
    if not created:
        return None
    # With the broker unreachable the e-mail stays in the outbox and the periodic sweep
    # (tasks.flush_outbox) sends it once the broker is back.
    enqueue(send_outbox_email, email.pk)
    return email
