from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoopPortalConfig(AppConfig):
    name = "coop_portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from . import public_cache

        public_cache.connect_signals()
