"""Following a complaint with its reference and tracking code; evidence downloads."""

from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from charter.deadlines import commitment_days
from complaints import services
from complaints.models import Complaint, ComplaintEvent, SatisfactionFeedback
from coop_portal.models import RateLimitCount
from tests.complaints.factories import PDF, form_data, image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(coop, member_a):
    complaint, code = services.submit_complaint(
        coop,
        services.Submission(
            member=member_a,
            product="蚕丝被",
            description="标注桑蚕丝，实际含化纤。",
            desired_outcome="退款",
            contact_name="李四",
            contact_phone="13700001111",
            contact_email="li@example.com",
            evidence=[],
        ),
    )
    return complaint, code


def track_url(coop):
    return reverse("complaints:track", args=[coop.slug])


def detail_url(complaint):
    return reverse(
        "complaints:track_detail", args=[complaint.cooperative.slug, complaint.reference]
    )


def sign_in(client, complaint, code):
    return client.post(
        track_url(complaint.cooperative), {"reference": complaint.reference, "code": code}
    )


def test_the_consumer_follows_the_timeline_without_internal_notes(client, filed, administrator):
    complaint, code = filed
    services.add_note(complaint, administrator, "内部备注：商家曾有类似投诉", public=False)
    services.accept_complaint(complaint, administrator, text="已受理")
    response = sign_in(client, complaint, code.lower().replace("-", " "))
    assert response.status_code == 302
    assert response.url == detail_url(complaint)
    page = client.get(response.url).content.decode()
    assert complaint.reference in page
    assert "已受理" in page
    assert "内部备注" not in page


def test_a_forged_code_is_a_404(client, filed):
    complaint, _ = filed
    response = sign_in(client, complaint, "AAAA-BBBB-CCCC")
    assert response.status_code == 404
    assert client.get(detail_url(complaint)).status_code == 404


def test_an_unknown_reference_is_the_same_404(client, filed, coop):
    _, code = filed
    response = client.post(track_url(coop), {"reference": "NA-2099-999999", "code": code})
    assert response.status_code == 404


def test_a_code_from_another_cooperative_gives_nothing(client, filed, other_coop):
    complaint, code = filed
    response = client.post(track_url(other_coop), {"reference": complaint.reference, "code": code})
    assert response.status_code == 404


def test_the_timeline_is_not_reachable_without_the_code(client, filed):
    complaint, _ = filed
    assert client.get(detail_url(complaint)).status_code == 404


def test_tracking_attempts_are_rate_limited_per_address(client, filed, settings):
    settings.COMPLAINTS_TRACKING_RATE = "3/h"
    complaint, code = filed
    for _ in range(3):
        assert sign_in(client, complaint, "AAAA-BBBB-CCCC").status_code == 404
    response = sign_in(client, complaint, code)
    assert response.status_code == 429
    assert "Retry-After" in response


def test_tracking_attempts_are_still_limited_with_redis_down(client, filed, settings):
    """With the cache down, tracking-code attempts are counted in the database, so guessing
    stays limited."""
    settings.COMPLAINTS_TRACKING_RATE = "3/h"
    complaint, code = filed
    with mock.patch("django_ratelimit.core.caches") as caches:
        caches.__getitem__.return_value.add.side_effect = ConnectionError("redis down")
        guesses = [sign_in(client, complaint, f"AAAA-BBBB-{n:04d}") for n in range(3)]
        assert [guess.status_code for guess in guesses] == [404, 404, 404]
        blocked = sign_in(client, complaint, code)
        assert blocked.status_code == 429
        assert 0 < int(blocked["Retry-After"]) <= 3600
        # Another address is not held back.
        other = client.post(
            track_url(complaint.cooperative),
            {"reference": complaint.reference, "code": code},
            REMOTE_ADDR="10.9.9.9",
        )
        assert other.status_code == 302
    # Counted per limit, window and hashed address: no address is stored.
    assert RateLimitCount.objects.count() == 2
    assert not RateLimitCount.objects.filter(key__contains="127.0.0.1").exists()


def test_the_consumer_adds_information_and_a_file(
    client, filed, administrator, django_capture_on_commit_callbacks
):
    complaint, code = filed
    sign_in(client, complaint, code)
    url = reverse("complaints:track_add", args=[complaint.cooperative.slug, complaint.reference])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"text": "补充：购买凭证见附件", "evidence": [upload("r.pdf", PDF, "application/pdf")]},
        )
    assert response.status_code == 302
    event = complaint.events.get(kind=ComplaintEvent.Kind.INFORMATION)
    assert event.actor == ComplaintEvent.Actor.CONSUMER
    assert event.evidence.get().content_type == "application/pdf"


def test_bad_information_is_refused_with_a_message(client, filed):
    complaint, code = filed
    sign_in(client, complaint, code)
    url = reverse("complaints:track_add", args=[complaint.cooperative.slug, complaint.reference])
    response = client.post(url, {"text": "x" * 5001})
    assert response.status_code == 400
    assert not complaint.events.filter(kind=ComplaintEvent.Kind.INFORMATION).exists()


def test_information_cannot_be_added_to_a_closed_complaint(client, filed, administrator):
    complaint, code = filed
    services.reject_complaint(complaint, administrator, "duplicate")
    sign_in(client, complaint, code)
    url = reverse("complaints:track_add", args=[complaint.cooperative.slug, complaint.reference])
    assert client.post(url, {"text": "还有"}).status_code == 403


def test_adding_information_without_the_code_is_a_404(client, filed):
    complaint, _ = filed
    url = reverse("complaints:track_add", args=[complaint.cooperative.slug, complaint.reference])
    assert client.post(url, {"text": "还有"}).status_code == 404


