"""Reading published assessments: which runs the public sees, and how a result explains itself.

Public runs are published, final or superseded ones (a superseded revision stays readable by
its number); the current result of a period is the highest revision among published and final
runs. Drafts, computations in progress and failed runs are never read here.

``explain`` turns a result's ``details`` (see scoring.Result.details) into plain sentences.
It reads the JSON defensively: a missing or malformed key shows as "—", never as an error.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext, pgettext

from charter.models import COMMITMENT_KINDS
from coop_portal.charts import Series, line_chart
from coop_portal.tasks import send_task
from members.models import Cooperative, Member

from ..models import AssessmentPeriod, AssessmentRun, Commitment, MemberAssessment
from ..models.assessment import RunCheck
from . import facts
from .tasks import check_run_task

# Runs whose results the public may read; the current result comes from the first two only.
PUBLIC_STATUSES = (
    AssessmentRun.Status.PUBLISHED,
    AssessmentRun.Status.FINAL,
    AssessmentRun.Status.SUPERSEDED,
)
CURRENT_STATUSES = (AssessmentRun.Status.PUBLISHED, AssessmentRun.Status.FINAL)
GRADES = ("A", "B", "C", "D")
KINDS = COMMITMENT_KINDS
# SCORING.md's default grade thresholds, for a run that did not record its policy.
DEFAULT_GRADE_MINIMUMS = {"A": Decimal(90), "B": Decimal(75), "C": Decimal(60)}
TWO_PLACES = Decimal("0.01")
ONE_PLACE = Decimal("0.1")


def public_runs() -> QuerySet[AssessmentRun]:
    return AssessmentRun.objects.filter(status__in=PUBLIC_STATUSES, revision__gte=1)


def current_runs() -> QuerySet[AssessmentRun]:
    return AssessmentRun.objects.filter(status__in=CURRENT_STATUSES, revision__gte=1)


def current_run(period: AssessmentPeriod) -> AssessmentRun | None:
    """The public result of a period: its highest revision among published and final runs."""
    return (
        current_runs()
        .filter(period=period)
        .select_related("period__cooperative", "charter_version__policy")
        .order_by("-revision")
        .first()
    )


def public_periods(cooperative: Cooperative | None = None) -> QuerySet[AssessmentPeriod]:
    """Periods with a current public result, annotated with that result's revision."""
    periods = AssessmentPeriod.objects.filter(
        runs__status__in=CURRENT_STATUSES, runs__revision__gte=1
    )
    if cooperative is not None:
        periods = periods.filter(cooperative=cooperative)
    return periods.annotate(
        current_revision=Max(
            "runs__revision",
            filter=Q(runs__status__in=CURRENT_STATUSES, runs__revision__gte=1),
        )
    ).select_related("cooperative")


def period_or_404(cooperative_slug: str, code: str) -> AssessmentPeriod:
    """A period that has a public result; 404 for an unknown one or one with drafts only."""
    period = (
        AssessmentPeriod.objects.select_related("cooperative")
        .filter(cooperative__slug=cooperative_slug, code=code)
        .first()
    )
    if period is None or not public_runs().filter(period=period).exists():
        raise Http404
    return period


def run_or_404(period: AssessmentPeriod, revision: int | None = None) -> AssessmentRun:
    """The current run of a period, or a given public revision of it; 404 else."""
    if revision is None:
        run = current_run(period)
    else:
        run = (
            public_runs()
            .filter(period=period, revision=revision)
            .select_related("period__cooperative", "charter_version__policy")
            .first()
        )
    if run is None:
        raise Http404
    return run


def results_of(run: AssessmentRun) -> QuerySet[MemberAssessment]:
    return MemberAssessment.objects.filter(run=run).select_related("member")


