"""One rule for "answered on time": the complaint statistics, the regulator's dashboard and the
assessment hold a complaint to the member's pledged days (SCORING.md's clocks), never to the
charter's longer minimum."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from complaints.models import Complaint
from complaints.services import accept_complaint
from pledges.assessment import gather
from pledges.assessment.dashboard import dashboard
from pledges.assessment.scoring import DEFAULT_POLICY, Clock, Period

from .factories import ComplaintFactory, pledge

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.mark.parametrize(("answered_after", "on_time"), [(3, True), (5, False)])
def test_the_statistics_the_dashboard_and_the_assessment_agree_on_time(
    coop, charter, member_a, freeze_today, answered_after, on_time
):
    # The charter allows 7 days to answer; the member pledged 3.
    pledge(member_a, ("90", "3", "30", "60"))
    accepted = D(2025, 3, 3)
    complaint = accept_complaint(
        ComplaintFactory(
            member=member_a,
            status=Complaint.Status.RECEIVED,
            received_on=accepted,
            accepted_on=None,
        ),
        None,
        on=accepted,
    )
    assert complaint.response_due_on == accepted + datetime.timedelta(days=3)
    Complaint.objects.filter(pk=complaint.pk).update(
        responded_on=accepted + datetime.timedelta(days=answered_after)
    )
    freeze_today(D(2025, 12, 31))
    share = Decimal(100) if on_time else Decimal(0)

    statistics = Complaint.objects.filter(member=member_a).statistics(D(2025, 12, 31))
    assert (statistics["answer_due"], statistics["answered_on_time"]) == (1, int(on_time))
    assert dashboard(coop).timeliness[0]["answered_rate"] == share
    inputs = dict(
        gather.gather(DEFAULT_POLICY, Period(D(2025, 1, 1), D(2025, 12, 31)), [member_a.pk])
    )
    assert inputs[member_a.pk].tallies.clocks["response_days"] == Clock(due=1, on_time=int(on_time))
