"""The regulator's publication deadline and the members' objection window (the public
notice) count working days, shown with their unit and basis."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from pledges.assessment import services

from .conftest import compute
from .factories import inspections, pledge

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(coop, charter, member_a):
    pledge(member_a)
    inspections(member_a, 2, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 2))
    return compute(coop, "2025")


def run_url(run):
    return reverse(
        "pledges:assessment_run", kwargs={"slug": run.period.cooperative.slug, "run_id": run.pk}
    )


def objection_url(run):
    return reverse(
        "pledges:assessment_objection",
        kwargs={"slug": run.period.cooperative.slug, "run_id": run.pk},
    )


def test_the_publication_deadline_is_twenty_working_days_once_late_data_is_in(
    personas, draft, other_coop
):
    deadline = services.publication_deadline(draft)
    # Late lab data may arrive until 15 January 2026 (15 days of grace); 20 working days
    # after it: 16, 19–23, 26–30 January, 2–6 and 9–12 February.
    assert deadline.start == D(2026, 1, 15)
    assert deadline.due == D(2026, 2, 12)
    assert deadline.unit == "working"
    page = personas.regulator.get(run_url(draft), headers={"accept-language": "en"})
    text = page.content.decode()
    assert "Publish by" in text
    assert "12 Feb 2026" in text
    assert "20 working days from 15 Jan 2026" in text
    assert "once late lab data has had time to arrive" in text
    # Past its deadline (the suite runs after February 2026), the draft says it is late.
    assert "overdue" in text
    confirm = personas.regulator.get(
        reverse("pledges:assessment_publish", kwargs={"slug": "nantong", "run_id": draft.pk}),
        headers={"accept-language": "en"},
    ).content.decode()
    assert "were due to be published by 12 Feb 2026: they are published late" in confirm
    assert personas.other_administrator.get(run_url(draft)).status_code == 404
    assert personas.member_a.get(run_url(draft)).status_code == 404


def test_the_notice_period_shows_its_working_days(personas, draft, coop):
    run = services.publish_run(draft, by=None)
    today = coop.today()
    notice = run.notice_deadline()
    assert notice.due == run.notice_ends_on
    assert notice.unit == "working"
    assert notice.days == 7
    text = personas.member_a.get(
        objection_url(run), headers={"accept-language": "en"}
    ).content.decode()
    assert "Notice period ends" in text
    assert "7 working days from" in text
    assert "a member may object to its published result during the public notice" in text
    assert run.notice_ends_on > today
    chinese = personas.regulator.get(run_url(run)).content.decode()
    assert "7 个工作日" in chinese
    # The public page's banner gives the same deadline with its unit.
    public = reverse("pledges:public_period", args=[coop.slug, run.period.code])
    banner = personas.anonymous.get(public, headers={"accept-language": "en"}).content.decode()
    assert "7 working days from" in banner
    assert personas.other_administrator.get(objection_url(run)).status_code == 404
