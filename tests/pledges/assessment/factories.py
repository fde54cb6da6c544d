"""Factories and builders for assessment tests: pledges with commitments, inspections,
complaints, each with the dates the scoring reads."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from complaints.models import Complaint
from inspections.models import Inspection, TestCategory
from members.models import Member
from pledges.models import Commitment, Pledge

D = datetime.date


class PledgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pledge

    version = factory.Sequence(lambda n: n + 1)
    status = Pledge.Status.PUBLISHED
    published_on = D(2024, 1, 1)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TestCategory
        django_get_or_create = ("cooperative", "code")

    code = "fabrics"
    name_zh = "面料"
    name_en = "Fabrics"


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    report_no = factory.Sequence(lambda n: f"R{n:06d}")
    product = "床单"
    category = factory.LazyAttribute(lambda o: CategoryFactory(cooperative=o.cooperative))
    cooperative = factory.LazyAttribute(lambda o: o.member.cooperative)
    sampled_on = D(2025, 3, 1)
    reported_on = D(2025, 3, 5)
    verdict = Inspection.Verdict.PASS


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    reference = factory.Sequence(lambda n: f"C{n:06d}")
    cooperative = factory.LazyAttribute(lambda o: o.member.cooperative)
    status = Complaint.Status.ACCEPTED
    received_on = factory.LazyAttribute(lambda o: o.accepted_on or D(2025, 1, 1))
    accepted_on = D(2025, 3, 1)


def pledge(
    member: Member,
    targets: tuple[str, str, str, str] | None = ("90", "7", "30", "60"),
    *,
    published_on: datetime.date | None = None,
    withdrawn_on: datetime.date | None = None,
    version: int | None = None,
) -> Pledge:
    """A published pledge with pass-rate / response / resolution / rectification targets."""
    extra = {"version": version} if version is not None else {}
    made = PledgeFactory(member=member, status=Pledge.Status.DRAFT, published_on=None, **extra)
    kinds = ["pass_rate", "response_days", "resolution_days", "rectification_days"]
    for kind, target in zip(kinds, targets or (), strict=False):
        if target is not None:
            Commitment.objects.create(pledge=made, kind=kind, target=Decimal(target))
    # Published as the pledges app would: the commitments are fixed first.
    Pledge.objects.filter(pk=made.pk).update(
        status=Pledge.Status.WITHDRAWN if withdrawn_on else Pledge.Status.PUBLISHED,
        published_on=published_on or D(2024, 1, 1),
        withdrawn_on=withdrawn_on,
    )
    made.refresh_from_db()
    return made


def inspections(member: Member, count: int, **fields: object) -> list[Inspection]:
    return [InspectionFactory(member=member, **fields) for _ in range(count)]
