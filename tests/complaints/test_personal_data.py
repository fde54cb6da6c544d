"""Personal data under PIPL: the privacy notice and its retention schedule, the jobs that apply
it, the log of who opened a complaint's personal data, and the consumer's requests for a copy
or a deletion."""

from __future__ import annotations

import datetime
import json

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, DataRequest, PersonalDataAccess
from complaints.tasks import anonymise_closed_complaints
from coop_portal import retention
from coop_portal.evidence import check_file
from coop_portal.models import OutboxEmail
from members.models import Member
from members.tasks import prune_personal_history_task
from tests.complaints.factories import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(coop, member_a):
    complaint, code = services.submit_complaint(
        coop,
        services.Submission(
            member=member_a,
            product="毛巾",
            description="我是王五，掉毛严重。",
            desired_outcome="换货",
            contact_name="王五",
            contact_phone="13700001111",
            contact_email="wang@example.com",
            evidence=[check_file(upload("photo.jpg", image_bytes("JPEG")))],
        ),
    )
    return complaint, code


def signed_in(client, complaint, code):
    client.post(
        reverse("complaints:track", args=[complaint.cooperative.slug]),
        {"reference": complaint.reference, "code": code},
    )
    return client


def close(complaint, administrator, on):
    services.reject_complaint(complaint, administrator, "duplicate")
    Complaint.objects.filter(pk=complaint.pk).update(closed_on=on)


# The privacy notice.


@pytest.mark.parametrize(
    ("language", "heading", "kept"),
    [("zh-hans", "隐私声明", "1095 天"), ("en", "Privacy notice", "1095 days after")],
)
def test_the_privacy_notice_shows_the_retention_schedule_in_both_languages(
    client, language, heading, kept
):
    page = client.get(reverse("privacy"), headers={"accept-language": language})
    assert page.status_code == 200
    text = page.content.decode()
    assert heading in text
    assert kept in text


def test_the_privacy_notice_is_linked_from_the_footer_and_the_complaint_form(client, coop):
    url = reverse("privacy")
    assert f'href="{url}"' in client.get("/").content.decode()
    form = client.get(reverse("complaints:file", args=[coop.slug])).content.decode()
    assert form.count(f'href="{url}"') == 2


# The retention jobs.


