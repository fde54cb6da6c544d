from __future__ import annotations

import re
from typing import Any, cast

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from members.scoping import (
    CooperativeScopedAdmin,
    ReadOnlyAdminMixin,
    ScopedStackedInline,
    ScopedTabularInline,
)

from .forms import PHONE
from .models import (
    Complaint,
    ComplaintEvent,
    ComplaintQuerySet,
    Evidence,
    PersonalDataAccess,
    SatisfactionFeedback,
    national_phone,
)
from .services import record_access


class ComplaintEventInline(ReadOnlyAdminMixin, ScopedTabularInline):  # type: ignore[misc]
    model = ComplaintEvent
    extra = 0
    readonly_fields = ("at", "on", "kind", "visibility", "actor", "by", "text")
    fields = readonly_fields
    can_delete = False


class EvidenceInline(ScopedTabularInline):
    model = Evidence
    extra = 0
    # Files come in only through the public form, where they are checked and re-encoded.
    fields = ["original_name", "content_type", "size", "uploaded_at"]
    readonly_fields = ["original_name", "content_type", "size", "uploaded_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SatisfactionFeedbackInline(ScopedStackedInline):
    model = SatisfactionFeedback
    extra = 0
    readonly_fields = ["rating", "comment", "created_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdminMixin, CooperativeScopedAdmin):  # type: ignore[misc]
    """Complaints move only through the desk's pages (complaints.services), which write the
    events the consumer and the member follow: here they are read."""

    cooperative_path = "cooperative"
    # Few columns, so that the list fits beside the navigation and the filters on a desktop
    # and reads on a phone (static/css/admin.css): the other dates are on the complaint's page.
    list_display = ["reference", "member", "status", "received_on", "responded_on", "upheld_on"]
    # The member is found by searching (members.scoping.MemberFilter), never listed.
    list_filter = ["status", "closing_code", "member", "cooperative"]
    search_fields = ["reference", "member__name", "product"]
    search_help_text = _(
        "A reference, a member's name, a product or the consumer's phone number (a search by "
        "phone is recorded in the log of openings of personal data)."
    )
    date_hierarchy = "received_on"
    list_select_related = ["member"]
    readonly_fields = ["created_at"]
    inlines = [ComplaintEventInline, EvidenceInline, SatisfactionFeedbackInline]
    fieldsets = [
        (None, {"fields": ["cooperative", "reference", "member", "status", "closing_code"]}),
        (
            _("Dates"),
            {
                "fields": [
                    "received_on",
                    "accepted_on",
                    "forwarded_on",
                    "responded_on",
                    "resolved_on",
                    "closed_on",
                    "upheld_on",
                    "response_due_on",
                    "resolution_due_on",
                    "created_at",
                ]
            },
        ),
        (
            _("Complaint"),
            {"fields": ["product", "summary", "description", "desired_outcome", "language"]},
        ),
        (
            _("Contact (personal data)"),
            {
                "fields": [
                    "contact_name",
                    "contact_phone",
                    "contact_email",
                    "share_contact",
                    "publish_consent",
                ]
            },
        ),
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """A phone number, however written (spaces, dashes, +86), finds the complaints its
        consumer filed, and each one found is logged as an opening of personal data; a
        reference is found whatever its case."""
        term = search_term.strip()
        phone = national_phone(term) if PHONE.match(term) else ""
        if not re.fullmatch(r"[0-9]+", phone):
            return super().get_search_results(request, queryset, term)
        complaints = cast(ComplaintQuerySet, queryset)
        found = list(complaints.with_phone(phone).values_list("pk", flat=True))
        for complaint in Complaint.objects.filter(pk__in=found):
            record_access(complaint, request.user, PersonalDataAccess.What.PHONE_SEARCH)
        # Digits may also be part of a reference (``2025-000123``).
        by_reference = complaints.with_reference(term).values("pk")
        return queryset.filter(Q(pk__in=found) | Q(pk__in=by_reference)), False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        # The page shows the contact details: the opening is logged, as on the desk's pages.
        complaint = getattr(response, "context_data", {}).get("original")
        shown = response.status_code == 200 and request.method == "GET"
        if shown and complaint is not None and complaint.has_contact_details:
            record_access(complaint, request.user, PersonalDataAccess.What.CONTACT)
        return response
