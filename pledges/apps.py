from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = _("Pledges and assessments")

    def ready(self) -> None:
        from coop_portal import metrics

        from .assessment.metrics import StalledRunsCollector

        metrics.register(StalledRunsCollector())
