"""Issue 20, point 10: personal data on public pages. A consumer's account is published only
after an administrator has read it, and what is proposed has the personal data masked — also
in full-width and separated forms, messaging ids, addresses and the names of the consumer and
of the member's staff."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from complaints import services
from complaints.masking import MASK, mask_personal_data
from complaints.models import Complaint, ComplaintEvent, PublicAccount
from conftest import logged_in
from coop_portal.refusal import Refused
from members.models import Pairing, QualityOfficer, ShadowVisit
from tests.complaints.factories import ComplaintFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

# The narrative of the attack, published verbatim before the fix.
NARRATIVE = (
    "我是王 小 明，3月1日买的床单洗一次就褪色。请打139.1234.5678或１３９ １２３４ ５６７８，"
    "邮箱wang＠example．com（也可写 wang at example dot com），微信 wangxm_1988，QQ：123456789。"
    "我住在南通市崇川区幸福路88号3栋2单元501室。店里的质量官陈大文说不退，"
    "后来去学习的李小红也这么说。不符合GB 18401-2010。"
)
SECRETS = [
    "王 小 明",
    "139.1234.5678",
    "１３９ １２３４ ５６７８",
    "wang＠example．com",
    "wang at example dot com",
    "wangxm_1988",
    "123456789",
    "幸福路88号",
    "501室",
    "陈大文",
    "李小红",
]


@pytest.fixture
def closed(coop, member_a):
    """A resolved complaint about member A whose consumer agreed to a public account."""
    QualityOfficer.objects.create(member=member_a, name="陈大文")
    anchor = MemberFactory(cooperative=coop)
    pairing = Pairing.objects.create(
        anchor=anchor, member=member_a, started_on=datetime.date(2024, 1, 1)
    )
    ShadowVisit.objects.create(
        pairing=pairing, on=datetime.date(2024, 5, 1), staff_names="李小红、周强", topic="质检"
    )
    return ComplaintFactory(
        cooperative=coop,
        member=member_a,
        status=Complaint.Status.RESOLVED,
        closing_code="relief_given",
        closed_on=datetime.date(2025, 3, 20),
        publish_consent=True,
        contact_name="王小明",
        product="纯棉四件套（联系人：王小明）",
        description=NARRATIVE,
    )


def statistics(client, coop) -> str:
    return client.get(reverse("complaints:statistics", args=[coop.slug])).content.decode()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("我是王 小 明", "王小明"),
        ("我是王　小明", "王小明"),
        ("王先生很生气", "王小明"),
        ("From Wang  Xiaoming", "Wang Xiaoming"),
        ("from xiaoming wang", "Wang Xiaoming"),
        ("from WANG-XIAOMING", "Wang Xiaoming"),
    ],
)
def test_a_name_is_masked_however_it_is_spaced_or_ordered(text, name):
    masked = mask_personal_data(text, [name])
    assert MASK in masked
    for part in ("小", "Xiaoming", "xiaoming", "XIAOMING", "王先生"):
        assert part not in masked


def test_dates_prices_sizes_and_standards_are_left_alone():
    text = "2025.03.01买的，价格 1,299 元，尺寸 180x200，不符合 GB/T 2910.1-2009 和 GB 18401-2010。"
    assert mask_personal_data(text) == text


def test_the_consent_alone_publishes_nothing(client, coop, closed):
    """The attack: with consent, the narrative above went public at once, verbatim."""
    page = statistics(client, coop)
    assert "褪色" not in page
    for secret in SECRETS:
        assert secret not in page


def test_the_proposal_masks_the_consumer_and_the_members_staff(closed):
    product, text = services.proposed_account(closed)
    for secret in SECRETS:
        assert secret not in text, secret
    assert "王小明" not in product
    assert "褪色" in text
    assert "GB 18401-2010" in text


def test_an_administrator_reads_edits_and_publishes_the_account(
    client, coop, closed, administrator
):
    staff = logged_in(administrator)
    detail = reverse("complaints:staff_detail", args=[coop.slug, closed.pk])
    page = staff.get(detail).content.decode()
    assert "publish_account-text" in page
    assert "139.1234.5678" not in page.split("publish_account-text")[1]
    listing = staff.get(
        reverse("complaints:staff_list", args=[coop.slug]), {"accounts": "awaiting"}
    )
    assert closed.reference in listing.content.decode()

    url = reverse("complaints:staff_action", args=[coop.slug, closed.pk, "publish_account"])
    unchecked = staff.post(
        url, {"publish_account-product": "四件套", "publish_account-text": "床单褪色。"}
    )
    assert unchecked.status_code == 400
    assert not PublicAccount.objects.exists()
    published = staff.post(
        url,
        {
            "publish_account-product": "四件套",
            "publish_account-text": "床单洗一次就褪色，商家最后退了款。",
            "publish_account-checked": "on",
        },
    )
    assert published.status_code == 302
    account = PublicAccount.objects.get()
    assert account.status == PublicAccount.Status.PUBLISHED
    assert account.decided_by == administrator
    event = closed.events.get(kind=ComplaintEvent.Kind.ACCOUNT_PUBLISHED)
    assert event.by == administrator
    assert event.visibility == ComplaintEvent.Visibility.INTERNAL
    page = statistics(client, coop)
    assert "床单洗一次就褪色，商家最后退了款。" in page
    for secret in SECRETS:
        assert secret not in page
    # Decided once.
    assert (
        staff.post(url, {"publish_account-text": "x", "publish_account-checked": "on"}).status_code
        == 403
    )


def test_a_withheld_account_never_goes_public(client, coop, closed, administrator):
    staff = logged_in(administrator)
    url = reverse("complaints:staff_action", args=[coop.slug, closed.pk, "withhold_account"])
    assert staff.post(url, {"withhold_account-text": "能认出店员"}).status_code == 302
    assert PublicAccount.objects.get().status == PublicAccount.Status.WITHHELD
    assert "褪色" not in statistics(client, coop)
    assert not Complaint.objects.awaiting_account_decision().exists()


def test_a_regulator_reads_but_does_not_publish(coop, closed, regulator):
    reader = logged_in(regulator)
    url = reverse("complaints:staff_action", args=[coop.slug, closed.pk, "publish_account"])
    response = reader.post(
        url, {"publish_account-text": "床单褪色。", "publish_account-checked": "on"}
    )
    assert response.status_code == 403
    assert not PublicAccount.objects.exists()


def test_a_complaint_still_open_offers_no_account(coop, member_a, administrator):
    complaint = ComplaintFactory(cooperative=coop, member=member_a, publish_consent=True)
    assert "publish_account" not in complaint.next_steps()
    with pytest.raises(Refused):
        services.publish_account(complaint, administrator, product="", text="x")
