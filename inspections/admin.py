from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.admin import ScopedHistoryAdmin
from members.models import FactsChange
from members.scoping import CooperativeScopedAdmin, ReadOnlyAdminMixin, ScopedTabularInline

from .corrections import (
    correction_problems,
    history_reason,
    justified_passes,
    keep_history,
    result_changes,
)
from .models import (
    CorrectiveAction,
    Inspection,
    ItemResult,
    LabApiToken,
    LabUpload,
    Objection,
    Rectification,
    ServiceRequest,
    ServiceUpdate,
    TestCategory,
    TestItem,
)
from .services import accept_retest, issue_api_token, note_result_change, settle_inspection
from .validation import (
    check_agreement,
    check_item_limit,
    check_result,
    check_retest,
    parse_measured_value,
)


class TestItemInline(ScopedTabularInline):
    model = TestItem
    extra = 0
    fields = [
        "code",
        "name_zh",
        "name_en",
        "method_standard",
        "unit",
        "result_type",
        "limit_text",
        "limit_min",
        "limit_max",
    ]


@admin.register(TestCategory)
class TestCategoryAdmin(CooperativeScopedAdmin):
    list_display = ["code", "name_zh", "name_en", "cooperative"]
    list_filter = ["cooperative"]
    inlines = [TestItemInline]


@admin.register(TestItem)
class TestItemAdmin(CooperativeScopedAdmin):
    cooperative_path = "category__cooperative"
    list_display = ["code", "name_zh", "name_en", "category", "method_standard", "limit_text"]
    list_filter = ["category__cooperative", "category"]
    search_fields = ["code", "name_zh", "name_en", "method_standard"]
    list_select_related = ["category"]


# Every correction of a stored report in the admin says why, as a lab's delivery does.
REASON_NEEDED = gettext_lazy(
    "Give the reason for the correction: it is kept in the result's history."
)