def test_feedback_is_given_once_after_closure(client, filed, administrator):
    complaint, code = filed
    sign_in(client, complaint, code)
    url = reverse(
        "complaints:track_feedback", args=[complaint.cooperative.slug, complaint.reference]
    )
    assert client.post(url, {"rating": 5}).status_code == 403
    services.accept_complaint(complaint, administrator)
    services.resolve_complaint(complaint, administrator, "relief_given")
    assert "rating" in client.get(detail_url(complaint)).content.decode()
    assert client.post(url, {"rating": 9}).status_code == 400
    assert client.post(url, {"rating": 4, "comment": "很好"}).status_code == 302
    feedback = SatisfactionFeedback.objects.get()
    assert (feedback.rating, feedback.comment) == (4, "很好")
    assert client.post(url, {"rating": 1}).status_code == 403
    assert SatisfactionFeedback.objects.get().rating == 4


# Evidence downloads: never inline, only to those who may see it.


@pytest.fixture
def evidence(coop, member_a, client):
    complaint, code = services.submit_complaint(
        coop,
        services.Submission(
            member=member_a,
            product="毛巾",
            description="掉毛",
            desired_outcome="换货",
            contact_name="王五",
            contact_email="wang@example.com",
            evidence=services_checked(),
        ),
    )
    return complaint, code, complaint.evidence.get()


def services_checked():
    from coop_portal.evidence import check_file

    return [check_file(upload("photo.jpg", image_bytes("JPEG")))]


def download(client, evidence):
    return client.get(reverse("complaints:evidence", args=[evidence.pk]))


def test_the_consumer_with_the_code_sees_a_photo_in_the_page_and_in_the_browser(client, evidence):
    complaint, code, file = evidence
    sign_in(client, complaint, code)
    page = client.get(
        reverse("complaints:track_detail", args=[complaint.cooperative.slug, complaint.reference])
    ).content.decode()
    assert f'<img src="{reverse("complaints:evidence", args=[file.pk])}"' in page
    response = download(client, file)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_evidence_is_hidden_from_those_who_may_not_see_it(personas, evidence):
    _, _, file = evidence
    for client in (
        personas.anonymous,
        personas.other_administrator,
        personas.member_b,
        personas.regulator,
        personas.lab,
        # The member sees evidence only when the consumer agreed to share contact details.
        personas.member_a,
    ):
        assert download(client, file).status_code == 404


def test_the_administrator_downloads_evidence(personas, evidence):
    response = download(personas.administrator, evidence[2])
    assert response.status_code == 200
    response.getvalue()  # read to the end: the test client then closes the file


def test_the_member_downloads_evidence_when_the_consumer_consented(
    personas, evidence, administrator
):
    complaint, _, file = evidence
    Complaint.objects.filter(pk=complaint.pk).update(share_contact=True)
    # Not before the complaint is forwarded to the member.
    assert download(personas.member_a, file).status_code == 404
    services.accept_complaint(complaint, administrator)
    services.forward_complaint(complaint, administrator)
    response = download(personas.member_a, file)
    assert response.status_code == 200
    response.getvalue()  # read to the end: the test client then closes the file


def test_feedback_without_the_code_is_a_404(client, filed, administrator):
    complaint, _ = filed
    services.reject_complaint(complaint, administrator, "duplicate")
    url = reverse(
        "complaints:track_feedback", args=[complaint.cooperative.slug, complaint.reference]
    )
    assert client.post(url, {"rating": 5}).status_code == 404
    assert not SatisfactionFeedback.objects.exists()


def test_the_tracking_form_is_open_to_everyone(client, coop):
    response = client.get(track_url(coop))
    assert response.status_code == 200
    assert 'for="id_code"' in response.content.decode()


def test_the_consumer_reads_their_own_words_and_when_to_expect_an_answer(client, filed):
    complaint, code = filed
    sign_in(client, complaint, code)
    page = client.get(detail_url(complaint), headers={"accept-language": "en"}).content.decode()
    assert "标注桑蚕丝，实际含化纤。" in page
    assert "退款" in page
    days = commitment_days(complaint.member, "response_days", complaint.received_on)
    assert f"the member must answer within {days} days" in page


def test_adding_information_has_its_own_limit_and_keeps_the_text_over_it(
    client, filed, coop, member_a, settings
):
    settings.COMPLAINTS_FORM_RATE = "1/h"
    complaint, code = filed
    # A complaint filed from this address does not use up the limit of additions.
    assert (
        client.post(reverse("complaints:file", args=[coop.slug]), form_data(member_a)).status_code
        == 200
    )
    sign_in(client, complaint, code)
    url = reverse("complaints:track_add", args=[coop.slug, complaint.reference])
    assert client.post(url, {"text": ""}).status_code == 400
    assert client.post(url, {"text": "补充：购买凭证已上传。"}).status_code == 302
    held = client.post(url, {"text": "再补充：商家电话打不通。"})
    assert held.status_code == 429
    assert "再补充：商家电话打不通。" in held.content.decode()
    assert complaint.events.filter(kind="information").count() == 1


def test_the_link_in_the_consumers_mail_fills_the_reference_in(client, filed):
    complaint, _code = filed
    link = services.tracking_url(complaint)
    assert link.endswith(f"{track_url(complaint.cooperative)}?reference={complaint.reference}")
    address = urlsplit(link)
    page = client.get(f"{address.path}?{address.query}")
    assert page.context["form"]["reference"].value() == complaint.reference
    long = client.get(track_url(complaint.cooperative), {"reference": "X" * 500})
    assert len(long.context["form"]["reference"].value()) == 40
