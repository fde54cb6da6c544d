"""Role × URL: every portal, account and pledge page for every persona.

Expected answers: 200 page, 302 redirect (anonymous → log-in, or a successful POST), 403
visible but not allowed, 404 outside the persona's scope.
"""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from members.models import Role
from pledges.models.pledge import Pledge
from pledges.tasks import render_pledge_pdf_task
from tests.pledges.pledge_factories import (
    accept,
    charter_for,
    fast_passwords,  # noqa: F401 - autouse
    make_pledge,
    published,
)

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "member_a",
    "member_b",
    "lab",
    "regulator",
    "administrator",
    "other_administrator",
]


@dataclass
class World:
    coop: Any
    member_a: Any
    member_b: Any
    published_a: Pledge
    draft_a: Pledge
    submitted_b: Pledge
    colleague_role: Role


@pytest.fixture
def world(coop, member_a, member_b, member_user_a, member_user_b, personas) -> World:
    charter_for(coop)
    accept(member_a)
    published_a = published(member_a, 1, datetime.date(2024, 1, 1))
    render_pledge_pdf_task(published_a.pk)
    draft_a = make_pledge(member_a, 2)
    submitted_b = make_pledge(member_b, 1, status=Pledge.Status.SUBMITTED)
    from tests.factories import RoleFactory, UserFactory

    colleague = RoleFactory(
        user=UserFactory(email="colleague@firm-a.example.cn"),
        cooperative=coop,
        kind=Role.Kind.MEMBER_USER,
        member=member_a,
    )
    return World(coop, member_a, member_b, published_a, draft_a, submitted_b, colleague)


