import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from members.models import Member
from members.services import convert_to_company
from tests.factories import MemberFactory, credit_code_for

from .factories import (
    PairingFactory,
    QualityOfficerFactory,
    ShadowVisitFactory,
    TrademarkLicenceFactory,
)

pytestmark = pytest.mark.django_db


def home(coop):
    return reverse("members:cooperative", args=[coop.slug])


def directory(coop):
    return reverse("members:directory", args=[coop.slug])


def page(member):
    return reverse("members:member", args=[member.cooperative.slug, member.credit_code])


@pytest.mark.parametrize(
    "persona", ["anonymous", "administrator", "other_administrator", "regulator", "member_a", "lab"]
)
def test_public_pages_open_for_everyone(personas, coop, member_a, persona):
    client = getattr(personas, persona)
    for url in (home(coop), directory(coop), page(member_a)):
        assert client.get(url).status_code == 200


def test_the_home_page_counts_members_by_kind_and_status(client, coop, member_a):
    MemberFactory(cooperative=coop, kind="sole_proprietor", scale="", status="warned")
    MemberFactory(cooperative=coop, status="applicant", joined_on=None)
    response = client.get(home(coop))
    counts = response.context["counts"]
    assert (counts["total"], counts["firms"], counts["sole_proprietors"]) == (2, 1, 1)
    assert dict(response.context["by_status"])[Member.Status.WARNED.label] == 1


def test_the_directory_lists_members_but_never_applicants(client, coop, member_a, other_coop):
    applicant = MemberFactory(cooperative=coop, status="applicant", joined_on=None)
    theirs = MemberFactory(cooperative=other_coop)
    content = client.get(directory(coop)).content.decode()
    assert member_a.name in content
    assert applicant.name not in content
    assert theirs.name not in content
    assert client.get(page(applicant)).status_code == 404


def test_the_directory_searches_by_name_and_credit_code_and_filters(client, coop):
    firm = MemberFactory(cooperative=coop, name="罗莱家纺", scale="above_scale")
    shop = MemberFactory(
        cooperative=coop, name="李记床品店", kind="sole_proprietor", scale="", status="suspended"
    )

    def listed(**query):
        return list(client.get(directory(coop), query).context["page"].object_list)

    assert listed(q="罗莱") == [firm]
    assert listed(q=shop.credit_code.lower()) == [shop]
    assert listed(kind="sole_proprietor") == [shop]
    assert listed(scale="above_scale") == [firm]
    assert listed(status="suspended") == [shop]
    assert set(listed(status="applicant")) == {firm, shop}  # not a public filter: ignored


def test_the_directory_paginates(client, coop):
    for n in range(55):
        MemberFactory(cooperative=coop, name=f"公司{n:02d}", credit_code=credit_code_for(100 + n))
    first = client.get(directory(coop), {"kind": "firm"})
    assert len(first.context["page"].object_list) == 50
    assert "kind=firm&amp;page=2" in first.content.decode()
    second = client.get(directory(coop), {"kind": "firm", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_the_directory_runs_the_same_queries_for_one_or_many_members(
    client, coop, django_assert_num_queries
):
    MemberFactory(cooperative=coop)
    with django_assert_num_queries(3):
        client.get(directory(coop))
    for n in range(60):
        MemberFactory(cooperative=coop, credit_code=credit_code_for(200 + n))
    with django_assert_num_queries(3):
        client.get(directory(coop))


def test_the_home_page_runs_a_constant_number_of_queries(client, coop, django_assert_num_queries):
    MemberFactory(cooperative=coop)
    with django_assert_num_queries(4):
        client.get(home(coop))
    for n in range(20):
        MemberFactory(cooperative=coop, credit_code=credit_code_for(300 + n))
    with django_assert_num_queries(4):
        client.get(home(coop))


def test_the_member_page_shows_public_facts(client, coop):
    anchor = MemberFactory(cooperative=coop, name="罗莱家纺")
    member = MemberFactory(cooperative=coop, name="小微家纺", joined_on=datetime.date(2020, 3, 1))
    QualityOfficerFactory(member=member, name="张建国")
    ShadowVisitFactory(pairing=PairingFactory(anchor=anchor, member=member))
    TrademarkLicenceFactory(licensee=member, trademark="川姜家纺")
    content = client.get(page(member)).content.decode()
    for fact in ("小微家纺", member.credit_code, "2020年3月1日", "张建国", "罗莱家纺", "川姜家纺"):
        assert fact in content


def test_the_member_page_shows_each_licence_state_and_no_draft(client, coop):
    member = MemberFactory(cooperative=coop)
    TrademarkLicenceFactory(
        licensee=member, trademark="川姜家纺", suspended_on=datetime.date(2026, 3, 1)
    )
    TrademarkLicenceFactory(licensee=member, trademark="草稿商标", granted_on=None)
    with translation.override("en"):
        content = client.get(page(member), headers={"accept-language": "en"}).content.decode()
    assert "suspended with the member" in content
    assert "1 Mar 2026" in content
    assert "草稿商标" not in content


def test_the_member_page_shows_a_conversion(client, coop):
    sole = MemberFactory(cooperative=coop, kind="sole_proprietor", scale="")
    conversion = convert_to_company(
        sole, credit_code=credit_code_for(900), name="新公司", on=datetime.date(2021, 9, 1), by=None
    )
    for member in (sole, conversion.firm):
        content = client.get(page(member)).content.decode()
        assert conversion.new_credit_code in content
        assert sole.credit_code in content
    assert client.get(home(coop)).context["conversions"] == 1


def test_no_private_field_appears_on_any_public_page(client, personas, coop):
    anchor = MemberFactory(
        cooperative=coop,
        contact_person="秘密联系人甲",
        phone="13911112222",
        email="anchor@secret.cn",
    )
    member = MemberFactory(
        cooperative=coop,
        contact_person="秘密联系人乙",
        phone="13933334444",
        email="small@secret.cn",
    )
    QualityOfficerFactory(member=member, phone="13955556666", email="cqo@secret.cn")
    ShadowVisitFactory(
        pairing=PairingFactory(anchor=anchor, member=member), staff_names="秘密员工甲"
    )
    private = [
        "秘密联系人甲",
        "秘密联系人乙",
        "13911112222",
        "13933334444",
        "13955556666",
        "anchor@secret.cn",
        "small@secret.cn",
        "cqo@secret.cn",
        "秘密员工甲",
    ]
    urls = [home(coop), directory(coop), page(anchor), page(member), reverse("home")]
    for url in urls:
        for language in ("zh-hans", "en"):
            content = client.get(url, headers={"accept-language": language}).content.decode()
            for value in private:
                assert value not in content, (url, value)


def test_unknown_cooperatives_and_members_are_404(client, coop, member_a, other_coop):
    assert client.get(directory(other_coop)).status_code == 200
    assert client.get(reverse("members:directory", args=["nowhere"])).status_code == 404
    wrong_coop = reverse("members:member", args=[other_coop.slug, member_a.credit_code])
    assert client.get(wrong_coop).status_code == 404
    assert client.get(reverse("members:member", args=[coop.slug, "X"])).status_code == 404
