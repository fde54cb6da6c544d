"""The registry's daily work in the Django admin, scoped to the cooperatives one administers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from coop_portal.export import csv_response, xlsx_response
from coop_portal.mail import DEFAULT_MAIL_LANGUAGE
from coop_portal.models import HolidayNotice, HolidayNoticeDay
from coop_portal.refusal import Refused
from coop_portal.tasks import enqueue

from . import services, tasks, team
from .forms import ConversionForm, InviteForm, MemberImportForm
from .models import (
    Conversion,
    Cooperative,
    Initiator,
    Invitation,
    Lab,
    Member,
    MemberImport,
    Pairing,
    PastMembership,
    QualityOfficer,
    Role,
    ShadowVisit,
    StatusChange,
    TrademarkLicence,
    TrainingRecord,
    User,
)
from .scoping import (
    CooperativeScopedAdmin,
    ScopedStackedInline,
    ScopedTabularInline,
    signed_in_user,
)

EXPORT_HEADER = [
    "credit_code",
    "name",
    "kind",
    "scale",
    "joined_on",
    "address",
    "chief_quality_officer",
    "left_on",
]


class ChoiceLabelsContextHelper(HistoricalRecordContextHelper):
    """The history page's old → new of a field with choices, in words in the reader's language
    ("正常 → 已警告"), not the stored codes ("active → warned")."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        field = self.model._meta.get_field(change.field)
        if field.choices and not isinstance(value, list):
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class ScopedHistoryAdmin(CooperativeScopedAdmin, SimpleHistoryAdmin):
    """Scoped admin with the change history page (who, when, old → new) of each record."""

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return ChoiceLabelsContextHelper(self.model, historical_record)

    def _in_queryset_or_404(self, request: HttpRequest, object_id: str) -> None:
        # get_object reads the id as the admin's other pages do: one that is not a number
        # (or not this cooperative's) is None, never an error.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._in_queryset_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._in_queryset_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class QualityOfficerInline(ScopedTabularInline):
    model = QualityOfficer
    extra = 0
    fields = ["name", "phone", "email", "appointed_on", "replaced_on"]
    show_change_link = True


