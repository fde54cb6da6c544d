"""The public complaint form: filing, bad input, uploads, the bot trap, the rate limit and
the "nothing lost" promise when the broker is down."""

import io
import re
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from kombu.exceptions import OperationalError
from PIL import Image

from complaints.models import Complaint, Evidence
from coop_portal.models import OutboxEmail
from coop_portal.tasks import flush_outbox, send_outbox_email
from members.models import Member
from tests.complaints.factories import PDF, form_data, image_bytes, upload
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


def form_url(coop):
    return reverse("complaints:file", args=[coop.slug])


def test_a_consumer_files_a_complaint_and_sees_the_reference_and_code_once(
    client, coop, member_a, administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url(coop), form_data(member_a))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    complaint = Complaint.objects.get()
    assert complaint.member == member_a
    assert complaint.status == Complaint.Status.RECEIVED
    assert complaint.received_on == coop.today()
    assert re.fullmatch(r"NA-\d{4}-000001", complaint.reference)
    assert complaint.publish_consent is True
    assert complaint.share_contact is False
    assert list(complaint.events.values_list("kind", flat=True)) == ["received"]

    page = response.content.decode()
    code = CODE.search(page).group()
    assert complaint.reference in page
    # Stored only as a salted hash: not in the complaint, not in the session.
    assert code not in complaint.tracking_code_hash
    assert code.replace("-", "") not in complaint.tracking_code_hash
    assert complaint.check_tracking_code(code)
    assert code not in str(dict(client.session))

    to_consumer = [message for message in mail.outbox if message.to == ["buyer@example.com"]]
    assert len(to_consumer) == 1
    assert code in to_consumer[0].body
    assert complaint.reference in to_consumer[0].subject
    to_administrators = [m for m in mail.outbox if "admin@nantong.example.cn" in m.to]
    assert len(to_administrators) == 1
    assert code not in to_administrators[0].body
    # The consumer who filed it follows it straight away: the page's button sends the
    # reference and the code to the tracking page.
    assert f'name="reference" value="{complaint.reference}"' in page
    assert f'name="code" value="{code}"' in page
    follow = client.post(
        reverse("complaints:track", args=[coop.slug]),
        {"reference": complaint.reference, "code": code},
    )
    detail = reverse("complaints:track_detail", args=[coop.slug, complaint.reference])
    assert follow["Location"] == detail
    assert client.get(detail).status_code == 200


def test_a_form_sent_twice_files_one_complaint_and_shows_the_same_code_again(
    client, coop, member_a
):
    data = form_data(member_a, submission_key="a" * 32)
    first = client.post(form_url(coop), data)
    code = CODE.search(first.content.decode()).group()
    second = client.post(form_url(coop), data)
    assert second.status_code == 200
    assert Complaint.objects.count() == 1
    assert Complaint.objects.get().reference in second.content.decode()
    assert CODE.search(second.content.decode()).group() == code
    assert Complaint.objects.get().check_tracking_code(code)


def test_each_form_page_carries_a_new_submission_key(client, coop, member_a):
    first = client.get(form_url(coop)).context["form"]["submission_key"].value()
    second = client.get(form_url(coop)).context["form"]["submission_key"].value()
    assert first
    assert first != second


def test_the_form_lists_only_the_cooperatives_public_members_and_search_narrows_them(
    client, coop, other_coop, member_a, member_b
):
    applicant = MemberFactory(cooperative=coop, name="申请中家纺", status=Member.Status.APPLICANT)
    removed = MemberFactory(cooperative=coop, name="已除名家纺", status=Member.Status.REMOVED)
    elsewhere = MemberFactory(cooperative=other_coop, name="大米公司")
    page = client.get(form_url(coop)).content.decode()
    assert member_a.name in page
    assert member_b.name in page
    for hidden in (applicant, removed, elsewhere):
        assert hidden.name not in page
    narrowed = client.get(form_url(coop), {"q": "甲"}).content.decode()
    assert member_a.name in narrowed
    assert member_b.name not in narrowed
    nothing = client.get(form_url(coop), {"q": "不存在"})
    assert "No member matches" in nothing.content.decode() or "没有" in nothing.content.decode()


