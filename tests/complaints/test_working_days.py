"""A complaint's deadlines state their unit and basis: the acceptance decision in working
days (an administrative procedure), the pledged answer and resolution in calendar days."""

import datetime

import pytest
from django.urls import reverse

from complaints import services
from tests.complaints.factories import ComplaintFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def test_the_acceptance_decision_counts_working_days_around_the_spring_festival(
    personas, coop, member_a, administrator
):
    complaint = ComplaintFactory(cooperative=coop, member=member_a, received_on=D(2026, 2, 12))
    deadline = complaint.acceptance_deadline
    # 13 February, make-up Saturday 14, then 24–27 February and make-up Saturday 28.
    assert deadline.due == D(2026, 2, 28)
    assert not deadline.provisional
    url = reverse("complaints:staff_detail", args=[coop.slug, complaint.pk])
    page = personas.administrator.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Acceptance decision due" in page
    assert "28 Feb 2026" in page
    assert "7 working days from 12 Feb 2026" in page
    assert "the cooperative decides whether to accept a complaint after receiving it" in page
    chinese = personas.administrator.get(url).content.decode()
    assert "受理决定期限" in chinese
    assert "7 个工作日" in chinese
    assert personas.other_administrator.get(url).status_code == 404


def test_the_pledged_answer_and_resolution_stay_in_calendar_days(
    personas, coop, member_a, administrator
):
    complaint = ComplaintFactory(cooperative=coop, member=member_a, received_on=D(2026, 2, 12))
    services.accept_complaint(complaint, administrator, on=D(2026, 2, 13))
    complaint = services.forward_complaint(complaint, administrator)
    complaint.refresh_from_db()
    # The scoring policy's defaults, counted as SCORING.md counts them: calendar days.
    assert complaint.response_due_on == D(2026, 2, 20)
    assert complaint.response_deadline.unit == "calendar"
    url = reverse("complaints:member_detail", args=[complaint.pk])
    page = personas.member_a.get(url, headers={"accept-language": "en"}).content.decode()
    assert "7 calendar days from 13 Feb 2026" in page
    # The member pledged nothing: the page says whose days they are, not "pledged".
    assert "the answer time the charter allows, from acceptance" in page
    assert "the resolution time the charter allows, from acceptance" in page
    assert "member pledged" not in page
    assert "30 calendar days from 13 Feb 2026" in page
    assert personas.member_b.get(url).status_code == 404


def test_an_acceptance_decision_into_an_unannounced_year_is_provisional(personas, coop, member_a):
    complaint = ComplaintFactory(cooperative=coop, member=member_a, received_on=D(2026, 12, 28))
    assert complaint.acceptance_deadline.provisional
    url = reverse("complaints:staff_detail", args=[coop.slug, complaint.pk])
    page = personas.administrator.get(url, headers={"accept-language": "en"}).content.decode()
    assert "provisional" in page
    assert "The holiday calendar for 2027 has not been announced yet" in page
