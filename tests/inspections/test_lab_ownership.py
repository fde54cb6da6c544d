"""A lab changes only the reports it created; another lab's re-test waits for the regulator."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from inspections.models import Inspection, LabApiToken
from inspections.services import (
    accept_retest,
    import_inspections,
    issue_api_token,
    settle_inspection,
)
from tests.factories import LabFactory
from tests.inspections.conftest import csv_file
from tests.inspections.factories import FailedInspectionFactory
from tests.inspections.test_api import payload, post
from tests.inspections.test_history import passing

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab_b(coop):
    lab = LabFactory(name_zh="乙检测中心", name_en="Lab B")
    lab.cooperatives.add(coop)
    return lab


@pytest.fixture
def secret_b(coop, lab_b, catalogue) -> str:
    return issue_api_token(LabApiToken(lab=lab_b, cooperative=coop, name="LIMS B"))


def imported_failure(coop, member, catalogue, **fields):
    """A critical failure entered without a lab (the import command or the admin)."""
    return FailedInspectionFactory(
        cooperative=coop,
        member=member,
        category=catalogue["bedding"],
        report_no="API-2025-001",
        severity=Inspection.Severity.CRITICAL,
        **fields,
    )


def test_a_lab_cannot_take_over_a_report_that_has_no_lab(coop, member_a, catalogue, secret_b):
    failed = imported_failure(coop, member_a, catalogue)
    response = post(secret_b, passing(member_a, change_reason="复核合格"))
    assert response.status_code == 400
    assert "another lab" in str(response.json()["report_no"])
    failed.refresh_from_db()
    assert (failed.verdict, failed.severity, failed.lab_id) == ("fail", "critical", None)
    assert failed.history.count() == 1


def test_a_lab_cannot_correct_another_labs_report(api_secret, secret_b, member_a):
    assert post(api_secret, payload(member_a)).status_code == 201
    response = post(secret_b, payload(member_a, product="夏凉被", change_reason="更正"))
    assert response.status_code == 400
    assert Inspection.objects.get().product == "全棉四件套"


def test_another_labs_re_test_is_a_new_report_that_rectifies_nothing_until_accepted(
    api_secret, secret_b, member_a, administrator
):
    assert post(api_secret, payload(member_a)).status_code == 201
    response = post(secret_b, passing(member_a, report_no="B-2025-009", retest_of="API-2025-001"))
    assert response.status_code == 201, response.content
    failed = Inspection.objects.get(report_no="API-2025-001")
    retest = Inspection.objects.get(report_no="B-2025-009")
    assert failed.rectified_on is None
    assert retest.retest_awaits_acceptance
    # Delivering it again changes nothing either.
    post(secret_b, passing(member_a, report_no="B-2025-009", retest_of="API-2025-001"))
    failed.refresh_from_db()
    assert failed.rectified_on is None

    accept_retest(retest, by=administrator, reason="复检报告经核实")
    failed.refresh_from_db()
    retest.refresh_from_db()
    assert failed.rectified_on == datetime.date(2025, 3, 10)
    assert not retest.retest_awaits_acceptance
    assert retest.history.first().history_user == administrator
    assert "复检报告经核实" in retest.history.first().history_change_reason
    assert failed.history.first().history_user == administrator


def test_an_unaccepted_re_test_by_another_lab_does_not_let_the_failure_become_a_pass(
    api_secret, secret_b, member_a
):
    post(api_secret, payload(member_a))
    post(secret_b, passing(member_a, report_no="B-2025-009", retest_of="API-2025-001"))
    corrected = post(api_secret, passing(member_a, change_reason="复检合格"))
    assert corrected.status_code == 400
    assert Inspection.objects.get(report_no="API-2025-001").verdict == "fail"


def test_the_same_labs_re_test_still_rectifies_at_once(api_secret, member_a):
    post(api_secret, payload(member_a))
    post(api_secret, passing(member_a, report_no="API-2025-002", retest_of="API-2025-001"))
    assert Inspection.objects.get(report_no="API-2025-001").rectified_on is not None
    assert not Inspection.objects.get(report_no="API-2025-002").retest_awaits_acceptance


def test_settling_again_never_rectifies_with_an_unaccepted_re_test(api_secret, secret_b, member_a):
    post(api_secret, payload(member_a))
    post(secret_b, passing(member_a, report_no="B-2025-009", retest_of="API-2025-001"))
    settle_inspection(Inspection.objects.get(report_no="B-2025-009"))
    assert Inspection.objects.get(report_no="API-2025-001").rectified_on is None


def test_the_administrator_accepts_a_re_test_from_the_admin_list(
    personas, api_secret, secret_b, member_a
):
    post(api_secret, payload(member_a))
    post(secret_b, passing(member_a, report_no="B-2025-009", retest_of="API-2025-001"))
    retest = Inspection.objects.get(report_no="B-2025-009")
    url = reverse("admin:inspections_inspection_changelist")
    other = personas.other_administrator.post(
        url, {"action": "accept_retests", "_selected_action": [retest.pk]}
    )
    assert other.status_code in (302, 403)
    assert Inspection.objects.get(report_no="API-2025-001").rectified_on is None
    response = personas.administrator.post(
        url, {"action": "accept_retests", "_selected_action": [retest.pk]}
    )
    assert response.status_code == 302
    assert Inspection.objects.get(report_no="API-2025-001").rectified_on is not None


def test_a_labs_file_cannot_take_over_a_report_that_has_no_lab(coop, member_a, catalogue, lab_b):
    failed = imported_failure(coop, member_a, catalogue)
    line = f"API-2025-001,{member_a.credit_code},全棉四件套,bedding,2025-03-01,2025-03-10,pass,,,"
    outcome = import_inspections(
        coop, csv_file(line), lab=lab_b, source=Inspection.Source.UPLOAD, reason="复核合格"
    )
    assert not outcome.ok
    assert [problem.column for problem in outcome.report.errors] == ["report_no"]
    failed.refresh_from_db()
    assert (failed.verdict, failed.lab_id) == ("fail", None)