def test_the_form_page_needs_no_script_and_has_a_label_for_every_field(client, coop, member_a):
    page = client.get(form_url(coop)).content.decode()
    # The form works without scripts: the page's only ones are the site's table labeller and
    # the warning before leaving a form with typed text unsent, neither of which it needs.
    assert sorted(re.findall(r"<script[^>]*>", page)) == [
        '<script src="/static/js/tables.js" defer>',
        '<script src="/static/js/unsaved.js" defer>',
    ]
    for name in ("member", "product", "description", "contact_name", "evidence", "share_contact"):
        assert f'for="id_{name}"' in page
    assert 'enctype="multipart/form-data"' in page


def test_an_unknown_cooperative_has_no_form(client, db):
    assert client.get(reverse("complaints:file", args=["nowhere"])).status_code == 404


def test_missing_fields_are_refused_and_nothing_is_stored(client, coop, member_a):
    response = client.post(form_url(coop), {"member": member_a.pk})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"product", "description", "desired_outcome", "contact_name"} <= set(errors)
    assert not Complaint.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_a_phone_or_an_email_is_required(client, coop, member_a):
    response = client.post(form_url(coop), form_data(member_a, contact_phone="", contact_email=""))
    assert "contact_phone" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_a_bad_phone_number_is_refused(client, coop, member_a):
    response = client.post(form_url(coop), form_data(member_a, contact_phone="call me maybe"))
    assert "contact_phone" in response.context["form"].errors


def test_a_100000_character_text_is_refused_with_a_message(client, coop, member_a):
    response = client.post(form_url(coop), form_data(member_a, description="很" * 100_000))
    assert response.status_code == 200
    message = response.context["form"].errors["description"][0]
    assert "5000" in message
    assert not Complaint.objects.exists()


