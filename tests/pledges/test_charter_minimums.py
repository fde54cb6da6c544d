"""A charter version that raises a minimum lists, on its admin page, the members whose pledge
in force falls below it (before and after it comes into force), and publishing it sends each
of them a notice through the outbox."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from charter.services import draft_charter_version
from conftest import logged_in
from coop_portal.models import OutboxEmail
from members.models import Member
from pledges.minimums import pledges_below
from pledges.services import notify_pledges_below, publish_charter
from tests.factories import MemberFactory
from tests.pledges.pledge_factories import STRICT, charter_for, fast_passwords, published

pytestmark = pytest.mark.django_db
__all__ = ["fast_passwords"]

CHANGELIST = "admin:charter_charterversion_changelist"


def change_url(version):
    return reverse("admin:charter_charterversion_change", args=[version.pk])


@pytest.fixture
def stricter(coop, member_a, member_b, member_user_a, member_user_b):
    """Version 2, in force in a month, requiring a pass rate of 95% and answers within 5 days:
    member A pledged 90% and 7 days, member B the strict targets."""
    charter_for(coop)
    published(member_a, 1)
    published(member_b, 1, targets=STRICT)
    draft = draft_charter_version(coop, effective_from=coop.today() + datetime.timedelta(days=30))
    draft.policy.min_pass_rate = Decimal("95.0")
    draft.policy.max_response_days = 5
    draft.policy.save()
    return draft


def test_the_pledges_below_a_raised_minimum_are_found_with_what_falls_short(stricter, member_a):
    [item] = pledges_below(stricter)
    assert item.member == member_a
    with translation.override("en"):
        shortfalls = [(s.label, s.pledged, s.required) for s in item.shortfalls]
    assert shortfalls == [
        ("spot-check pass rate", "90%", "at least 95%"),
        ("complaint response time", "7 days", "at most 5 days"),
    ]


def test_a_member_that_left_or_a_withdrawn_pledge_is_not_listed(stricter, member_a):
    Member.objects.filter(pk=member_a.pk).update(status=Member.Status.REMOVED)
    assert pledges_below(stricter) == []


def test_the_draft_page_warns_of_the_pledges_below_with_a_link_to_each(
    personas, stricter, member_a, member_b
):
    page = personas.administrator.get(change_url(stricter), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    content = page.content.decode()
    link = reverse("pledges:version", args=[member_a.cooperative.slug, member_a.credit_code, 1])
    assert f'href="{link}"' in content
    assert "Firm A, pledge version 1" in content
    assert "Spot-check pass rate: pledged 90%, required at least 95%" in content
    assert "Firm B" not in content
    assert "each of these members is sent a notice" in content


def test_the_warning_reads_in_chinese(personas, stricter):
    content = personas.administrator.get(
        change_url(stricter), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "南通甲家纺有限公司，承诺第 1 版" in content
    assert "监督抽查合格率：承诺90%，要求不低于95%" in content


def test_publishing_the_version_sends_each_member_below_a_notice_once(
    personas, stricter, member_a, member_user_a, member_user_b
):
    response = personas.administrator.post(
        reverse(CHANGELIST),
        {"action": "publish", "_selected_action": [stricter.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    stricter.refresh_from_db()
    assert stricter.is_published
    shown = [str(message) for message in response.context["messages"]]
    assert "1 member's pledge in force falls below its minimums" in " ".join(shown), shown
    [notice] = OutboxEmail.objects.filter(key__startswith="pledge-below-minimum:")
    assert member_user_a.email in notice.to
    assert member_user_b.email not in notice.to
    assert "95%" in notice.body
    assert reverse("portal:pledge_new", args=[member_a.pk]) in notice.body
    assert notify_pledges_below(stricter) == 0
    assert OutboxEmail.objects.filter(key__startswith="pledge-below-minimum:").count() == 1


def test_the_warning_stays_once_the_version_is_in_force(personas, coop, stricter):
    stricter.effective_from = coop.today()
    stricter.save()
    publish_charter(stricter, by=None)
    content = personas.administrator.get(
        change_url(stricter), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Firm A, pledge version 1" in content
    assert "were sent a notice when the version was published" in content


def test_a_refused_publication_sends_no_notice(stricter, coop):
    stricter.effective_from = coop.today() - datetime.timedelta(days=1)
    stricter.save()
    with pytest.raises(Exception, match="past"):
        publish_charter(stricter, by=None)
    assert not OutboxEmail.objects.filter(key__startswith="pledge-below-minimum:").exists()


def test_no_one_else_sees_the_warning(personas, stricter, other_coop, regulator):
    response = personas.other_administrator.get(change_url(stricter))
    assert response.status_code == 404
    regulator.is_staff = True
    regulator.save(update_fields=["is_staff"])
    assert logged_in(regulator).get(change_url(stricter)).status_code == 403
    for client in (personas.member_a, personas.anonymous):
        assert client.get(change_url(stricter)).status_code == 302


def test_another_cooperatives_pledges_are_never_listed(stricter, other_coop):
    charter_for(other_coop)
    published(MemberFactory(cooperative=other_coop), 1)
    assert [item.member.cooperative for item in pledges_below(stricter)] == [stricter.cooperative]