class ItemResultForm(forms.ModelForm):
    class Meta:
        model = ItemResult
        fields = ["item", "measured_value", "limit", "result"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        item = cleaned.get("item")
        value = cleaned.get("measured_value")
        if item is not None and value:
            try:
                self.instance.measured_number = parse_measured_value(item, value)
            except ValueError as error:
                self.add_error("measured_value", str(error))
            else:
                problems = check_item_limit(
                    item,
                    self.instance.measured_number,
                    cleaned.get("limit") or "",
                    cleaned.get("result") or "",
                )
                for name, message in problems:
                    self.add_error(name, message)
            if not cleaned.get("limit"):
                cleaned["limit"] = item.limit_text
        return cleaned


class ItemResultFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        inspection = self.instance
        results = []
        # Stored results that change (or go): (item code, old result, new result).
        flips = []
        for form in self.forms:
            cleaned = getattr(form, "cleaned_data", None) or {}
            item = cleaned.get("item")
            stored = form.initial.get("result") if form.instance.pk else None
            if stored and cleaned.get("DELETE"):
                flips.append((form.instance.item.code, stored, "—"))
            if item is None or cleaned.get("DELETE"):
                continue
            if inspection.category_id and item.category_id != inspection.category_id:
                form.add_error("item", _("This item is not in the inspection's category."))
                continue
            results.append((item.code, str(cleaned.get("result") or "")))
            if stored and stored != cleaned.get("result"):
                flips.append((item.code, stored, str(cleaned.get("result"))))
        problems = check_agreement(inspection.verdict, results)
        if problems:
            raise ValidationError([message for _field, message in problems])
        if flips and inspection.pk:
            self._check_corrections(inspection, flips)
            return
        reason = self.data.get("change_reason", "").strip()
        if inspection.pk and not reason and any(form.has_changed() for form in self.forms):
            raise ValidationError(REASON_NEEDED)

    def _check_corrections(self, inspection: Inspection, flips: list[tuple[str, str, str]]) -> None:
        """Changed item results need the reason (the report's form asks for it) and, to pass
        an item that failed, a re-test or an upheld objection."""
        stored_verdict = Inspection.objects.values_list("verdict", flat=True).get(pk=inspection.pk)
        problems = correction_problems(
            inspection.report_no,
            old_verdict=inspection.verdict,
            new_verdict=inspection.verdict,
            flips=flips,
            reason=self.data.get("change_reason", ""),
            justified=inspection.pk in justified_passes([inspection.pk]),
        )
        # What a change of the verdict itself lacks, the report's form says already.
        if stored_verdict != inspection.verdict:
            problems = [
                (name, message)
                for name, message in problems
                if name != "change_reason"
                and not (stored_verdict == Inspection.Verdict.FAIL and name == "verdict")
            ]
        if problems:
            raise ValidationError([message for _field, message in problems])


class ItemResultInline(ScopedTabularInline):
    model = ItemResult
    form = ItemResultForm
    formset = ItemResultFormSet
    extra = 0

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Each choice is labelled with its category; the scoping is ScopedTabularInline's.
        if db_field.name == "item":
            kwargs["queryset"] = TestItem.objects.select_related("category")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class InspectionAdminForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = [
            "cooperative",
            "report_no",
            "member",
            "product",
            "category",
            "kind",
            "sampled_on",
            "reported_on",
            "lab",
            "lab_name",
            "verdict",
            "severity",
            "rectified_on",
            "retest_of",
        ]

    change_reason = forms.CharField(
        label=gettext_lazy("Reason for the correction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Kept in the result's history; required when the verdict or an item's result "
            "changes. A failure becomes a pass only with a passing re-test linked to it or a "
            "regulator's upheld objection."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        stored = self.instance if self.instance.pk else None
        if stored is not None and cleaned.get("verdict") and stored.verdict != cleaned["verdict"]:
            problems = correction_problems(
                stored.report_no,
                old_verdict=stored.verdict,
                new_verdict=cleaned["verdict"],
                flips=[],
                reason=cleaned.get("change_reason") or "",
                justified=stored.pk in justified_passes([stored.pk]),
            )
            for name, message in problems:
                self.add_error(name, message)
        corrected = [name for name in self.changed_data if name != "change_reason"]
        reason = (cleaned.get("change_reason") or "").strip()
        if stored is not None and corrected and not reason and "change_reason" not in self.errors:
            self.add_error("change_reason", REASON_NEEDED)
        problems = check_result(
            sampled_on=cleaned.get("sampled_on"),
            reported_on=cleaned.get("reported_on"),
            verdict=cleaned.get("verdict"),
            severity=cleaned.get("severity"),
            rectified_on=cleaned.get("rectified_on"),
            today=cleaned["cooperative"].today() if cleaned.get("cooperative") else None,
        )
        cooperative = cleaned.get("cooperative")
        member = cleaned.get("member")
        category = cleaned.get("category")
        if cooperative is not None:
            if member is not None and member.cooperative_id != cooperative.pk:
                problems.append(("member", _("This member is not a member of the cooperative.")))
            if category is not None and category.cooperative_id != cooperative.pk:
                problems.append(
                    ("category", _("This category is not in the cooperative's catalogue."))
                )
        problems += check_retest(
            cleaned.get("retest_of"),
            member_id=member.pk if member else None,
            reported_on=cleaned.get("reported_on"),
            report_no=cleaned.get("report_no") or "",
        )
        for name, message in problems:
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
            elif name not in self.fields:
                self.add_error(None, message)
        return cleaned


@admin.register(Inspection)
class InspectionAdmin(ScopedHistoryAdmin):
    form = InspectionAdminForm
    object_history_template = "inspections/admin/object_history.html"
    inlines = [ItemResultInline]
    list_display = [
        "report_no",
        "member",
        "product",
        "category",
        # The sampling date is on the report's page: the list keeps the date it was reported,
        # so that the columns fit a 1280 px window beside the navigation and the filters.
        "reported_on",
        "verdict",
        "severity",
        "status",
    ]
    list_filter = ["cooperative", "verdict", "severity", "status", "kind", "category"]
    search_fields = ["report_no", "product", "member__name", "member__credit_code"]
    list_select_related = ["member", "category"]
    readonly_fields = [
        "status",
        "void_note",
        "source",
        "created_at",
        "retest_accepted_at",
        "retest_accepted_by",
    ]
    date_hierarchy = "reported_on"
    raw_id_fields = ["retest_of"]
    actions = ["accept_retests"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        # The reason belongs to a correction of a stored report, after what it corrects.
        fields = [name for name in fieldsets[0][1]["fields"] if name != "change_reason"]
        return [(None, {"fields": fields + (["change_reason"] if obj is not None else [])})]

    def save_model(self, request: HttpRequest, obj: Inspection, form: Any, change: bool) -> None:
        if not change:
            obj.source = Inspection.Source.ADMIN
        if obj.lab is not None and not obj.lab_name:
            obj.lab_name = obj.lab.name_zh
        keep_history(
            obj,
            by=request.user,  # type: ignore[arg-type]
            reason=history_reason(
                Inspection.Source.ADMIN, form.cleaned_data.get("change_reason") or ""
            ),
            at=timezone.now(),
        )
        before = tuple(
            Inspection.objects.filter(pk=obj.pk).values_list("sampled_on", "reported_on").first()
            or ()
        )
        super().save_model(request, obj, form, change)
        if form.changed_data:
            kind = FactsChange.Kind.RESULT_CHANGED if change else FactsChange.Kind.RESULT_ADDED
            note_result_change(obj, kind, before=before)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # The item results change with the report: the same who, why and moment in history.
        for item_form in formset.forms:
            keep_history(
                item_form.instance,
                by=request.user,  # type: ignore[arg-type]
                reason=form.instance._change_reason,
                at=form.instance._history_date,
            )
        super().save_formset(request, form, formset, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The same consequences as every other way in: rectification, re-test.
        settle_inspection(form.instance)

    @admin.action(description=gettext_lazy("Accept the re-tests of another lab"))
    def accept_retests(self, request: HttpRequest, queryset: QuerySet[Inspection]) -> None:
        """The regulator's acceptance of re-tests delivered by another lab than the failed
        report's: only then do they rectify the failure."""
        accepted = 0
        for retest in queryset.filter(retest_of__isnull=False).select_related("retest_of"):
            if retest.retest_awaits_acceptance:
                accept_retest(retest, by=request.user)  # type: ignore[arg-type]
                accepted += 1
        self.message_user(
            request,
            _("%(count)d re-test(s) accepted.") % {"count": accepted},
            messages.SUCCESS,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A result is voided by an upheld objection, never deleted.
        return False

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        # A result is corrected by a new delivery with its reason, never by going back.
        return True

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        inspection = self.get_object(request, object_id)
        changes = result_changes(inspection) if inspection is not None else []
        return super().history_view(
            request, object_id, {**(extra_context or {}), "result_changes": changes}
        )


class CorrectiveActionInline(ReadOnlyAdminMixin, ScopedTabularInline):  # type: ignore[misc]
    model = CorrectiveAction
    extra = 0
    readonly_fields = ("taken_on", "description", "recorded_by", "recorded_at")
    fields = readonly_fields


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdminMixin, CooperativeScopedAdmin):  # type: ignore[misc]
    """Failed results open their rectifications with the deadline the member pledged, and a
    passing re-test closes them: nothing here is edited by hand."""

    cooperative_path = "inspection__cooperative"
    list_display = ["inspection", "deadline", "rectified_on"]
    list_select_related = ["inspection"]
    inlines = [CorrectiveActionInline]

    @admin.display(description=gettext_lazy("rectified on"))
    def rectified_on(self, obj: Rectification) -> Any:
        return obj.inspection.rectified_on


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdminMixin, CooperativeScopedAdmin):  # type: ignore[misc]
    """Members object in their portal and regulators decide on the objections page."""

    cooperative_path = "inspection__cooperative"
    list_display = ["inspection", "raised_on", "status", "decided_on"]
    list_filter = ["status"]
    list_select_related = ["inspection"]
    readonly_fields = [
        "inspection",
        "raised_on",
        "reason",
        "raised_by",
        "status",
        "decided_on",
        "decision_note",
        "decided_by",
    ]


@admin.register(LabUpload)
class LabUploadAdmin(CooperativeScopedAdmin):
    list_display = [
        "file_name",
        "lab",
        "user",
        "status",
        "rows",
        "created",
        "updated",
        "uploaded_at",
    ]
    list_filter = ["status", "lab"]
    list_select_related = ["lab", "user"]
    readonly_fields = [
        "cooperative",
        "lab",
        "user",
        "file_name",
        "file",
        "items_file_name",
        "items_file",
        "status",
        "rows",
        "created",
        "updated",
        "unchanged",
        "item_rows",
        "errors",
        "uploaded_at",
        "confirmed_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(LabApiToken)
class LabApiTokenAdmin(CooperativeScopedAdmin):
    list_display = [
        "name",
        "lab",
        "cooperative",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_select_related = ["lab", "cooperative"]
    fields = ["cooperative", "lab", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def save_model(self, request: HttpRequest, obj: LabApiToken, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        secret = issue_api_token(obj)
        self.message_user(
            request,
            _("The token of %(name)s is %(secret)s — copy it now: it is shown only once.")
            % {"name": obj.name, "secret": secret},
            messages.WARNING,
        )


class ServiceUpdateInline(ScopedTabularInline):
    model = ServiceUpdate
    extra = 0
    readonly_fields = ["step", "note", "by", "at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(CooperativeScopedAdmin):
    list_display = ["member", "product", "lab", "step", "created_at", "updated_at"]
    list_filter = ["step", "lab"]
    list_select_related = ["member", "lab"]
    # A request moves on by the lab's progress notes (update_service), each kept as an update.
    readonly_fields = ["step", "created_at", "updated_at", "requested_by"]
    inlines = [ServiceUpdateInline]
