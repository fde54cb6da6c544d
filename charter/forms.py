from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from coop_portal.evidence import ATTACHMENTS_HELP, EvidenceField
from coop_portal.templatetags.punctuation import comma
from members.credit_code import normalise, problem
from members.models import Member

from .models import Application, CharterVersion, ExitStep


class ApplicationForm(forms.ModelForm):
    """The public application to join, with the charter in force and its acceptance."""

    # Longer than a code, because people type it with spaces; clean_credit_code normalises it.
    credit_code = forms.CharField(
        label=_("unified social credit code"),
        max_length=40,
        help_text=_("The 18-character code on the business licence."),
    )

    accept_charter = forms.BooleanField(
        label=_("I have read the charter and accept it on behalf of the applicant."),
        required=True,
        error_messages={"required": _("Admission requires accepting the charter in force.")},
    )

    class Meta:
        model = Application
        fields = [
            "credit_code",
            "name",
            "name_en",
            "kind",
            "scale",
            "address",
            "contact_person",
            "phone",
            "email",
            "signatory_name",
        ]
        help_texts = {
            "signatory_name": _("The person who accepts the charter for the applicant."),
        }

    def clean_credit_code(self) -> str:
        code = normalise(self.cleaned_data["credit_code"])
        message = problem(code)
        if message:
            raise forms.ValidationError(message, code="invalid_credit_code")
        return code

    def clean_signatory_name(self) -> str:
        return str(self.cleaned_data["signatory_name"]).strip()


class ChecklistForm(forms.Form):
    """A form with the charter's basic conditions to tick, one box each (by position)."""

    checklist = forms.TypedMultipleChoiceField(
        coerce=int,
        label=_("Basic conditions checked"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, conditions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["checklist"]).choices = list(enumerate(conditions))
        self.conditions = conditions

    def every_condition_confirmed(self, checklist: list[int]) -> bool:
        return sorted(set(checklist)) == list(range(len(self.conditions)))


class ReviewForm(ChecklistForm):
    """Approve with every basic condition confirmed, or reject with a reason."""

    field_order = ["decision", "checklist", "reason"]

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required for a rejection)"), required=False, widget=forms.Textarea
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        confirmed = data.get("checklist", [])
        if data.get("decision") == "approve" and not self.every_condition_confirmed(confirmed):
            self.add_error("checklist", _("Confirm every basic condition before approving."))
        if data.get("decision") == "reject" and not str(data.get("reason", "")).strip():
            self.add_error("reason", _("Give the reason for the rejection."))
        return data


class AcceptanceForm(forms.Form):
    signatory_name = forms.CharField(
        label=_("Signed for the member by"),
        max_length=100,
        help_text=_("The name of the person who accepts the charter for the member."),
    )
    accept = forms.BooleanField(
        label=_("I have read this charter version and accept it on behalf of the member."),
        required=True,
    )


class StepDetailsForm(forms.Form):
    """What every step by hand records: why, and the evidence it rests on."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)
    evidence = forms.CharField(
        label=_("Evidence references"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One reference per line: report numbers, complaint numbers, documents."),
    )


class ExitStepForm(StepDetailsForm):
    """An administrator takes a step by hand."""

    field_order = ["kind", "reason", "evidence"]

    kind = forms.ChoiceField(
        label=_("Step"),
        choices=[
            (kind.value, kind.label)
            for kind in (
                ExitStep.Kind.WARNING,
                ExitStep.Kind.SUSPENSION,
                ExitStep.Kind.REMOVAL,
                ExitStep.Kind.WITHDRAWAL,
                ExitStep.Kind.RESTORATION,
            )
        ],
    )


class ReadmissionForm(ChecklistForm):
    """A former member re-admitted on a paper application: what an application would give."""

    field_order = ["signatory_name", "checklist", "reason"]

    signatory_name = forms.CharField(
        label=_("Signed for the member by"),
        max_length=100,
        help_text=_("The person who accepted the charter in force for the member."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the number and date of the paper application."),
    )

    def clean_checklist(self) -> list[int]:
        confirmed: list[int] = self.cleaned_data.get("checklist") or []
        if not self.every_condition_confirmed(confirmed):
            raise forms.ValidationError(_("Confirm every basic condition before approving."))
        return confirmed


class DecisionForm(forms.Form):
    """Confirm or dismiss a proposal; uphold or reject an appeal."""

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["decision"]).choices = choices


class ProposalsDecisionForm(forms.Form):
    """Several proposals decided alike from the charter desk: confirmed (the reason given, or
    else each one's own), or dismissed with a reason. One proposal per member, since
    confirming one step decides the member's other proposals that reach no further."""

    steps = forms.ModelMultipleChoiceField(
        label=_("Proposals"),
        queryset=ExitStep.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one proposal.")},
    )
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required to dismiss. A confirmation without a reason gives each step the reason "
            "it was proposed for."
        ),
    )

    def __init__(
        self,
        *args: Any,
        proposals: QuerySet[ExitStep],
        choices: list[tuple[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["steps"]).queryset = proposals
        cast(forms.ChoiceField, self.fields["decision"]).choices = choices

    def clean_reason(self) -> str:
        return str(self.cleaned_data["reason"]).strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "dismiss" and not cleaned.get("reason"):
            self.add_error("reason", _("Give the reason for dismissing the proposals."))
        steps = cleaned.get("steps") or []
        members = [step.case.member for step in steps]
        twice = sorted({member.display_name for member in members if members.count(member) > 1})
        if twice:
            self.add_error(
                "steps",
                _(
                    "Tick one proposal per member; decide the others on the member's case: %(members)s"
                )
                % {"members": comma().join(twice)},
            )
        return cleaned


class AppealForm(forms.Form):
    grounds = forms.CharField(label=_("Grounds of the appeal"), widget=forms.Textarea)
    evidence = EvidenceField(
        label=_("Photos and documents"), required=False, help_text=ATTACHMENTS_HELP
    )


class DiffForm(forms.Form):
    older = forms.TypedChoiceField(label=_("From version"), coerce=int)
    newer = forms.TypedChoiceField(label=_("To version"), coerce=int)

    def __init__(self, *args: Any, versions: list[CharterVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(version.number, str(version.number)) for version in versions]
        cast(forms.ChoiceField, self.fields["older"]).choices = choices
        cast(forms.ChoiceField, self.fields["newer"]).choices = choices


class MemberChoiceForm(forms.Form):
    member = forms.ModelChoiceField(queryset=Member.objects.none(), label=_("Member"))

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["member"]).queryset = members
