import datetime

import pytest
from django.core.exceptions import ValidationError

from members.models import Member, QualityOfficer, StatusChange
from members.services import appoint_quality_officer, convert_to_company
from tests.factories import MemberFactory, credit_code_for

pytestmark = pytest.mark.django_db

D = datetime.date


def test_appointing_an_officer_replaces_the_one_in_office(member_a):
    first = appoint_quality_officer(member_a, name="张三", on=D(2023, 1, 1))
    second = appoint_quality_officer(member_a, name="李四", on=D(2024, 1, 1))
    first.refresh_from_db()
    assert first.replaced_on == D(2024, 1, 1)
    assert member_a.current_quality_officer() == second
    assert QualityOfficer.objects.filter(member=member_a).current().count() == 1


def test_a_conversion_links_the_old_registration_to_the_new_firm(coop, administrator):
    sole = MemberFactory(cooperative=coop, kind="sole_proprietor", scale="", phone="123")
    conversion = convert_to_company(
        sole, credit_code=credit_code_for(42), name="新公司", on=D(2021, 9, 1), by=administrator
    )
    firm = conversion.firm
    assert (firm.kind, firm.status, firm.joined_on, firm.phone) == (
        "firm",
        "active",
        D(2021, 9, 1),
        "123",
    )
    assert conversion.old_credit_code == sole.credit_code
    # The old registration's withdrawal is the charter's exit step (charter.services).
    sole.refresh_from_db()
    assert sole.status == "active"
    assert not StatusChange.objects.filter(member=sole).exists()


def test_a_conversion_to_an_existing_member_links_it(coop):
    sole = MemberFactory(cooperative=coop, kind="sole_proprietor", scale="")
    firm = MemberFactory(cooperative=coop)
    conversion = convert_to_company(
        sole, credit_code=firm.credit_code, name="", on=D(2021, 9, 1), by=None
    )
    assert conversion.firm == firm
    assert Member.objects.count() == 2


@pytest.mark.parametrize(
    ("kind", "code", "day"),
    [
        ("firm", credit_code_for(42), D(2021, 9, 1)),
        ("sole_proprietor", credit_code_for(42)[:17] + "?", D(2021, 9, 1)),
        ("sole_proprietor", credit_code_for(42), D(2999, 1, 1)),
    ],
)
def test_impossible_conversions_are_refused(coop, kind, code, day):
    member = MemberFactory(cooperative=coop, kind=kind, scale="")
    with pytest.raises(ValidationError):
        convert_to_company(member, credit_code=code, name="x", on=day, by=None)
    assert Member.objects.count() == 1


def test_a_sole_proprietor_converts_once(coop):
    sole = MemberFactory(cooperative=coop, kind="sole_proprietor", scale="")
    convert_to_company(sole, credit_code=credit_code_for(42), name="x", on=D(2021, 9, 1), by=None)
    with pytest.raises(ValidationError):
        convert_to_company(
            sole, credit_code=credit_code_for(43), name="y", on=D(2021, 9, 2), by=None
        )


def test_the_own_credit_code_is_not_a_new_one(coop):
    sole = MemberFactory(cooperative=coop, kind="sole_proprietor", scale="")
    with pytest.raises(ValidationError):
        convert_to_company(sole, credit_code=sole.credit_code, name="x", on=D(2021, 9, 1), by=None)
