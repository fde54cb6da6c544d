"""Admin pages of assessments: read-only, scoped to the administered cooperatives.

Runs are computed, reviewed and published on the regulator's pages; the admin only lists
them. A draft or failed run may be deleted; a published one never (the model refuses it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from members.scoping import CooperativeScopedAdmin
from pledges.models.assessment import AssessmentPeriod, AssessmentRun, MemberObjection


class ReadOnlyAdmin(CooperativeScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AssessmentPeriod)
class AssessmentPeriodAdmin(ReadOnlyAdmin):
    cooperative_path = "cooperative"
    list_display = ["code", "first_day", "last_day", "cooperative"]
    list_filter = ["cooperative"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AssessmentRun)
class AssessmentRunAdmin(ReadOnlyAdmin):
    cooperative_path = "period__cooperative"
    list_display = ["period", "status", "revision", "started_at", "published_at", "notice_ends_on"]
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
