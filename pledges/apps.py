from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = _("Pledges and assessments")

    def ready(self) -> None:
        """Hand the members' pledged targets down to the deadlines of complaints and
        inspections (charter.deadlines), tell the charter how to read an assessment's proposals
        (charter.sources), and count stalled runs for the metrics. Imported
        here because they use the models, which are loaded only now."""
        from charter import deadlines, sources
        from coop_portal import metrics

        from .assessment.consequences import describe_source, source_caveat
        from .assessment.metrics import StalledRunsCollector
        from .targets import targets_in_force

        deadlines.use_pledged_targets(targets_in_force)
        sources.describe_sources("assessment", describe_source, source_caveat)
        metrics.register(StalledRunsCollector())
