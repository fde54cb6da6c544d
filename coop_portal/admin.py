"""The outbox in the admin: what waits, what failed and why, and sending again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static import admin as otp_static_admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .admin_widgets import name_date_and_time_boxes
from .models import OUTBOX_MAX_ATTEMPTS, OutboxEmail, OutboxEmailQuerySet
from .tasks import enqueue, send_outbox_email

# The admin speaks as the portal, in the reader's language.
admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = _("Administration")


class DeliveryFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [
            ("waiting", _("waiting")),
            ("failing", _("failed, will try again")),
            ("given_up", _("given up")),
            ("sent", _("sent")),
        ]

    def queryset(  # type: ignore[override]
        self, request: HttpRequest, queryset: OutboxEmailQuerySet
    ) -> OutboxEmailQuerySet:
        match self.value():
            case "waiting":
                return queryset.pending().filter(last_error="")
            case "failing":
                return (
                    queryset.pending()
                    .exclude(last_error="")
                    .filter(attempts__lt=OUTBOX_MAX_ATTEMPTS)
                )
            case "given_up":
                return queryset.given_up()
            case "sent":
                return queryset.exclude(sent_at=None)
        return queryset


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """E-mail bodies carry personal data: superusers only, and nothing is edited here."""

    list_display = ["subject", "created_at", "sent_at", "attempts", "next_attempt_at", "error"]
    list_filter = [DeliveryFilter]
    search_fields = ["subject", "key"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in OutboxEmail._meta.fields]
    actions = ["send_again"]

    @admin.display(description=_("last error"))
    def error(self, email: OutboxEmail) -> str:
        return email.last_error[:120]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    @admin.action(description=_("Send again now"), permissions=["view"])
    def send_again(self, request: HttpRequest, queryset: OutboxEmailQuerySet) -> None:
        """Unsent e-mail goes out again at once, given-up e-mail with a fresh count of tries."""
        unsent = queryset.pending()
        count = unsent.update(attempts=0, next_attempt_at=timezone.now(), claimed_until=None)
        for email_id in unsent.values_list("pk", flat=True):
            enqueue(send_outbox_email, email_id)
        self.message_user(
            request,
            ngettext("%(count)d e-mail queued again.", "%(count)d e-mails queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )


# django-otp's device pages, in the reader's language: the library titles its sections and its
# search with plain English strings (its fields are named in apps.py).
DEVICE_SECTIONS = {
    "Identity": _("Device"),
    "Timestamps": _("Dates"),
    "Configuration": _("Settings"),
    "State": _("State"),
    "Throttling": _("Failed attempts"),
}
DEVICE_SEARCH_HELP = _("Search by the user's e-mail address.")


class DeviceSectionsMixin:
    search_help_text = DEVICE_SEARCH_HELP

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        return name_date_and_time_boxes(field, db_field)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        return [(DEVICE_SECTIONS.get(title, title), options) for title, options in fieldsets]


class TOTPDeviceAdmin(DeviceSectionsMixin, otp_totp_admin.TOTPDeviceAdmin):
    pass


class StaticDeviceAdmin(DeviceSectionsMixin, otp_static_admin.StaticDeviceAdmin):
    pass


for _model, _device_admin in (
    (TOTPDevice, TOTPDeviceAdmin),
    (StaticDevice, StaticDeviceAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _device_admin)
