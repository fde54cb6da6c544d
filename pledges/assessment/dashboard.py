"""The regulator's dashboard of one cooperative: a fixed number of aggregate queries.

Timeliness and overdue counts hold each complaint and failed result to its own stored
deadline (the member's pledged days, else the charter's), as the complaint statistics and the
assessment do.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear, TruncMonth, TruncQuarter

from complaints.models import Complaint, answer_late, resolution_late, timeliness_counts
from coop_portal.percent import percent
from inspections.models import Inspection, Rectification, pass_counts
from members.models import Conversion, Cooperative, Member, Pairing
from pledges.models.assessment import AssessmentRun, MemberAssessment

from .periods import period_label
from .review import GRADES

MONTHS_SHOWN = 24
QUARTERS_SHOWN = 8
OVERDUE_LISTED = 10


@dataclass
class Dashboard:
    today: datetime.date
    pass_rates: list[dict[str, Any]] = field(default_factory=list)
    grades: list[dict[str, Any]] = field(default_factory=list)
    timeliness: list[dict[str, Any]] = field(default_factory=list)
    overdue_rectifications: int = 0
    overdue_rectification_list: list[Any] = field(default_factory=list)
    overdue_answers: int = 0
    overdue_resolutions: int = 0
    overdue_complaint_list: list[Any] = field(default_factory=list)
    conversions: list[dict[str, Any]] = field(default_factory=list)
    conversions_total: int = 0
    sole_proprietors: int = 0
    pairings_current: int = 0
    pairings_total: int = 0


def _month_start(day: datetime.date, months_back: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months_back
    return datetime.date(index // 12, index % 12 + 1, 1)


def dashboard(cooperative: Cooperative) -> Dashboard:
    today = cooperative.today()
    board = Dashboard(today=today)

    since = _month_start(today, MONTHS_SHOWN - 1)
    for row in (
        Inspection.objects.final()
        .filter(cooperative=cooperative, reported_on__gte=since, reported_on__lte=today)
        .annotate(month=TruncMonth("reported_on"))
        .order_by()
        .values("month")
        .annotate(**pass_counts())
        .order_by("month")
    ):
        board.pass_rates.append(
            {
                "label": row["month"].strftime("%Y-%m"),
                "n": row["inspections"],
                "passed": row["passed"],
                "rate": percent(row["passed"], row["inspections"]),
            }
        )

    by_period: dict[tuple[datetime.date, str], dict[str, int]] = {}
    for row in (
        MemberAssessment.objects.filter(
            run__period__cooperative=cooperative,
            run__status__in=[AssessmentRun.Status.PUBLISHED, AssessmentRun.Status.FINAL],
        )
        .order_by()
        .values("run__period__last_day", "run__period__code", "grade")
        .annotate(count=Count("pk"))
    ):
        key = (row["run__period__last_day"], row["run__period__code"])
        by_period.setdefault(key, {})[row["grade"] or "-"] = row["count"]
    for (_last, code), counts in sorted(by_period.items()):
        board.grades.append(
            {
                "label": period_label(code),
                "counts": [counts.get(grade, 0) for grade in GRADES],
                "unrated": counts.get("-", 0),
            }
        )

    quarter_since = _month_start(today, 3 * (QUARTERS_SHOWN - 1) + (today.month - 1) % 3)
    accepted = Complaint.objects.filter(cooperative=cooperative).accepted()
    for row in (
        accepted.filter(accepted_on__gte=quarter_since, accepted_on__lte=today)
        .annotate(quarter=TruncQuarter("accepted_on"))
        .order_by()
        .values("quarter")
        .annotate(n=Count("pk"), **timeliness_counts(today))
        .order_by("quarter")
    ):
        quarter = row["quarter"]
        board.timeliness.append(
            {
                "label": period_label(f"{quarter.year}-Q{(quarter.month - 1) // 3 + 1}"),
                "n": row["n"],
                "answered_rate": percent(row["answered_on_time"], row["answer_due"]),
                "resolved_rate": percent(row["resolved_on_time"], row["resolution_due"]),
            }
        )

    overdue_rectification = Inspection.objects.filter(
        cooperative=cooperative,
        rectification__in=Rectification.objects.overdue(today),
    )
    board.overdue_rectifications = overdue_rectification.count()
    board.overdue_rectification_list = list(
        overdue_rectification.select_related("member").order_by("reported_on")[:OVERDUE_LISTED]
    )
    counts = accepted.open().aggregate(
        answers=Count("pk", filter=answer_late(today)),
        resolutions=Count("pk", filter=resolution_late(today)),
    )
    board.overdue_answers = counts["answers"]
    board.overdue_resolutions = counts["resolutions"]
    board.overdue_complaint_list = list(
        accepted.overdue(today).select_related("member").order_by("accepted_on")[:OVERDUE_LISTED]
    )

    conversions = Conversion.objects.filter(sole_proprietor__cooperative=cooperative)
    for row in (
        conversions.annotate(year=ExtractYear("converted_on"))
        .order_by()
        .values("year")
        .annotate(count=Count("pk"))
        .order_by("year")
    ):
        board.conversions.append({"label": str(row["year"]), "count": row["count"]})
    board.conversions_total = sum(row["count"] for row in board.conversions)
    board.sole_proprietors = Member.objects.filter(
        cooperative=cooperative, kind=Member.Kind.SOLE_PROPRIETOR
    ).count()
    pairings = Pairing.objects.filter(member__cooperative=cooperative).aggregate(
        total=Count("pk"),
        current=Count(
            "pk",
            filter=Q(started_on__lte=today) & (Q(ended_on__isnull=True) | Q(ended_on__gte=today)),
        ),
    )
    board.pairings_total = pairings["total"]
    board.pairings_current = pairings["current"]
    return board
