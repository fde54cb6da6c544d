"""The cooperative's complaint desk and the admin: administrators handle, regulators read."""

import datetime

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, ComplaintEvent
from coop_portal.models import OutboxEmail
from tests.complaints.factories import ComplaintFactory

pytestmark = pytest.mark.django_db


def list_url(coop):
    return reverse("complaints:staff_list", args=[coop.slug])


def detail_url(complaint):
    return reverse("complaints:staff_detail", args=[complaint.cooperative.slug, complaint.pk])


def action_url(complaint, step):
    return reverse("complaints:staff_action", args=[complaint.cooperative.slug, complaint.pk, step])


def test_the_administrator_lists_and_reads_complaints_with_contact_details(personas, complaint):
    assert (
        complaint.reference
        in personas.administrator.get(list_url(complaint.cooperative)).content.decode()
    )
    page = personas.administrator.get(detail_url(complaint)).content.decode()
    for personal in ("张三", "13912345678", "buyer@example.com"):
        assert personal in page
    assert action_url(complaint, "accept") in page


def test_the_regulator_reads_complaints_without_contact_details_or_actions(personas, complaint):
    services.add_consumer_information(complaint, "补充：电话 13700001111", [])
    assert personas.regulator.get(list_url(complaint.cooperative)).status_code == 200
    page = personas.regulator.get(detail_url(complaint)).content.decode()
    assert complaint.reference in page
    assert "补充" in page
    for personal in ("张三", "13912345678", "buyer@example.com", "13700001111"):
        assert personal not in page
    assert action_url(complaint, "accept") not in page
    assert personas.regulator.post(action_url(complaint, "accept")).status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RECEIVED


def test_the_desk_is_404_for_everyone_else(personas, complaint):
    for client in (
        personas.other_administrator,
        personas.member_a,
        personas.member_b,
        personas.lab,
    ):
        assert client.get(list_url(complaint.cooperative)).status_code == 404
        assert client.get(detail_url(complaint)).status_code == 404
        assert client.post(action_url(complaint, "accept")).status_code == 404
    for url in (list_url(complaint.cooperative), detail_url(complaint)):
        response = personas.anonymous.get(url)
        assert response.status_code == 302
        assert reverse("login") in response.url


def test_a_complaint_of_another_cooperative_is_404_even_under_the_right_slug(
    personas, other_coop, complaint
):
    from tests.factories import MemberFactory

    elsewhere = ComplaintFactory(member=MemberFactory(cooperative=other_coop))
    url = reverse("complaints:staff_detail", args=[complaint.cooperative.slug, elsewhere.pk])
    assert personas.administrator.get(url).status_code == 404


