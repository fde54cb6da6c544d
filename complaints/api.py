"""The open data API's complaint statistics: counts and rates per cooperative and year of receipt
(no complaint's content or complainant): /api/v1/statistics/complaints/."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import URLPattern, URLResolver, path
from rest_framework import serializers

from members.models import Cooperative
from members.opendata import StatisticsView, as_number, grouped, rate, statistics_schema

from .models import Complaint


class ComplaintStatisticsSerializer(serializers.Serializer):
    cooperative = serializers.CharField()
    year = serializers.IntegerField()
    received = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    answered = serializers.IntegerField()
    resolved = serializers.IntegerField()
    upheld = serializers.IntegerField()
    answer_rate = serializers.FloatField(allow_null=True, help_text="% of accepted, one decimal")
    resolution_rate = serializers.FloatField(
        allow_null=True, help_text="% of accepted, one decimal"
    )
    upheld_rate = serializers.FloatField(allow_null=True, help_text="% of accepted, one decimal")


@statistics_schema(
    "Complaint statistics",
    "Consumer complaints per cooperative and year of receipt: received, accepted, "
    "rejected, answered, resolved and found justified (upheld), with rates over the accepted "
    "ones. Counts only: no complaint's content or complainant is published.",
    ComplaintStatisticsSerializer,
)
class ComplaintStatistics(StatisticsView):
    csv_name = "complaint-statistics"
    columns = tuple(ComplaintStatisticsSerializer().fields)

    def rows(self, cooperative: Cooperative | None, year: int | None) -> list[dict[str, Any]]:
        accepted = Q(accepted_on__isnull=False) & ~Q(status=Complaint.Status.REJECTED)
        counted = grouped(Complaint.objects.all(), "received_on", cooperative, year).annotate(
            received=Count("pk"),
            accepted=Count("pk", filter=accepted),
            rejected=Count("pk", filter=Q(status=Complaint.Status.REJECTED)),
            answered=Count("pk", filter=accepted & Q(responded_on__isnull=False)),
            resolved=Count("pk", filter=accepted & Q(resolved_on__isnull=False)),
            upheld=Count("pk", filter=accepted & Q(upheld_on__isnull=False)),
        )
        return [
            {
                "cooperative": row.pop("cooperative__slug"),
                **row,
                "answer_rate": as_number(rate(row["answered"], row["accepted"])),
                "resolution_rate": as_number(rate(row["resolved"], row["accepted"])),
                "upheld_rate": as_number(rate(row["upheld"], row["accepted"])),
            }
            for row in counted
        ]


urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "statistics/complaints/",
        ComplaintStatistics.as_view(),
        name="open-data-complaint-statistics",
    ),
]
