"""What the open data API's lists share (read-only, no login): their meta, licence, CSV, cursor
pagination, error answers and statistics views. Each app serves its own lists from its api.py
(members, inspections, complaints, pledges); coop_portal/api.py puts them under /api/v1/.

Every list answers JSON by default and CSV with ``format=csv`` (the same rows, all of them,
cells safe to open in a spreadsheet). JSON lists are cursor-paginated and carry a ``meta``
object with the extract date and the licence; CSV carries them in response headers. Only
published data is ever read: results of published, final or superseded runs, published
pledges, members past the application stage, and counts of inspections and complaints.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coop_portal.clientaddress import ClientRateThrottle
from coop_portal.export import csv_stream
from coop_portal.params import whole_number

from .models import Cooperative

LICENCE = {
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}
ONE_PLACE = Decimal("0.1")
# Rows a CSV export reads from the database at a time (it streams them as it goes).
CSV_BATCH = 2000


def extract_date() -> datetime.date:
    """The day an extract is taken, in the portal's time zone."""
    return timezone.localdate()


def api_timestamp(moment: datetime.datetime) -> str:
    """A moment as the API writes every timestamp: ISO 8601 to the second, in the cooperative's
    zone (TIME_ZONE, Asia/Shanghai) with its offset, ``2025-03-09T14:05:00+08:00``. One zone
    whatever the request's active zone, so that a reuser can compare timestamps as text and
    read the day they fall on; the database hands out UTC, which a bare isoformat() would keep."""
    return timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)).isoformat(timespec="seconds")


class TimestampField(serializers.DateTimeField):
    """A serializer's timestamp, written by api_timestamp (DRF's would follow the active zone
    and keep the microseconds)."""

    def to_representation(self, value: datetime.datetime) -> str:
        # A null never gets here: the serializer writes None itself.
        return api_timestamp(value)


def extract_meta(**extra: Any) -> dict[str, Any]:
    """What every answer says about itself: when it was extracted, under which licence."""
    return {
        "extract_date": extract_date().isoformat(),
        "extracted_at": api_timestamp(timezone.now()),
        "licence": LICENCE,
        "source": settings.SITE_URL,
        **extra,
    }


class CSVRenderer(BaseRenderer):
    """Lets ``format=csv`` through content negotiation; the views write the CSV themselves."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return b"" if data is None else str(data).encode(self.charset)


class MissingParameters(APIException):
    status_code = 400
    default_code = "missing_parameters"
    default_detail = gettext_lazy("Required query parameters are missing.")


def missing_parameters(names: Sequence[str], message: str) -> MissingParameters:
    return MissingParameters({"detail": message, "missing": list(names)})


def storable(value: str) -> bool:
    """Whether a value could be stored at all: PostgreSQL refuses NUL in text, even to compare."""
    return "\x00" not in value


def cooperative_or_404(slug: str) -> Cooperative:
    cooperative = Cooperative.objects.filter(slug=slug).first() if storable(slug) else None
    if cooperative is None:
        raise NotFound(_("No cooperative with the short name “%(slug)s”.") % {"slug": slug})
    return cooperative


class OpenDataPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "pk"

    def decode_cursor(self, request: Request) -> Cursor | None:
        """The cursor, or 404 "Invalid cursor" when its position is not a value of the
        ordering (a cursor is base64 anyone can write: DRF checks its offset, not its
        position, which would reach the database as it is)."""
        cursor = super().decode_cursor(request)
        position = None if cursor is None else cursor.position
        if position is not None and not self.valid_position(position):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def valid_position(self, position: object) -> bool:
        # The ordering is the id.
        return whole_number(position) is not None

    def get_page_size(self, request: Request) -> int:
        """The page size asked for, from 1 to max_page_size, else a 400: DRF would take the
        default for ``page_size=null`` or ``0`` and cut 5000 down to the largest without a word,
        which is not what the schema says (get_schema_operation_parameters)."""
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        size = whole_number(asked, minimum=1, maximum=self.max_page_size)
        if size is None:
            message = _("Give a whole number from 1 to %(largest)s.") % {
                "largest": self.max_page_size
            }
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        page = super().get_paginated_response_schema(schema)
        page["required"] = ["meta", "results"]
        page["properties"] = {"meta": META_SCHEMA, **page["properties"]}
        return page


META_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "When the data was extracted, under which licence, and what it covers.",
    "required": ["extract_date", "extracted_at", "licence", "source"],
    "properties": {
        "extract_date": {"type": "string", "format": "date"},
        "extracted_at": {"type": "string", "format": "date-time"},
        "licence": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
        },
        "source": {"type": "string", "format": "uri"},
    },
    "additionalProperties": True,
}

ERROR = inline_serializer("Error", fields={"detail": serializers.CharField()})
# The error answers the lists share, documented once.
NO_SUCH_COOPERATIVE = OpenApiResponse(ERROR, description="No such cooperative.")
# A parameter that is not valid is named with its messages, as DRF reports form errors.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
# Required parameters that are missing, named (MissingParameters).
MISSING: dict[str, Any] = {
    "type": "object",
    "required": ["detail", "missing"],
    "properties": {
        "detail": {"type": "string"},
        "missing": {"type": "array", "items": {"type": "string"}},
    },
}
INVALID_PARAMETER = OpenApiResponse(
    FIELD_ERRORS, description="A parameter is not valid: {parameter: [message, …]}."
)
CSV_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.STR,
    description="The same rows as CSV (UTF-8 with a byte-order mark; formulas escaped), all "
    "at once. The extract date and licence are in the X-Extract-Date and Link headers.",
)


class OpenDataView(ListAPIView):
    """A read-only list of public rows, as paginated JSON or as one CSV file."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientRateThrottle]
    renderer_classes = [JSONRenderer, CSVRenderer]
    filter_backends = [filters.DjangoFilterBackend]
    pagination_class = OpenDataPagination
    csv_name = "open-data"
    csv_columns: tuple[str, ...] = ()

    def meta(self) -> dict[str, Any]:
        return extract_meta()

    def csv_values(self, item: dict[str, Any]) -> list[object]:
        return [item.get(column) for column in self.csv_columns]

    def list(  # type: ignore[override]  # CSV is a plain Django response
        self, request: Request, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        queryset = self.filter_queryset(self.get_queryset())
        if request.accepted_renderer.format == "csv":
            return self.csv(queryset)
        page = self.paginate_queryset(queryset)
        paginator = self.paginator
        assert paginator is not None  # noqa: S101 - every open data list is paginated
        data = self.get_serializer(page, many=True).data
        return Response(
            {
                "meta": self.meta(),
                "next": paginator.get_next_link(),  # type: ignore[attr-defined]
                "previous": paginator.get_previous_link(),  # type: ignore[attr-defined]
                "results": data,
            }
        )

    def csv(self, queryset: QuerySet[Any]) -> HttpResponseBase:
        serializer = self.get_serializer()
        ordering = self.paginator.ordering if self.paginator else "pk"  # type: ignore[attr-defined]
        rows = (
            [cell_text(value) for value in self.csv_values(serializer.to_representation(row))]
            for row in queryset.order_by(ordering).iterator(chunk_size=CSV_BATCH)
        )
        return csv_with_meta(f"{self.csv_name}.csv", self.csv_columns, rows, self.meta())

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # An error is always JSON, also when CSV was asked for.
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
        return response


def cell_text(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def csv_with_meta(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]], meta: dict[str, Any]
) -> HttpResponseBase:
    response = csv_stream(filename, header, rows)
    response["X-Extract-Date"] = meta["extract_date"]
    response["Link"] = f'<{LICENCE["url"]}>; rel="license"; title="{LICENCE["name"]}"'
    return response


