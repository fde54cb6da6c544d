import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from members.models import Member, PastMembership, StatusChange
from members.services import TRANSITIONS, can_change_status, change_status
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

Status = Member.Status
ALL = list(Status.values)
ALLOWED = [(source, target) for source in ALL for target in ALL if target in TRANSITIONS[source]]
REFUSED = [
    (source, target) for source in ALL for target in ALL if target not in TRANSITIONS[source]
]


def member_in(status: str) -> Member:
    left = status in (Status.REMOVED, Status.WITHDRAWN)
    return MemberFactory(
        status=status,
        joined_on=None if status == Status.APPLICANT else datetime.date(2020, 1, 1),
        left_on=datetime.date(2021, 1, 1) if left else None,
    )


def test_the_lifecycle_is_the_one_of_the_charter():
    assert ALLOWED == [
        ("applicant", "active"),
        ("applicant", "withdrawn"),
        ("active", "warned"),
        ("active", "suspended"),
        ("active", "removed"),
        ("active", "withdrawn"),
        ("warned", "active"),
        ("warned", "suspended"),
        ("warned", "removed"),
        ("warned", "withdrawn"),
        ("suspended", "active"),
        ("suspended", "removed"),
        ("suspended", "withdrawn"),
        ("removed", "active"),
        ("withdrawn", "active"),
    ]


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_every_allowed_transition_is_made_and_recorded(source, target, administrator):
    member = member_in(source)
    change = change_status(
        member, target, by=administrator, reason="公约第十条", on=datetime.date(2022, 6, 1)
    )
    member.refresh_from_db()
    assert member.status == target
    assert (change.from_status, change.to_status, change.by, change.reason) == (
        source,
        target,
        administrator,
        "公约第十条",
    )
    assert change.on == datetime.date(2022, 6, 1)
    assert StatusChange.objects.filter(member=member).count() == 1


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_every_impossible_transition_is_refused_with_a_clear_error(source, target):
    member = member_in(source)
    assert not can_change_status(member, target)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        change_status(member, target, by=None, reason="x", on=datetime.date(2022, 6, 1))
    assert caught.value.code == "impossible_transition"
    with translation.override("en"):
        assert f"cannot become {Status(target).label}." in caught.value.messages[0]
    member.refresh_from_db()
    assert member.status == source
    assert not StatusChange.objects.exists()


def test_a_reason_is_required():
    member = member_in(Status.ACTIVE)
    with pytest.raises(ValidationError) as caught:
        change_status(member, Status.WARNED, by=None, reason="  ")
    assert caught.value.code == "reason_required"
    assert not StatusChange.objects.exists()


def test_leaving_sets_the_leaving_day_and_cannot_precede_joining():
    member = member_in(Status.ACTIVE)
    with pytest.raises(ValidationError):
        change_status(member, Status.WITHDRAWN, by=None, reason="x", on=datetime.date(2019, 1, 1))
    change_status(member, Status.WITHDRAWN, by=None, reason="x", on=datetime.date(2023, 3, 3))
    member.refresh_from_db()
    assert member.left_on == datetime.date(2023, 3, 3)


def test_approving_an_applicant_starts_its_membership():
    member = member_in(Status.APPLICANT)
    change_status(member, Status.ACTIVE, by=None, reason="审核通过", on=datetime.date(2024, 2, 1))
    member.refresh_from_db()
    assert (member.joined_on, member.left_on) == (datetime.date(2024, 2, 1), None)


def test_re_admission_keeps_the_earlier_membership():
    member = member_in(Status.ACTIVE)
    change_status(member, Status.REMOVED, by=None, reason="除名", on=datetime.date(2021, 6, 30))
    with pytest.raises(ValidationError):
        change_status(member, Status.ACTIVE, by=None, reason="x", on=datetime.date(2021, 6, 30))
    change_status(member, Status.ACTIVE, by=None, reason="重新接纳", on=datetime.date(2023, 1, 1))
    member.refresh_from_db()
    assert (member.joined_on, member.left_on) == (datetime.date(2023, 1, 1), None)
    past = PastMembership.objects.get(member=member)
    assert (past.joined_on, past.left_on, past.left_as) == (
        datetime.date(2020, 1, 1),
        datetime.date(2021, 6, 30),
        "removed",
    )
