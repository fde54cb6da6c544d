from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .credit_code import normalise, problem
from .models import Conversion, Cooperative, Member


class DirectoryFilterForm(forms.Form):
    """The public directory's search and filters; every field is optional."""

    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *Member.Kind.choices]
    )
    scale = forms.ChoiceField(
        label=_("Scale"), required=False, choices=[("", _("All")), *Member.Scale.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            *[(value, label) for value, label in Member.Status.choices if value != "applicant"],
        ],
    )

    def filter(self, members: QuerySet[Member]) -> QuerySet[Member]:
        if not self.is_valid():
            return members
        data = self.cleaned_data
        members = members.search(data["q"])  # type: ignore[attr-defined]
        for field in ("kind", "scale", "status"):
            if data[field]:
                members = members.filter(**{field: data[field]})
        return members


class MemberImportForm(forms.Form):
    cooperative = forms.ModelChoiceField(
        label=_("Cooperative"), queryset=Cooperative.objects.none()
    )
    file = forms.FileField(label=_("members.csv"), help_text=_("CSV, UTF-8, with a header row."))

    def __init__(self, *args: Any, cooperatives: QuerySet[Cooperative], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cooperative"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = cooperatives
        if cooperatives.count() == 1:
            field.initial = cooperatives.first()


class ConversionForm(forms.ModelForm):
    class Meta:
        model = Conversion
        fields = ["sole_proprietor", "new_credit_code", "new_name", "converted_on", "note"]

    def clean_new_credit_code(self) -> str:
        code = normalise(self.cleaned_data["new_credit_code"])
        message = problem(code)
        if message:
            raise forms.ValidationError(message)
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        member = data.get("sole_proprietor")
        if member is not None:
            if member.kind != Member.Kind.SOLE_PROPRIETOR:
                self.add_error(
                    "sole_proprietor", _("Only a sole proprietor can be converted into a company.")
                )
            if data.get("new_credit_code") == member.credit_code:
                self.add_error(
                    "new_credit_code", _("The new firm needs its own credit code, not the old one.")
                )
            converted_on = data.get("converted_on")
            if converted_on and converted_on > member.cooperative.today():
                self.add_error("converted_on", _("This date is in the future."))
            elif converted_on and member.joined_on and converted_on < member.joined_on:
                self.add_error(
                    "converted_on",
                    _("The sole proprietor joined on %(day)s: it cannot convert before.")
                    % {"day": member.joined_on.isoformat()},
                )
        return data


class InviteForm(forms.Form):
    """An invitation to a member's team, from its owner's page or an administrator's."""

    email = forms.EmailField(label=_("Colleague's e-mail address"))
    as_owner = forms.BooleanField(
        label=_("As an owner (manages the team)"), required=False, initial=False
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()
