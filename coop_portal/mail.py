"""Transactional e-mail through an outbox: written with the change, sent after commit."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import OutboxEmail

logger = logging.getLogger(__name__)


def queue_mail(
    to: Sequence[str],
    template: str,
    context: dict[str, object],
    *,
    language: str | None = None,
    key: str | None = None,
) -> OutboxEmail | None:
    """Write an e-mail to the outbox and have it sent once the caller's transaction commits.

    The template ``<template>_subject.txt`` gives the subject line and ``<template>.txt`` the
    body; both are rendered now, in the recipient's language. With a ``key`` the same e-mail
    is queued at most once, however often this is called. Returns None when there is nobody to
    write to or the key was used already.
    """
    recipients = [address for address in to if address]
    if not recipients:
        return None
    with translation.override(language or translation.get_language()):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    email, created = OutboxEmail.objects.get_or_create(
        key=key or f"once:{uuid.uuid4()}",
        defaults={"to": recipients, "subject": subject, "body": body},
    )
    if not created:
        return None
    transaction.on_commit(lambda: _dispatch(email.pk))
    return email


def _dispatch(email_id: int) -> None:
    # Imported here because tasks import this module.
    from .tasks import send_outbox_email

    try:
        send_outbox_email.delay(email_id)
    except Exception:
        # The broker is unreachable. The e-mail stays in the outbox and the periodic sweep
        # sends it once the broker is back: the user's change is already safely committed.
        logger.warning(
            "Broker unreachable; outbox e-mail %s left for the sweep.", email_id, exc_info=True
        )
