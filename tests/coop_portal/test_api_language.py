"""The API answers in the language of the client's Accept-Language header, English when it
names none the portal speaks: never the site's first language, never the browser's cookie."""

from __future__ import annotations

import pytest
from django.conf import settings

from coop_portal.middleware import api_language

pytestmark = pytest.mark.django_db

# An unknown cooperative: the API's own message, through gettext.
UNKNOWN = "/api/v1/members/?cooperative=nowhere"
# A year before 1900: DRF's own message, through its catalogue.
TOO_EARLY = "/api/v1/statistics/inspections/?year=1800"


def test_an_api_error_without_accept_language_is_in_english(client):
    response = client.get(UNKNOWN)

    assert response.status_code == 404
    assert response.json() == {"detail": "No cooperative with the short name “nowhere”."}
    assert response["Content-Language"] == "en"


def test_an_api_error_asked_for_in_chinese_is_in_chinese(client):
    response = client.get(UNKNOWN, headers={"Accept-Language": "zh-CN,zh;q=0.9"})

    assert response.json() == {"detail": "没有简称为“nowhere”的合作社。"}
    assert response["Content-Language"] == "zh-hans"


def test_drf_validation_messages_follow_accept_language_too(client):
    english = client.get(TOO_EARLY).json()
    chinese = client.get(TOO_EARLY, headers={"Accept-Language": "zh-Hans"}).json()

    assert english == {"year": ["Ensure this value is greater than or equal to 1900."]}
    assert chinese["year"][0] != english["year"][0]
    assert "1900" in chinese["year"][0]


def test_the_language_cookie_of_the_site_does_not_choose_the_api_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = client.get(UNKNOWN)

    assert response.json() == {"detail": "No cooperative with the short name “nowhere”."}


def test_the_site_pages_still_default_to_chinese(client):
    response = client.get("/")

    assert response["Content-Language"] == "zh-hans"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", "en"),
        ("fr-FR,fr;q=0.9", "en"),
        ("fr;q=0.9,zh-TW;q=0.8", "zh-hans"),
        ("en-GB,zh;q=0.5", "en"),
        ("*", "en"),
        ("zh-Hans-CN", "zh-hans"),
    ],
)
def test_the_api_language_is_the_first_of_the_header_the_portal_speaks(header, language):
    assert api_language(header) == language