def ALL(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


MEMBER_A_ONLY = {**ALL(404), "anonymous": 302, "member_a": 200}
STAFF_READ = {**ALL(404), "anonymous": 302, "regulator": 200, "administrator": 200}

# (name, method, url(world), POST data, expected per persona)
CASES: list[tuple[str, str, Any, dict[str, Any], dict[str, int]]] = [
    # The member portal.
    (
        "portal index",
        "get",
        lambda w: reverse("portal:index"),
        {},
        # Staff get the pages of their roles (test_portal_index.py); member users their firm.
        {
            **ALL(200),
            "anonymous": 302,
            "member_a": 302,
            "member_b": 302,
        },
    ),
    (
        "portal dashboard",
        "get",
        lambda w: reverse("portal:dashboard", args=[w.member_a.pk]),
        {},
        MEMBER_A_ONLY,
    ),
    (
        "portal profile",
        "get",
        lambda w: reverse("portal:profile", args=[w.member_a.pk]),
        {},
        MEMBER_A_ONLY,
    ),
    (
        "portal profile save",
        "post",
        lambda w: reverse("portal:profile", args=[w.member_a.pk]),
        {"name_en": "Firm A Ltd", "address": "南通"},
        {**MEMBER_A_ONLY, "member_a": 302},
    ),
    (
        "portal team",
        "get",
        lambda w: reverse("portal:team", args=[w.member_a.pk]),
        {},
        MEMBER_A_ONLY,
    ),
    (
        "portal invite",
        "post",
        lambda w: reverse("portal:team", args=[w.member_a.pk]),
        {"email": "new@firm-a.example.cn"},
        {**MEMBER_A_ONLY, "member_a": 302},
    ),
    (
        "portal remove colleague",
        "post",
        lambda w: reverse("portal:remove", args=[w.member_a.pk, w.colleague_role.pk]),
        {},
        {**MEMBER_A_ONLY, "member_a": 302},
    ),
    (
        "portal pledge",
        "get",
        lambda w: reverse("portal:pledge", args=[w.member_a.pk, w.published_a.pk]),
        {},
        MEMBER_A_ONLY,
    ),
    (
        "portal draft edit",
        "get",
        lambda w: reverse("portal:pledge_edit", args=[w.member_a.pk, w.draft_a.pk]),
        {},
        MEMBER_A_ONLY,
    ),
    (
        "portal published edit",
        "get",
        lambda w: reverse("portal:pledge_edit", args=[w.member_a.pk, w.published_a.pk]),
        {},
        {**MEMBER_A_ONLY, "member_a": 403},
    ),
    (
        "portal another member's pledge",
        "get",
        lambda w: reverse("portal:pledge", args=[w.member_a.pk, w.submitted_b.pk]),
        {},
        {**MEMBER_A_ONLY, "member_a": 404},
    ),
    (
        "portal new version",
        "post",
        lambda w: reverse("portal:pledge_new", args=[w.member_a.pk]),
        {},
        {**MEMBER_A_ONLY, "member_a": 302},
    ),
    (
        "portal submit",
        "post",
        lambda w: reverse("portal:pledge_submit", args=[w.member_a.pk, w.draft_a.pk]),
        {},
        {**MEMBER_A_ONLY, "member_a": 302},
    ),
    (
        "portal withdraw",
        "post",
        lambda w: reverse("portal:pledge_withdraw", args=[w.member_a.pk, w.published_a.pk]),
        {},
        {**MEMBER_A_ONLY, "member_a": 302},
    ),
    # Accounts.
    ("log-in page", "get", lambda w: reverse("login"), {}, ALL(200)),
    ("two-step log-in page", "get", lambda w: reverse("accounts:login"), {}, ALL(200)),
    ("password reset", "get", lambda w: reverse("accounts:password_reset"), {}, ALL(200)),
    ("password reset sent", "get", lambda w: reverse("accounts:password_reset_done"), {}, ALL(200)),
    (
        "password reset bad link",
        "get",
        lambda w: reverse("accounts:password_reset_confirm", args=["MQ", "set-password"]),
        {},
        ALL(200),
    ),
    (
        "password reset complete",
        "get",
        lambda w: reverse("accounts:password_reset_complete"),
        {},
        ALL(200),
    ),
    (
        "two-factor set-up",
        "get",
        lambda w: reverse("accounts:two_factor_setup"),
        {},
        {
            **ALL(404),
            "anonymous": 302,
            "regulator": 200,
            "administrator": 200,
            "other_administrator": 200,
        },
    ),
    (
        "two-factor off",
        "post",
        lambda w: reverse("accounts:two_factor_disable"),
        {},
        {
            **ALL(404),
            "anonymous": 302,
            "regulator": 302,
            "administrator": 302,
            "other_administrator": 302,
        },
    ),
    (
        "two-factor verify without a pending log-in",
        "get",
        lambda w: reverse("accounts:two_factor_verify"),
        {},
        ALL(302),
    ),
    (
        "unknown invitation",
        "get",
        lambda w: reverse("accounts:invitation", args=["no-such-token"]),
        {},
        ALL(404),
    ),
    # Public pledge pages.
    (
        "cooperative pledges",
        "get",
        lambda w: reverse("pledges:cooperative_pledges", args=[w.coop.slug]),
        {},
        ALL(200),
    ),
    ("standards", "get", lambda w: reverse("pledges:standards", args=[w.coop.slug]), {}, ALL(200)),
    (
        "member pledge",
        "get",
        lambda w: reverse("pledges:member", args=[w.coop.slug, w.member_a.credit_code]),
        {},
        ALL(200),
    ),
    (
        "published version",
        "get",
        lambda w: reverse("pledges:version", args=[w.coop.slug, w.member_a.credit_code, 1]),
        {},
        ALL(200),
    ),
    (
        "draft version is never public",
        "get",
        lambda w: reverse("pledges:version", args=[w.coop.slug, w.member_a.credit_code, 2]),
        {},
        ALL(404),
    ),
    (
        "pledge PDF",
        "get",
        lambda w: reverse("pledges:pdf", args=[w.coop.slug, w.member_a.credit_code, 1]),
        {},
        ALL(200),
    ),
    (
        "current PDF",
        "get",
        lambda w: reverse("pledges:current_pdf", args=[w.coop.slug, w.member_a.credit_code]),
        {},
        ALL(302),
    ),
    (
        "badge page",
        "get",
        lambda w: reverse("pledges:badge", args=[w.coop.slug, w.member_a.credit_code]),
        {},
        ALL(200),
    ),
    (
        "badge image",
        "get",
        lambda w: reverse("pledges:badge_svg", args=[w.coop.slug, w.member_a.credit_code]),
        {},
        ALL(200),
    ),
    (
        "member of another cooperative's address",
        "get",
        lambda w: reverse("pledges:member", args=["rice", w.member_a.credit_code]),
        {},
        ALL(404),
    ),
    # Review by administrators.
    (
        "review list",
        "get",
        lambda w: reverse("pledges:pledge_review_list", args=[w.coop.slug]),
        {},
        STAFF_READ,
    ),
    (
        "review page",
        "get",
        lambda w: reverse("pledges:pledge_review", args=[w.coop.slug, w.submitted_b.pk]),
        {},
        STAFF_READ,
    ),
    (
        "review decision",
        "post",
        lambda w: reverse("pledges:pledge_review", args=[w.coop.slug, w.submitted_b.pk]),
        {"decision": "return", "comments": "请补充标准。"},
        {**STAFF_READ, "regulator": 403, "administrator": 302},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "url", "data", "expected"), CASES, ids=[case[0] for case in CASES]
)
def test_each_persona_gets_the_answer_the_table_says(
    world, personas, persona, name, method, url, data, expected
):
    client = getattr(personas, persona)
    address = url(world)
    response = client.post(address, data) if method == "post" else client.get(address)
    response.getvalue()  # read to the end: the test client then closes the file
    assert response.status_code == expected[persona], f"{name} as {persona}"
    # Where the anonymous visitor is treated apart from the others, the redirect is to log in.
    if response.status_code == 302 and persona == "anonymous" and len(set(expected.values())) > 1:
        assert response.url.startswith(reverse("login")) or response.url.startswith(
            reverse("accounts:login")
        )


def test_the_review_decision_of_the_administrator_took_effect(world, personas):
    personas.administrator.post(
        reverse("pledges:pledge_review", args=[world.coop.slug, world.submitted_b.pk]),
        {"decision": "approve"},
    )
    world.submitted_b.refresh_from_db()
    assert world.submitted_b.status == Pledge.Status.PUBLISHED


def test_a_colleague_who_is_not_the_owner_may_see_the_team_but_not_change_it(world):
    from conftest import logged_in

    client = logged_in(world.colleague_role.user)
    team = reverse("portal:team", args=[world.member_a.pk])
    assert client.get(team).status_code == 200
    assert client.post(team, {"email": "x@firm-a.example.cn"}).status_code == 403
    owner_role = Role.objects.get(member=world.member_a, is_owner=True)
    remove = reverse("portal:remove", args=[world.member_a.pk, owner_role.pk])
    assert client.post(remove).status_code == 403
    assert Role.objects.filter(pk=owner_role.pk).exists()
