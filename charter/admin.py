from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coop_portal.templatetags.punctuation import colon
from members import admin as registry_admin
from members.admin import ScopedHistoryAdmin
from members.models import Conversion, Member
from members.scoping import CooperativeScopedAdmin, ReadOnlyAdminMixin, signed_in_user

from . import services
from .forms import ReadmissionForm, StepDetailsForm
from .models import (
    Appeal,
    Application,
    CharterAcceptance,
    CharterVersion,
    CommitmentKind,
    ExitCase,
    ExitStep,
    ScoringPolicy,
)


def _is_draft(obj: Model | None) -> bool:
    return obj is None or not getattr(obj, "is_published", False)


class ScoringPolicyInline(admin.StackedInline):
    model = ScoringPolicy

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "required_kinds":
            # Ticked boxes, not a JSON list typed by hand; none ticked means all four.
            return forms.MultipleChoiceField(
                label=db_field.verbose_name,
                choices=CommitmentKind.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                help_text=gettext_lazy("None ticked means all four kinds."),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    min_num = 1
    max_num = 1

    # Shown only inside the charter version's page, which checks the administrator's scope.
    # The policy is part of its version: editable only while the version is a draft.
    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_draft(obj)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_draft(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


# Scoped history pages: another cooperative's record is a 404, as on its other admin pages.
@admin.register(CharterVersion)
class CharterVersionAdmin(ScopedHistoryAdmin):
    list_display = ["__str__", "cooperative", "number", "effective_from", "status", "published_at"]
    list_filter = ["status", "cooperative"]
    readonly_fields = ["number", "status", "published_at", "published_by", "created_at"]
    inlines = [ScoringPolicyInline]
    actions = ["publish", "draft_next"]
    fieldsets = [
        (None, {"fields": ["cooperative", "number", "effective_from", "title_zh", "title_en"]}),
        (
            gettext_lazy("Sections"),
            {
                "fields": [
                    "purpose_zh",
                    "purpose_en",
                    "principles_zh",
                    "principles_en",
                    "duties_zh",
                    "duties_en",
                    "conditions_zh",
                    "conditions_en",
                    "mechanism_zh",
                    "mechanism_en",
                    "change_note_zh",
                    "change_note_en",
                ]
            },
        ),
        (
            gettext_lazy("Publication"),
            {"fields": ["status", "published_at", "published_by", "created_at"]},
        ),
    ]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A published version is read-only: it never changes.
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _is_draft(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.number = services.next_version_number(obj.cooperative)
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Publish the selected drafts"))
    def publish(self, request: HttpRequest, queryset: QuerySet[CharterVersion]) -> None:
        for version in queryset:
            try:
                services.publish_charter_version(version, by=request.user)  # type: ignore[arg-type]
            except ValidationError as error:
                self.message_user(
                    request, f"{version}{colon()}{' '.join(error.messages)}", level=messages.ERROR
                )
            else:
                self.message_user(request, _("%(version)s is published.") % {"version": version})

    @admin.action(description=gettext_lazy("Draft the next version of the selected charter"))
    def draft_next(self, request: HttpRequest, queryset: QuerySet[CharterVersion]) -> None:
        for cooperative in {version.cooperative for version in queryset}:
            draft = services.draft_charter_version(cooperative, effective_from=cooperative.today())
            self.message_user(
                request,
                _("%(version)s is drafted: set its effective date, edit it, then publish it.")
                % {"version": draft},
            )


@admin.register(CharterAcceptance)
class CharterAcceptanceAdmin(CooperativeScopedAdmin):
    cooperative_path = "member__cooperative"
    list_display = ["member", "version", "signatory_name", "accepted_at", "recorded_by"]
    list_filter = ["version__cooperative", "version"]
    search_fields = ["member__name", "member__credit_code", "signatory_name"]
    list_select_related = ["member", "version__cooperative", "recorded_by"]

    # Acceptances are recorded by the member or on admission, never typed in by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyScopedAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):  # type: ignore[misc]
    """Browse and search; decisions go through the charter's management pages."""


@admin.register(Application)
class ApplicationAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "credit_code", "cooperative", "status", "submitted_at", "decided_by"]
    list_filter = ["status", "kind", "cooperative"]
    search_fields = ["name", "credit_code"]


class ExitStepInline(admin.TabularInline):
    model = ExitStep
    extra = 0
    fields = ("kind", "status", "reason", "proposed_by", "decided_by", "decided_on", "ended_on")
    readonly_fields = fields
    can_delete = False

    # Shown only inside the case's page, which checks the administrator's scope.
    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ExitCase)
class ExitCaseAdmin(ReadOnlyScopedAdmin):
    cooperative_path = "member__cooperative"
    list_display = ["__str__", "member", "opened_at", "closed_on"]
    list_filter = ["closed_on"]
    search_fields = ["member__name", "member__credit_code"]
    inlines = [ExitStepInline]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyScopedAdmin):
    cooperative_path = "step__case__member__cooperative"
    list_display = ["__str__", "lodged_on", "status", "decided_by"]
    list_filter = ["status"]


# The member list's lifecycle actions: front doors to the exit mechanism ---------------------

Kind = ExitStep.Kind


