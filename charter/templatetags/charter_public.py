"""Template tags through which pages of lower apps show the charter's public facts."""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from members.models import Member

from ..models import ExitStep

register = template.Library()


@register.simple_tag
def public_exit_steps(member: Member) -> QuerySet[ExitStep]:
    """The member's suspensions and removals in effect (warnings are never public)."""
    return ExitStep.objects.public().for_member(member).order_by("-decided_on")
