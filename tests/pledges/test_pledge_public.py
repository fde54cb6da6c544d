import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from charter.models import CharterVersion
from members.models import Member
from pledges.models import AssessmentPeriod, AssessmentRun, MemberAssessment
from pledges.models.pledge import ProductLine, Standard
from tests.factories import MemberFactory
from tests.pledges.pledge_factories import (
    STRICT,
    charter_for,
    fast_passwords,  # noqa: F401 - autouse
    make_pledge,
    published,
)

pytestmark = pytest.mark.django_db


def grade(member: Member, letter: str, *, status: str = "published", code: str = "2025") -> None:
    """A published assessment result of the member with this grade."""
    period, _ = AssessmentPeriod.objects.get_or_create(
        cooperative=member.cooperative,
        code=code,
        defaults={
            "first_day": datetime.date(int(code[:4]), 1, 1),
            "last_day": datetime.date(int(code[:4]), 12, 31),
        },
    )
    run = AssessmentRun.objects.create(
        period=period,
        status=AssessmentRun.Status.COMPUTING,
        charter_version=CharterVersion.objects.get(cooperative=member.cooperative),
    )
    MemberAssessment.objects.create(
        run=run, member=member, status="rated", score=Decimal("91.0"), grade=letter
    )
    AssessmentRun.objects.filter(pk=run.pk).update(status=status)


def page(client, member: Member, language: str = "zh-hans") -> str:
    response = client.get(
        reverse("pledges:member", args=[member.cooperative.slug, member.credit_code]),
        headers={"accept-language": language},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_public_page_states_the_commitments_in_plain_words_in_both_languages(client, member_a):
    charter_for(member_a.cooperative)
    published(member_a, targets={**STRICT, "response_days": Decimal(3)})
    english = page(client, member_a, "en")
    assert "We answer every complaint within 3 days." in english
    assert "At least 95% of our products pass the regulator&#x27;s spot checks." in english
    assert "Firm A" in english
    chinese = page(client, member_a)
    assert "南通甲家纺有限公司" in chinese
    assert "3天" in chinese


def test_the_public_page_lists_the_version_history_and_the_standards(client, member_a):
    charter_for(member_a.cooperative)
    published(member_a, 1, datetime.date(2024, 1, 1))
    second = make_pledge(member_a, 2, targets=STRICT)
    standard = Standard.objects.create(
        cooperative=member_a.cooperative,
        kind="national",
        number="GB/T 22796-2021",
        title_zh="床上用品",
    )
    ProductLine.objects.create(pledge=second, name="被套").standards.set([standard])
    second.status = "published"
    second.published_on = datetime.date(2024, 6, 1)
    second.save()
    make_pledge(member_a, 3)
    html = page(client, member_a, "en")
    assert "GB/T 22796-2021" in html
    # The kind of standard names its code in brackets itself: joined by a comma, not nested.
    assert "GB/T 22796-2021 床上用品, national standard (GB)" in html
    assert "GB/T 22796-2021 床上用品，国家标准（GB）" in page(client, member_a, "zh-hans")
    assert reverse("pledges:version", args=["nantong", member_a.credit_code, 1]) in html
    assert reverse("pledges:version", args=["nantong", member_a.credit_code, 2]) in html
    assert reverse("pledges:version", args=["nantong", member_a.credit_code, 3]) not in html


def test_the_public_page_shows_the_latest_published_grade(client, member_a):
    charter_for(member_a.cooperative)
    published(member_a)
    grade(member_a, "B", code="2024")
    grade(member_a, "A", code="2025", status="final")
    grade(member_a, "D", code="2026", status="draft")
    html = page(client, member_a, "en")
    # The standing and the grade once each (the grade in a badge of its own).
    assert html.count("Member in good standing") == 1
    assert html.count("Grade A") == 1
    assert "grade A" not in html
    assert "Grade D" not in html


def test_an_applicant_has_no_public_page(client, coop):
    applicant = MemberFactory(cooperative=coop, status=Member.Status.APPLICANT)
    url = reverse("pledges:member", args=[coop.slug, applicant.credit_code])
    assert client.get(url).status_code == 404


def test_a_member_without_a_pledge_in_force_says_so(client, member_a):
    published(member_a, withdrawn_on=datetime.date(2024, 2, 1))
    assert "This member has no pledge in force today." in page(client, member_a, "en")


@pytest.mark.parametrize(
    ("status", "text", "colour"),
    [
        ("active", "Member in good standing · grade A", "#1a7f37"),
        ("warned", "Warned: under rectification · grade A", "#9a6700"),
        ("suspended", "Suspended from the cooperative", "#b42318"),
        ("removed", "Removed from the cooperative", "#b42318"),
        ("withdrawn", "No longer a member", "#b42318"),
    ],
)
def test_the_badge_always_shows_the_current_status(client, member_a, status, text, colour):
    charter_for(member_a.cooperative)
    grade(member_a, "A")
    Member.objects.filter(pk=member_a.pk).update(status=status)
    args = [member_a.cooperative.slug, member_a.credit_code]
    image = client.get(reverse("pledges:badge_svg", args=args), headers={"accept-language": "en"})
    assert image["Content-Type"].startswith("image/svg+xml")
    svg = image.content.decode()
    assert text in svg
    assert colour in svg
    assert "max-age=300" in image["Cache-Control"]
    assert "public" in image["Cache-Control"]
    badge_page = client.get(reverse("pledges:badge", args=args), headers={"accept-language": "en"})
    assert text in badge_page.content.decode()
    assert "max-age=300" in badge_page["Cache-Control"]


def test_the_cooperative_list_uses_a_constant_number_of_queries(
    client, coop, django_assert_max_num_queries, django_assert_num_queries
):
    charter_for(coop)
    url = reverse("pledges:cooperative_pledges", args=[coop.slug])
    first = MemberFactory(cooperative=coop)
    published(first)
    with django_assert_max_num_queries(10) as one:
        assert client.get(url).status_code == 200
    for _ in range(8):
        member = MemberFactory(cooperative=coop)
        published(member, targets=STRICT)
        grade(member, "B")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) == 9


