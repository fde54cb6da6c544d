"""The workflow services: every step, its dates, its timeline event and its e-mail."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from complaints import services
from complaints.models import Complaint, ComplaintEvent
from coop_portal.refusal import Refused
from tests.complaints.factories import ComplaintFactory
from tests.pledges.pledge_factories import published

pytestmark = pytest.mark.django_db


def kinds(complaint):
    return list(complaint.events.values_list("kind", flat=True))


def test_the_whole_workflow_from_receipt_to_resolution(
    complaint, administrator, member_user_a, django_capture_on_commit_callbacks
):
    today = complaint.cooperative.today()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = services.accept_complaint(complaint, administrator)
        assert complaint.status == Complaint.Status.ACCEPTED
        assert complaint.accepted_on == today
        # No pledge and no charter in force: SCORING.md's default minimums.
        assert complaint.response_due_on == today + datetime.timedelta(days=7)
        assert complaint.resolution_due_on == today + datetime.timedelta(days=30)

        complaint = services.forward_complaint(complaint, administrator)
        assert (complaint.status, complaint.forwarded_on) == (Complaint.Status.FORWARDED, today)

        services.answer_complaint(complaint, member_user_a, "我们将上门取件并退款。")
        complaint.refresh_from_db()
        assert (complaint.status, complaint.responded_on) == (Complaint.Status.ANSWERED, today)

        # A second answer keeps the date of the first: the clock stopped at the first answer.
        services.answer_complaint(complaint, member_user_a, "补充说明。")
        complaint.refresh_from_db()
        assert complaint.responded_on == today

        complaint = services.start_mediation(complaint, administrator, text="约定调解时间")
        assert complaint.status == Complaint.Status.MEDIATION

        complaint = services.resolve_complaint(complaint, administrator, "relief_given")
        assert complaint.status == Complaint.Status.RESOLVED
        assert (complaint.resolved_on, complaint.closed_on) == (today, today)
        assert complaint.closing_code == "relief_given"

        complaint = services.uphold_complaint(complaint, administrator, today, text="商家责任")
        assert complaint.upheld_on == today

    assert kinds(complaint) == [
        "accepted",
        "forwarded",
        "answered",
        "answered",
        "mediation",
        "resolved",
        "upheld",
    ]
    assert all(event.at is not None for event in complaint.events.all())
    consumer_mail = [m.subject for m in mail.outbox if m.to == ["buyer@example.com"]]
    # Accepted, two answers, mediation, closed.
    assert len(consumer_mail) == 5
    member_mail = [m for m in mail.outbox if "owner@firm-a.example.cn" in m.to]
    assert len(member_mail) == 1
    assert complaint.reference in member_mail[0].subject


def test_deadlines_come_from_the_members_pledge(complaint, administrator):
    # The member pledged to answer within 3 days and made no resolution target: the charter's
    # default 30 days stand for that.
    published(complaint.member, targets={"response_days": Decimal(3)})
    complaint = services.accept_complaint(complaint, administrator)
    assert complaint.response_due_on == complaint.accepted_on + datetime.timedelta(days=3)
    assert complaint.resolution_due_on == complaint.accepted_on + datetime.timedelta(days=30)
    # Each deadline says where its days come from: the pledge for the one it holds.
    with translation.override("en"):
        assert complaint.response_deadline is not None
        assert complaint.resolution_deadline is not None
        assert "member pledged" in str(complaint.response_deadline.basis)
        assert "charter allows" in str(complaint.resolution_deadline.basis)


def test_a_rejection_needs_a_rejection_code(complaint, administrator):
    with pytest.raises(Refused):
        services.reject_complaint(complaint, administrator, "relief_given")
    complaint = services.reject_complaint(complaint, administrator, "out_of_scope", text="非本社")
    assert complaint.rejected
    assert complaint.accepted_on is None
    assert complaint.closing_code == "out_of_scope"
    assert complaint.may_leave_feedback() is False


def test_steps_out_of_order_are_refused_and_change_nothing(complaint, administrator, member_user_a):
    with pytest.raises(Refused):
        services.forward_complaint(complaint, administrator)
    with pytest.raises(Refused):
        services.answer_complaint(complaint, member_user_a, "答复")
    with pytest.raises(Refused):
        services.resolve_complaint(complaint, administrator, "explained")
    with pytest.raises(Refused):
        services.uphold_complaint(complaint, administrator, complaint.received_on)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RECEIVED
    assert not complaint.events.exists()
    services.accept_complaint(complaint, administrator)
    with pytest.raises(Refused):
        services.accept_complaint(complaint, administrator)


def test_closing_unresolved_needs_an_unresolved_code(forwarded, administrator):
    with pytest.raises(Refused):
        services.close_unresolved(forwarded, administrator, "relief_given")
    complaint = services.close_unresolved(forwarded, administrator, "no_agreement")
    assert complaint.status == Complaint.Status.CLOSED_UNRESOLVED
    assert complaint.resolved_on is None
    assert complaint.may_leave_feedback()


def test_an_upheld_date_must_lie_between_acceptance_and_today(forwarded, administrator):
    with pytest.raises(Refused):
        services.uphold_complaint(
            forwarded, administrator, forwarded.accepted_on - datetime.timedelta(days=1)
        )
    with pytest.raises(Refused):
        services.uphold_complaint(
            forwarded, administrator, forwarded.cooperative.today() + datetime.timedelta(days=1)
        )
    services.uphold_complaint(forwarded, administrator, forwarded.accepted_on)
    with pytest.raises(Refused):
        services.uphold_complaint(forwarded, administrator, forwarded.accepted_on)


def test_a_member_of_another_cooperative_cannot_be_complained_about_here(coop, other_coop):
    from tests.factories import MemberFactory

    elsewhere = MemberFactory(cooperative=other_coop)
    with pytest.raises(Refused):
        services.submit_complaint(
            coop,
            services.Submission(
                member=elsewhere,
                product="米",
                description="x",
                desired_outcome="y",
                contact_name="z",
            ),
        )
    assert not Complaint.objects.exists()


def test_references_count_up_per_cooperative_and_year(coop, member_a):
    submission = services.Submission(
        member=member_a, product="p", description="d", desired_outcome="o", contact_name="n"
    )
    first, _ = services.submit_complaint(coop, submission)
    ComplaintFactory(cooperative=coop, member=member_a, reference="legacy-17")
    second, _ = services.submit_complaint(coop, submission)
    year = coop.today().year
    assert (first.reference, second.reference) == (f"NA-{year}-000001", f"NA-{year}-000002")


def test_notes_are_internal_unless_made_public(complaint, administrator):
    services.add_note(complaint, administrator, "内部", public=False)
    services.add_note(complaint, administrator, "公开", public=True)
    visibility = dict(complaint.events.values_list("text", "visibility"))
    assert visibility == {
        "内部": ComplaintEvent.Visibility.INTERNAL,
        "公开": ComplaintEvent.Visibility.PUBLIC,
    }


def test_answer_lateness_is_measured_on_calendar_days(complaint):
    complaint.accepted_on = datetime.date(2025, 3, 1)
    complaint.response_due_on = datetime.date(2025, 3, 8)
    complaint.responded_on = datetime.date(2025, 3, 8)
    assert not complaint.answer_is_late(datetime.date(2025, 4, 1))
    complaint.responded_on = datetime.date(2025, 3, 9)
    assert complaint.answer_is_late(datetime.date(2025, 4, 1))
    complaint.responded_on = None
    assert not complaint.answer_is_late(datetime.date(2025, 3, 8))
    assert complaint.answer_is_late(datetime.date(2025, 3, 9))
