"""Transactional e-mail through an outbox: written with the change, sent after commit."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils import translation

from .links import absolute_url
from .models import OutboxEmail
from .tasks import enqueue, send_outbox_email

logger = logging.getLogger(__name__)


def queue_mail(
    to: Sequence[str],
    template: str,
    context: dict[str, object],
    *,
    language: str,
    key: str | None = None,
    redact: Sequence[str] = (),
) -> OutboxEmail | None:
    """Write an e-mail to the outbox and have it sent once the caller's transaction commits.

    The template ``<template>_subject.txt`` gives the subject line and ``<template>.txt`` the
    body; both are rendered now, in ``language``: the recipients' language, never that of the
    request being served (the acting user's). Callers that know it (a consumer's or an
    applicant's, kept with what they filed) say it; for addresses of users and members
    ``queue_mail_in_their_languages`` works it out. With a ``key`` the same e-mail
    is queued at most once, however often this is called. The strings in ``redact`` (secrets
    the e-mail carries) are blanked in the outbox once it is sent. Returns None when there is
    nobody to write to or the key was used already.
    """
    recipients = [address for address in to if address]
    if not recipients:
        return None
    # Every e-mail may link into the portal: ``{{ site_url }}{% url … %}``.
    context = {"site_url": absolute_url(), **context}
    with translation.override(language):
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


# The language of an address that belongs to no user (a member's or cooperative's own).
DEFAULT_MAIL_LANGUAGE = "zh-hans"


def mail_language(preference: str | None) -> str:
    """One of the portal's two languages: English when preferred, else Chinese."""
    return "en" if (preference or "").lower().startswith("en") else DEFAULT_MAIL_LANGUAGE


def recipient_languages(to: Sequence[str]) -> dict[str, list[str]]:
    """The addresses by the language each recipient reads: the preferred language of the user
    with that address, else (an address of no user, or a user with no preference) the
    cooperative's default language, Chinese. Never the language of the request being served."""
    from django.contrib.auth import get_user_model

    addresses = [address for address in to if address]
    preferred: dict[str, str] = {}
    for address, language in (
        get_user_model()
        .objects.filter(email__in=[address.lower() for address in addresses])
        .values_list("email", "language")
    ):
        preferred[address.lower()] = language
    groups: dict[str, list[str]] = defaultdict(list)
    for address in addresses:
        groups[mail_language(preferred.get(address.lower()))].append(address)
    return dict(groups)


def queue_mail_in_their_languages(
    to: Sequence[str], template: str, context: dict[str, object], *, key: str
) -> int:
    """Queue the e-mail once for each language its recipients read: each user's preferred
    language (``recipient_languages``). ``key`` makes each language's e-mail queued at most
    once. Returns how many e-mails were queued."""
    return len(queue_mail_by_language(to, template, context, key=key))


def queue_mail_by_language(
    to: Sequence[str], template: str, context: dict[str, object], *, key: str
) -> list[tuple[str, OutboxEmail]]:
    """What ``queue_mail_in_their_languages`` does, returning each e-mail queued with its
    language."""
    # An e-mail queued under the bare key, before e-mails were split by language, was sent.
    if OutboxEmail.objects.filter(key=key).exists():
        return []
    queued = []
    for language, group in sorted(recipient_languages(to).items()):
        email = queue_mail(group, template, context, language=language, key=f"{key}:{language}")
        if email is not None:
            queued.append((language, email))
    return queued
