"""What the assessments add to /metrics (coop_portal/metrics.py): runs that stopped computing."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from pledges.models import AssessmentRun


class StalledRunsCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "coop_portal_assessment_runs_stalled",
            "Assessment runs computing that made no progress for ten minutes.",
            value=AssessmentRun.objects.stalled(settings.ASSESSMENT_STALLED_SECONDS).count(),
        )
