from __future__ import annotations

import datetime
import io
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from members.models import Member
from pledges.assessment import pdf
from pledges.assessment.pdf import render_notice_pdf, render_report_pdf, render_run_pdfs
from pledges.models import AssessmentPdf, DocumentClaim

from .factories import ResultFactory, RunFactory, publish, supersede


def text_of(path: str) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def embedded_fonts(path: str) -> set[str]:
    """Names of the fonts whose programs are inside the PDF (the subset prefix removed)."""
    families = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts = [font] + [child.get_object() for child in font.get("/DescendantFonts", [])]
            for each in fonts:
                descriptor = each.get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    families.add(str(each["/BaseFont"]).lstrip("/").split("+")[-1])
    return families


def qr_codes(path: str, tmp_path: Path) -> list[str]:
    """Every QR code on the PDF's pages, rendered at 150 dpi as a reader's phone would see it."""
    subprocess.run(["pdftoppm", "-png", "-r", "150", path, str(tmp_path / "page")], check=True)
    found: list[str] = []
    for image in sorted(tmp_path.glob("page*.png")):
        found += [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(image))]
    return found


def test_a_members_report_names_the_member_and_its_score(published_run, member_a, tmp_path):
    document_id = render_report_pdf.delay(published_run.pk, member_a.pk, "zh-hans").get()

    document = AssessmentPdf.objects.get(pk=document_id)
    text = text_of(document.file.path)
    assert document.kind == "report"
    assert "南通甲家纺有限公司" in text
    assert f"南通甲家纺有限公司（{member_a.name_en}）" in text  # full-width brackets in Chinese
    assert member_a.credit_code in text
    assert "74.1" in text
    assert "南通家纺质量合作社" in text
    assert "1 / " in text
    assert embedded_fonts(document.file.path) >= {"Noto-Sans-CJK-SC", "Noto-Serif-CJK-SC-Bold"}
    expected = settings.SITE_URL + reverse(
        "pledges:public_verify_member", args=["nantong", "2025", 1, member_a.credit_code]
    )
    assert qr_codes(document.file.path, tmp_path) == [expected]


def test_the_public_notice_lists_every_member_with_a_verification_code(
    published_run, member_a, member_b, member_c, tmp_path
):
    document_id = render_notice_pdf.delay(published_run.pk, "en").get()

    document = AssessmentPdf.objects.get(pk=document_id)
    text = text_of(document.file.path)
    for member in (member_a, member_b, member_c):
        assert member.name in text
        assert member.credit_code in text
    assert "74.1" in text
    assert "91.3" in text
    assert "Public notice" in text
    expected = settings.SITE_URL + reverse("pledges:public_verify_run", args=["nantong", "2025", 1])
    assert qr_codes(document.file.path, tmp_path) == [expected]


def test_rendering_twice_keeps_one_pdf(published_run, member_a):
    first = render_report_pdf.delay(published_run.pk, member_a.pk, "zh-hans").get()
    stored = AssessmentPdf.objects.get(pk=first).file.name
    second = render_report_pdf.delay(published_run.pk, member_a.pk, "zh-hans").get()

    assert first == second
    assert AssessmentPdf.objects.count() == 1
    assert AssessmentPdf.objects.get().file.name == stored


def test_a_draft_is_never_drawn(draft_period, member_a):
    run = draft_period.runs.get()

    assert render_report_pdf.delay(run.pk, member_a.pk, "zh-hans").get() is None
    assert render_notice_pdf.delay(run.pk, "zh-hans").get() is None
    assert AssessmentPdf.objects.count() == 0


def test_a_correction_gets_a_report_of_its_own(published_run, period, charter, member_a):
    render_report_pdf.delay(published_run.pk, member_a.pk, "zh-hans").get()
    correction = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=correction, member=member_a, score=Decimal("80.0"), grade="B")
    supersede(published_run)
    publish(correction, revision=2, note="撤销一项抽检结果")

    document = AssessmentPdf.objects.get(
        pk=render_report_pdf.delay(correction.pk, member_a.pk, "zh-hans").get()
    )

    assert AssessmentPdf.objects.filter(member=member_a).count() == 2
    assert "/r2/" in document.file.name
    text = text_of(document.file.path)
    assert "80.0" in text
    assert "撤销一项抽检结果" in text


def test_publishing_queues_the_notice_in_both_languages(published_run):
    assert render_run_pdfs.delay(published_run.pk).get() == 2

    assert sorted(AssessmentPdf.objects.values_list("language", flat=True)) == ["en", "zh-hans"]


