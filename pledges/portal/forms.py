"""The member portal's forms of its own: the member's public profile (the invitation's form
is members.forms.InviteForm, which the administrator's team page shares)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Member

from ..models.reply import REPLY_LENGTH


class MemberProfileForm(forms.ModelForm):
    """The public fields a member may change itself; never its credit code or status."""

    class Meta:
        model = Member
        fields = ["name_en", "address"]


class ReplyForm(forms.Form):
    """A member's reply beside a public result (pledges.services.publish_reply checks it)."""

    text = forms.CharField(
        label=_("Your reply"),
        max_length=REPLY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Plain text, at most %(limit)d characters. It is published at once beside the "
            "result, marked as not verified by the cooperative, and replaces your earlier reply."
        )
        % {"limit": REPLY_LENGTH},
    )
