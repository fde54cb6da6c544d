"""The member portal's notifications page: what the e-mails to the member said, newest first,
with the portal's links clickable; only the member's own users read it (others get a 404)."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from conftest import logged_in
from coop_portal.links import with_portal_links
from coop_portal.models import OutboxEmail
from members.models import MemberNotice, Role
from members.notices import queue_member_mail
from pledges.models.pledge import Pledge
from pledges.portal.views import NOTICES_PER_PAGE
from pledges.services import return_pledge
from tests.factories import RoleFactory, UserFactory
from tests.pledges.pledge_factories import charter_for, make_pledge

pytestmark = pytest.mark.django_db


def url(member) -> str:
    return reverse("portal:notifications", args=[member.pk])


def notice(member, name: str, *, key: str | None = None) -> OutboxEmail | None:
    """A notice to the member, whose users read Chinese: its one e-mail, or None."""
    key = key or f"test:{name}"
    if not queue_member_mail(member, "email/test", {"name": name}, key=key):
        return None
    return OutboxEmail.objects.get(key=f"{key}:zh-hans")


def test_a_returned_pledge_shows_with_its_text_and_a_link_to_the_draft(
    personas, member_a, administrator
):
    charter_for(member_a.cooperative)
    pledge = make_pledge(member_a, 1, status=Pledge.Status.SUBMITTED)
    return_pledge(pledge, by=administrator, comments="请补充产品执行标准")
    page = personas.member_a.get(url(member_a)).content.decode()
    email = OutboxEmail.objects.get(
        key=f"pledge-returned:{pledge.pk}:{Pledge.objects.get().reviewed_at.isoformat()}:zh-hans"
    )
    assert email.subject in page
    assert "请补充产品执行标准" in page
    path = reverse("portal:pledge", args=[member_a.pk, pledge.pk])
    assert f'<a href="{path}">http://127.0.0.1:8000{path}</a>' in page


def test_the_dashboard_links_to_the_notifications(personas, member_a):
    page = personas.member_a.get(reverse("portal:dashboard", args=[member_a.pk])).content.decode()
    assert f'href="{url(member_a)}"' in page


def test_only_the_members_own_users_read_it(personas, member_a):
    notice(member_a, "甲")
    assert personas.member_a.get(url(member_a)).status_code == 200
    assert personas.anonymous.get(url(member_a))["Location"].startswith("/accounts/login/")
    for persona in ("member_b", "lab", "regulator", "administrator", "other_administrator"):
        response = getattr(personas, persona).get(url(member_a))
        assert response.status_code == 404, persona
    assert personas.member_a.get(reverse("portal:notifications", args=[999999])).status_code == 404


def test_a_member_sees_none_of_another_members_emails(personas, member_a, member_b):
    notice(member_a, "甲公司")
    notice(member_b, "乙公司")
    page_b = personas.member_b.get(url(member_b)).content.decode()
    assert "乙公司" in page_b
    assert "甲公司" not in page_b


def test_a_person_of_two_members_reads_each_members_emails_on_its_own_page(
    coop, member_a, member_b, member_user_a
):
    RoleFactory(user=member_user_a, cooperative=coop, kind=Role.Kind.MEMBER_USER, member=member_b)
    notice(member_a, "甲公司")
    notice(member_b, "乙公司")
    client = logged_in(member_user_a)
    page_a = client.get(url(member_a)).content.decode()
    page_b = client.get(url(member_b)).content.decode()
    assert "甲公司" in page_a
    assert "乙公司" not in page_a
    assert "乙公司" in page_b
    assert "甲公司" not in page_b


def test_newest_first_in_pages(personas, member_a):
    start = timezone.now() - datetime.timedelta(days=60)
    for number in range(NOTICES_PER_PAGE + 1):
        email = notice(member_a, f"第{number:02d}号")
        OutboxEmail.objects.filter(pk=email.pk).update(
            created_at=start + datetime.timedelta(days=number)
        )
    first = personas.member_a.get(url(member_a)).content.decode()
    newest, older = f"第{NOTICES_PER_PAGE:02d}号", f"第{NOTICES_PER_PAGE - 1:02d}号"
    assert first.index(newest) < first.index(older)
    assert "第00号" not in first
    assert 'rel="next"' in first
    second = personas.member_a.get(url(member_a), {"page": 2}).content.decode()
    assert "第00号" in second
    assert newest not in second


def test_a_notice_in_two_languages_shows_once_in_the_readers_language(
    coop, member_a, member_user_a
):
    english = UserFactory(email="export@firm-a.example.cn", language="en")
    RoleFactory(user=english, cooperative=coop, kind=Role.Kind.MEMBER_USER, member=member_a)
    queued = queue_member_mail(member_a, "email/test", {"name": "Firm A"}, key="test:both")
    assert queued == 2
    assert MemberNotice.objects.filter(member=member_a, group="test:both").count() == 2
    chinese_page = logged_in(member_user_a).get(url(member_a), HTTP_ACCEPT_LANGUAGE="zh-hans")
    english_page = logged_in(english).get(url(member_a), HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("zh-hans"):
        chinese = OutboxEmail.objects.get(key="test:both:zh-hans").subject
    english_subject = OutboxEmail.objects.get(key="test:both:en").subject
    assert chinese_page.content.decode().count("<article") == 1
    assert chinese in chinese_page.content.decode()
    assert english_page.content.decode().count("<article") == 1
    assert english_subject in english_page.content.decode()


def test_a_notice_in_one_language_shows_to_a_reader_of_the_other(personas, member_a):
    notice(member_a, "只有中文")
    page = personas.member_a.get(url(member_a), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "只有中文" in page


def test_a_secret_the_email_carried_stays_blanked(personas, member_a):
    email = notice(member_a, "token-abc123")
    OutboxEmail.objects.filter(pk=email.pk).update(redact=["token-abc123"])
    page = personas.member_a.get(url(member_a)).content.decode()
    assert "token-abc123" not in page.split("<main", 1)[-1]


def test_a_member_without_emails_is_told_so_in_both_languages(personas, member_a):
    chinese = personas.member_a.get(url(member_a), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "通知" in chinese.content.decode()
    english = personas.member_a.get(url(member_a), HTTP_ACCEPT_LANGUAGE="en")
    assert "No e-mail has been sent to your firm yet." in english.content.decode()


def test_the_same_key_is_one_notice(member_a):
    assert notice(member_a, "一次", key="test:once") is not None
    assert notice(member_a, "一次", key="test:once") is None
    assert MemberNotice.objects.filter(member=member_a).count() == 1


@override_settings(SITE_URL="https://coop.example.cn/")
def test_portal_addresses_become_links_and_nothing_else_is_markup():
    html = with_portal_links(
        "见 https://coop.example.cn/portal/3/，或 https://evil.example.com/x。\n<b>注意</b>"
    )
    assert '<a href="/portal/3/">https://coop.example.cn/portal/3/</a>，' in html
    assert "https://evil.example.com/x。" in html
    assert 'href="https://evil' not in html
    assert "&lt;b&gt;注意&lt;/b&gt;" in html
    assert "<br>" in html


def test_emails_queued_before_notices_were_recorded_become_the_members_notices(
    personas, member_a, member_b, administrator
):
    import importlib

    from django.apps import apps

    from coop_portal.mail import queue_mail
    from tests.complaints.factories import ComplaintFactory

    complaint = ComplaintFactory(member=member_a)
    queue_mail(
        ["a@example.cn"],
        "email/test",
        {"name": "转交"},
        language="zh-hans",
        key=f"complaint-forwarded:{complaint.pk}",
    )
    queue_mail(
        ["b@example.cn"],
        "email/test",
        {"name": "考核"},
        language="en",
        key=f"assessment-published:7:{member_b.pk}:en",
    )
    queue_mail(
        ["x@example.cn"],
        "email/test",
        {"name": "别的"},
        language="zh-hans",
        key="proposal-digest:1:2025-01-01",
    )
    migration = importlib.import_module("pledges.migrations.0008_member_notices_from_earlier_mail")
    migration.record_notices(apps, None)
    migration.record_notices(apps, None)
    assert set(MemberNotice.objects.values_list("member", "group", "language")) == {
        (member_a.pk, f"complaint-forwarded:{complaint.pk}", ""),
        (member_b.pk, f"assessment-published:7:{member_b.pk}", "en"),
    }
    assert "转交" in personas.member_a.get(url(member_a)).content.decode()