def test_the_administrator_walks_a_complaint_through_the_workflow(
    personas, complaint, member_user_a
):
    client = personas.administrator
    shown = {"accept-text": "受理", "accept-public": "on"}
    assert client.post(action_url(complaint, "accept"), shown).status_code == 302
    assert client.post(action_url(complaint, "forward")).status_code == 302
    assert client.post(action_url(complaint, "mediate")).status_code == 302
    response = client.post(
        action_url(complaint, "resolve"), {"resolve-closing_code": "relief_given"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED
    today = complaint.cooperative.today().isoformat()
    assert client.post(action_url(complaint, "uphold"), {"uphold-on": today}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.upheld_on.isoformat() == today
    assert list(complaint.events.values_list("kind", flat=True)) == [
        "accepted",
        "forwarded",
        "mediation",
        "resolved",
        "upheld",
    ]


@pytest.mark.parametrize(
    ("language", "buttons", "reason"),
    [
        ("en", ["Accept the complaint", "Reject the complaint"], "Reason for rejection"),
        ("zh-hans", ["受理投诉", "不予受理投诉"], "不予受理理由"),
    ],
)
def test_each_step_of_the_desk_has_a_button_that_names_it(
    personas, complaint, language, buttons, reason
):
    response = personas.administrator.get(
        detail_url(complaint), headers={"accept-language": language}
    )
    page = response.content.decode()
    for button in buttons:
        assert f"{button}</button>" in page
    assert ">保存</button>" not in page
    assert ">Save</button>" not in page
    forms = {step: form for step, _text, form in response.context["forms"]}
    assert forms["reject"]["closing_code"].label == reason
    assert reason in page


def test_a_rejection_with_a_resolution_code_is_refused(personas, complaint):
    response = personas.administrator.post(
        action_url(complaint, "reject"), {"reject-closing_code": "relief_given"}
    )
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RECEIVED


def test_a_step_not_possible_now_is_forbidden_and_an_unknown_one_is_404(personas, complaint):
    assert personas.administrator.post(action_url(complaint, "forward")).status_code == 403
    assert personas.administrator.post(action_url(complaint, "explode")).status_code == 404


def test_an_internal_note_needs_text(personas, complaint):
    refused = personas.administrator.post(
        action_url(complaint, "note"), {"note-text": ""}, headers={"accept-language": "zh-hans"}
    )
    assert refused.status_code == 400
    # Worded as a required field on every other form.
    assert "该字段是必填项。" in refused.content.decode()
    response = personas.administrator.post(
        action_url(complaint, "note"), {"note-text": "电话联系过"}
    )
    assert response.status_code == 302
    event = complaint.events.get()
    assert (event.kind, event.visibility) == (
        ComplaintEvent.Kind.NOTE,
        ComplaintEvent.Visibility.INTERNAL,
    )


def test_the_desk_list_filters_by_status_and_overdue(personas, complaint, forwarded):
    other = ComplaintFactory(cooperative=complaint.cooperative, member=complaint.member)
    page = personas.administrator.get(list_url(complaint.cooperative), {"status": "forwarded"})
    assert [c.pk for c in page.context["page"]] == [forwarded.pk]
    page = personas.administrator.get(list_url(complaint.cooperative), {"overdue": "1"})
    assert other.pk not in [c.pk for c in page.context["page"]]


def test_the_overdue_list_names_no_consumer(personas, forwarded):
    past = forwarded.cooperative.today() - datetime.timedelta(days=30)
    Complaint.objects.filter(pk=forwarded.pk).update(response_due_on=past)
    page = personas.administrator.get(list_url(forwarded.cooperative), {"overdue": "1"})
    assert [c.pk for c in page.context["page"]] == [forwarded.pk]
    assert forwarded.contact_name not in page.content.decode()


def test_the_desk_list_uses_the_same_queries_for_one_row_and_many(
    personas, complaint, django_assert_num_queries
):
    client = personas.administrator
    client.get(list_url(complaint.cooperative))
    # The session, the user, the second factor's device, the roles, the page's own (two of
    # them the member filter's list: whether the cooperative is small, and its members).
    with django_assert_num_queries(10) as one:
        client.get(list_url(complaint.cooperative))
    ComplaintFactory.create_batch(20, cooperative=complaint.cooperative, member=complaint.member)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(list_url(complaint.cooperative))


def test_the_admin_shows_an_administrator_only_their_cooperatives_complaints(personas, complaint):
    url = reverse("admin:complaints_complaint_changelist")
    assert complaint.reference in personas.administrator.get(url).content.decode()
    response = personas.other_administrator.get(url)
    assert complaint.reference not in response.content.decode()
    change = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    assert personas.administrator.get(change).status_code == 200
    assert personas.other_administrator.get(change).status_code != 200


def test_an_upheld_date_before_acceptance_is_refused_with_a_message(personas, forwarded):
    day = (forwarded.accepted_on - datetime.timedelta(days=1)).isoformat()
    response = personas.administrator.post(action_url(forwarded, "uphold"), {"uphold-on": day})
    assert response.status_code == 400
    forms = {step: form for step, _text, form in response.context["forms"]}
    assert forms["uphold"].errors["on"]
    forwarded.refresh_from_db()
    assert forwarded.upheld_on is None


@pytest.mark.parametrize(
    ("public", "visibility"), [({}, "member"), ({"forward-public": "on"}, "public")]
)
def test_the_forwarding_message_reaches_the_member_and_the_consumer_only_when_ticked(
    personas, client, coop, member_a, administrator, public, visibility
):
    complaint, code = services.submit_complaint(
        coop,
        services.Submission(
            member=member_a,
            product="四件套",
            description="洗涤后褪色。",
            desired_outcome="退款",
            contact_name="李四",
            contact_phone="13700001111",
            contact_email="li@example.com",
            evidence=[],
        ),
    )
    services.accept_complaint(complaint, administrator)
    message = "请贵公司核查该批次四件套的色牢度，并与消费者联系。"
    data = {"forward-text": message, **public}
    assert personas.administrator.post(action_url(complaint, "forward"), data).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.FORWARDED
    event = complaint.events.get(kind="forwarded")
    assert (event.text, event.visibility) == (message, visibility)
    assert not complaint.events.filter(visibility="internal", text=message).exists()
    # The member's page shows the message whichever the box; the consumer's only when ticked.
    member_page = personas.member_a.get(reverse("complaints:member_detail", args=[complaint.pk]))
    assert message in member_page.content.decode()
    tracked = client.post(
        reverse("complaints:track", args=[coop.slug]),
        {"reference": complaint.reference, "code": code},
        follow=True,
    )
    assert (message in tracked.content.decode()) is (visibility == "public")
    # The member's e-mail carries the message too.
    mail = OutboxEmail.objects.filter(key__startswith=f"complaint-forwarded:{complaint.pk}").get()
    assert "合作社的说明：" + message in mail.body
