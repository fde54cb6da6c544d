"""Rectification deadlines, re-tests and the overdue list."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from charter.models import CharterVersion, ScoringPolicy
from inspections.models import Inspection, Rectification
from inspections.services import InspectionInput, record_inspection, settle_inspection
from members.models import Member
from pledges.models import Commitment, Pledge
from tests.inspections.factories import FailedInspectionFactory

pytestmark = pytest.mark.django_db


def fail(coop, member, category, reported_on=datetime.date(2025, 3, 10), **extra):
    inspection = FailedInspectionFactory(
        cooperative=coop,
        member=member,
        category=category,
        sampled_on=reported_on - datetime.timedelta(days=9),
        reported_on=reported_on,
        **extra,
    )
    settle_inspection(inspection)
    return inspection


def test_the_deadline_is_the_charter_minimum_without_a_pledge(coop, member_a, catalogue):
    inspection = fail(coop, member_a, catalogue["bedding"])
    assert inspection.rectification.deadline == datetime.date(2025, 5, 9)  # 60 days


def test_the_deadline_follows_the_charter_in_force(coop, member_a, catalogue):
    # A later charter version with a shorter rectification time, in force from 2025.
    version = CharterVersion.objects.create(
        cooperative=coop, number=2, effective_from=datetime.date(2025, 1, 1), status="published"
    )
    ScoringPolicy.objects.create(charter_version=version, max_rectification_days=45)
    inspection = fail(coop, member_a, catalogue["bedding"])
    assert inspection.rectification.deadline == datetime.date(2025, 4, 24)
    older = fail(coop, member_a, catalogue["bedding"], reported_on=datetime.date(2024, 12, 1))
    assert older.rectification.deadline == datetime.date(2025, 1, 30)


def test_the_deadline_is_the_members_own_stricter_pledge_target(coop, member_a, catalogue):
    pledge = Pledge.objects.create(member=member_a, version=1)
    Commitment.objects.create(pledge=pledge, kind="rectification_days", target=Decimal(30))
    # Published as the pledges app does it: a published pledge is never saved again.
    Pledge.objects.filter(pk=pledge.pk).update(
        status="published", published_on=datetime.date(2025, 1, 1)
    )
    inspection = fail(coop, member_a, catalogue["bedding"])
    assert inspection.rectification.deadline == datetime.date(2025, 4, 9)
    # A report dated before the pledge was published keeps the charter's minimum.
    older = fail(coop, member_a, catalogue["bedding"], reported_on=datetime.date(2024, 12, 1))
    assert older.rectification.deadline == datetime.date(2025, 1, 30)


def test_a_passing_retest_rectifies_the_failure_and_a_failing_one_does_not(
    coop, member_a, catalogue
):
    failed = fail(coop, member_a, catalogue["bedding"])

    def retest(report_no: str, verdict: str, reported_on: datetime.date) -> Inspection:
        return record_inspection(
            coop,
            InspectionInput(
                report_no=report_no,
                member=member_a,
                product=failed.product,
                category=failed.category,
                sampled_on=reported_on - datetime.timedelta(days=5),
                reported_on=reported_on,
                verdict=verdict,
                severity="minor" if verdict == "fail" else "",
                retest_of=failed,
            ),
        )[0]

    retest("RT-1", "fail", datetime.date(2025, 4, 1))
    failed.refresh_from_db()
    assert failed.rectified_on is None
    retest("RT-2", "pass", datetime.date(2025, 4, 20))
    failed.refresh_from_db()
    assert failed.rectified_on == datetime.date(2025, 4, 20)
    assert not failed.rectification.is_overdue(datetime.date(2026, 1, 1))


def test_overdue_rectifications_are_listed_for_regulators_and_administrators(
    personas, coop, member_a, member_b, catalogue
):
    today = coop.today()
    late = fail(
        coop, member_a, catalogue["bedding"], reported_on=today - datetime.timedelta(days=90)
    )
    fail(coop, member_b, catalogue["bedding"], reported_on=today - datetime.timedelta(days=10))
    done = fail(
        coop,
        member_b,
        catalogue["fabrics"],
        reported_on=today - datetime.timedelta(days=120),
        report_no="DONE-1",
    )
    done.rectified_on = today - datetime.timedelta(days=30)
    done.save()
    url = reverse("inspections:overdue", args=[coop.slug])
    for client in (personas.regulator, personas.administrator):
        response = client.get(url)
        assert response.status_code == 200
        rows = response.context["rows"]
        assert [(r.inspection, days) for r, days in rows] == [(late, 30)]


def test_the_overdue_list_leaves_out_firms_that_are_no_longer_members(coop, member_a, catalogue):
    fail(
        coop, member_a, catalogue["bedding"], reported_on=coop.today() - datetime.timedelta(days=90)
    )
    assert Rectification.objects.overdue(coop.today()).count() == 1
    Member.objects.filter(pk=member_a.pk).update(status=Member.Status.REMOVED)
    assert Rectification.objects.overdue(coop.today()).count() == 0


def test_the_overdue_list_names_members_in_english_on_english_pages(
    personas, coop, member_a, catalogue
):
    reported = coop.today() - datetime.timedelta(days=90)
    fail(coop, member_a, catalogue["bedding"], reported_on=reported)
    url = reverse("inspections:overdue", args=[coop.slug])
    page = personas.regulator.get(url, headers={"accept-language": "en"}).content.decode()
    assert member_a.name_en in page
    assert member_a.name not in page


def test_the_overdue_list_is_hidden_from_everybody_else(personas, coop):
    url = reverse("inspections:overdue", args=[coop.slug])
    assert personas.anonymous.get(url).status_code == 302
    for client in (personas.member_a, personas.lab, personas.other_administrator):
        assert client.get(url).status_code == 404


def test_the_overdue_list_has_a_constant_query_count(
    personas, coop, member_a, catalogue, django_assert_num_queries
):
    url = reverse("inspections:overdue", args=[coop.slug])
    old = coop.today() - datetime.timedelta(days=200)
    fail(coop, member_a, catalogue["bedding"], reported_on=old)
    with django_assert_num_queries(5):
        personas.regulator.get(url)
    for _ in range(12):
        fail(coop, member_a, catalogue["fabrics"], reported_on=old)
    with django_assert_num_queries(5):
        personas.regulator.get(url)
    assert Rectification.objects.overdue(coop.today()).count() == 13


def test_the_sweep_opens_missing_rectifications_once(coop, member_a, catalogue):
    from inspections.tasks import sweep_missing_rectifications

    inspection = FailedInspectionFactory(
        cooperative=coop, member=member_a, category=catalogue["bedding"]
    )
    assert sweep_missing_rectifications() == 1
    assert sweep_missing_rectifications() == 0
    assert Rectification.objects.get().inspection == inspection
