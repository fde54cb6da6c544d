"""What a regulator reviews before publishing a draft: the grade distribution, the changes
against the previous published period (or the revision it corrects) and the outliers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from members.models import localised
from pledges.models.assessment import AssessmentPeriod, AssessmentRun, MemberAssessment

from .periods import PeriodCodeError, previous_code

GRADES = ("A", "B", "C", "D")
# A score that moved by this many points or more against the comparison run is an outlier.
OUTLIER_POINTS = Decimal(15)
OUTLIERS_SHOWN = 20


@dataclass
class Change:
    member_id: int
    member_name: str
    before: Decimal | None
    after: Decimal | None
    grade_before: str
    grade_after: str

    @property
    def delta(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass
class Review:
    run: AssessmentRun
    distribution: list[tuple[str, int]]
    statuses: dict[str, int]
    total: int
    compared_with: AssessmentRun | None = None
    distribution_before: list[tuple[str, int]] = field(default_factory=list)
    improved: int = 0
    worsened: int = 0
    unchanged: int = 0
    new_members: int = 0
    outliers: list[Change] = field(default_factory=list)
    critical: list[tuple[str, int]] = field(default_factory=list)


def comparison_run(run: AssessmentRun) -> AssessmentRun | None:
    """The published revision this draft would correct, else the previous period's result."""
    same_period = AssessmentRun.objects.current(run.period)
    if same_period is not None and same_period.pk != run.pk:
        return same_period
    try:
        code = previous_code(run.period.code)
    except PeriodCodeError:
        return None
    period = AssessmentPeriod.objects.filter(
        cooperative_id=run.period.cooperative_id, code=code
    ).first()
    return AssessmentRun.objects.current(period) if period else None


def _distribution(grades: Counter[str]) -> list[tuple[str, int]]:
    return [(grade, grades.get(grade, 0)) for grade in GRADES]


def review(run: AssessmentRun) -> Review:
    """The review of a run, in a constant number of queries."""
    rows = [
        (member_id, localised(name, name_en), *rest)
        for member_id, name, name_en, *rest in MemberAssessment.objects.filter(run=run).values_list(
            "member_id", "member__name", "member__name_en", "status", "score", "grade", "details"
        )
    ]
    grades = Counter(grade for *_rest, grade, _details in rows if grade)
    statuses = Counter(status for _m, _n, status, *_rest in rows)
    result = Review(
        run=run,
        distribution=_distribution(grades),
        statuses={status: statuses.get(status, 0) for status in MemberAssessment.Status.values},
        total=len(rows),
    )
    critical: list[tuple[str, int]] = [
        (name, int((details.get("deductions") or {}).get("critical") or 0))
        for _m, name, _s, _score, _g, details in rows
    ]
    result.critical = sorted(
        (item for item in critical if item[1] >= 2), key=lambda item: (-item[1], item[0])
    )
    other = comparison_run(run)
    if other is None:
        return result
    result.compared_with = other
    before = {
        member_id: (score, grade)
        for member_id, score, grade in MemberAssessment.objects.filter(run=other).values_list(
            "member_id", "score", "grade"
        )
    }
    result.distribution_before = _distribution(Counter(g for _s, g in before.values() if g))
    changes: list[Change] = []
    for member_id, name, _status, score, grade, _details in rows:
        if member_id not in before:
            result.new_members += 1
            continue
        old_score, old_grade = before[member_id]
        change = Change(member_id, name, old_score, score, old_grade, grade)
        if change.delta is None or change.delta == 0:
            result.unchanged += 1
        elif change.delta > 0:
            result.improved += 1
        else:
            result.worsened += 1
        if change.delta is not None and abs(change.delta) >= OUTLIER_POINTS:
            changes.append(change)
    changes.sort(key=lambda c: (-abs(c.delta or Decimal(0)), str(c.member_name)))
    result.outliers = changes[:OUTLIERS_SHOWN]
    return result
