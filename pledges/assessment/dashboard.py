"""The regulator's dashboard of one cooperative: a fixed number of aggregate queries.

Timeliness and overdue counts hold each complaint and failed result to its own stored
deadline (the member's pledged days, else the charter's), as the complaint statistics and the
assessment do.

The dashboard may be narrowed to one calendar year (else it shows the last two years: the 24
months up to today) and to one product category of the test catalogue. Every dated figure
follows the years shown: inspections by their report date, grades by their period's last day,
complaints by their acceptance, conversions by their date. The counts of sole proprietors and
mentor pairings are the state of today, and the page and its export say so. Only inspections
carry a category: with a category chosen, the figures that are not recorded per category
(grades, complaints, conversions, pairings) are left out rather than shown unfiltered beside
filtered ones.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear, TruncMonth, TruncQuarter
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from complaints.models import Complaint, answer_late, resolution_late, timeliness_counts
from coop_portal.percent import percent
from inspections.models import Inspection, Rectification, TestCategory, pass_counts
from members.models import Conversion, Cooperative, Member, Pairing
from pledges.models.assessment import AssessmentRun, MemberAssessment

from .periods import period_label
from .review import GRADES

MONTHS_SHOWN = 24
QUARTERS_SHOWN = 8
OVERDUE_LISTED = 10


@dataclass(frozen=True)
class Month:
    """A calendar month as a table cell: the page writes it short ("2025年1月", "Jan 2025"), the
    export in full words ("2025年1月", "January 2025"), which a spreadsheet keeps as text
    rather than turning a code such as "2025-01" into a date."""

    first_day: datetime.date

    def short(self) -> str:
        return date_format(self.first_day, pgettext("a date format: a short month", "M Y"))

    def words(self) -> str:
        return date_format(self.first_day, "YEAR_MONTH_FORMAT")


def as_of_today_note() -> str:
    """What the year filter cannot narrow, said on the page and in its export alike."""
    return _(
        "Sole proprietors and mentor pairings are counted as of today, whatever the years shown."
    )


@dataclass
class Dashboard:
    today: datetime.date
    year: int | None = None
    category: TestCategory | None = None
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


def dashboard(
    cooperative: Cooperative, *, year: int | None = None, category: TestCategory | None = None
) -> Dashboard:
    """The figures of ``cooperative`` as of its today: of the last two years, or of ``year``
    only; of every product category, or of ``category``'s inspections only."""
    today = cooperative.today()
    board = Dashboard(today=today, year=year, category=category)
    if year is None:
        since = _month_start(today, MONTHS_SHOWN - 1)
        quarter_since = _month_start(today, 3 * (QUARTERS_SHOWN - 1) + (today.month - 1) % 3)
        until = today
    else:
        since = quarter_since = datetime.date(year, 1, 1)
        until = min(datetime.date(year, 12, 31), today)

    inspections = Inspection.objects.filter(cooperative=cooperative)
    if category is not None:
        inspections = inspections.filter(category=category)
    by_month = {
        row["month"]: row
        for row in inspections.final()
        .filter(reported_on__gte=since, reported_on__lte=until)
        .annotate(month=TruncMonth("reported_on"))
        .order_by()
        .values("month")
        .annotate(**pass_counts())
    }
    if by_month:
        # Every month of the years shown, those without a result too: the chart's points are
        # then spaced by time, and a month without inspections is a gap, not skipped.
        month = since.replace(day=1)
        while month <= until:
            row = by_month.get(month, {"inspections": 0, "passed": 0})
            board.pass_rates.append(
                {
                    "month": Month(month),
                    "n": row["inspections"],
                    "passed": row["passed"],
                    "rate": percent(row["passed"], row["inspections"]),
                }
            )
            month = _month_start(month, -1)

    overdue_rectification = inspections.filter(
        rectification__in=Rectification.objects.overdue(today),
        reported_on__gte=since,
        reported_on__lte=until,
    )
    board.overdue_rectifications = overdue_rectification.count()
    board.overdue_rectification_list = list(
        overdue_rectification.select_related("member").order_by("reported_on")[:OVERDUE_LISTED]
    )
    if category is not None:
        return board

    assessments = MemberAssessment.objects.filter(
        run__period__cooperative=cooperative,
        run__status__in=[AssessmentRun.Status.PUBLISHED, AssessmentRun.Status.FINAL],
    )
    if year is not None:
        assessments = assessments.filter(run__period__last_day__year=year)
    else:
        assessments = assessments.filter(run__period__last_day__gte=since)
    by_period: dict[tuple[datetime.date, str], dict[str, int]] = {}
    for row in (
        assessments.order_by()
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

    accepted = (
        Complaint.objects.filter(cooperative=cooperative)
        .accepted()
        .filter(accepted_on__gte=since, accepted_on__lte=until)
    )
    for row in (
        accepted.filter(accepted_on__gte=quarter_since, accepted_on__lte=until)
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

    counts = accepted.open().aggregate(
        answers=Count("pk", filter=answer_late(today)),
        resolutions=Count("pk", filter=resolution_late(today)),
    )
    board.overdue_answers = counts["answers"]
    board.overdue_resolutions = counts["resolutions"]
    board.overdue_complaint_list = list(
        accepted.overdue(today).select_related("member").order_by("accepted_on")[:OVERDUE_LISTED]
    )

    conversions = Conversion.objects.filter(
        sole_proprietor__cooperative=cooperative, converted_on__gte=since, converted_on__lte=until
    )
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


@dataclass
class Table:
    """One table of the dashboard as the page and the CSV export both show it: a title,
    column headings (the first names the rows) and rows whose first cell is the row's name.
    Cells are raw values (numbers, dates, None for "no figure"); each reader formats them."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    numeric: bool = True

    def display_rows(self) -> list[list[dict[str, Any]]]:
        """The rows for the page: dates in the short local format, a dash for no figure."""
        return [
            [
                {"text": _display(cell), "num": self.numeric and index > 0}
                for index, cell in enumerate(row)
            ]
            for row in self.rows
        ]


def _display(cell: Any) -> str:
    if cell is None:
        return "—"
    if isinstance(cell, datetime.date):
        return date_format(cell, "SHORT_DATE_FORMAT")
    if isinstance(cell, Month):
        return cell.short()
    return str(cell)


def tables(board: Dashboard) -> list[Table]:
    """Every figure the dashboard shows, table by table, in the order of the page: the one
    definition the page and its CSV export share, so the file holds exactly what is shown."""
    summary = [[_("Overdue rectifications"), board.overdue_rectifications]]
    if board.category is None:
        summary += [
            [_("Complaints awaiting an answer"), board.overdue_answers],
            [_("Complaints awaiting resolution"), board.overdue_resolutions],
            [_("Conversions into companies"), board.conversions_total],
            [_("Members who are sole proprietors"), board.sole_proprietors],
            [_("Mentor pairings now"), board.pairings_current],
            [_("Mentor pairings in all"), board.pairings_total],
        ]
    result = [
        Table("summary", _("Summary"), [_("Figure"), pgettext("how many", "Number")], summary),
        Table(
            "pass_rates",
            _("Spot-check pass rate"),
            [_("Month"), pgettext("how many", "Inspections"), _("Passed"), _("Pass rate (%)")],
            [[row["month"], row["n"], row["passed"], row["rate"]] for row in board.pass_rates],
        ),
        Table(
            "overdue_rectifications",
            _("Overdue rectifications"),
            [_("Report"), _("Member"), _("Reported on")],
            [
                [inspection.report_no, inspection.member.display_name, inspection.reported_on]
                for inspection in board.overdue_rectification_list
            ],
            numeric=False,
        ),
    ]
    if board.category is not None:
        return result
    return [
        *result,
        Table(
            "grades",
            _("Grades per published period"),
            [_("Period"), *GRADES, _("Not graded")],
            [[row["label"], *row["counts"], row["unrated"]] for row in board.grades],
        ),
        Table(
            "timeliness",
            _("Complaint timeliness"),
            [_("Quarter"), _("Accepted"), _("Answered in time (%)"), _("Resolved in time (%)")],
            [
                [row["label"], row["n"], row["answered_rate"], row["resolved_rate"]]
                for row in board.timeliness
            ],
        ),
        Table(
            "overdue_complaints",
            _("Overdue complaints"),
            [_("Reference"), _("Member"), _("Accepted on"), _("Answered on")],
            [
                [
                    complaint.reference,
                    complaint.member.display_name,
                    complaint.accepted_on,
                    complaint.responded_on,
                ]
                for complaint in board.overdue_complaint_list
            ],
            numeric=False,
        ),
        Table(
            "conversions",
            _("Conversions per year"),
            [_("Year"), _("Conversions")],
            [[row["label"], row["count"]] for row in board.conversions],
        ),
    ]
