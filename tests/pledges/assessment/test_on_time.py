"""One rule for "answered on time": the complaint statistics, the regulator's dashboard and the
assessment hold a complaint to the member's pledged days, never to the charter's minimum."""

import datetime
from decimal import Decimal

import pytest

from complaints.models import Complaint
from complaints.services import accept_complaint
from pledges.assessment import gather
from pledges.assessment.dashboard import dashboard
from pledges.assessment.scoring import DEFAULT_POLICY, Clock, Period

from .factories import ComplaintFactory, pledge

D = datetime.date


@pytest.mark.django_db
@pytest.mark.parametrize(("answered_after", "on_time"), [(3, 1), (5, 0)])
def test_the_statistics_the_dashboard_and_the_assessment_agree_on_time(
    coop, charter, member_a, freeze_today, answered_after, on_time
):
    pledge(member_a, ("90", "3", "30", "60"))  # the charter allows 7 days, the member 3
    received = ComplaintFactory(member=member_a, status="received", accepted_on=None)
    complaint = accept_complaint(received, None, on=D(2025, 3, 3))
    assert complaint.response_due_on == D(2025, 3, 6)
    Complaint.objects.filter(pk=complaint.pk).update(
        responded_on=D(2025, 3, 3) + datetime.timedelta(days=answered_after)
    )
    freeze_today(D(2025, 12, 31))

    statistics = Complaint.objects.filter(member=member_a).statistics(D(2025, 12, 31))
    assert (statistics["answer_due"], statistics["answered_on_time"]) == (1, on_time)
    assert dashboard(coop).timeliness[0]["answered_rate"] == Decimal(100 * on_time)
    year = Period(D(2025, 1, 1), D(2025, 12, 31))
    inputs = dict(gather.gather(DEFAULT_POLICY, year, [member_a.pk]))[member_a.pk]
    assert inputs.tallies.clocks["response_days"] == Clock(due=1, on_time=on_time)
