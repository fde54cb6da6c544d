"""Forms of the regulator's review and of a member's objection: validate and normalise only."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from coop_portal.evidence import ATTACHMENTS_HELP, EvidenceField
from inspections.models import TestCategory
from members.models import Cooperative
from pledges.models.assessment import AssessmentPeriod, MemberObjection

from .periods import newest_first, period_label, recent_closed_codes


class StartRunForm(forms.Form):
    """The period to compute, chosen by its name from those that have ended: a regulator
    never types a period code."""

    code = forms.ChoiceField(label=_("Period"), help_text=_("Only periods that have ended."))

    def __init__(
        self,
        *args: Any,
        today: datetime.date,
        periods: Iterable[AssessmentPeriod] = (),
        **kwargs: Any,
    ) -> None:
        """``periods`` are the cooperative's own: an older one that ended is offered too."""
        super().__init__(*args, **kwargs)
        codes = set(recent_closed_codes(today))
        codes.update(period.code for period in periods if period.has_ended(today))
        field = cast(forms.ChoiceField, self.fields["code"])
        # No period is chosen in advance: computing a quarter by mistake costs a whole run.
        field.choices = [("", _("— choose the period —"))] + [
            (code, period_label(code)) for code in newest_first(codes)
        ]


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
    evidence = EvidenceField(
        label=_("Photos and documents"), required=False, help_text=ATTACHMENTS_HELP
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


class DashboardFilterForm(forms.Form):
    """The dashboard's filter, sent by GET: a year by its name (the last two years when none)
    and a product category of the cooperative's test catalogue by its name (all when none)."""

    # Years before this many are too old for a dashboard; the public results keep them.
    YEARS_OFFERED = 10

    year = forms.TypedChoiceField(
        label=_("Year"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a year from the list.")},
    )
    category = forms.ModelChoiceField(
        label=_("Product category"),
        required=False,
        queryset=TestCategory.objects.none(),
        to_field_name="code",
        empty_label=_("All categories"),
        error_messages={"invalid_choice": _("Choose a product category from the list.")},
    )

    def __init__(
        self, data: Any, *, cooperative: Cooperative, today: datetime.date, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        years = range(today.year, today.year - self.YEARS_OFFERED, -1)
        year_field = cast(forms.TypedChoiceField, self.fields["year"])
        year_field.choices = [
            ("", _("The last two years")),
            *((str(year), period_label(str(year))) for year in years),
        ]
        category_field = cast(forms.ModelChoiceField, self.fields["category"])
        category_field.queryset = TestCategory.objects.filter(cooperative=cooperative)
