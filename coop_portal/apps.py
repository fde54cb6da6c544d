from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


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


class LockoutConfig(AxesAppConfig):
    """django-axes under a name the admin can show in both languages (its own is "Axes")."""

    verbose_name = _("Log-in lockouts")
