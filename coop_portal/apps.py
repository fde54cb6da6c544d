from __future__ import annotations

from typing import TYPE_CHECKING

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDefaultConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPDefaultConfig

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class CoopPortalConfig(AppConfig):
    # The app's own configuration, although this module defines the lockouts' one too.
    default = True
    name = "coop_portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        # Both connect Celery signals when imported: metrics counts tasks, requestid carries the
        # request's id into the tasks it queues.
        from . import metrics, public_cache, requestid  # noqa: F401

        public_cache.connect_signals()
        self._connect_holiday_notices()

    def _connect_holiday_notices(self) -> None:
        """A notice entered or changed by hand counts at once (coop_portal/workdays.py)."""
        from django.db.models.signals import post_delete, post_save

        from .models import HolidayNotice, HolidayNoticeDay
        from .workdays import forget_entered_notices

        for model in (HolidayNotice, HolidayNoticeDay):
            post_save.connect(
                forget_entered_notices, sender=model, dispatch_uid=f"workdays-{model.__name__}-save"
            )
            post_delete.connect(
                forget_entered_notices,
                sender=model,
                dispatch_uid=f"workdays-{model.__name__}-delete",
            )


class LockoutConfig(AxesAppConfig):
    """django-axes under a name the admin can show in both languages (its own is "Axes")."""

    verbose_name = _("Log-in lockouts")


class StaticDevicesConfig(StaticDefaultConfig):
    """django-otp's recovery codes, named in the reader's language: the library writes its
    model names as plain strings that no catalogue translates."""

    verbose_name = _("Two-factor log-in: recovery codes")

    def ready(self) -> None:
        super().ready()
        name_models(
            self,
            {
                "staticdevice": (_("set of recovery codes"), _("sets of recovery codes")),
                "statictoken": (_("recovery code"), _("recovery codes")),
            },
        )


class TOTPDevicesConfig(TOTPDefaultConfig):
    """django-otp's authenticator apps, named in the reader's language (as above)."""

    verbose_name = _("Two-factor log-in: authenticator apps")

    def ready(self) -> None:
        super().ready()
        name_models(self, {"totpdevice": (_("authenticator app"), _("authenticator apps"))})


def name_models(config: AppConfig, names: dict[str, tuple[_StrPromise, _StrPromise]]) -> None:
    """Give a library's models translatable names (singular, plural) in place of its own."""
    for model_name, (singular, plural) in names.items():
        meta = config.get_model(model_name)._meta
        meta.verbose_name, meta.verbose_name_plural = singular, plural
