"""Chinese by default; the browser's preference and the switcher choose otherwise, and the
choice sticks. Dates and numbers are written the way each language writes them."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from members.models import Cooperative
from pledges.models import AssessmentPeriod


def language_of(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match is not None
    return match.group(1)


def test_a_visitor_without_a_preference_reads_chinese(client, coop):
    response = client.get("/")
    assert language_of(response) == "zh-hans"
    assert "质量合作社" in response.content.decode()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,en;q=0.5", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-hans"),
        ("zh-TW", "zh-hans"),
        ("fr-FR", "zh-hans"),
    ],
)
def test_the_browsers_preference_chooses_the_language(client, coop, accept, expected):
    response = client.get(f"/members/{coop.slug}/", headers={"accept-language": accept})
    assert language_of(response) == expected


def test_the_switcher_sets_a_cookie_kept_for_a_year_that_beats_the_browser(client, coop):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": f"/members/{coop.slug}/"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/members/{coop.slug}/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert int(cookie["max-age"]) == 365 * 24 * 60 * 60
    assert cookie["samesite"] == "Lax"
    # A Chinese browser does not undo the visitor's choice, on any page.
    for path in ("/", f"/members/{coop.slug}/", f"/charter/{coop.slug}/"):
        response = client.get(path, headers={"accept-language": "zh-CN"})
        assert language_of(response) == "en", path
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = client.get("/", headers={"accept-language": "en"})
    assert language_of(response) == "zh-hans"


def test_the_switcher_offers_the_other_language_in_its_own_name(client, coop):
    chinese = client.get("/").content.decode()
    assert 'name="language" value="en" lang="en"' in chinese
    assert ">English</button>" in chinese
    english = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert 'value="zh-hans" lang="zh-hans"' in english
    assert ">简体中文</button>" in english


def test_a_language_the_portal_does_not_have_leaves_the_page_in_chinese(client, db):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    response = client.get("/", headers={"accept-language": "fr"})
    assert language_of(response) == "zh-hans"


def render(source: str, language: str, **context: object) -> str:
    with translation.override(language):
        return Template("{% load l10n %}" + source).render(Context(context))


DAY = datetime.date(2025, 3, 9)
MOMENT = datetime.datetime(2025, 3, 9, 14, 5, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("language", "short_date", "short_datetime", "long_date"),
    [
        ("zh-hans", "2025年3月9日", "2025年3月9日 22:05", "2025年3月9日"),
        ("en", "9 Mar 2025", "9 Mar 2025, 22:05", "9 March 2025"),
    ],
)
def test_dates_are_written_the_way_the_language_writes_them(
    language, short_date, short_datetime, long_date
):
    assert render('{{ day|date:"SHORT_DATE_FORMAT" }}', language, day=DAY) == short_date
    # Times are shown in the portal's time zone (UTC 14:05 is 22:05 in Shanghai).
    assert (
        render('{{ moment|date:"SHORT_DATETIME_FORMAT" }}', language, moment=MOMENT)
        == short_datetime
    )
    assert render("{{ day|date }}", language, day=DAY) == long_date


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_numbers_use_the_languages_separators(language):
    assert render('{{ value|floatformat:"1g" }}', language, value=Decimal("12345.67")) == (
        "12,345.7"
    )
    assert render("{{ value|floatformat:1 }}%", language, value=Decimal("87.46")) == "87.5%"


def test_no_template_writes_a_date_in_a_fixed_format():
    """Templates name a localised format (SHORT_DATE_FORMAT …), never a pattern like Y-m-d."""
    fixed = []
    for path in (settings.BASE_DIR / "templates").rglob("*"):
        if path.suffix in {".html", ".txt", ".svg"}:
            text = path.read_text(encoding="utf-8")
            fixed += [
                f"{path.relative_to(settings.BASE_DIR)}: {match}"
                for match in re.findall(r'\|date:"(?![A-Z_]+")[^"]*"', text)
            ]
    assert fixed == []


ISO_DATE = re.compile(r"\b20\d\d-[01]\d-[0-3]\d\b")


def visible_text(html: str) -> str:
    """The page's text without its tags and attributes (URLs may hold ISO dates)."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize(
    ("language", "period_start"),
    [("zh-hans", "2025年1月1日"), ("en", "1 Jan 2025")],
)
def test_pages_with_dates_and_rates_write_them_for_the_reader(client, db, language, period_start):
    call_command("demo", stdout=io.StringIO())
    cooperative = Cooperative.objects.get()
    period = AssessmentPeriod.objects.get(cooperative=cooperative, code="2025-H1")
    member = cooperative.members.public().order_by("pk").first()
    pages = [
        reverse("pledges:public_periods", args=[cooperative.slug]),
        reverse("pledges:public_period", args=[cooperative.slug, period.code]),
        reverse("inspections:statistics", args=[cooperative.slug]),
        reverse("inspections:public_member", args=[cooperative.slug, member.credit_code]),
        reverse("members:member", args=[cooperative.slug, member.credit_code]),
        reverse("pledges:member", args=[cooperative.slug, member.credit_code]),
        reverse("complaints:statistics", args=[cooperative.slug]),
        reverse("charter:archive", args=[cooperative.slug]),
    ]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    texts = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        texts[path] = visible_text(response.content.decode())
        assert ISO_DATE.findall(texts[path]) == [], path
    assert period_start in texts[pages[0]]
    # Pass rates keep one decimal and the percent sign in both languages.
    assert re.search(r"\d+\.\d%", texts[reverse("inspections:statistics", args=[cooperative.slug])])
