"""Journey 5: a new member's first login. The administrator admits an applicant; its contact
opens the invitation e-mail on a phone, creates the member's first login as its owner and
invites a colleague, who joins from a desktop; in Chinese and in English."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from charter.services import approve_application
from members.models import Role
from tests.charter.factories import ApplicationFactory
from tests.pledges.pledge_factories import charter_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "zhou@ji-textiles.example.cn"
COLLEAGUE = "wu@ji-textiles.example.cn"
PASSWORD = "a long and private phrase"


def invitation_path(to: str) -> str:
    """The path of the invitation link in the e-mail that invited ``to``."""
    links = [
        re.search(r"https?://\S+?(/accounts/invitations/\S+/)", message.body)
        for message in mail.outbox
        if message.to == [to]
    ]
    return [link for link in links if link][-1].group(1)


def test_a_new_member_gets_its_first_login_by_invitation_and_brings_a_colleague(
    people, coop, administrator
):
    version = charter_for(coop)
    application = ApplicationFactory(
        cooperative=coop, charter_version=version, name="南通己家纺有限公司", email=OWNER
    )
    conditions = list(range(len(version.basic_conditions())))
    member = approve_application(application, by=administrator, checklist=conditions)

    # 1. The contact opens the invitation on a phone and creates the member's first login.
    owner = people.person(phone=True)
    t = owner.t
    page = owner.page
    owner.open(invitation_path(OWNER))
    assert owner.heading() == t(
        "Join the team of %(member)s", member=owner.shown(member, "display_name")
    )
    owner.field(t("Your name")).fill("周静")
    owner.field(t("Password")).fill(PASSWORD)
    owner.field(t("Password again")).fill(PASSWORD)
    owner.submit(page.get_by_role("button", name=t("Create my account and join")))
    welcome = t("Welcome! You are now on the team of %(member)s.", member=member)
    assert page.get_by_role("status").get_by_text(welcome).is_visible()
    assert Role.objects.get(user__email=OWNER, member=member).is_owner

    # 2. As the owner, they invite a colleague from the team page.
    owner.follow(page.locator("main").get_by_role("link", name=t("Team"), exact=True))
    assert owner.heading() == t("Team")
    owner.field(t("Colleague's e-mail address")).fill(COLLEAGUE)
    owner.submit(page.get_by_role("button", name=t("Send the invitation")))
    assert page.get_by_role("status").get_by_text(t("The invitation is on its way.")).is_visible()
    assert page.get_by_role("listitem").filter(has_text=COLLEAGUE).is_visible()

    # 3. The colleague joins from a desktop.
    colleague = people.person()
    colleague.open(invitation_path(COLLEAGUE))
    colleague.field(t("Your name")).fill("吴刚")
    colleague.field(t("Password")).fill(PASSWORD)
    colleague.field(t("Password again")).fill(PASSWORD)
    colleague.submit(colleague.page.get_by_role("button", name=t("Create my account and join")))
    assert colleague.page.get_by_role("status").get_by_text(welcome).is_visible()
    role = Role.objects.get(user__email=COLLEAGUE, member=member)
    assert not role.is_owner

    # 4. The owner's team page now lists both of them, the colleague not an owner.
    page.reload()
    owner.check()
    row = page.locator("main table tbody tr").filter(has_text=COLLEAGUE)
    assert row.get_by_text(t("no"), exact=True).is_visible()
    assert not page.get_by_role("listitem").filter(has_text=COLLEAGUE).count()
    owner.finish("newcomer")
