""" "My portal" (portal:index) is every signed-in user's way to their work: a member user goes
straight to the firm's dashboard, a person with several places of work chooses, and staff
(administrator, regulator, lab) get the pages of their roles in their own cooperatives."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import logged_in
from members.models import Role
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a href="(/[^"]+)"')


def portal_links(client) -> list[str]:
    response = client.get(reverse("portal:index"))
    assert response.status_code == 200
    main = response.content.decode().split('id="main"', 1)[1].split("</main>", 1)[0]
    return [url for url in LINK.findall(main) if not url.startswith(("/static/", "/i18n/"))]


def test_an_administrator_gets_the_administration_pages_of_their_cooperative_only(
    administrator, coop, other_coop
):
    client = logged_in(administrator)
    links = portal_links(client)
    assert reverse("charter:manage", args=[coop.slug]) in links
    assert reverse("complaints:staff_list", args=[coop.slug]) in links
    assert reverse("pledges:assessment_runs", args=[coop.slug]) in links
    assert not any(f"/{other_coop.slug}/" in url for url in links)
    # Every page offered opens for them.
    for url in links:
        assert client.get(url).status_code == 200, url


def test_a_regulator_gets_review_and_dashboard_but_not_the_administrators_pages(regulator, coop):
    client = logged_in(regulator)
    links = portal_links(client)
    assert reverse("pledges:assessment_dashboard", args=[coop.slug]) in links
    assert reverse("charter:manage", args=[coop.slug]) not in links
    assert reverse("inspections:lab_home", args=[coop.slug]) not in links
    for url in links:
        assert client.get(url).status_code == 200, url


def test_a_lab_user_gets_the_upload_page(lab_user, coop):
    client = logged_in(lab_user)
    links = portal_links(client)
    assert links == [reverse("inspections:lab_home", args=[coop.slug])]
    assert client.get(links[0]).status_code == 200


def test_a_member_user_who_is_also_staff_chooses(member_user_a, member_a, coop):
    RoleFactory(user=member_user_a, cooperative=coop, kind=Role.Kind.REGULATOR)
    links = portal_links(logged_in(member_user_a))
    assert reverse("portal:dashboard", args=[member_a.pk]) in links
    assert reverse("pledges:assessment_dashboard", args=[coop.slug]) in links


def test_a_member_user_of_one_firm_goes_straight_to_its_dashboard(member_user_a, member_a):
    response = logged_in(member_user_a).get(reverse("portal:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard", args=[member_a.pk])


def test_a_user_without_any_role_has_no_portal(db):
    assert logged_in(UserFactory()).get(reverse("portal:index")).status_code == 404


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_speaks_the_users_language(administrator, language):
    client = logged_in(administrator)
    client.cookies["django_language"] = language
    page = client.get(reverse("portal:index"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert ("Complaints" in page) == (language == "en")
