"""A person chooses the language of the portal's e-mails to them; without a choice they are in
Chinese, whatever language the pages are read in."""

import re

import pytest
from django.urls import reverse

from coop_portal.mail import recipient_languages

pytestmark = pytest.mark.django_db
URL = reverse("accounts:email_language")


def test_anyone_signed_in_chooses_the_language_of_their_e_mails(personas, member_user_a):
    page = personas.member_a.get(URL, headers={"accept-language": "en"}).content.decode()
    # Chinese until chosen otherwise, though the pages are read in English.
    assert re.search(r'<input[^>]*value="zh-hans"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="en"[^>]*checked', page)
    assert recipient_languages([member_user_a.email]) == {"zh-hans": [member_user_a.email]}

    response = personas.member_a.post(URL, {"language": "en"})

    assert response.status_code == 302
    member_user_a.refresh_from_db()
    assert member_user_a.language == "en"
    assert recipient_languages([member_user_a.email]) == {"en": [member_user_a.email]}
    assert "邮件语言" in personas.member_a.get(response.url).content.decode()


def test_a_language_the_portal_does_not_write_is_refused_and_nothing_changes(
    personas, member_user_a
):
    response = personas.member_a.post(URL, {"language": "fr"}, headers={"accept-language": "en"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    member_user_a.refresh_from_db()
    assert member_user_a.language == ""


def test_staff_choose_theirs_too_and_strangers_are_sent_to_log_in(client, personas, regulator):
    assert personas.regulator.post(URL, {"language": "en"}).status_code == 302
    regulator.refresh_from_db()
    assert regulator.language == "en"
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_footer_links_to_it_for_people_signed_in_only(client, personas):
    assert URL in personas.member_a.get(reverse("portal:index"), follow=True).content.decode()
    assert URL not in client.get(reverse("home")).content.decode()
