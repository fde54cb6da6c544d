"""E-mails to a member: queued through the outbox to the member's address and its users',
and recorded as the member's notices, which its notifications page lists."""

from __future__ import annotations

from django.utils.translation import get_language

from coop_portal.mail import queue_mail, queue_mail_by_language
from coop_portal.models import OutboxEmail

from .models import Member, MemberNotice


def queue_member_mail(
    member: Member,
    template: str,
    context: dict[str, object],
    *,
    key: str,
    language: str | None = None,
    recipients: list[str] | None = None,
) -> OutboxEmail | None:
    """Queue an e-mail to the member (``member.email_recipients()``, or ``recipients`` worked
    out already) and record it as one of its notices. Returns None when there is nobody to
    write to or the key was used already, as ``queue_mail`` does."""
    to = member.email_recipients() if recipients is None else recipients
    email = queue_mail(to, template, context, language=language, key=key)
    if email is not None:
        MemberNotice.objects.create(
            member=member, email=email, group=key, language=language or get_language() or ""
        )
    return email


def queue_member_mail_in_their_languages(
    member: Member, template: str, context: dict[str, object], *, key: str
) -> int:
    """Queue an e-mail to the member once for each language its recipients read, each copy
    recorded as the same notice. Returns how many e-mails were queued."""
    queued = queue_mail_by_language(member.email_recipients(), template, context, key=key)
    MemberNotice.objects.bulk_create(
        MemberNotice(member=member, email=email, group=key, language=language)
        for language, email in queued
    )
    return len(queued)
