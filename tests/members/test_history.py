import datetime

import pytest

from members.models import Member
from members.services import change_status
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def test_who_was_an_active_member_on_a_day(coop):
    early = MemberFactory(cooperative=coop, joined_on=D(2019, 1, 1))
    late = MemberFactory(cooperative=coop, joined_on=D(2022, 1, 1))
    gone = MemberFactory(
        cooperative=coop, joined_on=D(2019, 1, 1), left_on=D(2020, 12, 31), status="withdrawn"
    )
    MemberFactory(cooperative=coop, joined_on=None, status="applicant")
    assert set(Member.objects.active_on(D(2020, 12, 31))) == {early, gone}
    assert set(Member.objects.active_on(D(2021, 1, 1))) == {early}
    assert set(Member.objects.active_on(D(2022, 1, 1))) == {early, late}
    assert set(Member.objects.active_on(D(2018, 12, 31))) == set()


def test_a_re_admitted_member_counts_in_both_of_its_memberships(coop):
    member = MemberFactory(cooperative=coop, joined_on=D(2019, 1, 1))
    change_status(member, "withdrawn", by=None, reason="退社", on=D(2020, 6, 30))
    change_status(member, "active", by=None, reason="重新入社", on=D(2022, 1, 1))
    assert member in Member.objects.active_on(D(2019, 6, 1))
    assert member not in Member.objects.active_on(D(2021, 6, 1))
    assert member in Member.objects.active_on(D(2023, 6, 1))
    assert member in Member.objects.active_between(D(2020, 1, 1), D(2020, 12, 31))
    assert member not in Member.objects.active_between(D(2020, 7, 1), D(2021, 12, 31))
    # One row per member, even when several memberships match.
    assert Member.objects.active_between(D(2019, 1, 1), D(2025, 1, 1)).count() == 1


def test_every_change_of_a_member_is_kept_with_who_and_what(coop, administrator):
    member = MemberFactory(cooperative=coop, name="旧名称")
    member.name = "新名称"
    member.save()
    change_status(member, "warned", by=administrator, reason="抽查不合格")
    records = list(member.history.order_by("history_date"))
    assert [record.name for record in records] == ["旧名称", "新名称", "新名称"]
    assert [record.status for record in records] == ["active", "active", "warned"]
    delta = records[1].diff_against(records[0])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("name", "旧名称", "新名称")]
    assert records[-1].history_change_reason == "抽查不合格"


def test_the_registry_as_recorded_at_a_past_moment(coop):
    member = MemberFactory(cooperative=coop, name="旧名称")
    moment = member.history.get().history_date
    member.name = "新名称"
    member.save()
    assert Member.history.as_of(moment).get(pk=member.pk).name == "旧名称"
