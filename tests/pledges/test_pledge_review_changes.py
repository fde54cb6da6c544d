"""The review of a submitted pledge shows what changed from the member's previous published
version: commitments, standards, signature and texts, in words and highlighted."""

from decimal import Decimal

import pytest
from django.urls import reverse

from pledges.diff import ADDED, CHANGED, REMOVED, SAME, pledge_changes
from pledges.models.pledge import Pledge, ProductLine, Standard
from tests.pledges.pledge_factories import (
    MINIMUMS,
    charter_for,
    fast_passwords,
    make_pledge,
    published,
)

pytestmark = pytest.mark.django_db
__all__ = ["fast_passwords"]


def url(pledge):
    return reverse("pledges:pledge_review", args=[pledge.member.cooperative.slug, pledge.pk])


@pytest.fixture
def standards(coop):
    return [
        Standard.objects.create(cooperative=coop, kind=kind, number=number, title_zh=title)
        for kind, number, title in (
            ("national", "GB/T 22796", "床上用品"),
            ("national", "GB 18401", "纺织产品基本安全技术规范"),
        )
    ]


@pytest.fixture
def submitted(coop, member_a, standards):
    charter_for(coop)
    old = published(member_a, 1)
    ProductLine.objects.create(pledge=old, name="床单").standards.set([standards[0]])
    ProductLine.objects.create(pledge=old, name="枕套").standards.set([standards[0]])
    new = make_pledge(
        member_a,
        2,
        status=Pledge.Status.SUBMITTED,
        targets={**MINIMUMS, "pass_rate": Decimal("95.0"), "response_days": Decimal(3)},
        signatory_name="李经理",
    )
    new.commitments.filter(kind="rectification_days").delete()
    new.statement = "我们承诺按标准生产。\n每批产品出厂前检验。"
    new.save()
    ProductLine.objects.create(pledge=new, name="床单").standards.set(standards)
    ProductLine.objects.create(pledge=new, name="被套")
    return new


def test_the_changes_name_each_commitment_before_and_after_in_words(submitted):
    from django.utils import translation

    with translation.override("en"):
        changes = pledge_changes(submitted)
    assert changes.previous.version == 1
    rows = {
        change.label: (change.before, change.after, change.change) for change in changes.commitments
    }
    assert rows == {
        "spot-check pass rate": ("90%", "95%", CHANGED),
        "complaint response time": ("7 days", "3 days", CHANGED),
        "complaint resolution time": ("30 days", "30 days", SAME),
        "rectification time": ("60 days", "", REMOVED),
    }
    products = {
        change.label: (change.before, change.after, change.change) for change in changes.products
    }
    assert products == {
        "床单": ("GB/T 22796", "GB 18401, GB/T 22796", CHANGED),
        "枕套": ("GB/T 22796", "", REMOVED),
        "被套": ("", "no standard named", ADDED),
    }
    assert [(d.label, d.before, d.after) for d in changes.details] == [
        ("Signed by", "王经理", "李经理")
    ]
    [statement] = changes.texts
    assert ("insert", "每批产品出厂前检验。") in statement.lines


def test_a_first_pledge_is_all_new(coop, member_a):
    charter_for(coop)
    first = make_pledge(member_a, 1, status=Pledge.Status.SUBMITTED)
    changes = pledge_changes(first)
    assert changes.previous is None
    assert {change.change for change in changes.commitments} == {ADDED}


def test_the_administrator_sees_the_changes_highlighted_in_chinese(personas, submitted):
    page = personas.administrator.get(url(submitted), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    content = page.content.decode()
    assert "与已发布的第 1 版相比的变化" in content
    assert (
        '<del class="diff-old"><span class="visually-hidden">修改前： </span>90%</del>' in content
    )
    assert (
        '<ins class="diff-new"><span class="visually-hidden">修改后： </span>95%</ins>' in content
    )
    assert "3天" in content
    assert "GB 18401，GB/T 22796" in content
    for code in ("pass_rate", "response_days", "rectification_days"):
        assert code not in content


def test_the_changes_read_in_english(personas, submitted):
    content = personas.administrator.get(url(submitted), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "What changed since published version 1" in content
    assert "Complaint response time" in content
    assert "7 days" in content
    assert "3 days" in content


def test_the_regulator_reads_the_changes_and_no_one_else_sees_them(personas, submitted):
    assert "diff-new" in personas.regulator.get(url(submitted)).content.decode()
    for client in (personas.other_administrator, personas.member_b, personas.lab):
        assert client.get(url(submitted)).status_code == 404


def test_a_pledge_of_another_cooperative_is_404_under_the_administrators_address(
    personas, other_coop, submitted
):
    from tests.factories import MemberFactory

    charter_for(other_coop)
    elsewhere = make_pledge(
        MemberFactory(cooperative=other_coop), 1, status=Pledge.Status.SUBMITTED
    )
    address = reverse(
        "pledges:pledge_review", args=[submitted.member.cooperative.slug, elsewhere.pk]
    )
    assert personas.administrator.get(address).status_code == 404


def test_the_review_shows_the_comments_of_each_earlier_return(
    personas, submitted, administrator, member_user_a
):
    from pledges import services

    services.return_pledge(submitted, by=administrator, comments="请写明各产品线的标准编号。")
    edit = reverse("portal:pledge_edit", args=[submitted.member.pk, submitted.pk])
    # The member revising the pledge sees the comments where it works.
    assert "请写明各产品线的标准编号。" in personas.member_a.get(edit).content.decode()
    submitted.refresh_from_db()
    submitted.status = Pledge.Status.SUBMITTED
    submitted.review_comments = ""
    submitted.save()

    page = personas.administrator.get(url(submitted)).content.decode()

    assert "此前退回社员修改" in page
    assert "请写明各产品线的标准编号。" in page
    assert personas.other_administrator.get(url(submitted)).status_code == 404
