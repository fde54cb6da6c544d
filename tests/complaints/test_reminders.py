"""Deadline reminders to members and overdue reports to administrators: each sent once."""

import datetime

import pytest
from django.core import mail

from complaints import services
from complaints.models import Complaint, ComplaintEvent
from complaints.tasks import send_complaint_reminders
from coop_portal.models import OutboxEmail

pytestmark = pytest.mark.django_db


def run(capture):
    with capture(execute=True):
        return send_complaint_reminders()


def test_a_member_is_reminded_once_before_the_answer_deadline(
    forwarded, member_user_a, django_capture_on_commit_callbacks
):
    today = forwarded.cooperative.today()
    Complaint.objects.filter(pk=forwarded.pk).update(
        response_due_on=today + datetime.timedelta(days=2)
    )
    first = run(django_capture_on_commit_callbacks)
    assert first["reminders"] == 1
    assert len(mail.outbox) == 1
    assert "owner@firm-a.example.cn" in mail.outbox[0].to
    assert forwarded.reference in mail.outbox[0].subject
    for _ in range(3):
        assert run(django_capture_on_commit_callbacks)["reminders"] == 0
    assert len(mail.outbox) == 1
    assert (
        OutboxEmail.objects.filter(key__startswith=f"complaint-reminder:{forwarded.pk}:").count()
        == 1
    )
    assert forwarded.events.filter(kind=ComplaintEvent.Kind.REMINDER).count() == 1


def test_no_reminder_far_from_the_deadline_or_after_the_answer(
    forwarded, member_user_a, django_capture_on_commit_callbacks
):
    # Due in seven days: too early to remind.
    assert run(django_capture_on_commit_callbacks)["reminders"] == 0
    today = forwarded.cooperative.today()
    Complaint.objects.filter(pk=forwarded.pk).update(
        response_due_on=today + datetime.timedelta(days=1)
    )
    services.answer_complaint(forwarded, member_user_a, "已处理")
    assert run(django_capture_on_commit_callbacks)["reminders"] == 0


def test_overdue_complaints_are_reported_to_administrators_once_per_deadline(
    forwarded, administrator, django_capture_on_commit_callbacks
):
    today = forwarded.cooperative.today()
    Complaint.objects.filter(pk=forwarded.pk).update(
        response_due_on=today - datetime.timedelta(days=1)
    )
    first = run(django_capture_on_commit_callbacks)
    assert first["overdue_reported"] == 1
    to_administrators = [m for m in mail.outbox if "admin@nantong.example.cn" in m.to]
    assert len(to_administrators) == 1
    assert forwarded.reference in to_administrators[0].body
    for _ in range(3):
        assert run(django_capture_on_commit_callbacks)["overdue_reported"] == 0
    assert len([m for m in mail.outbox if "admin@nantong.example.cn" in m.to]) == 1
    assert forwarded.events.filter(kind=ComplaintEvent.Kind.ESCALATED).count() == 1

    # The resolution deadline passing later is a new deadline: reported once more.
    Complaint.objects.filter(pk=forwarded.pk).update(
        resolution_due_on=today - datetime.timedelta(days=1)
    )
    assert run(django_capture_on_commit_callbacks)["overdue_reported"] == 1
    assert run(django_capture_on_commit_callbacks)["overdue_reported"] == 0


def test_closed_complaints_are_never_reported(
    forwarded, administrator, django_capture_on_commit_callbacks
):
    services.resolve_complaint(forwarded, administrator, "explained")
    today = forwarded.cooperative.today()
    Complaint.objects.filter(pk=forwarded.pk).update(
        response_due_on=today - datetime.timedelta(days=3)
    )
    assert run(django_capture_on_commit_callbacks) == {
        "reminders": 0,
        "overdue_reported": 0,
        "codes_redacted": 0,
    }


def test_tracking_codes_are_blanked_in_confirmation_emails_once_sent(
    coop, member_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint, code = services.submit_complaint(
            coop,
            services.Submission(
                member=member_a,
                product="p",
                description="d",
                desired_outcome="o",
                contact_name="n",
                contact_email="buyer@example.com",
            ),
        )
    assert code in mail.outbox[0].body
    # Blanked as the e-mail is recorded as sent.
    stored = OutboxEmail.objects.get(key=f"complaint-received:{complaint.pk}")
    assert code not in stored.body
    assert complaint.reference in stored.body
    # E-mails sent before that was done are blanked by the hourly task.
    OutboxEmail.objects.filter(pk=stored.pk).update(body=f"{stored.body}\n{code}")
    assert run(django_capture_on_commit_callbacks)["codes_redacted"] == 1
    stored.refresh_from_db()
    assert code not in stored.body