def test_the_member_page_uses_a_constant_number_of_queries(
    client, member_a, django_assert_num_queries, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # the page's own queries, not the public cache's
    charter_for(member_a.cooperative)
    published(member_a, 1, datetime.date(2024, 1, 1))
    url = reverse("pledges:member", args=[member_a.cooperative.slug, member_a.credit_code])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for version in range(2, 7):
        published(member_a, version, datetime.date(2024, 1, version))
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url)


def test_the_standards_catalogue_is_public(client, coop):
    Standard.objects.create(
        cooperative=coop, kind="group", number="T/NTJF 001-2021", title_zh="分级"
    )
    html = client.get(reverse("pledges:standards", args=[coop.slug])).content.decode()
    assert "T/NTJF 001-2021" in html


def test_the_cooperative_list_is_paged_and_searchable(client, coop, settings):
    """Issue 20, point 8: the list of a large cooperative was drawn whole for any reader (30,000
    members: a minute and 11 MB); it comes a page of 50 at a time, with a search."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    charter_for(coop)
    for number in range(120):
        MemberFactory(cooperative=coop, name=f"南通{number:03d}家纺有限公司")
    url = reverse("pledges:cooperative_pledges", args=[coop.slug])
    first = client.get(url)
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.num_pages == 3
    last = client.get(url, {"page": "3"})
    assert len(last.context["rows"]) == 20
    assert "page=2" in last.content.decode()
    found = client.get(url, {"q": "南通007"})
    assert [row["member"].name for row in found.context["rows"]] == ["南通007家纺有限公司"]
    assert client.get(url, {"page": "²"}).status_code == 200
