"""Commitment days: the member's pledge target, else the charter minimum, else the defaults."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from charter.deadlines import commitment_days, commitment_days_for, default_days
from charter.models import CharterVersion, ScoringPolicy
from members.models import Member
from pledges.models import Commitment, Pledge
from pledges.targets import target_in_force, targets_in_force
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

JAN_2024 = datetime.date(2024, 1, 1)
JUNE_2024 = datetime.date(2024, 6, 1)
JAN_2025 = datetime.date(2025, 1, 1)
JUNE_2025 = datetime.date(2025, 6, 1)
DAYS = [datetime.date(2023, 5, 1), JAN_2024, datetime.date(2024, 7, 1), JAN_2025, JUNE_2025]


def published_pledge(
    member: Member,
    version: int,
    published_on: datetime.date,
    withdrawn_on: datetime.date | None = None,
    **targets: int,
) -> Pledge:
    pledge = Pledge.objects.create(member=member, version=version)
    for kind, target in targets.items():
        Commitment.objects.create(pledge=pledge, kind=kind, target=Decimal(target))
    # Published as the pledges app does it: a published pledge is never saved again.
    Pledge.objects.filter(pk=pledge.pk).update(
        status="published", published_on=published_on, withdrawn_on=withdrawn_on
    )
    return pledge


@pytest.fixture
def stricter_charter_from_2025(coop, charter) -> CharterVersion:
    """Version 2, in force from 2025: 45 days to rectify, 5 to answer (version 1: 60 and 7)."""
    version = CharterVersion.objects.create(
        cooperative=coop, number=2, effective_from=JAN_2025, status="published"
    )
    ScoringPolicy.objects.create(
        charter_version=version, max_rectification_days=45, max_response_days=5
    )
    return version


@pytest.fixture
def members(coop, member_a, member_b) -> dict[str, Member]:
    """A with a stricter pledge from 2024, B with a pledge silent on rectification, C with none,
    D whose second version shortened the time in 2025 and was withdrawn in June."""
    published_pledge(member_a, 1, JAN_2024, rectification_days=30, response_days=3)
    published_pledge(member_b, 1, JAN_2024, response_days=2)
    member_d = MemberFactory(cooperative=coop)
    published_pledge(member_d, 1, JAN_2024, rectification_days=40)
    published_pledge(member_d, 2, JAN_2025, JUNE_2025, rectification_days=20)
    return {"a": member_a, "b": member_b, "c": MemberFactory(cooperative=coop), "d": member_d}


def test_each_member_gets_its_pledge_target_else_the_charter_minimum_in_force(
    members, stricter_charter_from_2025
):
    a, b, c, d = (members[name].pk for name in "abcd")
    days = commitment_days_for(
        [(m, day) for m in (a, b, c, d) for day in DAYS], "rectification_days"
    )
    assert len(days) == 4 * len(DAYS)
    # Before its pledge, A has the charter's 60 days; from 2024 its own 30.
    assert days[(a, datetime.date(2023, 5, 1))] == 60
    assert days[(a, JAN_2024)] == days[(a, JUNE_2025)] == 30
    # B's pledge holds no rectification target, C has none: the charter version in force.
    assert days[(b, datetime.date(2024, 7, 1))] == days[(c, datetime.date(2024, 7, 1))] == 60
    assert days[(b, JAN_2025)] == days[(c, JUNE_2025)] == 45
    # D: version 1 until 2025, version 2 then; withdrawn, it leaves the charter minimum
    # (the earlier version does not come back).
    assert days[(d, JAN_2024)] == 40
    assert days[(d, JAN_2025)] == 20
    assert days[(d, JUNE_2025)] == 45


def test_the_set_based_answer_is_the_one_member_answer_for_every_kind(
    members, stricter_charter_from_2025
):
    for kind in ("response_days", "resolution_days", "rectification_days"):
        days = commitment_days_for(
            [(member.pk, day) for member in members.values() for day in DAYS], kind
        )
        for member in members.values():
            for day in DAYS:
                assert days[(member.pk, day)] == commitment_days(member, kind, day), (kind, day)


def test_the_set_based_pledge_lookup_agrees_with_the_one_member_lookup(members):
    for kind in ("pass_rate", "response_days", "rectification_days"):
        targets = targets_in_force([(m.pk, day) for m in members.values() for day in DAYS], kind)
        for member in members.values():
            for day in DAYS:
                assert targets[(member.pk, day)] == target_in_force(member, kind, day)


def test_without_a_charter_or_a_policy_in_force_the_policy_defaults_apply(coop, other_coop):
    member = MemberFactory(cooperative=other_coop)
    # A version without a scoring policy, and one that comes into force only later.
    CharterVersion.objects.create(
        cooperative=other_coop, number=1, effective_from=JAN_2024, status="published"
    )
    later = CharterVersion.objects.create(
        cooperative=other_coop, number=2, effective_from=JAN_2025, status="published"
    )
    ScoringPolicy.objects.create(charter_version=later, max_resolution_days=20)
    for kind, expected in [("response_days", 7), ("resolution_days", 30)]:
        assert default_days(kind) == expected
        days = commitment_days_for(
            [(member.pk, datetime.date(2023, 1, 1)), (member.pk, JUNE_2024)], kind
        )
        assert set(days.values()) == {expected}
        assert commitment_days(member, kind, JUNE_2024) == expected
    assert commitment_days_for([(member.pk, JUNE_2025)], "resolution_days") == {
        (member.pk, JUNE_2025): 20
    }
    assert default_days("rectification_days") == 60


def test_many_members_on_many_days_cost_the_same_four_queries(
    coop, other_coop, members, stricter_charter_from_2025, django_assert_num_queries
):
    few = [(members["a"].pk, JUNE_2025)]
    with django_assert_num_queries(4):
        commitment_days_for(few, "rectification_days")
    many_members = [*members.values(), *MemberFactory.create_batch(30, cooperative=coop)]
    many_members += MemberFactory.create_batch(5, cooperative=other_coop)
    many = [(member.pk, day) for member in many_members for day in DAYS]
    with django_assert_num_queries(4):
        days = commitment_days_for(many, "rectification_days")
    assert len(days) == len(many)
    with django_assert_num_queries(0):
        assert commitment_days_for([], "rectification_days") == {}


def test_a_kind_not_counted_in_days_or_an_unknown_member_is_refused(members):
    with pytest.raises(ValueError, match="pass_rate"):
        commitment_days_for([(members["a"].pk, JAN_2025)], "pass_rate")
    with pytest.raises(Member.DoesNotExist):
        commitment_days_for([(max(m.pk for m in members.values()) + 1, JAN_2025)], "response_days")
