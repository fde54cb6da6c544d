from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
        name_fields(self, "staticdevice", device_fields())
        name_fields(
            self,
            "statictoken",
            {
                "device": (_("set of recovery codes"), ""),
                "token": (_("recovery code"), ""),
            },
        )


class TOTPDevicesConfig(TOTPDefaultConfig):
    """django-otp's authenticator apps, named in the reader's language (as above)."""

    verbose_name = _("Two-factor log-in: authenticator apps")

    def ready(self) -> None:
        super().ready()
        name_models(self, {"totpdevice": (_("authenticator app"), _("authenticator apps"))})
        name_fields(
            self,
            "totpdevice",
            {
                **device_fields(),
                "key": (
                    _("secret key"),
                    _(
                        "The secret the authenticator app shares with the portal "
                        "(hexadecimal, at most 40 bytes)."
                    ),
                ),
                "step": (_("time step"), _("How many seconds each code lasts.")),
                "t0": (_("start time"), _("The Unix time from which time steps are counted.")),
                "digits": (_("digits"), _("How many digits a code has.")),
                "tolerance": (
                    _("tolerance"),
                    _("How many time steps before or after the present a code may be from."),
                ),
                "drift": (
                    _("clock drift"),
                    _("How many time steps the app's clock is known to be off the portal's."),
                ),
                "last_t": (
                    _("last time step used"),
                    _("The time step of the last code accepted: the next must be of a later one."),
                ),
            },
        )


def name_models(config: AppConfig, names: dict[str, tuple[_StrPromise, _StrPromise]]) -> None:
    """Give a library's models translatable names (singular, plural) in place of its own."""
    for model_name, (singular, plural) in names.items():
        meta = config.get_model(model_name)._meta
        meta.verbose_name, meta.verbose_name_plural = singular, plural


def device_fields() -> dict[str, tuple[_StrPromise, _StrPromise | str]]:
    """The labels and help of the fields every django-otp device has."""
    return {
        "user": (_("user"), _("The person this device belongs to.")),
        "name": (_("device name"), _("The name given to this device.")),
        "confirmed": (_("confirmed"), _("Whether the device is ready for use.")),
        "throttling_failure_timestamp": (
            _("last failed attempt"),
            _("When the last code entered was wrong; empty when the last one was right."),
        ),
        "throttling_failure_count": (
            _("failed attempts in a row"),
            _("How many wrong codes were entered one after another."),
        ),
        "created_at": (_("set up at"), _("When the device was set up.")),
        "last_used_at": (_("last used at"), _("When a code of this device was last accepted.")),
    }


def name_fields(
    config: AppConfig,
    model_name: str,
    fields: dict[str, tuple[_StrPromise, _StrPromise | str]],
) -> None:
    """Give a library's fields translatable labels and help (its own are plain strings, which
    the admin would show in English on a Chinese page)."""
    meta = config.get_model(model_name)._meta
    for name, (label, help_text) in fields.items():
        field = meta.get_field(name)
        keep_library_deconstruction(field)
        field.verbose_name = label  # type: ignore[union-attr]
        field.help_text = help_text  # type: ignore[union-attr]


def keep_library_deconstruction(field: Any) -> None:
    """Labels are for the reader, not the schema: the field still describes itself to the
    migrations as the library wrote it, so relabelling it asks for no migration of the
    library's app (tests/coop_portal/test_migrations_current.py)."""
    _name, _path, _args, written = field.deconstruct()
    deconstruct = field.deconstruct

    def as_written() -> tuple[Any, ...]:
        name, path, args, kwargs = deconstruct()
        for key in ("verbose_name", "help_text"):
            kwargs.pop(key, None)
            if key in written:
                kwargs[key] = written[key]
        return name, path, args, kwargs

    field.deconstruct = as_written
