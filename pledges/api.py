"""The open data API's lists of assessment periods, published results and published pledges.

Only published data is ever read: results of published, final or superseded runs, and
published pledge versions (members/opendata.py has what every list shares).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.http import HttpResponseBase
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from coop_portal.links import absolute_url
from coop_portal.params import whole_number
from members.credit_code import LENGTH as CREDIT_CODE_LENGTH
from members.models import Member
from members.opendata import (
    CSV_BATCH,
    CSV_RESPONSE,
    ERROR,
    FIELD_ERRORS,
    INVALID_PARAMETER,
    MISSING,
    NO_SUCH_COOPERATIVE,
    ONE_PLACE,
    CooperativeFilter,
    OpenDataPagination,
    OpenDataView,
    TimestampField,
    api_timestamp,
    cell_text,
    check_cooperative,
    cooperative_or_404,
    csv_with_meta,
    extract_meta,
    missing_parameters,
    storable,
)

from .assessment import facts, published
from .models import (
    AssessmentPeriod,
    AssessmentRun,
    Commitment,
    MemberAssessment,
    Pledge,
    Reply,
)


class AssessmentPagination(OpenDataPagination):
    # Unique within a run: a member appears once per run, with one credit code.
    ordering = "credit_code"

    def valid_position(self, position: object) -> bool:
        return (
            isinstance(position, str) and storable(position) and len(position) <= CREDIT_CODE_LENGTH
        )


class ReplySerializer(serializers.Serializer):
    """A member's reply beside its result: its own words, not verified by the cooperative."""

    text = serializers.CharField(help_text="Plain text, at most 500 characters.")
    written_at = TimestampField(help_text="When the member published this text.")


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
    reply = serializers.SerializerMethodField()

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
            "reply",
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

    @extend_schema_field(ReplySerializer(allow_null=True, read_only=True))
    def get_reply(self, result: MemberAssessment) -> dict[str, str] | None:
        """The member's reply beside its result of the period (not verified by the
        cooperative), or null."""
        text = getattr(result, "reply_text", None)
        if text is None:
            return None
        return {"text": text, "written_at": api_timestamp(getattr(result, "reply_written_at"))}  # noqa: B009


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
            {"oneOf": [MISSING, FIELD_ERRORS]},
            description="cooperative or period is missing ({detail, missing}), or a parameter "
            "is not valid ({parameter: [message, …]}).",
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
                _("Name the cooperative and the period: %(example)s")
                % {"example": "/api/v1/assessments/?cooperative=SLUG&period=CODE"},
            )
        cooperative = cooperative_or_404(params["cooperative"])
        code = params["period"]
        period = (
            AssessmentPeriod.objects.filter(cooperative=cooperative, code=code).first()
            if storable(code)
            else None
        )
        revision = None
        if params.get("revision") is not None:
            revision = whole_number(params["revision"])
            if revision is None:
                raise serializers.ValidationError({"revision": [_("Give a whole number.")]})
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
                _("No published assessment for period “%(period)s” of “%(cooperative)s”.")
                % {"period": params["period"], "cooperative": cooperative.slug}
            )
        return run

    def get_queryset(self) -> QuerySet[MemberAssessment]:
        if getattr(self, "swagger_fake_view", False):
            return MemberAssessment.objects.none()
        # The member's reply beside its result of the period, whichever revision is read.
        replies = Reply.objects.shown().filter(member=OuterRef("member"), period=self.run.period_id)
        return (
            MemberAssessment.objects.filter(run=self.run)
            .select_related("member", "run__period__cooperative")
            .annotate(
                credit_code=F("member__credit_code"),
                reply_text=Subquery(replies.values("text")[:1]),
                reply_written_at=Subquery(replies.values("written_at")[:1]),
            )
        )

    def meta(self) -> dict[str, Any]:
        run = self.run
        # Late or changed facts of the period since publication (the revision itself stands).
        changed_at = facts.latest_change_at(run)
        return extract_meta(
            cooperative=run.period.cooperative.slug,
            period=run.period.code,
            first_day=run.period.first_day.isoformat(),
            last_day=run.period.last_day.isoformat(),
            revision=run.revision,
            status=run.status,
            published_at=api_timestamp(run.published_at) if run.published_at else None,
            notice_ends_on=run.notice_ends_on.isoformat() if run.notice_ends_on else None,
            revision_note=run.revision_note,
            inputs_hash=run.inputs_hash,
            facts_changed_since_publication=changed_at is not None,
            facts_changed_at=api_timestamp(changed_at) if changed_at else None,
        )

    def csv_values(self, item: dict[str, Any]) -> list[object]:
        run = self.run
        item = {**item, "cooperative": run.period.cooperative.slug, "period": run.period.code}
        return super().csv_values(item)

    @property
    def csv_name(self) -> str:  # type: ignore[override]
        run = self.run
        return f"assessments-{run.period.cooperative.slug}-{run.period.code}-r{run.revision}"


class PeriodSerializer(serializers.ModelSerializer):
    cooperative = serializers.CharField(source="cooperative.slug")
    revision = serializers.IntegerField(source="current_revision")
    status = serializers.ChoiceField(
        source="current_status",
        choices=[(status.value, status.label) for status in published.CURRENT_STATUSES],
    )
    published_at = TimestampField(allow_null=True)
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


class PeriodFilter(CooperativeFilter):
    class Meta:
        model = AssessmentPeriod
        fields = ["cooperative"]


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


urlpatterns: list[URLPattern | URLResolver] = [
    path("periods/", PeriodList.as_view(), name="open-data-periods"),
    path("assessments/", AssessmentList.as_view(), name="open-data-assessments"),
    path("pledges/", PledgeList.as_view(), name="open-data-pledges"),
]
