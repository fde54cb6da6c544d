from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Member registry")

    def ready(self) -> None:
        # Remembers at log-in whether the account must use two-factor log-in.
        from . import two_factor  # noqa: F401
