"""Absolute links to the public pledge pages, for e-mail, PDFs and badges."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from members.models import Member


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def public_path(member: Member) -> str:
    return reverse("pledges:member", args=[member.cooperative.slug, member.credit_code])
