"""The member portal's forms of its own: the member's public profile (the invitation's form
is members.forms.InviteForm, which the administrator's team page shares)."""

from __future__ import annotations

from django import forms

from members.models import Member


class MemberProfileForm(forms.ModelForm):
    """The public fields a member may change itself; never its credit code or status."""

    class Meta:
        model = Member
        fields = ["name_en", "address"]
