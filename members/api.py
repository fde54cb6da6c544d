"""The open data API's list of members (public fields only): /api/v1/members/."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from .models import Member
from .opendata import (
    CSV_RESPONSE,
    INVALID_PARAMETER,
    NO_SUCH_COOPERATIVE,
    CooperativeFilter,
    OpenDataView,
    check_cooperative,
)


class MemberSerializer(serializers.ModelSerializer):
    cooperative = serializers.CharField(source="cooperative.slug")

    class Meta:
        model = Member
        # Public fields only: never the contact person, phone, e-mail or address.
        fields = [
            "cooperative",
            "credit_code",
            "name",
            "name_en",
            "kind",
            "scale",
            "status",
            "joined_on",
            "left_on",
        ]


class MemberFilter(CooperativeFilter):
    class Meta:
        model = Member
        fields = ["cooperative", "status", "kind", "credit_code"]


@extend_schema(
    summary="Members",
    description="Members of the cooperatives (past the application stage), with public "
    "fields only.",
    responses={
        (200, "application/json"): MemberSerializer(many=True),
        (200, "text/csv"): CSV_RESPONSE,
        (400, "application/json"): INVALID_PARAMETER,
        (404, "application/json"): NO_SUCH_COOPERATIVE,
    },
)
class MemberList(OpenDataView):
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    csv_name = "members"
    csv_columns = tuple(MemberSerializer.Meta.fields)

    def get_queryset(self) -> QuerySet[Member]:
        if getattr(self, "swagger_fake_view", False):
            return Member.objects.none()
        check_cooperative(self.request)
        return Member.objects.public().select_related("cooperative")


urlpatterns: list[URLPattern | URLResolver] = [
    path("members/", MemberList.as_view(), name="open-data-members"),
]
