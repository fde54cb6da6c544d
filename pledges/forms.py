"""Forms of pledges and of the member portal: they validate and normalise, nothing more."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from charter.models import ScoringPolicy

from .models.pledge import (
    KINDS,
    Pledge,
    Standard,
    charter_minimum,
    target_problem,
)
from .services import PledgeContent

TARGET_LABELS = {
    "pass_rate": _("Lowest spot-check pass rate (%)"),
    "response_days": _("Answer each complaint within (days)"),
    "resolution_days": _("Resolve each complaint within (days)"),
    "rectification_days": _("Fix each failed product within (days)"),
}


class PledgeForm(forms.ModelForm):
    """The text of a pledge version and its four commitments, checked against the charter."""

    class Meta:
        model = Pledge
        fields = [
            "statement",
            "promises",
            "valid_from",
            "valid_until",
            "signatory_name",
            "signatory_title",
        ]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 3}),
            "promises": forms.Textarea(attrs={"rows": 4}),
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, policy: ScoringPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["signatory_name"].required = True
        targets = self.instance.targets() if self.instance.pk else {}
        for kind in KINDS:
            minimum = charter_minimum(policy, kind)
            required = kind in policy.kinds_required
            if kind == "pass_rate":
                field: forms.Field = forms.DecimalField(
                    label=TARGET_LABELS[kind],
                    max_digits=4,
                    decimal_places=1,
                    required=required,
                    help_text=gettext("The charter's minimum is %(minimum)s%%.")
                    % {"minimum": minimum},
                )
            else:
                field = forms.IntegerField(
                    label=TARGET_LABELS[kind],
                    required=required,
                    help_text=gettext("The charter allows at most %(maximum)d days.")
                    % {"maximum": minimum},
                )
            if kind in targets:
                value = targets[kind]
                field.initial = value if kind == "pass_rate" else int(value)
            self.fields[kind] = field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for kind in KINDS:
            value = data.get(kind)
            if value is None:
                continue
            problem = target_problem(self.policy, kind, Decimal(value))
            if problem:
                self.add_error(kind, problem)
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", gettext("The end of validity comes after its start."))
        return data

    def content(self, product_lines: list[tuple[str, list[Standard]]]) -> PledgeContent:
        data = self.cleaned_data
        return PledgeContent(
            statement=data["statement"],
            promises=data["promises"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            signatory_name=data["signatory_name"],
            signatory_title=data["signatory_title"],
            targets={
                kind: None if data.get(kind) is None else Decimal(data[kind]) for kind in KINDS
            },
            product_lines=product_lines,
        )


class ProductLineForm(forms.Form):
    name = forms.CharField(label=_("Product line"), max_length=200, required=False)
    standards = forms.ModelMultipleChoiceField(
        label=_("Standards followed"),
        queryset=Standard.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, standards: QuerySet[Standard], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        standards_field = self.fields["standards"]
        assert isinstance(standards_field, forms.ModelMultipleChoiceField)  # noqa: S101
        standards_field.queryset = standards

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("standards") and not data.get("name"):
            self.add_error("name", gettext("Name the product line these standards apply to."))
        return data


ProductLineFormSet = formset_factory(ProductLineForm, extra=2, max_num=30)


def product_lines_of(formset: Any) -> list[tuple[str, list[Standard]]]:
    return [
        (form.cleaned_data["name"], list(form.cleaned_data.get("standards") or []))
        for form in formset.forms
        if form.cleaned_data.get("name")
    ]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve and publish")), ("return", _("Return with comments"))],
        widget=forms.RadioSelect,
    )
    comments = forms.CharField(
        label=_("Comments for the member"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("comments") or "").strip():
            self.add_error("comments", gettext("Say what the member should change."))
        return data


class PledgeSearchForm(forms.Form):
    """The search of the public list of pledges."""

    q = forms.CharField(
        label=_("Search by name or credit code"), required=False, max_length=100, strip=True
    )


class RefuseReplyForm(forms.Form):
    """Why an administrator refuses a member's reply: the member is told this reason."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Offensive or plainly untrue text: say what, so that the member can correct it."
        ),
    )
