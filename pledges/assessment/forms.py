"""Forms of the regulator's review and of a member's objection: validate and normalise only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pledges.models.assessment import MemberObjection

from .periods import PeriodCodeError, period_days


class StartRunForm(forms.Form):
    code = forms.CharField(
        label=_("Period"),
        max_length=10,
        help_text=_("YYYY, YYYY-H1, YYYY-H2 or YYYY-Q1 to YYYY-Q4, e.g. 2025-H1."),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        try:
            period_days(code)
        except PeriodCodeError:
            raise forms.ValidationError(
                _("Not a period code: use YYYY, YYYY-H1, YYYY-H2 or YYYY-Q1 to YYYY-Q4.")
            ) from None
        return code


class PublishForm(forms.Form):
    note = forms.CharField(
        label=_("What this revision changes and why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the period was published already; shown to the public."),
    )
    confirm = forms.BooleanField(
        label=_("I have checked the period, the members and the consequences above."),
        error_messages={"required": _("Tick the box to confirm the publication.")},
    )


class FactsReviewForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the published results need no correction"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the run; the flag returns if more facts change."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the published results need no correction."))
        return reason


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your objection"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say which figure is wrong and why, naming the report or complaint."),
    )

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Say what is wrong and why."))
        return text


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (MemberObjection.Decision.UPHELD, MemberObjection.Decision.UPHELD.label),
            (MemberObjection.Decision.DISMISSED, MemberObjection.Decision.DISMISSED.label),
        ],
    )
    note = forms.CharField(
        label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
