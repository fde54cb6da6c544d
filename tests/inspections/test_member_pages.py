"""A member user's own inspections: list, detail, corrective actions, objections."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from inspections.models import CorrectiveAction, Objection
from inspections.services import settle_inspection
from tests.inspections.factories import FailedInspectionFactory, InspectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_a(coop, member_a, catalogue):
    inspection = FailedInspectionFactory(
        cooperative=coop, member=member_a, category=catalogue["bedding"], report_no="A-FAIL-1"
    )
    settle_inspection(inspection)
    return inspection


def test_a_member_sees_only_its_own_inspections(personas, coop, member_b, failed_a, catalogue):
    InspectionFactory(
        cooperative=coop, member=member_b, category=catalogue["bedding"], report_no="B-1"
    )
    response = personas.member_a.get(reverse("inspections:member_inspections"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "A-FAIL-1" in text
    assert "B-1" not in text
    detail = reverse("inspections:member_inspection", args=[failed_a.pk])
    assert personas.member_a.get(detail).status_code == 200
    assert personas.member_b.get(detail).status_code == 404


def test_the_member_pages_are_for_member_users_only(personas, failed_a):
    listing = reverse("inspections:member_inspections")
    detail = reverse("inspections:member_inspection", args=[failed_a.pk])
    assert personas.anonymous.get(listing).status_code == 302
    assert personas.anonymous.get(detail).status_code == 302
    for client in (personas.administrator, personas.regulator, personas.lab):
        assert client.get(listing).status_code == 404
        assert client.get(detail).status_code == 404


def test_the_member_list_has_a_constant_query_count(
    personas, coop, member_a, catalogue, django_assert_num_queries
):
    url = reverse("inspections:member_inspections")
    FailedInspectionFactory(cooperative=coop, member=member_a, category=catalogue["bedding"])
    with django_assert_num_queries(5):
        personas.member_a.get(url)
    for _ in range(15):
        settle_inspection(
            FailedInspectionFactory(
                cooperative=coop, member=member_a, category=catalogue["fabrics"]
            )
        )
    with django_assert_num_queries(5):
        personas.member_a.get(url)


def test_a_member_records_a_corrective_action(personas, failed_a):
    url = reverse("inspections:add_corrective_action", args=[failed_a.pk])
    response = personas.member_a.post(
        url, {"taken_on": "2025-03-20", "description": "更换面料供应商"}
    )
    assert response.status_code == 302
    action = CorrectiveAction.objects.get()
    assert action.rectification.inspection == failed_a
    assert (
        personas.member_b.post(url, {"taken_on": "2025-03-20", "description": "x"}).status_code
        == 404
    )
    assert (
        personas.anonymous.post(url, {"taken_on": "2025-03-20", "description": "x"}).status_code
        == 302
    )
    future = personas.member_a.post(url, {"taken_on": "2999-01-01", "description": "later"})
    assert future.status_code == 400
    assert CorrectiveAction.objects.count() == 1


def test_a_passed_result_has_no_rectification_to_record_actions_on(
    personas, coop, member_a, catalogue
):
    passed = InspectionFactory(cooperative=coop, member=member_a, category=catalogue["bedding"])
    url = reverse("inspections:add_corrective_action", args=[passed.pk])
    response = personas.member_a.post(url, {"taken_on": "2025-03-20", "description": "x"})
    assert response.status_code == 403


def test_a_member_objects_within_the_window(personas, coop, member_a, catalogue):
    today = coop.today()
    recent = FailedInspectionFactory(
        cooperative=coop,
        member=member_a,
        category=catalogue["bedding"],
        sampled_on=today - datetime.timedelta(days=20),
        reported_on=today - datetime.timedelta(days=15),
    )
    url = reverse("inspections:object", args=[recent.pk])
    assert personas.member_b.post(url, {"reason": "wrong"}).status_code == 404
    response = personas.member_a.post(url, {"reason": "样品受潮"})
    assert response.status_code == 302
    assert Objection.objects.get().status == Objection.Status.PENDING
    # A second objection waits for the first.
    assert personas.member_a.post(url, {"reason": "again"}).status_code == 400


def test_an_objection_after_the_window_is_refused_with_the_closing_date(
    personas, coop, member_a, catalogue
):
    old = FailedInspectionFactory(
        cooperative=coop,
        member=member_a,
        category=catalogue["bedding"],
        sampled_on=datetime.date(2025, 2, 10),
        reported_on=datetime.date(2025, 3, 10),
    )
    personas.member_a.cookies["django_language"] = "en"
    response = personas.member_a.post(reverse("inspections:object", args=[old.pk]), {"reason": "x"})
    assert response.status_code == 400
    # 15 working days after Monday 10 March 2025, in the reader's date format, not ISO.
    assert (
        "closed on 31 March 2025, 15 working days after the report date"
        in response.content.decode()
    )
    assert not Objection.objects.exists()


def test_a_member_reads_its_objections_grounds_and_the_decision_with_its_reasons(
    personas, failed_a, regulator
):
    from inspections.services import decide_objection, raise_objection

    objection = raise_objection(
        failed_a, reason="送检样品不是本厂批次", by=None, on=failed_a.reported_on
    )
    detail = reverse("inspections:member_inspection", args=[failed_a.pk])
    page = personas.member_a.get(detail, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "送检样品不是本厂批次" in page
    assert "Reasons for the decision" not in page
    decide_objection(objection, upheld=False, note="批次号与抽样单一致", by=regulator)
    page = personas.member_a.get(detail, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "送检样品不是本厂批次" in page
    assert "决定理由" in page
    assert "批次号与抽样单一致" in page
    assert "决定日期" in page
    assert personas.member_b.get(detail).status_code == 404


@pytest.fixture
def recent_a(coop, member_a, catalogue):
    """A failed result of member A whose objection window is open."""
    today = coop.today()
    return FailedInspectionFactory(
        cooperative=coop,
        member=member_a,
        category=catalogue["bedding"],
        sampled_on=today - datetime.timedelta(days=5),
        reported_on=today - datetime.timedelta(days=2),
    )


def test_a_refused_objection_says_at_the_top_that_it_was_not_lodged(personas, recent_a):
    """On a phone the form is far below the result: the page opens on a summary at its top,
    whose links lead to the fields, and the form's address ends in the summary's id."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    personas.member_a.cookies["django_language"] = "en"
    url = reverse("inspections:object", args=[recent_a.pk])
    broken = SimpleUploadedFile("bad.pdf", b"%PDF-1.4 not really", content_type="application/pdf")
    response = personas.member_a.post(
        url, {"reason": "The sample was mislabelled.", "evidence": broken}
    )
    assert response.status_code == 400
    page = response.content.decode()
    summary = page.index('id="objection-problem"')
    assert summary < page.index('<dl class="facts">')
    top = page[page.rindex("<div", 0, summary) : page.index("</div>", summary)]
    assert 'role="alert"' in top
    assert 'tabindex="-1"' in top
    assert "autofocus" in top
    assert "Your objection was not lodged. Please correct the following:" in top
    assert 'href="#id_evidence"' in top
    assert re.search(r"action=\"[^\"]*/objection/#objection-problem\"", page), re.findall(
        r"action=\"[^\"]*\"", page
    )
    # One summary: the form below shows the error beside its field.
    assert page.count('class="error-summary"') == 1
    assert not Objection.objects.exists()


def test_an_objection_lodged_shows_no_summary(personas, recent_a):
    url = reverse("inspections:object", args=[recent_a.pk])
    assert personas.member_a.post(url, {"reason": "The sample was mislabelled."}).status_code == 302
    page = personas.member_a.get(reverse("inspections:member_inspection", args=[recent_a.pk]))
    assert 'id="objection-problem"' not in page.content.decode()


def test_another_members_user_cannot_object(personas, recent_a):
    url = reverse("inspections:object", args=[recent_a.pk])
    assert personas.member_b.post(url, {"reason": "x"}).status_code == 404
    assert not Objection.objects.exists()
