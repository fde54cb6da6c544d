"""E-mails to a member: queued through the outbox to the member's address and its users',
and recorded as the member's notices, which its notifications page lists."""

from __future__ import annotations

from coop_portal.mail import queue_mail_by_language

from .models import Member, MemberNotice


def queue_member_mail(
    member: Member,
    template: str,
    context: dict[str, object],
    *,
    key: str,
    recipients: list[str] | None = None,
) -> int:
    """Queue an e-mail to the member (``member.email_recipients()``, or ``recipients`` worked
    out already) once for each language its recipients read, each in its recipients' language
    whoever acts (``coop_portal.mail.recipient_languages``), and record the copies as one of
    its notices. ``key`` makes each copy queued at most once. Returns how many e-mails were
    queued: none when there is nobody to write to or the key was used already."""
    to = member.email_recipients() if recipients is None else recipients
    queued = queue_mail_by_language(to, template, context, key=key)
    MemberNotice.objects.bulk_create(
        MemberNotice(member=member, email=email, group=key, language=language)
        for language, email in queued
    )
    return len(queued)
