"""The member portal's forms of its own: the member's public profile and an invitation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Member


class MemberProfileForm(forms.ModelForm):
    """The public fields a member may change itself; never its credit code or status."""

    class Meta:
        model = Member
        fields = ["name_en", "address"]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"))

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()
