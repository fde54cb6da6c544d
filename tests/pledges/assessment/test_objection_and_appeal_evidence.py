"""Photos and PDFs a member sends with an appeal, an objection to a spot-check result or an
objection to an assessment: checked by the complaints' evidence checks (coop_portal.evidence),
stored through the storage, read by the member's users and the deciding staff, 404 for
everyone else."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from charter.models import Appeal, AppealEvidence
from charter.services import take_exit_step
from inspections.models import Objection, ObjectionEvidence
from inspections.services import settle_inspection
from pledges.assessment import services as assessment
from pledges.models.assessment import MemberObjection, MemberObjectionEvidence
from tests.complaints.factories import PDF, image_bytes, upload
from tests.inspections.factories import FailedInspectionFactory, TestCategoryFactory

from .conftest import compute
from .factories import inspections, pledge

pytestmark = pytest.mark.django_db

D = datetime.date
OUTSIDE = ("member_b", "lab", "other_administrator")


def files() -> list:
    return [upload("现场照片.jpg", image_bytes("JPEG", gps=True)), upload("检测报告.pdf", PDF)]


def login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# Appeals ---------------------------------------------------------------------------------


@pytest.fixture
def step(coop, member_a, administrator):
    from charter.setup import setup_charter

    setup_charter(coop)
    return take_exit_step(member_a, "warning", by=administrator, reason="等级 D")


def test_a_member_appeals_with_a_photo_and_a_pdf_that_it_and_the_administrators_read(
    personas, member_a, step
):
    response = personas.member_a.post(
        reverse("charter:appeal", args=[step.pk]), {"grounds": "投诉已撤回", "evidence": files()}
    )
    assert response.status_code == 302
    photo, report = AppealEvidence.objects.order_by("pk")
    assert photo.appeal.step == step
    assert default_storage.exists(photo.file.name)
    assert photo.file.name.startswith(f"private/charter/appeals/{photo.appeal_id}/")
    assert photo.content_type == "image/jpeg"
    with photo.file.open("rb") as stored:
        assert b"SecretCam" not in stored.read()
    assert report.content_type == "application/pdf"
    cases = personas.member_a.get(reverse("charter:member_cases"), {"member": member_a.pk})
    photo_url = reverse("charter:appeal_evidence", args=[photo.pk])
    assert photo_url in cases.content.decode()
    assert "现场照片.jpg" in cases.content.decode()
    case_page = personas.administrator.get(
        reverse("charter:case", args=[member_a.cooperative.slug, step.case_id])
    )
    assert photo_url in case_page.content.decode()
    for persona in ("member_a", "administrator"):
        response = getattr(personas, persona).get(photo_url)
        assert response.status_code == 200, persona
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        response.getvalue()
    pdf = personas.member_a.get(reverse("charter:appeal_evidence", args=[report.pk]))
    assert pdf["Content-Disposition"].startswith("attachment")
    pdf.getvalue()
    for persona in (*OUTSIDE, "regulator"):
        assert getattr(personas, persona).get(photo_url).status_code == 404, persona
    assert login_redirect(personas.anonymous.get(photo_url))
    assert personas.member_a.get(reverse("charter:appeal_evidence", args=[0])).status_code == 404


def test_an_appeal_with_a_file_that_is_no_photo_or_pdf_is_refused_and_nothing_is_stored(
    personas, member_a, step
):
    response = personas.member_a.post(
        reverse("charter:appeal", args=[step.pk]),
        {"grounds": "投诉已撤回", "evidence": [upload("说明.txt", b"just text", "text/plain")]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "“说明.txt” is not a JPEG, PNG or WebP photo or a PDF document." in (
        response.content.decode()
    )
    assert not Appeal.objects.exists()
    assert not AppealEvidence.objects.exists()


# Objections to spot-check results -----------------------------------------------------


@pytest.fixture
def failed(coop, member_a):
    from charter.setup import setup_charter

    setup_charter(coop)
    inspection = FailedInspectionFactory(
        cooperative=coop,
        member=member_a,
        category=TestCategoryFactory(cooperative=coop),
        reported_on=coop.today(),
    )
    settle_inspection(inspection)
    return inspection


def test_a_member_objects_to_a_result_with_files_the_regulator_reads(personas, failed):
    response = personas.member_a.post(
        reverse("inspections:object", args=[failed.pk]),
        {"reason": "样品不是本厂产品", "evidence": files()},
    )
    assert response.status_code == 302
    photo = ObjectionEvidence.objects.order_by("pk").first()
    assert photo.objection.inspection == failed
    assert photo.file.name.startswith(f"private/inspections/objections/{photo.objection_id}/")
    url = reverse("inspections:objection_evidence", args=[photo.pk])
    page = personas.member_a.get(reverse("inspections:member_inspection", args=[failed.pk]))
    assert url in page.content.decode()
    decide = reverse(
        "inspections:decide_objection", args=[failed.cooperative.slug, photo.objection_id]
    )
    assert url in personas.regulator.get(decide).content.decode()
    for persona in ("member_a", "regulator", "administrator"):
        response = getattr(personas, persona).get(url)
        assert response.status_code == 200, persona
        response.getvalue()
    for persona in OUTSIDE:
        assert getattr(personas, persona).get(url).status_code == 404, persona
    assert login_redirect(personas.anonymous.get(url))


def test_an_objection_with_too_many_files_is_refused_in_the_readers_language(personas, failed):
    six = [upload(f"照片{n}.jpg", image_bytes("JPEG")) for n in range(6)]
    response = personas.member_a.post(
        reverse("inspections:object", args=[failed.pk]),
        {"reason": "样品不是本厂产品", "evidence": six},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "最多" in response.content.decode()
    assert not Objection.objects.exists()
    assert not ObjectionEvidence.objects.exists()


# Objections to assessments -------------------------------------------------------------


@pytest.fixture
def published(coop, charter, member_a, member_b, freeze_today):
    pledge(member_a)
    inspections(member_a, 2, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 2))
    draft = compute(coop, "2025")
    freeze_today(D(2026, 2, 1))
    return assessment.publish_run(draft, by=None)


def objection_url(run) -> str:
    return reverse(
        "pledges:assessment_objection",
        kwargs={"slug": run.period.cooperative.slug, "run_id": run.pk},
    )


def test_a_member_objects_to_its_assessment_with_files_the_regulator_reads(personas, published):
    response = personas.member_a.post(
        objection_url(published), {"text": "报告 R1 不是本厂的。", "evidence": files()}
    )
    assert response.status_code == 302
    photo = MemberObjectionEvidence.objects.order_by("pk").first()
    assert photo.file.name.startswith(f"private/pledges/objections/{photo.objection_id}/")
    url = reverse("pledges:assessment_objection_evidence", args=[photo.pk])
    assert url in personas.member_a.get(objection_url(published)).content.decode()
    run_page = reverse(
        "pledges:assessment_run",
        kwargs={"slug": published.period.cooperative.slug, "run_id": published.pk},
    )
    assert url in personas.regulator.get(run_page).content.decode()
    for persona in ("member_a", "regulator", "administrator"):
        response = getattr(personas, persona).get(url)
        assert response.status_code == 200, persona
        response.getvalue()
    for persona in OUTSIDE:
        assert getattr(personas, persona).get(url).status_code == 404, persona
    assert login_redirect(personas.anonymous.get(url))


def test_an_assessment_objection_with_an_active_pdf_is_refused(personas, published):
    from tests.complaints.factories import pdf_document

    active = pdf_document(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /S /JavaScript /JS (app.alert(1)) >>",
    )
    response = personas.member_a.post(
        objection_url(published),
        {"text": "报告 R1 不是本厂的。", "evidence": [upload("x.pdf", active, "application/pdf")]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "active content" in response.content.decode()
    assert not MemberObjection.objects.exists()