class CooperativeFilter(filters.FilterSet):
    cooperative = filters.CharFilter(
        field_name="cooperative__slug", help_text="The cooperative's short name."
    )


def check_cooperative(request: Request) -> None:
    """A named cooperative must exist: an unknown one is a 404, not an empty list."""
    slug = request.query_params.get("cooperative")
    if slug:
        cooperative_or_404(slug)


# Statistics ---------------------------------------------------------------------------------


class StatisticsQuery(serializers.Serializer):
    """The statistics' query parameters: checked with it, and documented from it, so that the
    schema says the bounds the API enforces."""

    cooperative = serializers.SlugField(required=False, help_text="The cooperative's short name.")
    year = serializers.IntegerField(
        required=False, min_value=1900, max_value=2999, help_text="One calendar year only."
    )


STATISTICS_PARAMETERS: list[OpenApiParameter | type[serializers.Serializer]] = [
    StatisticsQuery,
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
]


class StatisticsView(APIView):
    """Counts and rates per cooperative and year, as JSON or CSV."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientRateThrottle]
    renderer_classes = [JSONRenderer, CSVRenderer]
    csv_name = "statistics"
    columns: tuple[str, ...] = ()

    def rows(self, cooperative: Cooperative | None, year: int | None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def get(self, request: Request) -> HttpResponseBase:
        query = StatisticsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        slug = query.validated_data.get("cooperative")
        cooperative = cooperative_or_404(slug) if slug else None
        rows = self.rows(cooperative, query.validated_data.get("year"))
        meta = extract_meta()
        if request.accepted_renderer.format == "csv":
            values = ([cell_text(row.get(c)) for c in self.columns] for row in rows)
            return csv_with_meta(f"{self.csv_name}.csv", self.columns, values, meta)
        return Response({"meta": meta, "next": None, "previous": None, "results": rows})

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
        return response


def grouped(
    queryset: QuerySet[Any], day_field: str, cooperative: Cooperative | None, year: int | None
) -> QuerySet[Any]:
    if cooperative is not None:
        queryset = queryset.filter(cooperative=cooperative)
    queryset = queryset.annotate(year=ExtractYear(day_field))
    if year is not None:
        queryset = queryset.filter(year=year)
    return queryset.values("cooperative__slug", "year").order_by("cooperative__slug", "year")


def statistics_page(name: str, row: type[serializers.Serializer]) -> serializers.Serializer:
    return inline_serializer(
        name,
        fields={
            "meta": serializers.DictField(help_text="Extract date, extracted at, licence."),
            "next": serializers.CharField(allow_null=True),
            "previous": serializers.CharField(allow_null=True),
            "results": row(many=True),
        },
    )


def statistics_schema(summary: str, description: str, row: type[serializers.Serializer]) -> Any:
    """The OpenAPI description of a statistics view whose rows are ``row``."""
    page = row.__name__.removesuffix("Serializer") + "Page"
    return extend_schema(
        summary=summary,
        description=description,
        parameters=STATISTICS_PARAMETERS,
        responses={
            (200, "application/json"): statistics_page(page, row),
            (200, "text/csv"): CSV_RESPONSE,
            (400, "application/json"): INVALID_PARAMETER,
            (404, "application/json"): NO_SUCH_COOPERATIVE,
        },
    )


def as_number(value: Decimal | None) -> float | None:
    """A one-decimal Decimal as a JSON number (its float prints with that one decimal)."""
    return None if value is None else float(value)
