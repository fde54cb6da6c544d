"""Factories of published assessment data, built directly through the models."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from members.models import Member
from pledges.models import AssessmentPeriod, AssessmentRun, Commitment, MemberAssessment, Pledge

# Worked example 1 of the issue: 92.105…, 66.67, 33.33, 100 → 76.05… − 2 → 74.1, grade C.
EXAMPLE_DETAILS: dict[str, Any] = {
    "indicators": {
        "pass_rate": {
            "target": "95.0",
            "weight": 50,
            "measurable": True,
            "value": "92.1052631579",
            "source": "pledge",
            "n": 8,
            "passed": 7,
            "critical": 0,
            "rate": "87.5",
        },
        "response_days": {
            "target": "3",
            "weight": 20,
            "measurable": True,
            "value": "66.6666666667",
            "source": "pledge",
            "due": 3,
            "on_time": 2,
        },
        "resolution_days": {
            "target": "30",
            "weight": 20,
            "measurable": True,
            "value": "33.3333333333",
            "source": "pledge",
            "due": 3,
            "on_time": 1,
        },
        "rectification_days": {
            "target": "60",
            "weight": 10,
            "measurable": True,
            "value": "100",
            "source": "pledge",
            "due": 1,
            "on_time": 1,
        },
    },
    "weighted": "76.0526315789",
    "deductions": {
        "critical": 0,
        "critical_points": "0",
        "upheld": 1,
        "upheld_points": "2",
        "total": "2",
    },
    "charter_version": 1,
}


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentPeriod

    code = factory.Sequence(lambda n: str(2010 + n))
    first_day = factory.LazyAttribute(lambda o: datetime.date(int(o.code[:4]), 1, 1))
    last_day = factory.LazyAttribute(lambda o: datetime.date(int(o.code[:4]), 12, 31))


class RunFactory(factory.django.DjangoModelFactory):
    """A draft run: results are added while it is a draft, then it is published."""

    class Meta:
        model = AssessmentRun

    status = AssessmentRun.Status.DRAFT
    revision = 0
    inputs_hash = factory.Sequence(lambda n: f"{n:064x}")


class ResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberAssessment

    status = MemberAssessment.Status.RATED
    score = Decimal("74.1")
    grade = "C"
    details = factory.LazyFunction(lambda: dict(EXAMPLE_DETAILS))


class PledgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pledge

    version = 1
    status = Pledge.Status.PUBLISHED
    published_on = datetime.date(2024, 12, 1)
    statement = "我们承诺产品质量符合国家标准。"


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    kind = Commitment.Kind.PASS_RATE
    target = Decimal("95.0")


def publish(
    run: AssessmentRun,
    revision: int = 1,
    *,
    status: str = AssessmentRun.Status.PUBLISHED,
    note: str = "",
) -> AssessmentRun:
    """Make a draft run a published revision (as the publishing service would)."""
    run.status = status
    run.revision = revision
    run.revision_note = note
    run.published_at = timezone.now()
    run.notice_ends_on = run.period.cooperative.today() + datetime.timedelta(days=7)
    run.save()
    return run


def supersede(run: AssessmentRun) -> AssessmentRun:
    run.status = AssessmentRun.Status.SUPERSEDED
    run.superseded_at = timezone.now()
    run.save(update_fields=["status", "superseded_at"])
    return run


def published_pledge(
    member: Member, targets: dict[str, str], *, published_on: datetime.date | None = None
) -> Pledge:
    """A pledge with its commitments, published (commitments are fixed before publication)."""
    pledge = PledgeFactory(member=member, status=Pledge.Status.DRAFT, published_on=None)
    for kind, target in targets.items():
        CommitmentFactory(pledge=pledge, kind=kind, target=Decimal(target))
    pledge.status = Pledge.Status.PUBLISHED
    pledge.published_on = published_on or datetime.date(2024, 12, 1)
    pledge.save()
    return pledge
