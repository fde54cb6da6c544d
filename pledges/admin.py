"""Admin pages of pledges, standards, invitations and assessments, scoped to the administered
cooperatives.

Assessment runs are computed, reviewed and published on the regulator's pages; the admin only
lists them. A draft or failed run may be deleted; a published one never (the model refuses it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from charter import admin as charter_admin
from charter.models import CharterVersion
from coop_portal.refusal import Refused
from coop_portal.templatetags.punctuation import colon
from members.admin import ScopedHistoryAdmin
from members.scoping import (
    CooperativeScopedAdmin,
    ReadOnlyAdminMixin,
    ScopedTabularInline,
    signed_in_user,
)

from .forms import RefuseReplyForm
from .minimums import checked_on, pledges_below
from .models.assessment import AssessmentPeriod, AssessmentRun, MemberObjection
from .models.pledge import Commitment, Pledge, ProductLine, Standard
from .models.reply import Reply
from .services import publish_charter, refuse_reply


@admin.register(Standard)
class StandardAdmin(CooperativeScopedAdmin):
    cooperative_path = "cooperative"
    list_display = ["number", "title_zh", "kind", "cooperative"]
    list_filter = ["kind", "cooperative"]
    search_fields = ["number", "title_zh", "title_en"]


class CommitmentInline(ScopedTabularInline):
    model = Commitment
    extra = 0

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.was_published

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.was_published

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.was_published


class ProductLineInline(CommitmentInline):
    model = ProductLine  # type: ignore[assignment]


@admin.register(Pledge)
class PledgeAdmin(CooperativeScopedAdmin):
    """Pledges are written in the member portal and reviewed on the review page; here they are
    read, and drafts corrected. A published version is read-only."""

    cooperative_path = "member__cooperative"
    list_display = ["member", "version", "status", "published_on", "withdrawn_on"]
    list_filter = ["status"]
    search_fields = ["member__name", "member__credit_code"]
    list_select_related = ["member"]
    inlines = [CommitmentInline, ProductLineInline]
    readonly_fields = ["status", "published_on", "withdrawn_on", "submitted_at", "reviewed_at"]
    exclude = ["submitted_by", "reviewed_by", "pdf"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.was_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.was_published:
            return False
        return super().has_delete_permission(request, obj)


# Assessments: read-only ---------------------------------------------------------------------


class ReadOnlyAdmin(CooperativeScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AssessmentPeriod)
class AssessmentPeriodAdmin(ReadOnlyAdmin):
    cooperative_path = "cooperative"
    list_display = ["__str__", "first_day", "last_day", "cooperative"]
    list_filter = ["cooperative"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AssessmentRun)
class AssessmentRunAdmin(ReadOnlyAdmin):
    cooperative_path = "period__cooperative"
    list_display = ["__str__", "status", "started_at", "published_at", "notice_ends_on"]
    list_filter = ["status", "period__cooperative"]
    list_select_related = ["period__cooperative"]
    exclude = ["policy"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status not in (
            AssessmentRun.Status.DRAFT,
            AssessmentRun.Status.FAILED,
        ):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(MemberObjection)
class MemberObjectionAdmin(ReadOnlyAdmin):
    cooperative_path = "run__period__cooperative"
    list_display = ["member", "run", "lodged_at", "decision"]
    list_filter = ["decision"]
    list_select_related = ["member", "run__period__cooperative"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Members' replies: published by the members, refused by an administrator -----------------


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):  # type: ignore[misc]
    """The members' replies beside their public results. An administrator of the member's
    cooperative refuses an offensive or plainly untrue one (the action asks the reason); the
    history page shows every earlier text and who refused what, when and why."""

    cooperative_path = "member__cooperative"
    list_display = ["member", "subject", "written_at", "refused_at"]
    list_filter = ["subject", ("refused_at", admin.EmptyFieldListFilter)]
    list_select_related = ["member"]
    search_fields = ["member__name", "member__credit_code", "text"]
    actions = ["refuse"]

    @admin.action(description=gettext_lazy("Refuse the selected replies"))
    def refuse(self, request: HttpRequest, queryset: QuerySet[Reply]) -> HttpResponse | None:
        replies = list(queryset.select_related("member", "period", "inspection"))
        form = RefuseReplyForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            by = signed_in_user(request)
            refused = 0
            for reply in replies:
                try:
                    refuse_reply(reply, by=by, reason=form.cleaned_data["reason"])
                except Refused as error:
                    self.message_user(
                        request, f"{reply}{colon()}{' '.join(error.messages)}", messages.ERROR
                    )
                else:
                    refused += 1
            if refused:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d reply refused; the member is told why.",
                        "%(count)d replies refused; each member is told why.",
                        refused,
                    )
                    % {"count": refused},
                    messages.SUCCESS,
                )
            return None
        return TemplateResponse(
            request,
            "pledges/admin/refuse_replies.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "title": _("Refuse replies"),
                "replies": replies,
                "form": form,
            },
        )


# The charter version's page warns of the pledges its minimums would refuse ------------------


class CharterVersionAdmin(charter_admin.CharterVersionAdmin):
    """The charter's version page, which also lists the members whose pledge in force falls
    below the version's minimums (before it comes into force and after), and whose publish
    action tells those members (pledges.services.publish_charter)."""

    readonly_fields = [*charter_admin.CharterVersionAdmin.readonly_fields, "pledges_below"]
    fieldsets = [
        (gettext_lazy("Pledges below this version's minimums"), {"fields": ["pledges_below"]}),
        *charter_admin.CharterVersionAdmin.fieldsets,
    ]
    actions = ["publish", "draft_next"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        # A version being created has no policy yet: nothing to compare.
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj is not None else fieldsets[1:]

    @admin.display(description=gettext_lazy("Members"))
    def pledges_below(self, version: CharterVersion) -> str:
        return render_to_string(
            "pledges/admin/pledges_below.html",
            {
                "version": version,
                "below": pledges_below(version),
                "on": checked_on(version),
            },
        )

    @admin.action(description=gettext_lazy("Publish the selected drafts"))
    def publish(self, request: HttpRequest, queryset: QuerySet[CharterVersion]) -> None:
        for version in queryset:
            try:
                _version, told = publish_charter(version, by=signed_in_user(request))
            except ValidationError as error:
                self.message_user(
                    request, f"{version}{colon()}{' '.join(error.messages)}", level=messages.ERROR
                )
                continue
            self.message_user(request, _("%(version)s is published.") % {"version": version})
            if told:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d member's pledge in force falls below its minimums: the "
                        "member was sent a notice.",
                        "%(count)d members' pledges in force fall below its minimums: the "
                        "members were sent a notice.",
                        told,
                    )
                    % {"count": told},
                    level=messages.WARNING,
                )


admin.site.unregister(CharterVersion)
admin.site.register(CharterVersion, CharterVersionAdmin)