def test_contact_data_and_evidence_are_erased_after_the_period_only(
    filed, administrator, settings, coop, django_capture_on_commit_callbacks
):
    complaint, _code = filed
    evidence = complaint.evidence.get()
    days = settings.RETENTION_DAYS["complaint_contact"]
    close(complaint, administrator, coop.today() - datetime.timedelta(days=days))
    assert anonymise_closed_complaints() == 0
    Complaint.objects.filter(pk=complaint.pk).update(
        closed_on=coop.today() - datetime.timedelta(days=days + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert anonymise_closed_complaints() == 1
    complaint.refresh_from_db()
    assert (complaint.contact_name, complaint.contact_phone, complaint.contact_email) == ("",) * 3
    assert "王五" not in complaint.description
    assert complaint.anonymised_on == coop.today()
    assert not complaint.evidence.exists()
    assert not default_storage.exists(evidence.file.name)
    # The dates the assessments count stay; a second run finds nothing.
    assert complaint.received_on is not None
    assert anonymise_closed_complaints() == 0


def test_retention_erases_phone_numbers_split_by_invisible_characters_or_in_chinese_numerals(
    filed, administrator, coop
):
    """Finding F3: the masker that anonymisation uses let these numbers through."""
    complaint, _code = filed
    Complaint.objects.filter(pk=complaint.pk).update(
        description="Call me on 138\u200b1234\u200b5678 or 一三九一二三四五六七八",
        desired_outcome="refund, ring 139\u200c0000\u200c1111",
    )
    services.anonymise_complaint(complaint, coop.today())
    complaint.refresh_from_db()
    assert complaint.description == "Call me on *** or ***"
    assert complaint.desired_outcome == "refund, ring ***"


def test_open_complaints_keep_their_contact_data(filed):
    assert anonymise_closed_complaints() == 0
    assert Complaint.objects.get().contact_name == "王五"


def test_sent_email_is_blanked_after_the_period(db, settings):
    now = timezone.now()
    days = settings.RETENTION_DAYS["sent_email"]
    old = OutboxEmail.objects.create(
        key="old",
        to=["a@example.com"],
        subject="s",
        body="b",
        sent_at=now - datetime.timedelta(days=days + 1),
    )
    recent = OutboxEmail.objects.create(
        key="recent", to=["a@example.com"], subject="s", body="b", sent_at=now
    )
    unsent = OutboxEmail.objects.create(key="unsent", to=["a@example.com"], subject="s", body="b")
    assert retention.apply_retention(now)["sent_email"] == 1
    old.refresh_from_db()
    assert (old.to, old.body) == ([], "")
    assert OutboxEmail.objects.get(pk=recent.pk).body == "b"
    assert OutboxEmail.objects.get(pk=unsent.pk).body == "b"


def test_login_records_sessions_and_personal_history_are_pruned(db, settings, member_a):
    now = timezone.now()
    long_ago = now - datetime.timedelta(days=3 * 365)
    AccessAttempt.objects.create(
        username="x@example.com", ip_address="10.0.0.1", user_agent="", failures_since_start=1
    )
    AccessAttempt.objects.update(attempt_time=long_ago)
    AccessLog.objects.create(username="x@example.com", ip_address="10.0.0.1", user_agent="")
    Session.objects.create(
        session_key="old", session_data="x", expire_date=now - datetime.timedelta(days=1)
    )
    Session.objects.create(
        session_key="live", session_data="x", expire_date=now + datetime.timedelta(days=1)
    )
    member_a.contact_person = "张三"
    member_a.phone = "13800000000"
    member_a.save()
    history = Member.history.model
    history.objects.filter(id=member_a.pk).update(history_date=long_ago)
    member_a.phone = "13900000000"
    member_a.save()
    done = retention.apply_retention(now)
    assert done["login_records"] == 1
    assert prune_personal_history_task() >= 1
    assert AccessLog.objects.count() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    old_rows = history.objects.filter(
        id=member_a.pk, history_date__lt=now - datetime.timedelta(days=1)
    )
    assert old_rows.exists()
    assert set(old_rows.values_list("phone", "contact_person")) == {("", "")}
    latest = history.objects.filter(id=member_a.pk).latest("history_date")
    assert latest.phone == "13900000000"
    assert Member.objects.get(pk=member_a.pk).contact_person == "张三"


# Who opened the personal data.


def desk(complaint):
    return reverse("complaints:staff_detail", args=[complaint.cooperative.slug, complaint.pk])


def test_openings_by_administrators_and_members_are_logged_and_shown_to_administrators(
    filed, personas, administrator, member_user_a
):
    complaint, _code = filed
    evidence = complaint.evidence.get()
    assert personas.administrator.get(desk(complaint)).status_code == 200
    response = personas.administrator.get(reverse("complaints:evidence", args=[evidence.pk]))
    response.getvalue()  # read to the end: the test client then closes the file
    Complaint.objects.filter(pk=complaint.pk).update(share_contact=True)
    services.accept_complaint(complaint, administrator)
    services.forward_complaint(complaint, administrator)
    member_page = reverse("complaints:member_detail", args=[complaint.pk])
    assert personas.member_a.get(member_page).status_code == 200
    logged = list(
        PersonalDataAccess.objects.order_by("at", "pk").values_list("user", "what", "evidence_name")
    )
    assert logged == [
        (administrator.pk, "contact", ""),
        (administrator.pk, "evidence", "photo.jpg"),
        (member_user_a.pk, "contact", ""),
    ]
    page = personas.administrator.get(desk(complaint), headers={"accept-language": "en"})
    text = page.content.decode()
    assert "Who opened the personal data" in text
    assert str(member_user_a) in text


def test_viewing_the_desk_logs_the_contact_details_shown_but_not_the_evidence_unopened(
    filed, personas
):
    complaint, _code = filed
    evidence_url = reverse("complaints:evidence", args=[complaint.evidence.get().pk])
    page = personas.administrator.get(desk(complaint)).content.decode()
    assert f'<img src="{evidence_url}"' not in page
    assert f'<a href="{evidence_url}">photo.jpg</a>' in page
    assert list(PersonalDataAccess.objects.values_list("what", flat=True)) == ["contact"]


def test_a_desk_page_without_contact_details_logs_no_opening(personas, filed):
    complaint, _code = filed
    Complaint.objects.filter(pk=complaint.pk).update(
        contact_name="", contact_phone="", contact_email=""
    )
    complaint.evidence.all().delete()
    assert personas.administrator.get(desk(complaint)).status_code == 200
    assert not PersonalDataAccess.objects.exists()


def test_the_log_is_hidden_from_regulators_and_others_and_their_reading_is_not_logged(
    filed, personas
):
    complaint, _code = filed
    page = personas.regulator.get(desk(complaint), headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "Who opened the personal data" not in page.content.decode()
    for client in (personas.other_administrator, personas.member_a, personas.lab):
        assert client.get(desk(complaint)).status_code in (403, 404)
    assert personas.anonymous.get(desk(complaint)).status_code == 302
    assert not PersonalDataAccess.objects.exists()


def test_a_member_without_the_consumers_consent_opens_nothing_logged(
    filed, personas, administrator
):
    complaint, _code = filed
    services.accept_complaint(complaint, administrator)
    services.forward_complaint(complaint, administrator)
    page = personas.member_a.get(reverse("complaints:member_detail", args=[complaint.pk]))
    assert page.status_code == 200
    assert "13700001111" not in page.content.decode()
    assert not PersonalDataAccess.objects.exists()


# The consumer's requests.


def ask_url(complaint):
    return reverse(
        "complaints:track_data_request", args=[complaint.cooperative.slug, complaint.reference]
    )


def copy_url(complaint):
    return reverse(
        "complaints:track_data_copy", args=[complaint.cooperative.slug, complaint.reference]
    )


def decide_url(complaint, data_request):
    return reverse(
        "complaints:staff_data_request",
        args=[complaint.cooperative.slug, complaint.pk, data_request.pk],
    )


def test_the_consumer_asks_for_a_copy_and_downloads_it_once_granted(
    client, filed, personas, administrator
):
    complaint, code = filed
    signed_in(client, complaint, code)
    assert client.get(copy_url(complaint)).status_code == 404
    assert client.post(ask_url(complaint), {"kind": "copy"}).status_code == 302
    data_request = DataRequest.objects.get()
    assert data_request.status == DataRequest.Status.PENDING
    assert OutboxEmail.objects.filter(
        to=["admin@nantong.example.cn"], key__startswith="data-request:"
    ).exists()
    # The same request twice: refused with a message, nothing recorded.
    again = client.post(ask_url(complaint), {"kind": "copy"}, headers={"accept-language": "en"})
    assert again.status_code == 400
    assert "already awaits a decision" in again.content.decode()
    assert DataRequest.objects.count() == 1
    assert client.post(ask_url(complaint), {"kind": "everything"}).status_code == 400

    response = personas.administrator.post(
        decide_url(complaint, data_request), {"decision": "grant"}
    )
    assert response.status_code == 302
    data_request.refresh_from_db()
    assert (data_request.status, data_request.decided_by) == ("granted", administrator)
    told = OutboxEmail.objects.get(key=f"data-request-decided:{data_request.pk}")
    assert told.to == ["wang@example.com"]
    download = client.get(copy_url(complaint))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    copy = json.loads(download.content)
    assert copy["contact_phone"] == "13700001111"
    assert copy["evidence"][0]["name"] == "photo.jpg"
    assert PersonalDataAccess.objects.filter(what="copy", user=None).exists()
    # A decision is taken once.
    again = personas.administrator.post(
        decide_url(complaint, data_request), {"decision": "refuse", "reason": "x"}
    )
    assert again.status_code == 403


def test_requests_without_the_tracking_code_are_404(client, filed, personas):
    complaint, _code = filed
    assert client.post(ask_url(complaint), {"kind": "copy"}).status_code == 404
    assert client.get(copy_url(complaint)).status_code == 404
    assert personas.administrator.get(copy_url(complaint)).status_code == 404
    assert not DataRequest.objects.exists()


def test_a_granted_deletion_erases_the_personal_data_and_tells_the_consumer_first(
    client, filed, personas
):
    complaint, code = filed
    signed_in(client, complaint, code)
    client.post(ask_url(complaint), {"kind": "deletion"})
    data_request = DataRequest.objects.get()
    personas.administrator.post(
        decide_url(complaint, data_request), {"decision": "grant", "reason": "依法删除"}
    )
    complaint.refresh_from_db()
    assert complaint.contact_email == ""
    assert complaint.anonymised_on is not None
    assert not complaint.evidence.exists()
    told = OutboxEmail.objects.get(key=f"data-request-decided:{data_request.pk}")
    assert told.to == ["wang@example.com"]
    assert "依法删除" in told.body
    page = client.get(
        reverse("complaints:track_detail", args=[complaint.cooperative.slug, complaint.reference]),
        headers={"accept-language": "en"},
    ).content.decode()
    assert "Your contact details and evidence were erased" in page


def test_a_refusal_needs_a_reason_and_is_recorded(client, filed, personas):
    complaint, code = filed
    signed_in(client, complaint, code)
    client.post(ask_url(complaint), {"kind": "deletion"})
    data_request = DataRequest.objects.get()
    no_reason = personas.administrator.post(
        decide_url(complaint, data_request),
        {"decision": "refuse"},
        headers={"accept-language": "en"},
    )
    assert no_reason.status_code == 400
    assert "Tell the consumer why" in no_reason.content.decode()
    assert DataRequest.objects.get().is_pending
    personas.administrator.post(
        decide_url(complaint, data_request),
        {"decision": "refuse", "reason": "投诉处理中，依法保留"},
    )
    assert DataRequest.objects.get().status == DataRequest.Status.REFUSED
    assert Complaint.objects.get().contact_email == "wang@example.com"


def test_only_the_cooperatives_administrators_decide(client, filed, personas):
    complaint, code = filed
    signed_in(client, complaint, code)
    client.post(ask_url(complaint), {"kind": "deletion"})
    data_request = DataRequest.objects.get()
    url = decide_url(complaint, data_request)
    assert personas.regulator.post(url, {"decision": "grant"}).status_code == 403
    for other in (personas.other_administrator, personas.member_a, personas.member_b, personas.lab):
        assert other.post(url, {"decision": "grant"}).status_code == 404
    assert personas.anonymous.post(url, {"decision": "grant"}).status_code == 302
    assert DataRequest.objects.get().is_pending
