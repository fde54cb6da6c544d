"""Issue 20, point 7: a consumer never loses the only copy of the tracking code, and the form's
submission key grants nothing to another browser."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from complaints.models import Complaint
from complaints.views import ACCESS_KEY
from tests.complaints.factories import form_data, image_bytes

pytestmark = pytest.mark.django_db

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")
FORM_KEY = "0f3c2a9e8b7d4c1a9e8b7d6c5a4f3e2d"


def form_url(coop) -> str:
    return reverse("complaints:file", args=[coop.slug])


def browser(coop) -> Client:
    """A browser that opened the complaint form (and so holds its CSRF cookie)."""
    client = Client(enforce_csrf_checks=True)
    client.get(form_url(coop))
    return client


def post_form(client: Client, coop, member, **changes):
    token = client.cookies["csrftoken"].value
    return client.post(
        form_url(coop),
        {**form_data(member, submission_key=FORM_KEY, **changes), "csrfmiddlewaretoken": token},
    )


def test_the_code_is_shown_even_when_the_session_cannot_be_saved(coop, member_a):
    """The attack: the complaint committed, then the session save failed — a 500 without the
    reference or the code, which is kept only as a hash."""
    consumer = browser(coop)
    with mock.patch.object(SessionStore, "save", side_effect=DatabaseError("sessions down")):
        response = post_form(consumer, coop, member_a)
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    page = response.content.decode()
    assert complaint.reference in page
    assert complaint.check_tracking_code(CODE.search(page).group())


def test_filing_writes_nothing_after_the_complaint(coop, member_a):
    consumer = browser(coop)
    with mock.patch.object(SessionStore, "save") as save:
        response = post_form(consumer, coop, member_a)
    assert response.status_code == 200
    save.assert_not_called()


def test_the_browser_that_filed_sees_the_same_code_again_when_it_sends_the_form_again(
    coop, member_a
):
    consumer = browser(coop)
    first = post_form(consumer, coop, member_a)
    code = CODE.search(first.content.decode()).group()
    again = post_form(consumer, coop, member_a)
    assert again.status_code == 200
    assert Complaint.objects.count() == 1
    assert CODE.search(again.content.decode()).group() == code
    assert Complaint.objects.get().check_tracking_code(code)


def test_the_form_key_sent_from_another_browser_finds_nothing(coop, member_a):
    """The attack: the submission key was a bearer credential — any browser that re-posted it
    was shown the complaint and given access to it."""
    consumer = browser(coop)
    first = post_form(consumer, coop, member_a)
    filed = Complaint.objects.get()
    stranger = browser(coop)
    replay = post_form(stranger, coop, member_a, description="重放的表单")
    page = replay.content.decode()
    assert filed.reference not in page
    assert CODE.search(first.content.decode()).group() not in page
    assert filed.pk not in stranger.session.get(ACCESS_KEY, [])
    detail = reverse("complaints:track_detail", args=[coop.slug, filed.reference])
    assert stranger.get(detail).status_code == 404


def test_the_stored_key_is_not_the_forms_key(coop, member_a):
    post_form(browser(coop), coop, member_a)
    stored = Complaint.objects.get().submission_key
    assert stored
    assert FORM_KEY not in stored


def test_the_confirmation_has_an_address_of_its_own_for_the_browser_that_filed_it(coop, member_a):
    """Switching language on the confirmation returns to its own address: the same reference
    and code, in the other language; another browser with that address finds nothing."""
    consumer = browser(coop)
    filed = post_form(consumer, coop, member_a)
    complaint = Complaint.objects.get()
    code = CODE.search(filed.content.decode()).group()
    page = reverse("complaints:filed", args=[coop.slug, FORM_KEY])
    assert f'name="next" value="{page}"' in filed.content.decode()

    consumer.cookies["django_language"] = "en"
    again = consumer.get(page)
    assert again.status_code == 200
    assert 'lang="en"' in again.content.decode()
    assert complaint.reference in again.content.decode()
    assert CODE.search(again.content.decode()).group() == code
    assert "no-store" in again["Cache-Control"] or "max-age=0" in again["Cache-Control"]

    assert browser(coop).get(page).status_code == 404
    assert Client().get(page).status_code == 404
    other_key = reverse("complaints:filed", args=[coop.slug, "f" * 32])
    assert consumer.get(other_key).status_code == 404
    assert consumer.get(reverse("complaints:filed", args=[coop.slug, "x"])).status_code == 404
    assert Complaint.objects.count() == 1


def test_files_chosen_before_the_form_came_back_are_asked_for_again(coop, member_a):
    consumer = browser(coop)
    photo = SimpleUploadedFile("photo.png", image_bytes("PNG"), content_type="image/png")
    response = post_form(
        consumer, coop, member_a, contact_phone="", contact_email="", evidence=photo
    )
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    assert "请在提交前重新选择" in response.content.decode()
    quiet = post_form(consumer, coop, member_a, contact_phone="", contact_email="")
    assert "请在提交前重新选择" not in quiet.content.decode()
