from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coop_portal.evidence import EVIDENCE_HELP, EvidenceField
from members.models import Member

from .models import (
    REJECTION_CODES,
    RESOLUTION_CODES,
    UNRESOLVED_CODES,
    ClosingCode,
    DataRequest,
    SatisfactionFeedback,
    national_phone,
)

PHONE = re.compile(r"^\+?[0-9][0-9\s()-]{5,30}$")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("Find the member by name"), max_length=100, required=False)


# A cooperative with more active members than this lists them only after a name search, and
# a search lists at most this many: the form stays small however large the cooperative.
MEMBER_LIST_LIMIT = 50
SEARCH_FIRST = _("Search for the member by name above, then choose it here.")
MORE_MATCHES = _(
    "More than %(count)d members match this name; the first %(count)d are listed. "
    "Type more of the name to find the member."
)


class ComplaintForm(forms.Form):
    member = MemberChoiceField(
        label=_("Member complained about"),
        queryset=Member.objects.none(),
        empty_label=_("— choose the member —"),
    )
    product = forms.CharField(label=_("Product"), max_length=200)
    description = forms.CharField(
        label=_("What happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("When and where you bought the product, and what is wrong with it."),
    )
    desired_outcome = forms.CharField(
        label=_("What would you like the member to do?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=100)
    contact_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    contact_email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    share_contact = forms.BooleanField(
        label=_("The member may see my name and contact details to settle the complaint"),
        required=False,
    )
    publish_consent = forms.BooleanField(
        label=_("An anonymised account of my complaint may be published"), required=False
    )
    evidence = EvidenceField(
        label=_("Photos and receipts"), required=False, help_text=EVIDENCE_HELP
    )
    submission_key = forms.CharField(
        max_length=64, required=False, widget=forms.HiddenInput, label=_("Form key")
    )
    # The bot trap: hidden from people (and from screen readers); bots fill every field.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]

    def list_members(self, members: Any, help_text: str = "") -> None:
        """Offer only these members in the choice (after validation, which used them all)."""
        self.fields["member"].queryset = members  # type: ignore[attr-defined]
        self.fields["member"].help_text = help_text

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"].strip()
        if phone and not PHONE.match(phone):
            raise ValidationError(_("Enter a phone number of digits, spaces or dashes."))
        return phone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given = cleaned.get("contact_phone") or cleaned.get("contact_email")
        invalid = "contact_phone" in self.errors or "contact_email" in self.errors
        if not given and not invalid:
            self.add_error(
                "contact_phone", _("Give a phone number or an e-mail address (or both).")
            )
        return cleaned

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class DeskSearchForm(forms.Form):
    """The desk's search: by reference (any case, a part of one will do) and, for those who
    may see personal data, by the consumer's phone number."""

    reference = forms.CharField(label=_("Reference"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("Consumer's phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, phone_allowed: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not phone_allowed:
            del self.fields["phone"]

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip().upper()

    def clean_phone(self) -> str:
        """The number's national digits; a number written with letters is refused."""
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        if not PHONE.match(phone.replace("\u3000", " ")):
            raise ValidationError(_("Enter a phone number of digits, spaces or dashes."))
        return national_phone(phone)


# The longest reference the tracking form takes (a reference is 14 characters: margin for
# what a person pastes around it).
REFERENCE_LENGTH = 40


class TrackingForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=REFERENCE_LENGTH)
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class InformationForm(forms.Form):
    text = forms.CharField(
        label=_("More information"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence = EvidenceField(
        label=_("Photos and receipts"), required=False, help_text=EVIDENCE_HELP
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with how your complaint was handled?"),
        choices=SatisfactionFeedback.Rating.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=pgettext_lazy("a consumer's feedback", "Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer to the consumer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.BooleanField(
        label=_("Show this text to the consumer and the member"), required=False
    )


class ForwardForm(NoteForm):
    """Forwarding: the text is the cooperative's message to the member."""

    text = forms.CharField(
        label=_("Message to the member"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    public = forms.BooleanField(label=_("Show it to the consumer too"), required=False)


def _codes(codes: list[ClosingCode]) -> list[tuple[str, Any]]:
    return [(code.value, code.label) for code in codes]


class CloseForm(forms.Form):
    """Closing a complaint: the codes depend on the step (reject, resolve, close unresolved)."""

    CODES = {"reject": REJECTION_CODES, "resolve": RESOLUTION_CODES, "close": UNRESOLVED_CODES}
    # A rejection gives the reason the complaint is not accepted; the others how it ended.
    LABELS = {"reject": _("Reason for rejection")}

    closing_code = forms.ChoiceField(label=_("Closing code"), choices=())
    text = forms.CharField(
        label=_("Explanation for the consumer"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, step: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["closing_code"].choices = _codes(self.CODES[step])  # type: ignore[attr-defined]
        self.fields["closing_code"].label = self.LABELS.get(step, self.fields["closing_code"].label)


class UpholdForm(forms.Form):
    on = forms.DateField(
        label=_("Found justified on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    text = forms.CharField(
        label=_("Reason"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PublicAccountForm(forms.Form):
    """The anonymised account an administrator publishes, read and edited if need be."""

    product = forms.CharField(label=_("Product"), max_length=200, required=False)
    text = forms.CharField(
        label=_("Account to publish"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "The consumer's words, with the personal data the portal recognised masked (***). "
            "Mask anything else that could identify a person: a name, a nickname, an address, "
            "a shop assistant, an account number."
        ),
    )
    checked = forms.BooleanField(
        label=_("I have read the account: it names no person and holds no contact details"),
    )


class WithholdAccountForm(forms.Form):
    text = forms.CharField(
        label=_("Why (for the cooperative only)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DataRequestForm(forms.Form):
    """The consumer asks for a copy or the deletion of their personal data."""

    kind = forms.ChoiceField(label=_("Request"), choices=DataRequest.Kind.choices)


class DataRequestDecisionForm(forms.Form):
    """The administrator's decision on a consumer's request about their personal data."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("grant", _("Grant")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason given to the consumer"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not data.get("reason", "").strip():
            self.add_error("reason", _("Tell the consumer why the request is refused."))
        return data
