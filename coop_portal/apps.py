from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoopPortalConfig(AppConfig):
    # This module holds two configurations: "coop_portal" in INSTALLED_APPS means this one
    # (without it Django takes neither, and ready() below never runs).
    default = True
    name = "coop_portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        # Both connect Celery signals when imported: metrics counts tasks, requestid carries the
        # request's id into the tasks it queues.
        from . import metrics, public_cache, requestid  # noqa: F401

        public_cache.connect_signals()


class LockoutConfig(AxesAppConfig):
    """django-axes under a name the admin can show in both languages (its own is "Axes")."""

    verbose_name = _("Log-in lockouts")
