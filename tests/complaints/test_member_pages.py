"""The member's complaint pages: its own complaints only, contact details only with consent."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Complaint
from tests.complaints.factories import ComplaintFactory

pytestmark = pytest.mark.django_db

LIST = reverse("complaints:member_list")


def detail(complaint):
    return reverse("complaints:member_detail", args=[complaint.pk])


def test_the_member_lists_its_forwarded_complaints_with_deadlines(personas, forwarded):
    page = personas.member_a.get(LIST).content.decode()
    assert forwarded.reference in page
    due = forwarded.response_due_on
    assert f"{due.year}年{due.month}月{due.day}日" in page


def test_another_member_does_not_see_the_complaint(personas, forwarded):
    assert forwarded.reference not in personas.member_b.get(LIST).content.decode()
    assert personas.member_b.get(detail(forwarded)).status_code == 404
    assert personas.member_b.post(detail(forwarded), {"text": "冒充"}).status_code == 404


def test_a_complaint_not_yet_forwarded_is_not_shown_to_the_member(personas, complaint):
    assert complaint.reference not in personas.member_a.get(LIST).content.decode()
    assert personas.member_a.get(detail(complaint)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(personas, forwarded):
    for url in (LIST, detail(forwarded)):
        response = personas.anonymous.get(url)
        assert response.status_code == 302
        assert reverse("login") in response.url


def test_users_without_a_member_role_get_404(personas, forwarded):
    for client in (
        personas.administrator,
        personas.regulator,
        personas.lab,
        personas.other_administrator,
    ):
        assert client.get(LIST).status_code == 404
        assert client.get(detail(forwarded)).status_code == 404


def test_a_member_without_consent_never_sees_the_consumers_contact(personas, forwarded):
    page = personas.member_a.get(detail(forwarded)).content.decode()
    assert forwarded.product in page
    for personal in ("张三", "13912345678", "buyer@example.com"):
        assert personal not in page


def test_a_member_with_consent_sees_the_contact(personas, forwarded):
    Complaint.objects.filter(pk=forwarded.pk).update(share_contact=True)
    page = personas.member_a.get(detail(forwarded)).content.decode()
    for personal in ("张三", "13912345678", "buyer@example.com"):
        assert personal in page


def test_the_member_answers_and_the_answer_clock_stops(personas, forwarded):
    response = personas.member_a.post(detail(forwarded), {"text": "我们已安排退款。"})
    assert response.status_code == 302
    forwarded.refresh_from_db()
    assert forwarded.status == Complaint.Status.ANSWERED
    assert forwarded.responded_on == forwarded.cooperative.today()
    assert "我们已安排退款。" in personas.member_a.get(detail(forwarded)).content.decode()


def test_an_empty_answer_is_refused(personas, forwarded):
    response = personas.member_a.post(detail(forwarded), {"text": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    forwarded.refresh_from_db()
    assert forwarded.responded_on is None


def test_a_closed_complaint_is_visible_but_cannot_be_answered(personas, forwarded, administrator):
    services.resolve_complaint(forwarded, administrator, "explained")
    assert personas.member_a.get(detail(forwarded)).status_code == 200
    assert personas.member_a.post(detail(forwarded), {"text": "迟到的答复"}).status_code == 403


def test_the_member_list_uses_the_same_queries_for_one_row_and_many(
    personas, forwarded, member_a, django_assert_num_queries
):
    client = personas.member_a
    client.get(LIST)  # warm up the session and the language
    with django_assert_num_queries(5) as one:
        client.get(LIST)
    ComplaintFactory.create_batch(
        12,
        cooperative=member_a.cooperative,
        member=member_a,
        forwarded_on=forwarded.forwarded_on,
        accepted_on=forwarded.accepted_on,
        status=Complaint.Status.FORWARDED,
    )
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(LIST)
    assert len(page.context["page"].object_list) == 13


def test_personal_data_the_consumer_adds_later_is_masked_for_the_member_without_consent(
    personas, forwarded
):
    services.add_consumer_information(forwarded, "请打电话 13700001111 找张三", [])
    page = personas.member_a.get(detail(forwarded)).content.decode()
    assert "请打电话" in page
    assert "13700001111" not in page
    assert "张三" not in page
    Complaint.objects.filter(pk=forwarded.pk).update(share_contact=True)
    assert "13700001111" in personas.member_a.get(detail(forwarded)).content.decode()