class StatusChangeInline(ScopedTabularInline):
    model = StatusChange
    extra = 0
    fields = ["on", "from_status", "to_status", "reason", "by", "at"]
    readonly_fields = ["on", "from_status", "to_status", "reason", "by", "at"]
    can_delete = False
    verbose_name_plural = gettext_lazy("lifecycle steps")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PastMembershipInline(ScopedTabularInline):
    model = PastMembership
    extra = 0
    fields = ["joined_on", "left_on", "left_as"]
    readonly_fields = ["joined_on", "left_on", "left_as"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TrademarkLicenceInline(ScopedStackedInline):
    """Stacked, not a table: three dates with their calendar shortcuts and a note do not fit
    beside each other in the member page's width (a 1280 px window, the navigation open)."""

    model = TrademarkLicence
    extra = 0
    fields = ["trademark", ("granted_on", "suspended_on", "revoked_on"), "note"]
    # Suspension follows the member's (members.services, through the charter's exit steps).
    readonly_fields = ["suspended_on"]


@admin.register(Member)
class MemberAdmin(ScopedHistoryAdmin):
    list_display = [
        "name",
        "credit_code",
        "kind",
        "scale",
        "status",
        "joined_on",
        "left_on",
        "cooperative",
    ]
    list_filter = [
        "status",
        "kind",
        "scale",
        ("cooperative", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "name_en", "credit_code"]
    list_select_related = ["cooperative"]
    date_hierarchy = "joined_on"
    list_per_page = 50
    inlines = [
        QualityOfficerInline,
        TrademarkLicenceInline,
        StatusChangeInline,
        PastMembershipInline,
    ]
    change_list_template = "members/admin/member_change_list.html"
    change_form_template = "members/admin/member_change_form.html"
    fieldsets = [
        (None, {"fields": ["cooperative", "credit_code", "name", "name_en", "kind", "scale"]}),
        (gettext_lazy("Membership"), {"fields": ["status", "joined_on", "left_on"]}),
        (
            gettext_lazy("Contact (private)"),
            {"fields": ["address", "contact_person", "phone", "email"]},
        ),
    ]
    # The lifecycle's steps (warn, suspend, remove, withdraw, restore, re-admit) are added by
    # charter/admin.py: every change of status goes through the charter's exit mechanism.
    actions = ["export_csv", "export_xlsx"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The lifecycle moves only through the exit mechanism, which records who, when and why.
        if obj is None:
            return ["status", "left_on"]
        return ["status", "joined_on", "left_on"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None and "joined_on" in form.base_fields:
            # A member added here is active from the day it joined.
            form.base_fields["joined_on"].required = True
        return form

    def save_model(self, request: HttpRequest, obj: Member, form: Any, change: bool) -> None:
        """A member added here gets its first login: its contact address is invited to be its
        owner, in the cooperative's language (nobody has told us the contact's)."""
        super().save_model(request, obj, form, change)
        if not change:
            team.invite_first_owner(obj, by=signed_in_user(request), language=DEFAULT_MAIL_LANGUAGE)

    # The member's team: its users and pending invitations, which administrators manage here
    # (a member may have no owner yet, or one who has left).

    def _team_member(self, request: HttpRequest, object_id: str) -> Member:
        member = self.get_object(request, unquote(object_id))
        if member is None:
            raise Http404
        if not self.has_change_permission(request, member):
            raise PermissionDenied
        return member

    def team_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        member = self._team_member(request, object_id)
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                team.invite_colleague(
                    member,
                    email=form.cleaned_data["email"],
                    as_owner=form.cleaned_data["as_owner"],
                    by=signed_in_user(request),
                )
            except Refused as refused:
                form.add_error("email", refused.messages[0])
            else:
                self.message_user(request, _("The invitation is on its way."))
                return redirect("admin:members_member_team", member.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Team of %(member)s") % {"member": member},
            "member": member,
            "roles": Role.objects.filter(member=member, kind=Role.Kind.MEMBER_USER)
            .select_related("user")
            .order_by("-is_owner", "user__email"),
            "invitations": Invitation.objects.pending().filter(member=member),
            "form": form,
        }
        return TemplateResponse(request, "members/admin/member_team.html", context)

    def team_change_view(
        self, request: HttpRequest, object_id: str, action: str, pk: int
    ) -> HttpResponse:
        """Cancel an invitation, remove a user or make one an owner (POST only)."""
        member = self._team_member(request, object_id)
        if action not in ("cancel", "remove", "owner"):
            raise Http404
        if request.method != "POST":
            return redirect("admin:members_member_team", member.pk)
        user = signed_in_user(request)
        try:
            if action == "cancel":
                invitation = get_object_or_404(Invitation.objects.pending(), pk=pk, member=member)
                team.cancel_invitation(invitation, by=user)
            else:
                role = get_object_or_404(Role, pk=pk, member=member, kind=Role.Kind.MEMBER_USER)
                change = team.make_owner if action == "owner" else team.remove_colleague
                change(role, by=user)
        except Refused as refused:
            self.message_user(request, refused.messages[0], messages.ERROR)
        else:
            self.message_user(request, _("The team is changed."))
        return redirect("admin:members_member_team", member.pk)

    # Exports in the columns of members.csv, so an export can be imported again.

    def _export_rows(self, queryset: QuerySet[Member]) -> list[list[object]]:
        members = queryset.select_related(None).prefetch_related(
            Prefetch(
                "quality_officers",
                queryset=QualityOfficer.objects.current(),
                to_attr="current_officers",
            )
        )
        rows: list[list[object]] = []
        for member in members.order_by("credit_code"):
            officer = member.current_quality_officer()
            rows.append(
                [
                    member.credit_code,
                    member.name,
                    member.kind,
                    member.scale,
                    member.joined_on.isoformat() if member.joined_on else "",
                    member.address,
                    officer.name if officer else "",
                    member.left_on.isoformat() if member.left_on else "",
                ]
            )
        return rows

    @admin.action(description=gettext_lazy("Export as CSV (members.csv)"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Member]) -> HttpResponse:
        return csv_response("members.csv", EXPORT_HEADER, self._export_rows(queryset))

    @admin.action(description=gettext_lazy("Export as XLSX"))
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[Member]) -> HttpResponse:
        return xlsx_response("members.xlsx", EXPORT_HEADER, self._export_rows(queryset))

    # Import: upload → preview of every row (dry run) → confirm → a worker imports, all or
    # nothing, while the import's page shows its progress.

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="members_member_import",
            ),
            path(
                "import/<int:pk>/",
                self.admin_site.admin_view(self.import_status_view),
                name="members_member_import_status",
            ),
            path(
                "import/<int:pk>/confirm/",
                self.admin_site.admin_view(self.import_confirm_view),
                name="members_member_import_confirm",
            ),
            path(
                "<path:object_id>/team/",
                self.admin_site.admin_view(self.team_view),
                name="members_member_team",
            ),
            path(
                "<path:object_id>/team/<str:action>/<int:pk>/",
                self.admin_site.admin_view(self.team_change_view),
                name="members_member_team_change",
            ),
        ]
        return extra + super().get_urls()

    def _import_context(self, request: HttpRequest, **context: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import members.csv"),
            **context,
        }

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        cooperatives = Cooperative.objects.administered_by(request.user)
        form = MemberImportForm(
            request.POST or None, request.FILES or None, cooperatives=cooperatives
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            limit = settings.CSV_IMPORT_MAX_BYTES
            if upload.size > limit:
                form.add_error(
                    "file",
                    _("The file is larger than the limit of %(size)d MB.")
                    % {"size": limit // (1024 * 1024)},
                )
            else:
                member_import, report = services.preview_member_import(
                    form.cleaned_data["cooperative"],
                    signed_in_user(request),
                    file_name=upload.name,
                    content=upload,
                )
                return TemplateResponse(
                    request,
                    "members/admin/import_preview.html",
                    self._import_context(request, report=report, upload=member_import),
                )
        return TemplateResponse(
            request, "members/admin/import.html", self._import_context(request, form=form)
        )

    def _member_import(self, request: HttpRequest, pk: int) -> MemberImport:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            MemberImport.objects.filter(
                cooperative__in=Cooperative.objects.administered_by(request.user)
            ).select_related("cooperative"),
            pk=pk,
        )

    def import_status_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        upload = self._member_import(request, pk)
        return TemplateResponse(
            request,
            "members/admin/import_status.html",
            self._import_context(request, upload=upload),
        )

    def import_confirm_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        upload = self._member_import(request, pk)
        if request.method != "POST":
            return redirect("admin:members_member_import_status", pk=upload.pk)
        if "cancel" in request.POST:
            services.cancel_member_import(upload)
            self.message_user(request, _("The import was cancelled; nothing was changed."))
            return redirect("admin:members_member_changelist")
        try:
            services.confirm_member_import(upload)
        except Refused as refused:
            self.message_user(request, " ".join(refused.messages), messages.ERROR)
        else:
            enqueue(tasks.import_members, upload.pk)
        return redirect("admin:members_member_import_status", pk=upload.pk)


class InitiatorInline(ScopedTabularInline):
    model = Initiator
    extra = 0
    fields = ["kind", "name_zh", "name_en", "duties_zh", "duties_en", "member", "lab"]


@admin.register(Cooperative)
class CooperativeAdmin(CooperativeScopedAdmin):
    cooperative_path = "pk"
    list_display = ["slug", "name_zh", "name_en", "industry", "time_zone"]
    search_fields = ["slug", "name_zh", "name_en"]
    inlines = [InitiatorInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The short name is in every URL and file command; only a superuser changes it. When
        # the record was made is a fact, not an input.
        return ["created_at"] if request.user.is_superuser else ["slug", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Initiator)
class InitiatorAdmin(CooperativeScopedAdmin):
    list_display = ["name_zh", "kind", "cooperative"]
    list_filter = ["kind", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name_zh", "name_en"]


@admin.register(Lab)
class LabAdmin(CooperativeScopedAdmin):
    cooperative_path = "cooperatives"
    list_display = ["name_zh", "name_en", "accreditation_no"]
    search_fields = ["name_zh", "name_en", "accreditation_no"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A lab serves several cooperatives: only a superuser changes its record.
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Invitation)
class InvitationAdmin(CooperativeScopedAdmin):
    cooperative_path = "member__cooperative"
    list_display = ["email", "member", "as_owner", "created_at", "expires_at", "accepted_at"]
    readonly_fields = [
        "email",
        "member",
        "as_owner",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
    ]
    exclude = ["token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Role)
class RoleAdmin(CooperativeScopedAdmin):
    """Roles of people already known in one's cooperatives (the scoped choices offer only
    those); new people are added by a superuser."""

    list_display = ["user", "kind", "cooperative", "member", "lab", "is_owner"]
    list_filter = ["kind", ("cooperative", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "member__name"]
    list_select_related = ["user", "cooperative", "member", "lab"]
    readonly_fields = ["created_at"]


class TrainingRecordInline(ScopedTabularInline):
    model = TrainingRecord
    extra = 1
    fields = ["course", "on", "hours"]


@admin.register(QualityOfficer)
class QualityOfficerAdmin(ScopedHistoryAdmin):
    cooperative_path = "member__cooperative"
    list_display = ["name", "member", "appointed_on", "replaced_on"]
    list_filter = [("member__cooperative", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "member__name", "member__credit_code"]
    list_select_related = ["member"]
    inlines = [TrainingRecordInline]


class ShadowVisitInline(ScopedTabularInline):
    model = ShadowVisit
    extra = 1
    fields = ["on", "staff_count", "staff_names", "topic"]


@admin.register(Pairing)
class PairingAdmin(ScopedHistoryAdmin):
    cooperative_path = "member__cooperative"
    list_display = ["anchor", "member", "started_on", "ended_on"]
    search_fields = ["anchor__name", "member__name", "member__credit_code"]
    list_select_related = ["anchor", "member"]
    inlines = [ShadowVisitInline]


@admin.register(Conversion)
class ConversionAdmin(ScopedHistoryAdmin):
    cooperative_path = "sole_proprietor__cooperative"
    form = ConversionForm
    list_display = [
        "sole_proprietor",
        "old_credit_code",
        "new_credit_code",
        "new_name",
        "converted_on",
    ]
    search_fields = ["old_credit_code", "new_credit_code", "new_name", "sole_proprietor__name"]
    list_select_related = ["sole_proprietor"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["sole_proprietor", "new_credit_code", "new_name", "converted_on", "firm"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        base = ["sole_proprietor", "new_credit_code", "new_name", "converted_on", "note"]
        return base if obj is None else [*base, "firm"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "sole_proprietor" and field is not None:
            field.queryset = field.queryset.filter(kind=Member.Kind.SOLE_PROPRIETOR)
        return field

    # The service that records a new conversion; charter/admin.py's also withdraws the old
    # registration by an exit step.
    record = staticmethod(services.convert_to_company)

    def save_model(self, request: HttpRequest, obj: Conversion, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new conversion also creates the firm (and withdraws the old registration).
        conversion = self.record(
            obj.sole_proprietor,
            credit_code=obj.new_credit_code,
            name=obj.new_name,
            on=obj.converted_on,
            by=request.user,  # type: ignore[arg-type]
            note=obj.note,
        )
        obj.pk = conversion.pk
        obj.old_credit_code = conversion.old_credit_code
        obj.firm = conversion.firm
        obj._state.adding = False


@admin.register(TrademarkLicence)
class TrademarkLicenceAdmin(ScopedHistoryAdmin):
    cooperative_path = "licensee__cooperative"
    list_display = ["trademark", "licensee", "state", "granted_on", "suspended_on", "revoked_on"]
    list_filter = ["trademark", ("granted_on", admin.EmptyFieldListFilter)]
    search_fields = ["trademark", "licensee__name", "licensee__credit_code"]
    list_select_related = ["licensee"]
    # Suspension follows the member's (members.services, through the charter's exit steps).
    readonly_fields = ["suspended_on"]
    actions = ["grant"]

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj: TrademarkLicence) -> str:
        return obj.get_state_display()

    @admin.action(description=gettext_lazy("Grant the selected draft licences"))
    def grant(self, request: HttpRequest, queryset: QuerySet[TrademarkLicence]) -> None:
        granted = 0
        for licence in queryset.select_related("licensee"):
            try:
                services.grant_licence(licence, by=request.user)  # type: ignore[arg-type]
            except ValidationError as error:
                self.message_user(
                    request, f"{licence}: {' '.join(error.messages)}", level=messages.ERROR
                )
            else:
                granted += 1
        if granted:
            self.message_user(
                request,
                _("%(count)d licence(s) granted from today.") % {"count": granted},
                messages.SUCCESS,
            )


@admin.register(StatusChange)
class StatusChangeAdmin(CooperativeScopedAdmin):
    """The lifecycle steps, read only: they are made by the lifecycle actions."""

    cooperative_path = "member__cooperative"
    list_display = ["member", "from_status", "to_status", "on", "by", "at"]
    list_filter = ["to_status"]
    search_fields = ["member__name", "member__credit_code", "reason"]
    list_select_related = ["member", "by"]
    readonly_fields = ["member", "from_status", "to_status", "on", "reason", "by", "at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """People who log in; managed by superusers (administrators give roles to known people)."""

    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "language"]}),
        (gettext_lazy("Name"), {"fields": ["first_name", "last_name"]}),
        (
            gettext_lazy("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser"]},
        ),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class HolidayNoticeDayInline(ScopedTabularInline):
    model = HolidayNoticeDay
    extra = 3
    fields = ["day", "kind", "name_zh", "name_en"]


@admin.register(HolidayNotice)
class HolidayNoticeAdmin(ScopedHistoryAdmin):
    """A year's State Council holiday notice entered by hand, before the ``chinesecalendar``
    package carries it (coop_portal/workdays.py): the holidays with their names and the
    make-up working days. The table is national, so every cooperative's administrators see
    and enter it; only a superuser deletes one (the year then goes back to the package)."""

    list_display = ["year", "reference", "published_on", "entered_by", "entered_at"]
    readonly_fields = ["entered_by", "entered_at"]
    fields = ["year", "reference", "published_on", "entered_by", "entered_at"]
    inlines = [HolidayNoticeDayInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # National: no cooperative scopes it.
        return super(CooperativeScopedAdmin, self).get_queryset(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: HolidayNotice, form: Any, change: bool) -> None:
        if not change:
            obj.entered_by = signed_in_user(request)
        super().save_model(request, obj, form, change)
