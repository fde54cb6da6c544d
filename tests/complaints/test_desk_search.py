"""The desk finds a complaint by its reference and, for administrators, by the consumer's
phone; a search by phone is logged as an opening of personal data."""

import pytest
from django.urls import reverse

from complaints.models import PersonalDataAccess, national_phone
from conftest import logged_in
from tests.complaints.factories import ComplaintFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def list_url(coop):
    return reverse("complaints:staff_list", args=[coop.slug])


def detail_url(complaint):
    return reverse("complaints:staff_detail", args=[complaint.cooperative.slug, complaint.pk])


ADMIN_LIST = "admin:complaints_complaint_changelist"


@pytest.fixture
def two(coop, member_a):
    first = ComplaintFactory(
        cooperative=coop, member=member_a, reference="NA-2026-000123", contact_phone="139 1234-5678"
    )
    second = ComplaintFactory(
        cooperative=coop,
        member=member_a,
        reference="NA-2026-000124",
        contact_phone="+86 137 0000 1111",
    )
    return first, second


@pytest.mark.parametrize(
    ("typed", "national"),
    [
        ("13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("0086-139-1234-5678", "13912345678"),
        ("8613912345678", "13912345678"),
        ("(0513) 8512 3456", "051385123456"),
    ],
)
def test_a_phone_number_is_compared_by_its_national_digits(typed, national):
    assert national_phone(typed) == national


@pytest.mark.parametrize("typed", ["NA-2026-000123", "  na-2026-000123 ", "na-2026-000123"])
def test_a_whole_reference_in_any_case_opens_its_complaint(personas, two, typed):
    first, _second = two
    response = personas.administrator.get(list_url(first.cooperative), {"reference": typed})
    assert response.status_code == 302
    assert response.url == detail_url(first)


def test_part_of_a_reference_lists_the_complaints_holding_it(personas, two):
    first, second = two
    page = personas.administrator.get(list_url(first.cooperative), {"reference": " 2026-00012"})
    assert page.status_code == 200
    assert list(page.context["page"]) == [second, first]
    page = personas.administrator.get(list_url(first.cooperative), {"reference": "000124"})
    assert list(page.context["page"]) == [second]


def test_a_reference_of_another_cooperative_is_not_found(personas, two, other_coop):
    elsewhere = ComplaintFactory(
        member=MemberFactory(cooperative=other_coop), reference="RI-2026-000123"
    )
    page = personas.administrator.get(
        list_url(two[0].cooperative), {"reference": elsewhere.reference}
    )
    assert page.status_code == 200
    assert list(page.context["page"]) == []
    assert "没有符合查找条件的投诉。" in page.content.decode()


@pytest.mark.parametrize(
    ("typed", "found"),
    [("13912345678", 0), ("139 1234 5678", 0), ("+86-139-1234-5678", 0), ("137 0000 1111", 1)],
)
def test_the_administrator_finds_complaints_by_the_consumers_phone_and_the_search_is_logged(
    personas, two, administrator, typed, found
):
    page = personas.administrator.get(list_url(two[0].cooperative), {"phone": typed})
    assert page.status_code == 200
    assert list(page.context["page"]) == [two[found]]
    access = PersonalDataAccess.objects.get()
    assert access.complaint == two[found]
    assert access.user == administrator
    assert access.what == PersonalDataAccess.What.PHONE_SEARCH


def test_a_phone_search_finds_no_complaint_of_another_cooperative(personas, two, other_coop):
    ComplaintFactory(member=MemberFactory(cooperative=other_coop), contact_phone="13800000000")
    page = personas.administrator.get(list_url(two[0].cooperative), {"phone": "138 0000 0000"})
    assert list(page.context["page"]) == []
    assert not PersonalDataAccess.objects.exists()


def test_a_phone_of_letters_is_refused_with_a_message_in_the_readers_language(personas, two):
    page = personas.administrator.get(
        list_url(two[0].cooperative), {"phone": "call me"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert page.status_code == 400
    assert "请输入由数字、空格或短横线组成的电话号码。" in page.content.decode()
    assert "消费者电话" in page.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_the_regulator_searches_by_reference_but_is_refused_a_search_by_phone(personas, two):
    first, _second = two
    page = personas.regulator.get(list_url(first.cooperative))
    assert 'name="reference"' in page.content.decode()
    assert 'name="phone"' not in page.content.decode()
    response = personas.regulator.get(list_url(first.cooperative), {"reference": first.reference})
    assert response.status_code == 302
    response = personas.regulator.get(list_url(first.cooperative), {"phone": "13912345678"})
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_everyone_else_is_refused_the_desks_search(personas, two):
    url = list_url(two[0].cooperative)
    for client in (personas.other_administrator, personas.member_a, personas.lab):
        assert client.get(url, {"phone": "13912345678"}).status_code == 404
        assert client.get(url, {"reference": "NA-2026-000123"}).status_code == 404
    assert personas.anonymous.get(url, {"phone": "13912345678"}).status_code == 302
    assert not PersonalDataAccess.objects.exists()


def test_the_admin_finds_a_complaint_by_phone_and_logs_it(personas, two, administrator):
    first, _second = two
    page = personas.administrator.get(reverse(ADMIN_LIST), {"q": " +86 139-1234-5678 "})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [first]
    access = PersonalDataAccess.objects.get()
    assert (access.complaint, access.user) == (first, administrator)
    assert access.what == PersonalDataAccess.What.PHONE_SEARCH


def test_the_admin_finds_a_reference_in_lower_case_without_logging(personas, two):
    first, _second = two
    page = personas.administrator.get(reverse(ADMIN_LIST), {"q": " na-2026-000123 "})
    assert list(page.context["cl"].result_list) == [first]
    page = personas.administrator.get(reverse(ADMIN_LIST), {"q": "2026-000124"})
    assert list(page.context["cl"].result_list) == [two[1]]
    assert not PersonalDataAccess.objects.exists()


def test_the_admins_phone_search_is_for_its_administrators_only(personas, two, regulator):
    page = personas.other_administrator.get(reverse(ADMIN_LIST), {"q": "13912345678"})
    assert list(page.context["cl"].result_list) == []
    # A staff user who administers no cooperative is refused the page, and opens nothing.
    regulator.is_staff = True
    regulator.save(update_fields=["is_staff"])
    response = logged_in(regulator).get(reverse(ADMIN_LIST), {"q": "13912345678"})
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()
