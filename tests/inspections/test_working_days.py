"""The member's objection window on an inspection result counts working days, shown with its
unit and basis on the member's inspection page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from inspections.services import objection_window_days, raise_objection
from tests.inspections.factories import FailedInspectionFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def reported_before_the_festival(coop, member_a, catalogue):
    return FailedInspectionFactory(
        cooperative=coop, member=member_a, category=catalogue["bedding"], reported_on=D(2026, 2, 12)
    )


def test_the_objection_window_skips_the_spring_festival(reported_before_the_festival, personas):
    inspection = reported_before_the_festival
    deadline = inspection.objection_deadline(objection_window_days(inspection))
    # 15 working days: 13 and make-up Saturday 14 February, 24–28 February (28 a make-up
    # Saturday), 2–6 and 9–11 March.
    assert deadline.due == D(2026, 3, 11)
    assert deadline.unit == "working"
    raise_objection(inspection, reason="样品不是我们的", by=None, on=D(2026, 3, 11))
    url = reverse("inspections:member_inspection", args=[inspection.pk])
    page = personas.member_a.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Objection window" in page
    assert "15 working days from 12 Feb 2026" in page
    assert "the member may object to an inspection result after its report date" in page
    assert personas.member_b.get(url).status_code == 404


def test_the_objection_window_is_shown_before_it_closes(coop, member_a, catalogue, personas):
    inspection = FailedInspectionFactory(
        cooperative=coop, member=member_a, category=catalogue["bedding"], reported_on=coop.today()
    )
    url = reverse("inspections:member_inspection", args=[inspection.pk])
    page = personas.member_a.get(url).content.decode()
    assert "异议期限" in page
    assert "15 个工作日" in page
