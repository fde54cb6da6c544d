from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from coop_portal.evidence import ATTACHMENTS_HELP, EvidenceField
from members.models import Lab


class LabUploadForm(forms.Form):
    file = forms.FileField(label=_("Inspections file (inspections.csv)"))
    items_file = forms.FileField(
        label=_("Item-results file (optional)"),
        required=False,
        help_text=_("Columns: report_no, item, measured_value, limit, result."),
    )
    change_reason = forms.CharField(
        label=_("Reason for corrections"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when the file changes the verdict or an item's result of a report "
            "delivered before; kept in each result's history."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        limit = settings.CSV_IMPORT_MAX_BYTES
        for name in ("file", "items_file"):
            upload = cleaned.get(name)
            if upload is not None and upload.size > limit:
                self.add_error(
                    name,
                    _("The file is larger than the limit of %(size)d MB.")
                    % {"size": limit // (1024 * 1024)},
                )
        return cleaned


class CorrectiveActionForm(forms.Form):
    taken_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_taken_on(self) -> datetime.date:
        taken_on: datetime.date = self.cleaned_data["taken_on"]
        if taken_on > self.today:
            raise forms.ValidationError(_("The date cannot be in the future."))
        return taken_on


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the result is wrong"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence = EvidenceField(
        label=_("Photos and documents"), required=False, help_text=ATTACHMENTS_HELP
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("upheld", _("Uphold: void the result")), ("rejected", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Reason (shown with the result)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ServiceRequestForm(forms.Form):
    lab = forms.ModelChoiceField(label=_("Test centre"), queryset=Lab.objects.none())
    product = forms.CharField(label=_("Product"), max_length=200)
    question = forms.CharField(
        label=_("What do you need?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, labs: QuerySet[Lab], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lab"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = labs


class ServiceUpdateForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the member"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    advance = forms.BooleanField(label=_("This step is done: move on to the next"), required=False)