@pytest.mark.parametrize("persona", ["anonymous", "member_b", "regulator"])
def test_the_report_is_served_once_drawn(
    personas, persona, published_run, member_a, django_capture_on_commit_callbacks
):
    reader = getattr(personas, persona)
    url = reverse("pledges:public_report_pdf", args=["nantong", "2025", 1, member_a.credit_code])

    with (
        mock.patch("pledges.assessment.pdf.enqueue", wraps=pdf.enqueue) as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        pending = reader.get(url)
    ready = reader.get(url)

    assert pending.status_code == 202
    assert not pending.has_header("Retry-After")
    assert enqueue.call_count == 1
    assert ready.status_code == 200
    assert ready["Content-Type"] == "application/pdf"
    assert b"".join(ready.streaming_content).startswith(b"%PDF")
    ready.close()


def test_the_notice_is_served_in_the_readers_language(
    client, published_run, django_capture_on_commit_callbacks
):
    url = reverse("pledges:public_notice_pdf", args=["nantong", "2025", 1])

    with django_capture_on_commit_callbacks(execute=True):
        client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(url)

    assert english.status_code == 200
    assert english["Content-Type"] == "application/pdf"
    assert chinese.status_code == 202
    assert pdf.cached(published_run, "notice", None, "en") is not None
    assert pdf.cached(published_run, "notice", None, "zh-hans") is None
    # Closing a streamed response ends the request, which may close the database connection.
    english.close()


def test_a_report_of_a_member_not_in_the_run_is_a_404(client, published_run, coop):
    from tests.factories import MemberFactory

    newcomer = MemberFactory(cooperative=coop)
    url = reverse("pledges:public_report_pdf", args=["nantong", "2025", 1, newcomer.credit_code])

    assert client.get(url).status_code == 404


def test_asked_for_seven_times_before_it_exists_the_notice_is_queued_once(
    personas, published_run, django_capture_on_commit_callbacks
):
    url = reverse("pledges:public_notice_pdf", args=["nantong", "2025", 1])

    with mock.patch("pledges.assessment.pdf.enqueue") as enqueue:
        for _attempt in range(7):
            response = personas.anonymous.get(url)
            assert response.status_code == 202

    assert enqueue.call_count == 1
    assert DocumentClaim.objects.count() == 1


def test_the_being_prepared_page_asks_no_browser_to_retry(client, published_run):
    url = reverse("pledges:public_notice_pdf", args=["nantong", "2025", 1])

    with mock.patch("coop_portal.tasks.send_task"):
        pending = client.get(url)

    assert pending.status_code == 202
    assert not pending.has_header("Retry-After")
    assert not pending.has_header("Refresh")
    assert b"http-equiv" not in pending.content
    # No script of its own either (the page's only script lays out tables on phones).
    assert pending.content.count(b"<script") == pending.content.count(b"js/tables.js")


def test_the_publication_claims_the_notices_so_readers_queue_nothing(
    coop, charter, member_a, client, django_capture_on_commit_callbacks, monkeypatch
):
    from members.models import Cooperative
    from pledges.assessment import services

    monkeypatch.setattr(Cooperative, "today", lambda self: datetime.date(2026, 2, 1))
    period = services.period_for(coop, "2024")
    run = services.start_run(period, dispatch=False)
    services.compute_run_now(run)
    with django_capture_on_commit_callbacks(execute=False) as at_publication:
        services.publish_run(run, by=None)
    assert sorted(DocumentClaim.objects.values_list("language", flat=True)) == ["en", "zh-hans"]
    url = reverse("pledges:public_notice_pdf", args=["nantong", "2024", 1])

    with django_capture_on_commit_callbacks(execute=False) as by_readers:
        for _attempt in range(3):
            assert client.get(url).status_code == 202

    assert by_readers == []
    assert len(at_publication) >= 3  # two notices and the recomputation check


def test_a_claim_whose_render_died_is_taken_over_once_it_is_old(published_run):
    assert pdf.claim(published_run, "notice", None, "en")
    assert not pdf.claim(published_run, "notice", None, "en")
    DocumentClaim.objects.update(claimed_at=timezone.now() - pdf.CLAIM_LIFETIME * 2)

    assert pdf.claim(published_run, "notice", None, "en")
    assert not pdf.claim(published_run, "notice", None, "en")


def test_a_large_notice_is_drawn_in_parts_joined_in_one_file(
    published_run, member_a, member_b, member_c
):
    content = pdf.render_notice(published_run, "en", part_size=1)

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Part 1 of 3" in text
    assert "Part 3 of 3" in text
    for member in (member_a, member_b, member_c):
        assert member.credit_code in text
    # The rows keep counting across parts; the English notice names members in English,
    # with their registered Chinese names beneath.
    third = sorted_members(published_run)[2]
    assert re.search(r"(^|\s)3\s*" + re.escape(third.name_en), text)
    assert third.name in text


def sorted_members(run) -> list[Member]:
    return [
        result.member
        for result in run.results.order_by(
            "member__name", "member__credit_code", "pk"
        ).select_related("member")
    ]


def test_a_notice_longer_than_its_limit_points_to_the_full_list_instead_of_printing_it(
    published_run, member_a, member_b, member_c
):
    content = pdf.render_notice(published_run, "zh-hans", roster_limit=2)

    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # One short document, whatever the number of members: no member listed, every grade counted.
    assert len(reader.pages) == 1
    flat = re.sub(r"\s+", "", text)
    for member in (member_a, member_b, member_c):
        assert member.credit_code not in flat
    assert "结果名单" in text
    assert "不超过 2 家" in text
    # The objection deadline with its unit and basis, as on the portal's pages.
    assert "公示期结束" in text or "公示期截止" in text
    assert "个工作日" in flat
    # Where the list is: the revision's public page and its open data, both of this revision.
    assert reverse("pledges:public_revision", args=["nantong", "2025", 1]) in flat
    assert "cooperative=nantong&period=2025&revision=1&format=csv" in flat


def test_the_open_data_address_of_a_long_notice_answers_the_full_list(
    client, published_run, member_a, member_b, member_c
):
    url = pdf.open_data_url(published_run)

    address = urlsplit(url)
    response = client.get(f"{address.path}?{address.query}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    for member in (member_a, member_b, member_c):
        assert member.credit_code in body


def test_a_notice_up_to_its_limit_prints_the_list(published_run, member_a, member_b, member_c):
    content = pdf.render_notice(published_run, "zh-hans", roster_limit=3)

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    # A code may be cut across lines by the extraction: compared without white space.
    flat = re.sub(r"\s+", "", text)
    for member in (member_a, member_b, member_c):
        assert member.credit_code in flat
    assert "结果名单" not in flat
