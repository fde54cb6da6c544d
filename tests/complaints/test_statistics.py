"""Public statistics and anonymised accounts: counts for everyone, no personal data."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from complaints import services
from complaints.models import Complaint
from members.models import Member
from tests.complaints.factories import ComplaintFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def history(coop, member_a, member_b):
    """Member A: four complaints (one rejected, two answered on time, one late); B: one."""
    common = {"cooperative": coop, "member": member_a, "received_on": D(2025, 3, 1)}
    accepted = {
        "accepted_on": D(2025, 3, 2),
        "response_due_on": D(2025, 3, 9),
        "resolution_due_on": D(2025, 4, 1),
    }
    ComplaintFactory(**common, status=Complaint.Status.REJECTED, closing_code="duplicate")
    ComplaintFactory(
        **common,
        **accepted,
        responded_on=D(2025, 3, 9),
        resolved_on=D(2025, 3, 20),
        closed_on=D(2025, 3, 20),
        status=Complaint.Status.RESOLVED,
        closing_code="relief_given",
        publish_consent=True,
        description="张三买的床单褪色，电话13912345678，邮箱buyer@example.com，身份证32068219900101123X。",
    )
    ComplaintFactory(
        **common,
        **accepted,
        responded_on=D(2025, 3, 5),
        status=Complaint.Status.ANSWERED,
        publish_consent=True,
        description="尚未结案的投诉不公开",
    )
    ComplaintFactory(
        **common,
        **accepted,
        responded_on=D(2025, 3, 10),
        resolved_on=D(2025, 4, 5),
        closed_on=D(2025, 4, 5),
        status=Complaint.Status.RESOLVED,
        closing_code="explained",
        description="未同意公开的投诉",
    )
    ComplaintFactory(cooperative=coop, member=member_b, received_on=D(2025, 5, 1))


def test_the_cooperative_statistics_count_and_rate(client, coop, history):
    response = client.get(reverse("complaints:statistics", args=[coop.slug]))
    totals = response.context["totals"]
    assert (totals["received"], totals["accepted"]) == (5, 3)
    assert (totals["answer_due"], totals["answered_on_time"]) == (3, 2)
    assert totals["on_time_rate"] == 67
    assert totals["resolved_rate"] == 67
    by_member = {row["member_id"]: row for row in response.context["by_member"]}
    assert len(by_member) == 2


def test_the_public_sees_masked_accounts_only_with_consent_and_no_contact_data(
    client, coop, history, administrator
):
    url = reverse("complaints:statistics", args=[coop.slug])
    # Consent alone publishes nothing: an administrator reads the account first.
    assert "床单褪色" not in client.get(url).content.decode()
    for complaint in Complaint.objects.awaiting_account_decision():
        product, text = services.proposed_account(complaint)
        services.publish_account(complaint, administrator, product=product, text=text)
    page = client.get(url).content.decode()
    assert "床单褪色" in page
    for personal in ("张三", "13912345678", "buyer@example.com", "32068219900101123X"):
        assert personal not in page
    assert "尚未结案的投诉不公开" not in page
    assert "未同意公开的投诉" not in page


def test_the_member_statistics_page(client, coop, member_a, history):
    url = reverse("complaints:member_statistics", args=[coop.slug, member_a.pk])
    response = client.get(url)
    assert response.context["totals"]["received"] == 4
    assert "13912345678" not in response.content.decode()


def test_an_applicants_statistics_page_does_not_exist(client, coop):
    applicant = MemberFactory(cooperative=coop, status=Member.Status.APPLICANT)
    url = reverse("complaints:member_statistics", args=[coop.slug, applicant.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("complaints:statistics", args=["nowhere"])).status_code == 404


def test_statistics_pages_use_the_same_queries_for_one_member_and_many(
    client, coop, member_a, django_assert_num_queries, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # the page's own queries, not the public cache's
    ComplaintFactory(cooperative=coop, member=member_a, publish_consent=True, status="resolved")
    url = reverse("complaints:statistics", args=[coop.slug])
    client.get(url)
    with django_assert_num_queries(4) as one:
        client.get(url)
    for member in MemberFactory.create_batch(5, cooperative=coop):
        ComplaintFactory.create_batch(
            2, cooperative=coop, member=member, publish_consent=True, status="resolved"
        )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(response.context["by_member"]) == 6


def test_column_headings_say_what_the_column_holds_in_chinese(client, coop, history):
    url = reverse("complaints:statistics", args=[coop.slug])
    page = client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    assert '<th scope="col" class="num">收到数量</th>' in page
    assert "收到日期" not in page
    with translation.override("zh-hans"):
        assert translation.pgettext("difference between two scores", "Change") == "变化"
