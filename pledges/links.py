"""The path of a member's public pledge page (made absolute by coop_portal.links)."""

from __future__ import annotations

from django.urls import reverse

from members.models import Member


def public_path(member: Member) -> str:
    return reverse("pledges:member", args=[member.cooperative.slug, member.credit_code])