def test_a_member_of_another_cooperative_cannot_be_chosen(client, coop, other_coop):
    elsewhere = MemberFactory(cooperative=other_coop)
    response = client.post(form_url(coop), form_data(elsewhere))
    assert "member" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_the_bot_trap_stores_nothing(client, coop, member_a):
    response = client.post(form_url(coop), form_data(member_a, website="http://spam.example"))
    assert response.status_code == 302
    assert not Complaint.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_the_form_limits_complaints_filed_per_address_and_keeps_what_was_typed_over_it(
    client, coop, member_a, settings
):
    settings.COMPLAINTS_FORM_RATE = "2/h"
    coop.contact_phone = "0513-8888 0000"
    coop.save()
    # Typing errors never use up the limit.
    for _ in range(3):
        assert client.post(form_url(coop), form_data(member_a, product="")).status_code == 200
    for _ in range(2):
        assert client.post(form_url(coop), form_data(member_a)).status_code == 200
    typed = form_data(member_a, description="枕套起球，洗了两次就坏了。")
    response = client.post(form_url(coop), typed, headers={"accept-language": "en"})
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 3600
    text = response.content.decode()
    # "in 1 minute" near the end of the limit's window, "in 25 minutes" before.
    assert "minute" in text
    assert "0513-8888 0000" in text
    # The form comes back with everything typed, the member still chosen.
    assert "枕套起球，洗了两次就坏了。" in text
    assert response.context["form"].initial["member"] == str(member_a.pk)
    assert Complaint.objects.count() == 2
    # Another address is not held back.
    other = client.post(form_url(coop), form_data(member_a), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_with_the_rate_limit_cache_down_the_complaint_is_still_taken(client, coop, member_a):
    with mock.patch("django_ratelimit.core.caches") as caches:
        caches.__getitem__.return_value.add.side_effect = ConnectionError("redis down")
        response = client.post(form_url(coop), form_data(member_a))
    assert response.status_code == 200
    assert Complaint.objects.count() == 1


def test_with_the_broker_unreachable_the_complaint_is_stored_and_its_email_sent_once_later(
    client, coop, member_a, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(
            send_outbox_email, "apply_async", side_effect=OperationalError("redis down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(form_url(coop), form_data(member_a))
    assert response.status_code == 200
    assert Complaint.objects.count() == 1
    assert mail.outbox == []
    assert OutboxEmail.objects.pending().filter(to=["buyer@example.com"]).count() == 1
    # The broker is back: the sweep sends it, and only once however often it runs.
    assert flush_outbox(older_than_seconds=0) >= 1
    assert flush_outbox(older_than_seconds=0) == 0
    assert len([m for m in mail.outbox if m.to == ["buyer@example.com"]]) == 1


def test_no_email_is_queued_to_a_consumer_who_gave_only_a_phone(
    client, coop, member_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form_url(coop), form_data(member_a, contact_email=""))
    assert Complaint.objects.get().contact_email == ""
    assert not [m for m in mail.outbox if "buyer@example.com" in m.to]


# Evidence uploads.


def read(evidence):
    with evidence.file.open("rb") as stored:
        return stored.read()


def post_files(client, coop, member, *files):
    return client.post(form_url(coop), {**form_data(member), "evidence": list(files)})


def test_photos_and_pdfs_are_accepted_and_photo_location_data_is_stripped(client, coop, member_a):
    response = post_files(
        client,
        coop,
        member_a,
        upload("IMG_0001.JPG", image_bytes("JPEG", gps=True)),
        upload("shot.png", image_bytes("PNG"), "image/png"),
        upload("shot.webp", image_bytes("WEBP"), "image/webp"),
        upload("receipt.pdf", PDF, "application/pdf"),
    )
    assert response.status_code == 200
    assert Evidence.objects.count() == 4
    evidence = {e.content_type: e for e in Evidence.objects.all()}
    assert set(evidence) == {"image/jpeg", "image/png", "image/webp", "application/pdf"}
    stored = read(evidence["image/jpeg"])
    assert b"SecretCam" not in stored
    with Image.open(io.BytesIO(stored)) as photo:
        assert dict(photo.getexif()) == {}
        assert photo.size == (40, 30)
    assert read(evidence["application/pdf"]) == PDF
    assert evidence["image/jpeg"].original_name == "IMG_0001.jpg"
    # Stored under a random name in the private folder, never under the consumer's name.
    assert evidence["image/jpeg"].file.name.startswith("private/complaints/")
    assert "IMG_0001" not in evidence["image/jpeg"].file.name


def test_a_file_renamed_to_jpg_is_refused_and_nothing_is_stored(client, coop, member_a):
    response = post_files(
        client, coop, member_a, upload("photo.jpg", b"<html><script>alert(1)</script></html>")
    )
    assert response.status_code == 200
    assert "evidence" in response.context["form"].errors
    assert not Complaint.objects.exists()
    assert not Evidence.objects.exists()


def test_a_png_named_jpg_is_kept_as_what_it_really_is(client, coop, member_a):
    post_files(client, coop, member_a, upload("photo.jpg", image_bytes("PNG")))
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/png"
    assert evidence.original_name == "photo.png"


def test_a_corrupt_image_is_refused(client, coop, member_a):
    broken = image_bytes("JPEG", size=(400, 300))[:200]
    response = post_files(client, coop, member_a, upload("broken.jpg", broken))
    assert "evidence" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_a_truncated_pdf_is_refused(client, coop, member_a):
    response = post_files(client, coop, member_a, upload("r.pdf", b"%PDF-1.4\n garbage"))
    assert "evidence" in response.context["form"].errors


def test_an_oversized_file_is_refused(client, coop, member_a):
    huge = b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024)
    response = post_files(client, coop, member_a, upload("huge.jpg", huge))
    message = response.context["form"].errors["evidence"][0]
    assert "5.0" in message
    assert not Complaint.objects.exists()


def test_too_many_files_are_refused(client, coop, member_a):
    files = [upload(f"p{n}.png", image_bytes("PNG"), "image/png") for n in range(6)]
    response = post_files(client, coop, member_a, *files)
    assert "evidence" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_a_link_from_a_member_page_preselects_the_member(client, coop, member_a, member_b):
    response = client.get(form_url(coop), {"member": member_b.pk})
    assert response.context["form"]["member"].value() == member_b.pk


def test_no_member_is_chosen_for_the_consumer(client, coop, member_a):
    data = form_data(member_a)
    data["member"] = ""
    response = client.post(form_url(coop), data)
    assert "member" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_a_search_inside_the_form_keeps_what_was_typed_and_chooses_a_single_match(
    client, coop, member_a, member_b
):
    typed = form_data(member_a, description="床单褪色。", q="甲")
    del typed["member"]
    response = client.post(form_url(coop), {**typed, "find": "1"})
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound
    assert form.initial["description"] == "床单褪色。"
    assert form.initial["contact_phone"] == "13912345678"
    assert form.initial["member"] == member_a.pk
    assert not Complaint.objects.exists()


def test_the_evidence_help_is_in_the_readers_language(client, coop, member_a):
    english = client.get(form_url(coop), headers={"accept-language": "en"}).content.decode()
    chinese = client.get(form_url(coop), headers={"accept-language": "zh-hans"}).content.decode()
    assert "Location data is removed from photos." in english
    assert "Location data is removed from photos." not in chinese
