"""Journey 6: the new paths of daily work, in Chinese and in English. The administrator decides
two consequence proposals at once from the charter desk; a member's user on a phone reads
what the portal sent to the firm and follows a notice to the complaint it is about."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.translation import ngettext

from charter.models import ExitStep
from charter.services import propose_consequence
from complaints import services as complaint_services
from tests.complaints.factories import ComplaintFactory
from tests.e2e.journeys import enable_two_factor
from tests.pledges.pledge_factories import accept, charter_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONFIRM = ("Confirm %(count)s proposal", "Confirm %(count)s proposals")
DECIDED = ("%(count)d proposal is decided.", "%(count)d proposals are decided.")


def plural(person, message: tuple[str, str], count: int) -> str:
    """A message with a count, as the page shows it in the person's language."""
    with translation.override(person.language):
        return ngettext(*message, count) % {"count": count}


def test_administrator_decides_two_proposals_at_once(
    people, coop, member_a, member_b, administrator
):
    charter_for(coop)
    # As the assessment's publication proposes them: in a transaction (the proposal locks).
    with transaction.atomic():
        steps = [
            propose_consequence(
                member, kind, reason="等级 D", source_ref="assessment:2025:r1"
            ).steps.get(kind=kind)
            for member, kind in ((member_a, "warning"), (member_b, "warning"))
        ]
    device = enable_two_factor(administrator)
    admin = people.person()
    t = admin.t
    page = admin.page

    admin.open(f"/charter/{coop.slug}/manage/")
    admin.log_in(administrator, device=device)
    for step in steps:
        page.locator(f'input[name="steps"][value="{step.pk}"]').check()
    admin.submit(page.get_by_role("button", name=t("Review the decisions")))

    # Nothing is decided before the administrator has read what will happen.
    assert admin.heading() == t("Decide the proposals")
    listed = page.locator("main table tbody tr")
    assert listed.count() == 2
    for member in (member_a, member_b):
        assert listed.filter(has_text=admin.shown(member, "display_name")).count() == 1
    assert {ExitStep.objects.get(pk=step.pk).status for step in steps} == {"proposed"}

    admin.submit(page.locator("main").get_by_role("button", name=plural(admin, CONFIRM, 2)))
    assert admin.heading() == t("Charter and exit mechanism")
    decided = plural(admin, DECIDED, 2)
    assert page.get_by_role("status").get_by_text(decided).is_visible()
    assert {ExitStep.objects.get(pk=step.pk).status for step in steps} == {"confirmed"}
    admin.finish("bulk-decision")


def test_member_reads_its_notifications_and_follows_one_to_the_complaint(
    people, coop, member_a, member_user_a, administrator
):
    accept(member_a)
    complaint = ComplaintFactory(member=member_a, cooperative=coop, received_on=coop.today())
    complaint_services.accept_complaint(complaint, administrator)
    complaint_services.forward_complaint(complaint, administrator)

    member = people.person(phone=True)
    t = member.t
    page = member.page
    member.open("/portal/")
    member.log_in(member_user_a)
    member.follow(page.locator("main").get_by_role("link", name=t("Notifications"), exact=True))
    assert member.heading() == t("Notifications")
    notice = page.locator("main article").filter(has_text=complaint.reference).first
    assert notice.is_visible()
    member.follow(notice.get_by_role("link").first)
    assert complaint.reference in member.heading() or page.get_by_text(complaint.reference).count()
    member.finish("notifications")
