"""One-stop service requests, the public results and pass-rate statistics, catalogue, demo."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from inspections import demo
from inspections.models import Inspection, ServiceRequest, TestCategory, TestItem
from inspections.services import request_service
from inspections.setup import setup_catalogue
from inspections.statistics import pass_rates
from members.models import Cooperative, Member
from tests.factories import LabFactory
from tests.inspections.factories import FailedInspectionFactory, InspectionFactory

pytestmark = pytest.mark.django_db


# One-stop service -----------------------------------------------------------------------------


def test_a_member_asks_the_test_centre_and_the_lab_moves_it_along(personas, coop, lab, member_a):
    response = personas.member_a.post(
        reverse("inspections:member_services"),
        {"lab": lab.pk, "product": "羽绒被", "question": "新品上市前全项检测"},
    )
    assert response.status_code == 302
    service = ServiceRequest.objects.get()
    assert (service.member, service.step) == (member_a, ServiceRequest.Step.CONSULTATION)

    lab_url = reverse("inspections:lab_service", args=[coop.slug, service.pk])
    assert (
        personas.lab.get(reverse("inspections:lab_services", args=[coop.slug])).status_code == 200
    )
    moved = personas.lab.post(lab_url, {"note": "检测方案已确定", "advance": "on"})
    assert moved.status_code == 302
    service.refresh_from_db()
    assert service.step == ServiceRequest.Step.TEST_PLAN
    member_view = personas.member_a.get(reverse("inspections:member_service", args=[service.pk]))
    assert "检测方案已确定" in member_view.content.decode()


def test_service_requests_are_seen_only_by_their_member_and_their_lab(
    personas, coop, lab, member_a, member_b, lab_user
):
    service = request_service(member_a, lab=lab, product="枕芯", question="?", by=lab_user)
    member_url = reverse("inspections:member_service", args=[service.pk])
    lab_url = reverse("inspections:lab_service", args=[coop.slug, service.pk])
    assert personas.member_b.get(member_url).status_code == 404
    assert personas.lab.get(member_url).status_code == 404
    assert personas.anonymous.get(member_url).status_code == 302
    for client in (personas.member_a, personas.administrator, personas.regulator):
        assert client.get(lab_url).status_code == 404
    assert personas.member_a.post(lab_url, {"note": "x", "advance": "on"}).status_code == 404
    # A request addressed to another lab is not this lab's.
    other = LabFactory()
    other.cooperatives.add(coop)
    theirs = request_service(member_a, lab=other, product="枕芯", question="?", by=lab_user)
    assert (
        personas.lab.get(
            reverse("inspections:lab_service", args=[coop.slug, theirs.pk])
        ).status_code
        == 404
    )


def test_a_completed_request_has_no_next_step(personas, coop, lab, member_a, lab_user):
    service = request_service(member_a, lab=lab, product="枕芯", question="?", by=lab_user)
    ServiceRequest.objects.filter(pk=service.pk).update(step=ServiceRequest.Step.COMPLETED)
    url = reverse("inspections:lab_service", args=[coop.slug, service.pk])
    assert personas.lab.post(url, {"note": "x", "advance": "on"}).status_code == 403
    assert personas.lab.post(url, {"note": "a last word"}).status_code == 302


def test_the_service_lists_have_a_constant_query_count(
    personas, coop, lab, member_a, lab_user, django_assert_num_queries
):
    def add() -> None:
        request_service(member_a, lab=lab, product="枕芯", question="?", by=lab_user)

    add()
    with django_assert_num_queries(6):
        personas.member_a.get(reverse("inspections:member_services"))
    with django_assert_num_queries(5):
        personas.lab.get(reverse("inspections:lab_services", args=[coop.slug]))
    for _ in range(8):
        add()
    with django_assert_num_queries(6):
        personas.member_a.get(reverse("inspections:member_services"))
    with django_assert_num_queries(5):
        personas.lab.get(reverse("inspections:lab_services", args=[coop.slug]))


# Public ---------------------------------------------------------------------------------------


def test_the_public_page_shows_final_spot_checks_with_public_fields_only(
    personas, coop, member_a, member_b, catalogue
):
    InspectionFactory(
        cooperative=coop, member=member_a, category=catalogue["bedding"], report_no="PUB-1"
    )
    voided = FailedInspectionFactory(
        cooperative=coop,
        member=member_a,
        category=catalogue["bedding"],
        report_no="VOID-1",
        status=Inspection.Status.VOIDED,
        void_note="样品受潮，结论作废",
    )
    InspectionFactory(
        cooperative=coop,
        member=member_a,
        category=catalogue["bedding"],
        report_no="OWN-1",
        kind=Inspection.Kind.COMMISSIONED,
    )
    InspectionFactory(
        cooperative=coop, member=member_b, category=catalogue["bedding"], report_no="MEMBER-B-77"
    )
    url = reverse("inspections:public_member", args=[coop.slug, member_a.credit_code])
    response = personas.anonymous.get(url)
    assert response.status_code == 200
    final = [inspection.report_no for inspection in response.context["page"]]
    assert final == ["PUB-1"]
    text = response.content.decode()
    assert voided.void_note in text
    assert "MEMBER-B-77" not in text
    assert "OWN-1" not in text
    assert member_a.phone not in text
    assert member_a.email not in text


def test_an_applicant_or_another_cooperatives_member_has_no_public_page(
    personas, coop, other_coop, member_a
):
    Member.objects.filter(pk=member_a.pk).update(status=Member.Status.APPLICANT)
    url = reverse("inspections:public_member", args=[coop.slug, member_a.credit_code])
    assert personas.anonymous.get(url).status_code == 404
    other = reverse("inspections:public_member", args=[other_coop.slug, member_a.credit_code])
    assert personas.anonymous.get(other).status_code == 404


def test_pass_rates_by_year_and_category_with_the_change_on_the_year(coop, member_a, catalogue):
    def spot_checks(year: int, total: int, failed: int, category: str = "bedding") -> None:
        for number in range(total):
            factory = FailedInspectionFactory if number < failed else InspectionFactory
            factory(
                cooperative=coop,
                member=member_a,
                category=catalogue[category],
                sampled_on=datetime.date(year, 5, 1),
                reported_on=datetime.date(year, 5, 10),
            )

    spot_checks(2020, 1000, 93)
    spot_checks(2021, 1000, 73)
    # Voided results and commissioned tests are not spot-check results.
    FailedInspectionFactory(
        cooperative=coop,
        member=member_a,
        category=catalogue["bedding"],
        sampled_on=datetime.date(2021, 6, 1),
        reported_on=datetime.date(2021, 6, 9),
        status=Inspection.Status.VOIDED,
    )
    rates = pass_rates(coop)
    assert [(row.year, row.overall.rate) for row in rates.years] == [
        (2020, Decimal("90.7")),
        (2021, Decimal("92.7")),
    ]
    with translation.override("en"):
        assert rates.headline() == "92.7% in 2021, up 2.0 points"


def test_the_statistics_page_has_a_chart_a_table_and_a_constant_query_count(
    personas, coop, member_a, catalogue, django_assert_num_queries
):
    url = reverse("inspections:statistics", args=[coop.slug])
    InspectionFactory(cooperative=coop, member=member_a, category=catalogue["bedding"])
    with django_assert_num_queries(3):
        response = personas.anonymous.get(url)
    assert "<svg" in response.content.decode()
    assert "<table" in response.content.decode()
    for year in range(2021, 2026):
        for code in catalogue:
            InspectionFactory(
                cooperative=coop,
                member=member_a,
                category=catalogue[code],
                sampled_on=datetime.date(year, 3, 1),
                reported_on=datetime.date(year, 3, 9),
            )
    with django_assert_num_queries(3):
        response = personas.anonymous.get(url)
    assert response.status_code == 200
    assert personas.anonymous.get("/inspections/nowhere/statistics/").status_code == 404


def test_the_public_member_page_has_a_constant_query_count(
    personas, coop, member_a, catalogue, django_assert_num_queries
):
    url = reverse("inspections:public_member", args=[coop.slug, member_a.credit_code])
    InspectionFactory(cooperative=coop, member=member_a, category=catalogue["bedding"])
    # The member, the page's count and rows, the voided results and the member's replies.
    with django_assert_num_queries(5):
        personas.anonymous.get(url)
    for _ in range(10):
        InspectionFactory(cooperative=coop, member=member_a, category=catalogue["fabrics"])
    with django_assert_num_queries(5):
        personas.anonymous.get(url)


# Catalogue and demo ---------------------------------------------------------------------------


def test_the_home_textile_catalogue_is_loaded_once_with_gb_methods(coop):
    assert setup_catalogue(coop, "home-textiles") == 4
    assert setup_catalogue(coop, "home-textiles") == 0
    codes = set(TestCategory.objects.filter(cooperative=coop).values_list("code", flat=True))
    assert codes == {"fabrics", "fibre-products", "garments", "bedding"}
    formaldehyde = TestItem.objects.get(
        category__cooperative=coop, category__code="fabrics", code="formaldehyde"
    )
    assert formaldehyde.method_standard == "GB/T 2912.1"
    assert formaldehyde.limit_max == 75
    bedding = set(
        TestItem.objects.filter(category__cooperative=coop, category__code="bedding").values_list(
            "code", flat=True
        )
    )
    assert {"down-content", "fill-mass", "ph", "fastness-rubbing", "aromatic-amines"} <= bedding
    assert not TestItem.objects.filter(name_en="").exists()


def test_setup_cooperative_loads_the_catalogue(db):
    call_command("setup_cooperative", "rice-too", "--name", "家纺", "--industry", "home-textiles")
    cooperative = Cooperative.objects.get(slug="rice-too")
    assert TestItem.objects.filter(category__cooperative=cooperative).count() > 50


def test_the_demo_loads_realistic_inspections_once(coop, catalogue, lab, member_a, member_b):
    demo.load(coop)
    count = Inspection.objects.filter(cooperative=coop).count()
    assert count > 300
    demo.load(coop)
    assert Inspection.objects.filter(cooperative=coop).count() == count
    rates = [row.overall.rate for row in pass_rates(coop).years]
    assert len(rates) == 5
    assert rates == sorted(rates)
    assert rates[0] >= 90
    assert rates[-1] <= 94
    assert Inspection.objects.filter(status=Inspection.Status.VOIDED).exists()
    assert set(Inspection.objects.exclude(severity="").values_list("severity", flat=True)) == {
        "minor",
        "major",
        "critical",
    }