def _messages_of(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


class MemberAdmin(registry_admin.MemberAdmin):
    """The registry's member list, whose lifecycle actions take the charter's exit steps.

    Each action asks on a second page for what the step needs (reason and evidence; for a
    re-admission the charter's basic conditions and who signs it), lists the members for which
    the step is impossible and why, then calls the same service as the charter's own pages:
    the member gets its case, rectification deadline, e-mail and appeal window, and
    suspensions and removals are public.
    """

    actions = [
        "warn",
        "suspend",
        "remove",
        "withdraw",
        "restore",
        "readmit",
        *registry_admin.MemberAdmin.actions,
    ]

    @admin.action(description=gettext_lazy("Warn"))
    def warn(self, request: HttpRequest, queryset: QuerySet[Member]) -> HttpResponse | None:
        return self._step(request, queryset, Kind.WARNING, "warn")

    @admin.action(description=gettext_lazy("Suspend"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[Member]) -> HttpResponse | None:
        return self._step(request, queryset, Kind.SUSPENSION, "suspend")

    @admin.action(description=gettext_lazy("Remove from the cooperative"))
    def remove(self, request: HttpRequest, queryset: QuerySet[Member]) -> HttpResponse | None:
        return self._step(request, queryset, Kind.REMOVAL, "remove")

    @admin.action(description=gettext_lazy("Record withdrawal"))
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Member]) -> HttpResponse | None:
        return self._step(request, queryset, Kind.WITHDRAWAL, "withdraw")

    @admin.action(description=gettext_lazy("Restore after rectification"))
    def restore(self, request: HttpRequest, queryset: QuerySet[Member]) -> HttpResponse | None:
        return self._step(request, queryset, Kind.RESTORATION, "restore")

    def _context(self, request: HttpRequest, **context: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **context,
        }

    def _step(
        self, request: HttpRequest, queryset: QuerySet[Member], kind: str, action: str
    ) -> HttpResponse | None:
        form = StepDetailsForm(request.POST if "apply" in request.POST else None)
        possible: list[Member] = []
        impossible: list[tuple[Member, str]] = []
        for member in queryset.select_related("cooperative"):
            try:
                services.check_step(member, kind)
            except ValidationError as error:
                impossible.append((member, _messages_of(error)))
            else:
                possible.append(member)
        if form.is_bound and form.is_valid():
            done = 0
            for member in possible:
                try:
                    services.take_exit_step(
                        member,
                        kind,
                        by=signed_in_user(request),
                        reason=form.cleaned_data["reason"],
                        evidence=form.cleaned_data["evidence"],
                    )
                except ValidationError as error:
                    impossible.append((member, _messages_of(error)))
                else:
                    done += 1
            for member, problem in impossible:
                self.message_user(request, f"{member}: {problem}", messages.ERROR)
            if done:
                self.message_user(
                    request,
                    _(
                        "%(step)s recorded for %(count)d member(s), each in its exit case; "
                        "each member is told by e-mail."
                    )
                    % {"step": Kind(kind).label, "count": done},
                    messages.SUCCESS,
                )
            return None
        rows = [(member, self._rectify_by(member, kind)) for member in possible]
        return TemplateResponse(
            request,
            "charter/admin/exit_step.html",
            self._context(
                request,
                title=_("Members to be given a %(step)s") % {"step": Kind(kind).label},
                form=form,
                rows=rows,
                impossible=impossible,
                action=action,
                kind=kind,
                public=kind in ExitStep.PUBLIC_KINDS,
            ),
        )

    def _rectify_by(self, member: Member, kind: str) -> datetime.date | None:
        """The rectification deadline the step will set (warnings and suspensions)."""
        if kind not in services.RECTIFYING_KINDS:
            return None
        today = member.cooperative.today()
        days = services.policy_in_force(member.cooperative, today).rectification_period_days
        return today + datetime.timedelta(days=days)

    @admin.action(description=gettext_lazy("Re-admit (application on paper)"))
    def readmit(self, request: HttpRequest, queryset: QuerySet[Member]) -> HttpResponse | None:
        members = list(queryset.select_related("cooperative")[:2])
        if len(members) != 1:
            self.message_user(
                request,
                _("Select one member to re-admit: each accepts the charter for itself."),
                messages.ERROR,
            )
            return None
        member = members[0]
        today = member.cooperative.today()
        version = CharterVersion.objects.in_force(member.cooperative, on=today)
        problem = ""
        try:
            services.check_readmission(member, today)
            if version is None:
                raise ValidationError(_("No charter is in force to admit a member under."))
        except ValidationError as error:
            problem = _messages_of(error)
        conditions = version.basic_conditions() if version else []
        form = ReadmissionForm(
            request.POST if "apply" in request.POST else None, conditions=conditions
        )
        if not problem and form.is_bound and form.is_valid():
            try:
                services.readmit_member(
                    member,
                    by=signed_in_user(request),
                    reason=form.cleaned_data["reason"],
                    signatory_name=form.cleaned_data["signatory_name"],
                    checklist=form.cleaned_data["checklist"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    _("%(member)s is re-admitted and its acceptance of the charter recorded.")
                    % {"member": member},
                    messages.SUCCESS,
                )
                return None
        return TemplateResponse(
            request,
            "charter/admin/readmit.html",
            self._context(
                request,
                title=_("Re-admit %(member)s") % {"member": member},
                form=form,
                member=member,
                version=version,
                problem=problem,
                action="readmit",
            ),
        )


class ConversionAdmin(registry_admin.ConversionAdmin):
    """Conversions, whose old registration withdraws by the charter's exit step."""

    record = staticmethod(services.record_conversion)


# The registry registered its own; these replace them so that no page changes a status alone.
admin.site.unregister(Member)
admin.site.register(Member, MemberAdmin)
admin.site.unregister(Conversion)
admin.site.register(Conversion, ConversionAdmin)
