"""Template tags through which the public pages of lower apps (the member's page, its
spot-check results, its complaint statistics) show the member's replies beside them."""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from members.models import Member

from ..models.assessment import AssessmentPeriod
from ..models.reply import Reply

register = template.Library()


@register.simple_tag
def member_replies(member: Member) -> QuerySet[Reply]:
    """Every reply of the member the public pages show, newest first."""
    return (
        Reply.objects.shown()
        .filter(member=member)
        .select_related("period", "inspection")
        .order_by("-written_at", "-pk")
    )


@register.simple_tag
def inspection_replies(member: Member) -> QuerySet[Reply]:
    """The member's replies beside its spot-check results, newest result first."""
    return (
        Reply.objects.shown()
        .filter(member=member, subject=Reply.Subject.INSPECTION)
        .select_related("inspection")
        .order_by("-inspection__reported_on", "inspection__report_no")
    )


@register.simple_tag
def complaints_reply(member: Member) -> Reply | None:
    """The member's reply beside its complaint statistics, if it has one shown."""
    return Reply.objects.shown().filter(member=member, subject=Reply.Subject.COMPLAINTS).first()


@register.simple_tag
def assessment_reply(member: Member, period: AssessmentPeriod) -> Reply | None:
    """The member's reply beside its assessment result of the period, if it has one shown."""
    return Reply.objects.shown().filter(member=member, period=period).first()
