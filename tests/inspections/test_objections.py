"""Objections: the window, the regulator's decision, and voided results never counting."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from coop_portal.refusal import Refused
from inspections.models import Inspection, Objection
from inspections.services import decide_objection, raise_objection
from tests.inspections.factories import FailedInspectionFactory, InspectionFactory

pytestmark = pytest.mark.django_db

REPORTED = datetime.date(2025, 3, 10)


@pytest.fixture
def failed(coop, member_a, catalogue):
    return FailedInspectionFactory(
        cooperative=coop, member=member_a, category=catalogue["bedding"], reported_on=REPORTED
    )


def test_the_window_is_the_charters_objection_window(failed):
    # 15 working days after Monday 10 March 2025: Monday 31 March is the last day.
    raise_objection(failed, reason="x", by=None, on=datetime.date(2025, 3, 31))
    assert Objection.objects.count() == 1


def test_an_objection_one_day_late_is_refused_with_the_date(failed):
    from django.utils import translation

    with (
        translation.override("en"),
        pytest.raises(Refused, match="closed on 31 March 2025, 15 working days after"),
    ):
        raise_objection(failed, reason="x", by=None, on=datetime.date(2025, 4, 1))
    with (
        translation.override("zh-hans"),
        pytest.raises(Refused, match="2025年3月31日"),
    ):
        raise_objection(failed, reason="x", by=None, on=datetime.date(2025, 4, 1))


def test_an_upheld_objection_voids_the_result_and_voided_results_never_count(
    failed, regulator, coop, member_a, catalogue
):
    kept = InspectionFactory(cooperative=coop, member=member_a, category=catalogue["bedding"])
    objection = raise_objection(failed, reason="样品受潮", by=None, on=REPORTED)
    decide_objection(objection, upheld=True, note="样品运输受潮，结论作废。", by=regulator)
    failed.refresh_from_db()
    assert failed.status == Inspection.Status.VOIDED
    assert failed.void_note == "样品运输受潮，结论作废。"
    assert list(Inspection.objects.final()) == [kept]
    with pytest.raises(Refused):
        raise_objection(failed, reason="again", by=None, on=REPORTED)


def test_a_rejected_objection_leaves_the_result(failed, regulator):
    objection = raise_objection(failed, reason="x", by=None, on=REPORTED)
    decide_objection(objection, upheld=False, note="抽样程序合规。", by=regulator)
    failed.refresh_from_db()
    assert failed.status == Inspection.Status.FINAL
    with pytest.raises(Refused):
        decide_objection(objection, upheld=True, note="again", by=regulator)


def test_a_regulator_decides_on_the_objections_page(personas, coop, failed):
    objection = raise_objection(failed, reason="x", by=None, on=REPORTED)
    listing = personas.regulator.get(reverse("inspections:objections", args=[coop.slug]))
    assert listing.status_code == 200
    url = reverse("inspections:decide_objection", args=[coop.slug, objection.pk])
    assert personas.regulator.get(url).status_code == 200
    missing_note = personas.regulator.post(url, {"decision": "upheld", "note": ""})
    assert missing_note.status_code == 400
    response = personas.regulator.post(url, {"decision": "upheld", "note": "作废"})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.voided


def test_the_member_reads_the_decision_and_its_reasons(personas, failed, regulator):
    objection = raise_objection(failed, reason="已复检", by=None, on=REPORTED)
    decide_objection(objection, upheld=False, note="复检仍不合格", by=regulator)
    url = reverse("inspections:member_inspection", args=[failed.pk])
    page = personas.member_a.get(url).content.decode()
    assert "<dt>决定理由</dt><dd>复检仍不合格</dd>" in page
    assert "(复检仍不合格)" not in page


def test_an_administrator_sees_objections_but_only_a_regulator_decides(personas, coop, failed):
    objection = raise_objection(failed, reason="x", by=None, on=REPORTED)
    url = reverse("inspections:decide_objection", args=[coop.slug, objection.pk])
    assert personas.administrator.get(url).status_code == 200
    assert personas.administrator.post(url, {"decision": "upheld", "note": "x"}).status_code == 403
    for client in (personas.member_a, personas.lab, personas.other_administrator):
        assert client.get(url).status_code == 404
        assert client.get(reverse("inspections:objections", args=[coop.slug])).status_code == 404
    assert personas.anonymous.get(url).status_code == 302
    failed.refresh_from_db()
    assert not failed.voided


def test_the_objections_list_has_a_constant_query_count(
    personas, coop, member_a, catalogue, django_assert_num_queries
):
    url = reverse("inspections:objections", args=[coop.slug])

    def objection() -> None:
        raise_objection(
            FailedInspectionFactory(
                cooperative=coop,
                member=member_a,
                category=catalogue["bedding"],
                reported_on=REPORTED,
            ),
            reason="x",
            by=None,
            on=REPORTED,
        )

    objection()
    with django_assert_num_queries(5):
        personas.regulator.get(url)
    for _ in range(10):
        objection()
    with django_assert_num_queries(5):
        personas.regulator.get(url)


def test_the_member_is_told_of_a_new_failure_and_of_the_decision(
    coop, member_a, member_user_a, regulator, catalogue, django_capture_on_commit_callbacks
):
    from coop_portal.models import OutboxEmail
    from inspections.services import settle_inspection

    today = coop.today()
    recent = FailedInspectionFactory(
        cooperative=coop,
        member=member_a,
        category=catalogue["bedding"],
        report_no="MAIL-1",
        sampled_on=today - datetime.timedelta(days=9),
        reported_on=today - datetime.timedelta(days=2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        settle_inspection(recent)
        settle_inspection(recent)
        objection = raise_objection(recent, reason="x", by=None)
        decide_objection(objection, upheld=True, note="样品受潮", by=regulator)
    mails = list(OutboxEmail.objects.order_by("pk"))
    assert len(mails) == 2
    assert all(mail.to == member_a.email_recipients() for mail in mails)
    assert "MAIL-1" in mails[0].subject
    assert "MAIL-1" in mails[1].subject
    assert "样品受潮" in mails[1].body


def test_the_decision_is_written_in_each_recipients_language_not_the_regulators(
    coop, member_a, member_user_a, regulator, catalogue
):
    """A regulator browsing in English writes to the member's Chinese readers in Chinese, and
    to a user of the member who prefers English in English (walk report M2)."""
    from django.utils import translation

    from coop_portal.models import OutboxEmail
    from members.models import MemberNotice, Role
    from tests.factories import RoleFactory, UserFactory

    english = UserFactory(email="export@firm-a.example.cn", language="en")
    RoleFactory(user=english, cooperative=coop, kind=Role.Kind.MEMBER_USER, member=member_a)
    failed = FailedInspectionFactory(
        cooperative=coop, member=member_a, category=catalogue["bedding"], reported_on=REPORTED
    )
    objection = raise_objection(failed, reason="x", by=None, on=REPORTED)
    with translation.override("en"):
        decide_objection(objection, upheld=False, note="Sampling was done properly.", by=regulator)
    key = f"objection-decided:{objection.pk}"
    chinese = OutboxEmail.objects.get(key=f"{key}:zh-hans")
    assert english.email not in chinese.to
    assert member_user_a.email in chinese.to
    assert "异议" in chinese.subject
    in_english = OutboxEmail.objects.get(key=f"{key}:en")
    assert in_english.to == [english.email]
    assert "objection" in in_english.subject
    # The administrator's own words stay as typed, in both.
    assert "Sampling was done properly." in chinese.body
    assert set(MemberNotice.objects.filter(group=key).values_list("language", flat=True)) == {
        "zh-hans",
        "en",
    }
