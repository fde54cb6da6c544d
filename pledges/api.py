"""The open data API (read-only, no login): periods, assessments, members, pledges, statistics.

Every list answers JSON by default and CSV with ``format=csv`` (the same rows, all of them,
cells safe to open in a spreadsheet). JSON lists are cursor-paginated and carry a ``meta``
object with the extract date and the licence; CSV carries them in response headers. Only
published data is ever read: results of published, final or superseded runs, published
pledges, members past the application stage, and counts of inspections and complaints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractYear
from django.http import HttpResponseBase
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound
from rest_framework.generics import ListAPIView
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.models import Complaint
from coop_portal.clientaddress import ClientRateThrottle
from coop_portal.export import csv_stream
from coop_portal.links import absolute_url
from coop_portal.params import whole_number
from coop_portal.percent import percent
from inspections.models import Inspection
from members.credit_code import LENGTH as CREDIT_CODE_LENGTH
from members.models import Cooperative, Member

from .assessment import published
from .models import AssessmentPeriod, AssessmentRun, Commitment, MemberAssessment, Pledge

LICENCE = {
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}
ONE_PLACE = Decimal("0.1")
GroupedQuerySet = TypeVar("GroupedQuerySet", bound=QuerySet[Any])
# Rows a CSV export reads from the database at a time (it streams them as it goes).
CSV_BATCH = 2000


def extract_meta(**extra: Any) -> dict[str, Any]:
    """What every answer says about itself: when it was extracted, under which licence."""
    return {
        "extract_date": published.extract_date().isoformat(),
        "extracted_at": timezone.localtime().isoformat(timespec="seconds"),
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
    default_detail = "Required query parameters are missing."


def missing_parameters(names: Sequence[str], message: str) -> MissingParameters:
    return MissingParameters({"detail": message, "missing": list(names)})


def _storable(value: str) -> bool:
    """Whether a value could be stored at all: PostgreSQL refuses NUL in text, even to compare."""
    return "\x00" not in value


def cooperative_or_404(slug: str) -> Cooperative:
    cooperative = Cooperative.objects.filter(slug=slug).first() if _storable(slug) else None
    if cooperative is None:
        raise NotFound(f"No cooperative with the short name “{slug}”.")
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

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        page = super().get_paginated_response_schema(schema)
        page["required"] = ["meta", "results"]
        page["properties"] = {"meta": META_SCHEMA, **page["properties"]}
        return page


class AssessmentPagination(OpenDataPagination):
    # Unique within a run: a member appears once per run, with one credit code.
    ordering = "credit_code"

    def valid_position(self, position: object) -> bool:
        return (
            isinstance(position, str)
            and _storable(position)
            and len(position) <= CREDIT_CODE_LENGTH
        )


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
MISSING = inline_serializer(
    "MissingParameters",
    fields={
        "detail": serializers.CharField(),
        "missing": serializers.ListField(child=serializers.CharField()),
    },
)
# The error answers the lists share, documented once.
NO_SUCH_COOPERATIVE = OpenApiResponse(ERROR, description="No such cooperative.")
# A parameter that is not valid is named with its messages, as DRF reports form errors.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
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


# Assessments ---------------------------------------------------------------------------------


class AssessmentSerializer(serializers.ModelSerializer):
    credit_code = serializers.CharField(source="member.credit_code")
    member_name = serializers.CharField(source="member.name")
    member_name_en = serializers.CharField(source="member.name_en")
    status = serializers.ChoiceField(choices=MemberAssessment.Status.choices)
    score = serializers.DecimalField(
        max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True
    )
    grade = serializers.SerializerMethodField()
    revision = serializers.IntegerField(source="run.revision")
    url = serializers.SerializerMethodField()

    class Meta:
        model = MemberAssessment
        fields = [
            "credit_code",
            "member_name",
            "member_name_en",
            "status",
            "score",
            "grade",
            "revision",
            "url",
        ]

    @extend_schema_field(
        serializers.ChoiceField(choices=published.GRADES, allow_null=True, read_only=True)
    )
    def get_grade(self, result: MemberAssessment) -> str | None:
        return result.grade or None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, result: MemberAssessment) -> str:
        """The public "why this score" page of the result."""
        period = result.run.period
        return absolute_url(
            reverse(
                "pledges:public_result",
                args=[
                    period.cooperative.slug,
                    period.code,
                    result.run.revision,
                    result.member.credit_code,
                ],
            )
        )


class AssessmentFilter(filters.FilterSet):
    grade = filters.ChoiceFilter(choices=[(grade, grade) for grade in published.GRADES])
    status = filters.ChoiceFilter(choices=MemberAssessment.Status.choices)

    class Meta:
        model = MemberAssessment
        fields = ["grade", "status"]


ASSESSMENT_PARAMETERS = [
    OpenApiParameter(
        "cooperative", OpenApiTypes.STR, required=True, description="The cooperative's short name."
    ),
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        required=True,
        description="The period's code: YYYY, YYYY-H1|H2 or YYYY-Q1..Q4.",
    ),
    OpenApiParameter(
        "revision",
        OpenApiTypes.INT,
        description="A published revision of the period (default: the current one). Earlier, "
        "superseded revisions stay readable.",
    ),
]


@extend_schema(
    summary="Published assessments of one period",
    description="Every member's status, score and grade in the current published revision of a "
    "period (or in the revision asked for). Drafts are never visible. `score` is a number with "
    "one decimal, or null when the member was not rated.",
    parameters=ASSESSMENT_PARAMETERS,
    responses={
        (200, "application/json"): AssessmentSerializer(many=True),
        (200, "text/csv"): CSV_RESPONSE,
        (400, "application/json"): OpenApiResponse(
            MISSING, description="cooperative or period is missing."
        ),
        (404, "application/json"): OpenApiResponse(
            ERROR, description="No such cooperative, period or revision."
        ),
    },
)
class AssessmentList(OpenDataView):
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    pagination_class = AssessmentPagination
    csv_columns = (
        "cooperative",
        "period",
        "revision",
        "credit_code",
        "member_name",
        "status",
        "score",
        "grade",
    )

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.run = self.requested_run(request)

    def requested_run(self, request: Request) -> AssessmentRun:
        params = request.query_params
        missing = [name for name in ("cooperative", "period") if not params.get(name)]
        if missing:
            raise missing_parameters(
                missing,
                "Name the cooperative and the period: "
                "/api/v1/assessments/?cooperative=SLUG&period=CODE",
            )
        cooperative = cooperative_or_404(params["cooperative"])
        code = params["period"]
        period = (
            AssessmentPeriod.objects.filter(cooperative=cooperative, code=code).first()
            if _storable(code)
            else None
        )
        revision = None
        if params.get("revision") is not None:
            revision = whole_number(params["revision"])
            if revision is None:
                raise serializers.ValidationError({"revision": ["Give a whole number."]})
        runs = published.current_runs() if revision is None else published.public_runs()
        run = (
            runs.filter(period=period, **({} if revision is None else {"revision": revision}))
            .select_related("period__cooperative")
            .order_by("-revision")
            .first()
            if period is not None
            else None
        )
        if run is None:
            raise NotFound(
                f"No published assessment for period “{params['period']}” of “{cooperative.slug}”."
            )
        return run

    def get_queryset(self) -> QuerySet[MemberAssessment]:
        if getattr(self, "swagger_fake_view", False):
            return MemberAssessment.objects.none()
        return (
            MemberAssessment.objects.filter(run=self.run)
            .select_related("member", "run__period__cooperative")
            .annotate(credit_code=F("member__credit_code"))
        )

    def meta(self) -> dict[str, Any]:
        run = self.run
        return extract_meta(
            cooperative=run.period.cooperative.slug,
            period=run.period.code,
            first_day=run.period.first_day.isoformat(),
            last_day=run.period.last_day.isoformat(),
            revision=run.revision,
            status=run.status,
            published_at=run.published_at.isoformat() if run.published_at else None,
            notice_ends_on=run.notice_ends_on.isoformat() if run.notice_ends_on else None,
            revision_note=run.revision_note,
            inputs_hash=run.inputs_hash,
        )

    def csv_values(self, item: dict[str, Any]) -> list[object]:
        run = self.run
        item = {**item, "cooperative": run.period.cooperative.slug, "period": run.period.code}
        return super().csv_values(item)

    @property
    def csv_name(self) -> str:  # type: ignore[override]
        run = self.run
        return f"assessments-{run.period.cooperative.slug}-{run.period.code}-r{run.revision}"


# Periods ------------------------------------------------------------------------------------


class PeriodSerializer(serializers.ModelSerializer):
    cooperative = serializers.CharField(source="cooperative.slug")
    revision = serializers.IntegerField(source="current_revision")
    status = serializers.ChoiceField(
        source="current_status",
        choices=[(status.value, status.label) for status in published.CURRENT_STATUSES],
    )
    published_at = serializers.DateTimeField(allow_null=True)
    notice_ends_on = serializers.DateField(allow_null=True)

    class Meta:
        model = AssessmentPeriod
        fields = [
            "cooperative",
            "code",
            "first_day",
            "last_day",
            "revision",
            "status",
            "published_at",
            "notice_ends_on",
        ]


class CooperativeFilter(filters.FilterSet):
    cooperative = filters.CharFilter(
        field_name="cooperative__slug", help_text="The cooperative's short name."
    )


class PeriodFilter(CooperativeFilter):
    class Meta:
        model = AssessmentPeriod
        fields = ["cooperative"]


def check_cooperative(request: Request) -> None:
    """A named cooperative must exist: an unknown one is a 404, not an empty list."""
    slug = request.query_params.get("cooperative")
    if slug:
        cooperative_or_404(slug)


@extend_schema(
    summary="Periods with published assessments",
    description="Each period with a published result: its current revision and whether its "
    "public notice period is still open (published) or over (final).",
    responses={
        (200, "application/json"): PeriodSerializer(many=True),
        (200, "text/csv"): CSV_RESPONSE,
        (400, "application/json"): INVALID_PARAMETER,
        (404, "application/json"): NO_SUCH_COOPERATIVE,
    },
)
class PeriodList(OpenDataView):
    serializer_class = PeriodSerializer
    filterset_class = PeriodFilter
    csv_name = "periods"
    csv_columns = (
        "cooperative",
        "code",
        "first_day",
        "last_day",
        "revision",
        "status",
        "published_at",
        "notice_ends_on",
    )

    def get_queryset(self) -> QuerySet[AssessmentPeriod]:
        if getattr(self, "swagger_fake_view", False):
            return AssessmentPeriod.objects.none()
        check_cooperative(self.request)
        current = published.current_runs().filter(period=OuterRef("pk")).order_by("-revision")
        return published.public_periods().annotate(
            current_status=Subquery(current.values("status")[:1]),
            published_at=Subquery(current.values("published_at")[:1]),
            notice_ends_on=Subquery(current.values("notice_ends_on")[:1]),
        )


# Members ------------------------------------------------------------------------------------


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


# Pledges ------------------------------------------------------------------------------------


class CommitmentSerializer(serializers.ModelSerializer):
    target = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)

    class Meta:
        model = Commitment
        fields = ["kind", "target"]


class PledgeSerializer(serializers.ModelSerializer):
    cooperative = serializers.CharField(source="member.cooperative.slug")
    credit_code = serializers.CharField(source="member.credit_code")
    member_name = serializers.CharField(source="member.name")
    commitments = CommitmentSerializer(many=True)

    class Meta:
        model = Pledge
        fields = [
            "cooperative",
            "credit_code",
            "member_name",
            "version",
            "published_on",
            "withdrawn_on",
            "statement",
            "commitments",
        ]


class PledgeFilter(filters.FilterSet):
    cooperative = filters.CharFilter(
        field_name="member__cooperative__slug", help_text="The cooperative's short name."
    )
    credit_code = filters.CharFilter(
        field_name="member__credit_code", help_text="The member's unified social credit code."
    )

    class Meta:
        model = Pledge
        fields = ["cooperative", "credit_code"]


@extend_schema(
    summary="Published pledges",
    description="Every published version of the members' quality pledges, withdrawn ones "
    "included, with their commitment targets. The CSV has the columns of pledges.csv.",
    responses={
        (200, "application/json"): PledgeSerializer(many=True),
        (200, "text/csv"): CSV_RESPONSE,
        (400, "application/json"): INVALID_PARAMETER,
        (404, "application/json"): NO_SUCH_COOPERATIVE,
    },
)
class PledgeList(OpenDataView):
    serializer_class = PledgeSerializer
    filterset_class = PledgeFilter
    csv_name = "pledges"
    csv_columns = (
        "cooperative",
        "credit_code",
        "member_name",
        "version",
        "published_on",
        "withdrawn_on",
        *published.KINDS,
        "statement",
    )

    def get_queryset(self) -> QuerySet[Pledge]:
        if getattr(self, "swagger_fake_view", False):
            return Pledge.objects.none()
        check_cooperative(self.request)
        return (
            Pledge.objects.filter(published_on__isnull=False)
            .exclude(member__status=Member.Status.APPLICANT)
            .select_related("member__cooperative")
            .prefetch_related("commitments")
        )

    def csv_values(self, item: dict[str, Any]) -> list[object]:
        targets = {c["kind"]: c["target"] for c in item.get("commitments") or []}
        return super().csv_values({**item, **targets})

    def csv(self, queryset: QuerySet[Any]) -> HttpResponseBase:
        return csv_with_meta(
            f"{self.csv_name}.csv", self.csv_columns, self.csv_rows(queryset), self.meta()
        )

    def csv_rows(self, queryset: QuerySet[Pledge]) -> Iterator[list[object]]:
        """The rows of pledges.csv, the same as the serializer's, read a batch of pledges at a
        time with their commitments in two queries: serializing each pledge with its
        commitments took 11.5 s for 30,000 of them, longer than a worker may take."""
        pledges = (
            queryset.select_related(None)
            .prefetch_related(None)
            .order_by("pk")
            .values_list(
                "pk",
                "member__cooperative__slug",
                "member__credit_code",
                "member__name",
                "version",
                "published_on",
                "withdrawn_on",
                "statement",
            )
            .iterator(chunk_size=CSV_BATCH)
        )
        while batch := list(islice(pledges, CSV_BATCH)):
            targets: dict[int, dict[str, Decimal]] = {}
            commitments = Commitment.objects.filter(pledge__in=[row[0] for row in batch])
            for pledge_id, kind, target in commitments.values_list("pledge", "kind", "target"):
                targets.setdefault(pledge_id, {})[kind] = target.quantize(ONE_PLACE)
            for pk, cooperative, code, name, version, published_on, withdrawn_on, text in batch:
                kinds = targets.get(pk, {})
                yield [
                    cell_text(value)
                    for value in (
                        cooperative,
                        code,
                        name,
                        version,
                        published_on.isoformat() if published_on else None,
                        withdrawn_on.isoformat() if withdrawn_on else None,
                        *(kinds.get(kind) for kind in published.KINDS),
                        text,
                    )
                ]


# Statistics ---------------------------------------------------------------------------------


class StatisticsQuery(serializers.Serializer):
    cooperative = serializers.SlugField(required=False)
    year = serializers.IntegerField(required=False, min_value=1900, max_value=2999)


STATISTICS_PARAMETERS = [
    OpenApiParameter("cooperative", OpenApiTypes.STR, description="The cooperative's short name."),
    OpenApiParameter("year", OpenApiTypes.INT, description="One calendar year only."),
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


def _grouped(
    queryset: GroupedQuerySet, day_field: str, cooperative: Cooperative | None, year: int | None
) -> GroupedQuerySet:
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


@extend_schema(
    summary="Spot-check statistics",
    description="Supervision spot checks (final results) per cooperative and year of sampling: "
    "how many, passed, failed by severity, rectified, and the rates.",
    parameters=STATISTICS_PARAMETERS,
    responses={
        (200, "application/json"): statistics_page(
            "InspectionStatisticsPage", InspectionStatisticsSerializer
        ),
        (200, "text/csv"): CSV_RESPONSE,
        (400, "application/json"): INVALID_PARAMETER,
        (404, "application/json"): NO_SUCH_COOPERATIVE,
    },
)
class InspectionStatistics(StatisticsView):
    csv_name = "inspection-statistics"
    columns = tuple(InspectionStatisticsSerializer().fields)

    def rows(self, cooperative: Cooperative | None, year: int | None) -> list[dict[str, Any]]:
        fail = Q(verdict=Inspection.Verdict.FAIL)
        grouped = (
            _grouped(
                Inspection.objects.final().spot_checks(),
                "sampled_on",
                cooperative,
                year,
            )
            .pass_counts()
            .annotate(
                failed=Count("pk", filter=fail),
                failed_minor=Count("pk", filter=fail & Q(severity=Inspection.Severity.MINOR)),
                failed_major=Count("pk", filter=fail & Q(severity=Inspection.Severity.MAJOR)),
                failed_critical=Count("pk", filter=fail & Q(severity=Inspection.Severity.CRITICAL)),
                rectified=Count("pk", filter=fail & Q(rectified_on__isnull=False)),
            )
        )
        return [
            {
                "cooperative": row.pop("cooperative__slug"),
                **row,
                "pass_rate": as_number(percent(row["passed"], row["inspections"])),
                "rectification_rate": as_number(percent(row["rectified"], row["failed"])),
            }
            for row in grouped
        ]


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


@extend_schema(
    summary="Complaint statistics",
    description="Consumer complaints per cooperative and year of receipt: received, accepted, "
    "rejected, answered, resolved and found justified (upheld), with rates over the accepted "
    "ones. Counts only: no complaint's content or complainant is published.",
    parameters=STATISTICS_PARAMETERS,
    responses={
        (200, "application/json"): statistics_page(
            "ComplaintStatisticsPage", ComplaintStatisticsSerializer
        ),
        (200, "text/csv"): CSV_RESPONSE,
        (400, "application/json"): INVALID_PARAMETER,
        (404, "application/json"): NO_SUCH_COOPERATIVE,
    },
)
class ComplaintStatistics(StatisticsView):
    csv_name = "complaint-statistics"
    columns = tuple(ComplaintStatisticsSerializer().fields)

    def rows(self, cooperative: Cooperative | None, year: int | None) -> list[dict[str, Any]]:
        accepted = Q(accepted_on__isnull=False) & ~Q(status=Complaint.Status.REJECTED)
        grouped = _grouped(Complaint.objects.all(), "received_on", cooperative, year).annotate(
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
                "answer_rate": as_number(percent(row["answered"], row["accepted"])),
                "resolution_rate": as_number(percent(row["resolved"], row["accepted"])),
                "upheld_rate": as_number(percent(row["upheld"], row["accepted"])),
            }
            for row in grouped
        ]


def as_number(value: Decimal | None) -> float | None:
    """A one-decimal Decimal as a JSON number (its float prints with that one decimal)."""
    return None if value is None else float(value)


urlpatterns: list[URLPattern | URLResolver] = [
    path("periods/", PeriodList.as_view(), name="open-data-periods"),
    path("assessments/", AssessmentList.as_view(), name="open-data-assessments"),
    path("members/", MemberList.as_view(), name="open-data-members"),
    path("pledges/", PledgeList.as_view(), name="open-data-pledges"),
    path(
        "statistics/inspections/",
        InspectionStatistics.as_view(),
        name="open-data-inspection-statistics",
    ),
    path(
        "statistics/complaints/",
        ComplaintStatistics.as_view(),
        name="open-data-complaint-statistics",
    ),
]
