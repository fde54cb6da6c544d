"""The open data API's spot-check statistics: counts and rates per cooperative and year of
sampling: /api/v1/statistics/inspections/. (The lab systems' API is lab_api.py.)"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import URLPattern, URLResolver, path
from rest_framework import serializers

from members.models import Cooperative
from members.opendata import StatisticsView, as_number, grouped, rate, statistics_schema

from .models import Inspection


class InspectionStatisticsSerializer(serializers.Serializer):
    cooperative = serializers.CharField()
    year = serializers.IntegerField()
    inspections = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    failed_minor = serializers.IntegerField()
    failed_major = serializers.IntegerField()
    failed_critical = serializers.IntegerField()
    rectified = serializers.IntegerField()
    pass_rate = serializers.FloatField(allow_null=True, help_text="%, one decimal")
    rectification_rate = serializers.FloatField(
        allow_null=True, help_text="% of failed results rectified, one decimal"
    )


@statistics_schema(
    "Spot-check statistics",
    "Supervision spot checks (final results) per cooperative and year of sampling: "
    "how many, passed, failed by severity, rectified, and the rates.",
    InspectionStatisticsSerializer,
)
class InspectionStatistics(StatisticsView):
    csv_name = "inspection-statistics"
    columns = tuple(InspectionStatisticsSerializer().fields)

    def rows(self, cooperative: Cooperative | None, year: int | None) -> list[dict[str, Any]]:
        fail = Q(verdict=Inspection.Verdict.FAIL)
        counted = grouped(
            Inspection.objects.final().filter(kind=Inspection.Kind.SUPERVISION),
            "sampled_on",
            cooperative,
            year,
        ).annotate(
            inspections=Count("pk"),
            passed=Count("pk", filter=Q(verdict=Inspection.Verdict.PASS)),
            failed=Count("pk", filter=fail),
            failed_minor=Count("pk", filter=fail & Q(severity=Inspection.Severity.MINOR)),
            failed_major=Count("pk", filter=fail & Q(severity=Inspection.Severity.MAJOR)),
            failed_critical=Count("pk", filter=fail & Q(severity=Inspection.Severity.CRITICAL)),
            rectified=Count("pk", filter=fail & Q(rectified_on__isnull=False)),
        )
        return [
            {
                "cooperative": row.pop("cooperative__slug"),
                **row,
                "pass_rate": as_number(rate(row["passed"], row["inspections"])),
                "rectification_rate": as_number(rate(row["rectified"], row["failed"])),
            }
            for row in counted
        ]


urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "statistics/inspections/",
        InspectionStatistics.as_view(),
        name="open-data-inspection-statistics",
    ),
]
