import io
import subprocess
import tempfile
from pathlib import Path

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from pledges.models.pledge import Pledge
from pledges.tasks import render_pledge_pdf_task
from tests.pledges.pledge_factories import (
    charter_for,
    fast_passwords,  # noqa: F401 - autouse
    published,
)

pytestmark = pytest.mark.django_db


def qr_codes_of(pdf: bytes) -> list[str]:
    """Render the PDF's first page to an image, as a phone camera would see it, and decode."""
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "pledge.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "200",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(source),
                str(Path(directory) / "page"),
            ],
            check=True,
        )
        image = Image.open(next(Path(directory).glob("page*.png")))
        return [result.text for result in zxingcpp.read_barcodes(image)]


def test_the_pdf_holds_the_chinese_name_and_a_qr_code_of_the_live_page(client, member_a, settings):
    settings.SITE_URL = "https://coop.example.cn"
    charter_for(member_a.cooperative)
    pledge = published(member_a)
    assert render_pledge_pdf_task(pledge.pk) is True
    response = client.get(
        reverse("pledges:pdf", args=[member_a.cooperative.slug, member_a.credit_code, 1])
    )
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "南通甲家纺有限公司" in text
    assert member_a.credit_code in text
    live = "https://coop.example.cn" + reverse(
        "pledges:member", args=[member_a.cooperative.slug, member_a.credit_code]
    )
    assert qr_codes_of(pdf) == [live]


def test_rendering_twice_does_nothing_the_second_time(member_a):
    pledge = published(member_a)
    assert render_pledge_pdf_task(pledge.pk) is True
    name = Pledge.objects.get(pk=pledge.pk).pdf.name
    assert render_pledge_pdf_task(pledge.pk) is False
    assert Pledge.objects.get(pk=pledge.pk).pdf.name == name


def test_a_draft_gets_no_pdf(member_a):
    from tests.pledges.pledge_factories import make_pledge

    draft = make_pledge(member_a)
    assert render_pledge_pdf_task(draft.pk) is False
    assert not Pledge.objects.get(pk=draft.pk).pdf


def test_the_pdf_view_queues_a_missing_pdf_and_serves_it_once_rendered(
    client, member_a, django_capture_on_commit_callbacks
):
    published(member_a)
    url = reverse("pledges:pdf", args=[member_a.cooperative.slug, member_a.credit_code, 1])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pending = client.get(url)
    assert pending.status_code == 202
    assert not pending.has_header("Retry-After")
    # The render queued (the other callback drops the cached pages once it saved the PDF).
    assert len([c for c in callbacks if c.__qualname__.startswith("enqueue")]) == 1
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_current_pdf_address_leads_to_the_version_in_force(client, member_a):
    import datetime

    published(member_a, 1, datetime.date(2024, 1, 1))
    published(member_a, 2, datetime.date(2024, 6, 1))
    response = client.get(
        reverse("pledges:current_pdf", args=[member_a.cooperative.slug, member_a.credit_code])
    )
    assert response.url == reverse(
        "pledges:pdf", args=[member_a.cooperative.slug, member_a.credit_code, 2]
    )


def test_asked_for_many_times_before_it_exists_the_pdf_is_queued_once(
    client, member_a, django_capture_on_commit_callbacks
):
    published(member_a)
    url = reverse("pledges:pdf", args=[member_a.cooperative.slug, member_a.credit_code, 1])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _attempt in range(7):
            assert client.get(url).status_code == 202
    assert len(callbacks) == 1
