"""Journey 2: a member user writes and submits a pledge that an administrator approves, answers
a complaint and records a rectification, in the browser, in Chinese and in English."""

from __future__ import annotations

import datetime

import pytest

from complaints import services as complaint_services
from complaints.models import Complaint
from inspections.models import CorrectiveAction
from inspections.services import settle_inspection
from pledges.models.pledge import Pledge, Standard
from tests.complaints.factories import ComplaintFactory
from tests.e2e.journeys import enable_two_factor
from tests.inspections.factories import FailedInspectionFactory
from tests.pledges.pledge_factories import accept

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENT = "我们只销售符合本承诺所列标准的产品。"
ANSWER = "您好，我们已安排为您更换新的四件套，请留意快递。"
ACTION = "更换了染料供应商，并对每批面料做色牢度自检。"


def test_member_pledges_answers_a_complaint_and_rectifies(
    people, coop, member_a, member_user_a, administrator
):
    # Where the member starts: the charter accepted, a complaint forwarded by the cooperative,
    # a failed spot check to rectify.
    accept(member_a)
    today = coop.today()
    standard = Standard.objects.create(
        cooperative=coop,
        kind=Standard.Kind.NATIONAL,
        number="GB/T 22796-2021",
        title_zh="床上用品",
        title_en="Bedding products",
    )
    complaint = ComplaintFactory(member=member_a, cooperative=coop, received_on=today)
    complaint_services.accept_complaint(complaint, administrator)
    complaint_services.forward_complaint(complaint, administrator)
    inspection = FailedInspectionFactory(
        cooperative=coop,
        member=member_a,
        sampled_on=today - datetime.timedelta(days=10),
        reported_on=today - datetime.timedelta(days=3),
    )
    settle_inspection(inspection)
    device = enable_two_factor(administrator)

    member = people.person()
    t = member.t
    page = member.page

    # 1. The member writes version 1 of its pledge and submits it.
    member.open("/portal/")
    member.log_in(member_user_a)
    member_name = member.shown(member_a, "display_name")
    assert member.heading() == member_name
    member.submit(page.get_by_role("button", name=t("Start a new version"), exact=True))
    member.field(t("statement").capitalize()).fill(STATEMENT)
    member.field(t("further promises").capitalize()).fill("七天无理由退换。")
    member.field(t("signed by").capitalize()).fill("王经理")
    member.field(t("Lowest spot-check pass rate (%)")).fill("95")
    member.field(t("Answer each complaint within (days)")).fill("3")
    member.field(t("Resolve each complaint within (days)")).fill("15")
    member.field(t("Fix each failed product within (days)")).fill("30")
    line = page.get_by_role("group", name=t("Product line %(number)s", number=1))
    member.field(t("Product line"), within=line).fill("床上用品四件套")
    line.get_by_label(str(standard.number)).check()
    member.submit(page.get_by_role("button", name=t("Save and submit for review")))
    assert page.get_by_role("status").get_by_text(t("The pledge is submitted for review.")).count()
    pledge = Pledge.objects.get(member=member_a, version=1)
    assert pledge.status == Pledge.Status.SUBMITTED

    # 2. An administrator approves it: it is published.
    admin = people.person()
    admin.open(f"/pledges/{coop.slug}/review/")
    admin.log_in(administrator, device=device)
    assert admin.heading() == t("Pledges to review")
    admin.follow(admin.page.get_by_role("link", name=member_name))
    admin.page.get_by_label(t("Approve and publish")).check()
    admin.submit(admin.page.get_by_role("button", name=t("Record the decision")))
    assert admin.page.get_by_role("status").get_by_text(t("The pledge is published.")).count()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PUBLISHED
    assert pledge.published_on == today

    # 3. The member answers the complaint the cooperative forwarded.
    member.follow(page.get_by_role("link", name=t("My portal")))
    assert page.get_by_text(
        member.pattern("Version %(version)s is in force since %(day)s.", version=1)
    ).count()
    member.follow(page.get_by_role("link", name=t("All complaints")))
    member.follow(page.get_by_role("link", name=complaint.reference))
    member.field(t("Your answer to the consumer")).fill(ANSWER)
    member.submit(page.get_by_role("button", name=t("Send the answer")))
    assert page.get_by_role("status").get_by_text(t("Your answer was sent.")).count()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED
    assert complaint.responded_on == today

    # 4. The member records what it did about the failed product.
    member.follow(page.get_by_role("link", name=t("My portal")))
    member.follow(page.get_by_role("link", name=t("All inspections")))
    member.follow(page.get_by_role("link", name=inspection.report_no))
    member.field(t("Date")).fill(today.isoformat())
    member.field(t("What was done")).fill(ACTION)
    member.submit(page.get_by_role("button", name=t("Record the corrective action")))
    assert page.get_by_role("status").get_by_text(t("The corrective action is recorded.")).count()
    assert page.get_by_text(ACTION).is_visible()
    assert CorrectiveAction.objects.filter(
        rectification__inspection=inspection, description=ACTION, taken_on=today
    ).exists()

    # The public pledge page shows what the member promised.
    member.follow(page.get_by_role("link", name=t("My portal")))
    member.follow(page.get_by_role("link", name=t("Public pledge page")))
    assert page.get_by_text(STATEMENT).is_visible()
    assert page.get_by_text(standard.number).first.is_visible()
    member.finish("member")
