from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.admin import ScopedHistoryAdmin
from members.scoping import CooperativeScopedAdmin

from . import services
from .models import (
    Appeal,
    Application,
    CharterAcceptance,
    CharterVersion,
    ExitCase,
    ExitStep,
    ScoringPolicy,
)


def _is_draft(obj: Model | None) -> bool:
    return obj is None or not getattr(obj, "is_published", False)


class ScoringPolicyInline(admin.StackedInline):
    model = ScoringPolicy
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
                    request, f"{version}: {' '.join(error.messages)}", level=messages.ERROR
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


class ReadOnlyScopedAdmin(ScopedHistoryAdmin):
    """Browse and search; decisions go through the charter's management pages."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "credit_code", "cooperative", "status", "submitted_at", "decided_by"]
    list_filter = ["status", "kind", "cooperative"]
    search_fields = ["name", "credit_code"]


class ExitStepInline(admin.TabularInline):
    model = ExitStep
    extra = 0
    fields = ("kind", "status", "reason", "proposed_by", "decided_by", "decided_on")
    readonly_fields = ("kind", "status", "reason", "proposed_by", "decided_by", "decided_on")
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