def grade_counts(run: AssessmentRun) -> dict[str, int]:
    """How many members got each grade, and how many were not rated or had no pledge."""
    counts = MemberAssessment.objects.filter(run=run).aggregate(
        total=Count("pk"),
        **{grade: Count("pk", filter=Q(grade=grade)) for grade in GRADES},
        not_rated=Count("pk", filter=Q(status=MemberAssessment.Status.NOT_RATED)),
        no_pledge=Count("pk", filter=Q(status=MemberAssessment.Status.NO_PLEDGE)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def member_or_404(cooperative: Cooperative, credit_code: str) -> Member:
    member = Member.objects.public().filter(cooperative=cooperative, credit_code=credit_code)
    found = member.first()
    if found is None:
        raise Http404
    return found


def result_or_404(run: AssessmentRun, member: Member) -> MemberAssessment:
    result = MemberAssessment.objects.filter(run=run, member=member).select_related("member")
    found = result.first()
    if found is None:
        raise Http404
    return found


@dataclass
class RevisionRow:
    run: AssessmentRun
    result: MemberAssessment | None


def revisions_of(period: AssessmentPeriod, member: Member | None = None) -> list[RevisionRow]:
    """Every public revision of a period, newest first, with the member's result in each."""
    runs = list(public_runs().filter(period=period).order_by("-revision"))
    results: dict[int, MemberAssessment] = {}
    if member is not None:
        results = {
            result.run_id: result
            for result in MemberAssessment.objects.filter(run__in=runs, member=member)
        }
    return [RevisionRow(run=run, result=results.get(run.pk)) for run in runs]


def grade_minimums(run: AssessmentRun) -> dict[str, Decimal]:
    """The run's grade thresholds as recorded with it, or SCORING.md's defaults."""
    recorded = getattr(run, "policy", None)
    grades = recorded.get("grades") if isinstance(recorded, dict) else None
    minimums = dict(DEFAULT_GRADE_MINIMUMS)
    if isinstance(grades, dict):
        for grade in minimums:
            value = as_decimal(grades.get(grade))
            if value is not None:
                minimums[grade] = value
    return minimums


# Explanation of one result ------------------------------------------------------------------


def as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = as_decimal(value)
    return int(number) if number is not None and number == number.to_integral_value() else None


def shown(value: Decimal | None, places: Decimal = TWO_PLACES) -> str:
    """A number for people: rounded half up, trailing zeros of a whole number dropped."""
    if value is None:
        return "—"
    try:
        rounded = value.quantize(places, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return "—"
    if rounded == rounded.to_integral_value():
        return str(rounded.to_integral_value())
    return format(rounded.normalize(), "f")


def score_text(score: Decimal | None) -> str:
    """A published score as published: always one decimal (73.0, not 73)."""
    if score is None:
        return "—"
    return str(Decimal(score).quantize(ONE_PLACE, rounding=ROUND_HALF_UP))


@dataclass
class IndicatorExplanation:
    kind: str
    label: str
    target: str
    unit: str
    from_charter: bool
    weight: int | None
    measurable: bool
    value: str
    contribution: str
    counts: list[tuple[str, str]]
    sentence: str


@dataclass
class Explanation:
    status: str
    indicators: list[IndicatorExplanation] = field(default_factory=list)
    weighted: str = "—"
    deductions: list[str] = field(default_factory=list)
    deductions_total: str = "0"
    score: str = "—"
    grade: str = ""
    summary: str = ""


def _counts(kind: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    def number(key: str) -> str:
        value = as_int(data.get(key))
        return "—" if value is None else str(value)

    if kind == Commitment.Kind.PASS_RATE:
        rate = as_decimal(data.get("rate"))
        return [
            (pgettext("how many", "inspections"), number("n")),
            (gettext("passed"), number("passed")),
            (gettext("critical failures"), number("critical")),
            (gettext("pass rate"), "—" if rate is None else f"{shown(rate)}%"),
        ]
    return [(gettext("due"), number("due")), (gettext("on time"), number("on_time"))]


def _sentence(kind: str, data: dict[str, Any], target: str, value: str) -> str:
    measurable = data.get("measurable") is True
    if kind == Commitment.Kind.PASS_RATE:
        if not measurable:
            return gettext(
                "No inspection result of the period counts, so the pass rate cannot be "
                "measured and does not count towards the score."
            )
        rate = as_decimal(data.get("rate"))
        target_number = as_decimal(data.get("target"))
        met = rate is not None and target_number is not None and rate >= target_number
        params = {
            "n": as_int(data.get("n")) or 0,
            "passed": as_int(data.get("passed")) or 0,
            "rate": shown(rate),
            "target": target,
            "value": value,
        }
        if met:
            return (
                gettext(
                    "%(passed)s of %(n)s inspection results passed, a pass rate of %(rate)s%%. "
                    "That meets the pledged %(target)s%%, so this indicator scores 100."
                )
                % params
            )
        return (
            gettext(
                "%(passed)s of %(n)s inspection results passed, a pass rate of %(rate)s%%, "
                "below the pledged %(target)s%%. This indicator scores 100 × %(rate)s ÷ "
                "%(target)s = %(value)s."
            )
            % params
        )
    due = as_int(data.get("due")) or 0
    params = {
        "due": due,
        "on_time": as_int(data.get("on_time")) or 0,
        "target": target,
        "value": value,
    }
    if kind == Commitment.Kind.RECTIFICATION_DAYS:
        if not measurable:
            return gettext(
                "No failed inspection was due for rectification in the period, so this "
                "commitment does not count towards the score."
            )
        return (
            ngettext(
                "%(due)s failed inspection result was due to be rectified within %(target)s "
                "days; %(on_time)s passed a re-test in time. This indicator scores %(value)s.",
                "%(due)s failed inspection results were due to be rectified within %(target)s "
                "days; %(on_time)s passed a re-test in time. This indicator scores %(value)s.",
                due,
            )
            % params
        )
    if kind == Commitment.Kind.RESPONSE_DAYS:
        if not measurable:
            return gettext(
                "No accepted complaint was due for an answer in the period, so this commitment "
                "does not count towards the score."
            )
        return (
            ngettext(
                "%(due)s accepted complaint was due for an answer within %(target)s days; "
                "%(on_time)s answered in time. This indicator scores %(value)s.",
                "%(due)s accepted complaints were due for an answer within %(target)s days; "
                "%(on_time)s answered in time. This indicator scores %(value)s.",
                due,
            )
            % params
        )
    if not measurable:
        return gettext(
            "No accepted complaint was due to be resolved in the period, so this commitment "
            "does not count towards the score."
        )
    return (
        ngettext(
            "%(due)s accepted complaint was due to be resolved within %(target)s days; "
            "%(on_time)s resolved in time. This indicator scores %(value)s.",
            "%(due)s accepted complaints were due to be resolved within %(target)s days; "
            "%(on_time)s resolved in time. This indicator scores %(value)s.",
            due,
        )
        % params
    )


def _label(kind: str) -> str:
    try:
        return str(Commitment.Kind(kind).label)
    except ValueError:
        return kind


def status_reason(status: str) -> str:
    """Why a result has no score of its own (no pledge, too little data); empty for a rated
    one. The explanation and the regulator's run page say it in the same words."""
    if status == MemberAssessment.Status.NO_PLEDGE:
        return gettext(
            "The member had no published pledge in force on the last day of the period, so it "
            "was not scored. The charter's consequence for a missing pledge applies."
        )
    if status == MemberAssessment.Status.NOT_RATED:
        return gettext(
            "None of the pledged commitments could be measured in the period (no inspection "
            "results and no complaint due), so there is not enough data for a score."
        )
    return ""


def result_reason(result: MemberAssessment) -> str:
    """The one line the run page shows beside a result that needs a reason: why it has no
    score, or, for a score of 0, which commitments it was measured on (in a preview these are
    often a single late complaint answer). Empty for the others."""
    reason = status_reason(result.status)
    if reason or result.score is None or result.score != 0:
        return reason
    explanation = explain(result)
    measured = gettext("; ").join(
        f"{indicator.label} {indicator.value}"
        for indicator in explanation.indicators
        if indicator.measurable
    )
    lines = [gettext("Scored only on: %(indicators)s.") % {"indicators": measured}]
    return " ".join(lines + explanation.deductions)


def explain(result: MemberAssessment) -> Explanation:
    """The result in plain words: each indicator, the weighted sum, the deductions, the score."""
    details = result.details if isinstance(result.details, dict) else {}
    explanation = Explanation(status=result.status, grade=result.grade or "")
    explanation.score = score_text(result.score)
    if result.status == MemberAssessment.Status.NO_PLEDGE:
        explanation.summary = status_reason(result.status)
        return explanation

    indicators = details.get("indicators")
    indicators = indicators if isinstance(indicators, dict) else {}
    measured_weights = 0
    for kind in KINDS:
        data = indicators.get(kind)
        if isinstance(data, dict) and data.get("measurable") is True:
            measured_weights += as_int(data.get("weight")) or 0
    ordered = [kind for kind in KINDS if kind in indicators] + [
        kind for kind in indicators if kind not in KINDS
    ]
    for kind in ordered:
        data = indicators.get(kind)
        if not isinstance(data, dict):
            continue
        target_number = as_decimal(data.get("target"))
        target = shown(target_number)
        value_number = as_decimal(data.get("value"))
        value = shown(value_number)
        weight = as_int(data.get("weight"))
        measurable = data.get("measurable") is True
        contribution = "—"
        if measurable and value_number is not None and weight and measured_weights:
            contribution = shown(weight * value_number / measured_weights)
        explanation.indicators.append(
            IndicatorExplanation(
                kind=kind,
                label=_label(kind),
                target=target,
                unit="%" if kind == Commitment.Kind.PASS_RATE else gettext("days"),
                from_charter=data.get("source") == "charter",
                weight=weight,
                measurable=measurable,
                value=value,
                contribution=contribution,
                counts=_counts(kind, data),
                sentence=_sentence(kind, data, target, value),
            )
        )

    if result.status == MemberAssessment.Status.NOT_RATED:
        explanation.summary = status_reason(result.status)
        return explanation

    weighted = as_decimal(details.get("weighted"))
    explanation.weighted = shown(weighted)
    deductions = details.get("deductions")
    deductions = deductions if isinstance(deductions, dict) else {}
    critical = as_int(deductions.get("critical")) or 0
    upheld = as_int(deductions.get("upheld")) or 0
    total = as_decimal(deductions.get("total")) or Decimal(0)
    explanation.deductions_total = shown(total)
    if critical:
        explanation.deductions.append(
            ngettext(
                "%(count)s critical failure: %(points)s points deducted.",
                "%(count)s critical failures: %(points)s points deducted.",
                critical,
            )
            % {"count": critical, "points": shown(as_decimal(deductions.get("critical_points")))}
        )
    if upheld:
        explanation.deductions.append(
            ngettext(
                "%(count)s complaint found justified: %(points)s points deducted.",
                "%(count)s complaints found justified: %(points)s points deducted.",
                upheld,
            )
            % {"count": upheld, "points": shown(as_decimal(deductions.get("upheld_points")))}
        )
    explanation.summary = gettext(
        "The weighted average of the measurable indicators is %(weighted)s. After deducting "
        "%(deductions)s points, kept between 0 and 100 and rounded half up to one decimal, the "
        "score is %(score)s: grade %(grade)s."
    ) % {
        "weighted": explanation.weighted,
        "deductions": explanation.deductions_total,
        "score": explanation.score,
        "grade": explanation.grade or "—",
    }
    return explanation


# The member's grades across periods -----------------------------------------------------------


@dataclass
class HistoryPoint:
    period: AssessmentPeriod
    run: AssessmentRun
    result: MemberAssessment


def grade_history(member: Member) -> list[HistoryPoint]:
    """The member's current public result in each period, oldest period first."""
    results = (
        MemberAssessment.objects.filter(
            member=member, run__status__in=CURRENT_STATUSES, run__revision__gte=1
        )
        .select_related("run__period")
        .order_by("run__period__last_day", "-run__revision")
    )
    latest: dict[int, HistoryPoint] = {}
    for result in results:
        period = result.run.period
        if period.pk not in latest:
            latest[period.pk] = HistoryPoint(period=period, run=result.run, result=result)
    return sorted(latest.values(), key=lambda point: point.period.last_day)


def grade_chart(history: list[HistoryPoint]) -> SafeString:
    """The member's score per period as a line chart, each point marked with its grade, and
    the grade thresholds of the latest run as dashed lines."""
    minimums = grade_minimums(history[-1].run) if history else dict(DEFAULT_GRADE_MINIMUMS)
    scores = Series(
        gettext("Score"),
        [None if point.result.score is None else float(point.result.score) for point in history],
        marks=[point.result.grade or "" for point in history],
        notes=[_point_note(point) for point in history],
    )
    return line_chart(
        gettext("Score and grade per period"),
        [point.period.label for point in history],
        [scores],
        thresholds=[
            (f"{grade} ≥ {shown(minimum)}", float(minimum)) for grade, minimum in minimums.items()
        ],
        description=gettext(
            "Scores from 0 to 100 per period, with the grade thresholds as dashed lines. "
            "The table below gives the same figures."
        ),
    )


def _point_note(point: HistoryPoint) -> str:
    if point.result.score is None:
        return f"{point.period.label}: {point.result.get_status_display()}"
    return f"{point.period.label}: {score_text(point.result.score)} {point.result.grade}".strip()


# Reproducibility ---------------------------------------------------------------------------

# A recomputation of a whole period is as costly as computing it: it runs in the background
# (tasks.check_run_task), and the page shows the latest result with its date. A result older
# than this is checked again.
CHECK_SECONDS = 6 * 60 * 60
# A check that was asked for is not asked for again within this time (queued or running).
CHECK_QUEUED_SECONDS = 15 * 60

logger = logging.getLogger(__name__)


@dataclass
class Check:
    available: bool
    matches: bool = False
    superseded: bool = False
    checked_at: datetime.datetime | None = None
    # No result yet: a check is queued.
    pending: bool = False
    # The result shown is older than CHECK_SECONDS: a new check is queued.
    refreshing: bool = False
    # When facts of the period last changed after its publication (facts.py), if they did.
    facts_changed_at: datetime.datetime | None = None


def latest_check(run: AssessmentRun) -> RunCheck | None:
    return RunCheck.objects.filter(run=run).order_by("-checked_at", "-pk").first()


def request_check(run: AssessmentRun, facts_version: datetime.datetime | None = None) -> bool:
    """Queue a recomputation of the run's period, unless one was queued lately for the same
    facts (``facts_version``: when they last changed); says whether it queued one. Never
    raises for a broker that is away: the page then says it is pending."""
    published = run.published_at.isoformat() if run.published_at else ""
    version = facts_version.isoformat() if facts_version else ""
    key = f"assessment-check:{run.pk}:{run.inputs_hash}:{published}:{version}"
    if not cache.add(key, True, CHECK_QUEUED_SECONDS):
        return False
    if not send_task(check_run_task, run.pk):
        cache.delete(key)
        return False
    return True


def recomputation_check(run: AssessmentRun) -> Check:
    """The latest recomputation of the run's period, queuing one when there is none yet or it
    is out of date. Never computes anything while a reader waits (with Celery running tasks
    eagerly, as in the tests and a demo without Redis, the queued check has run on return)."""
    if run.status == AssessmentRun.Status.SUPERSEDED:
        # A corrected revision is not expected to reproduce: the check is the current one's.
        return Check(available=False, superseded=True)
    due = timezone.now() - datetime.timedelta(seconds=CHECK_SECONDS)
    changed_at = facts.latest_change_at(run)
    # A check made before the facts last changed says nothing of them: never shown.
    valid_after = max(due, changed_at) if changed_at else due
    latest = latest_check(run)
    if (latest is None or latest.checked_at < valid_after) and request_check(run, changed_at):
        latest = latest_check(run)
    if latest is None or (changed_at is not None and latest.checked_at < changed_at):
        return Check(available=True, pending=True, facts_changed_at=changed_at)
    return Check(
        available=True,
        matches=latest.matches,
        checked_at=latest.checked_at,
        refreshing=latest.checked_at < due,
        facts_changed_at=changed_at,
    )
