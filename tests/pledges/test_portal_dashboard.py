import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from charter.models import ExitCase, ExitStep
from complaints.models import Complaint
from conftest import logged_in
from inspections.models import Inspection, Rectification, TestCategory
from members.models import Member, QualityOfficer
from pledges.models import AssessmentPeriod, AssessmentRun, MemberAssessment
from pledges.models.pledge import Pledge
from tests.pledges.pledge_factories import (
    accept,
    charter_for,
    fast_passwords,  # noqa: F401 - autouse
    make_pledge,
    published,
)

pytestmark = pytest.mark.django_db


def add_records(member: Member, number: int) -> None:
    """Complaints waiting for an answer, a failed inspection to rectify, an exit case, an
    assessment: one of each per number."""
    category, _ = TestCategory.objects.get_or_create(
        cooperative=member.cooperative, code="bedding", defaults={"name_zh": "床上用品"}
    )
    Complaint.objects.create(
        cooperative=member.cooperative,
        member=member,
        reference=f"TS-{member.pk}-{number}",
        status=Complaint.Status.FORWARDED,
        received_on=datetime.date(2025, 3, 1),
        accepted_on=datetime.date(2025, 3, 2),
        forwarded_on=datetime.date(2025, 3, 2),
        response_due_on=datetime.date(2025, 3, 9),
        resolution_due_on=datetime.date(2025, 4, 1),
    )
    inspection = Inspection.objects.create(
        cooperative=member.cooperative,
        member=member,
        report_no=f"R-{member.pk}-{number}",
        product="床单",
        category=category,
        sampled_on=datetime.date(2025, 2, 1),
        reported_on=datetime.date(2025, 2, 10),
        verdict=Inspection.Verdict.FAIL,
        severity=Inspection.Severity.MAJOR,
    )
    Rectification.objects.create(inspection=inspection, deadline=datetime.date(2025, 4, 11))
    case = ExitCase.objects.create(member=member)
    ExitStep.objects.create(
        case=case, kind=ExitStep.Kind.WARNING, status=ExitStep.Status.CONFIRMED, reason="抽查不合格"
    )
    period = AssessmentPeriod.objects.create(
        cooperative=member.cooperative,
        code=str(2000 + number),
        first_day=datetime.date(2000 + number, 1, 1),
        last_day=datetime.date(2000 + number, 12, 31),
    )
    run = AssessmentRun.objects.create(
        period=period, charter_version=charter_for(member.cooperative)
    )
    MemberAssessment.objects.create(
        run=run, member=member, status="rated", score=Decimal("80.0"), grade="B"
    )
    AssessmentRun.objects.filter(pk=run.pk).update(status="published", revision=1)


def test_the_dashboard_shows_every_record_of_the_member(member_a, member_user_a, member_b):
    charter_for(member_a.cooperative)
    published(member_a)
    QualityOfficer.objects.create(member=member_a, name="张建国")
    add_records(member_a, 1)
    add_records(member_b, 2)
    response = logged_in(member_user_a).get(
        reverse("portal:dashboard", args=[member_a.pk]), headers={"accept-language": "en"}
    )
    html = response.content.decode()
    assert "张建国" in html
    assert [c.reference for c in response.context["complaints"]] == [f"TS-{member_a.pk}-1"]
    assert "9 Mar 2025" in html
    assert [r.inspection.report_no for r in response.context["rectifications"]] == [
        f"R-{member_a.pk}-1"
    ]
    assert "11 Apr 2025" in html
    assert len(response.context["cases"]) == 1
    assert [a.grade for a in response.context["assessments"]] == ["B"]
    assert f"R-{member_b.pk}-2" not in html
    assert "Your firm has not accepted the charter in force" in html


def test_the_dashboard_shows_no_proposal_the_member_s_cases_page_does_not(member_a, member_user_a):
    charter_for(member_a.cooperative)
    add_records(member_a, 1)
    case = ExitCase.objects.get(member=member_a)
    ExitStep.objects.create(case=case, kind=ExitStep.Kind.SUSPENSION, reason="两次 D")
    proposal_only = ExitCase.objects.create(member=member_a)
    ExitStep.objects.create(case=proposal_only, kind=ExitStep.Kind.WARNING, reason="D")
    response = logged_in(member_user_a).get(
        reverse("portal:dashboard", args=[member_a.pk]), headers={"accept-language": "en"}
    )
    assert response.context["cases"] == [case]
    assert [step.kind for step in response.context["cases"][0].steps.all()] == ["warning"]
    assert "awaiting decision" not in response.content.decode()
    chinese = logged_in(member_user_a).get(
        reverse("portal:dashboard", args=[member_a.pk]), headers={"accept-language": "zh-hans"}
    )
    page = chinese.content.decode()
    cases = reverse("charter:member_cases") + f"?member={member_a.pk}#case-{case.pk}"
    assert f'<a href="{cases}">' in page
    assert "立案，尚在处理中</a>" in page
    assert "<li>警告：生效中。</li>" in page
    assert f"案件 {case.pk}" not in page


def test_the_dashboard_uses_a_constant_number_of_queries(member_a, member_user_a):
    charter_for(member_a.cooperative)
    published(member_a)
    add_records(member_a, 1)
    client = logged_in(member_user_a)
    url = reverse("portal:dashboard", args=[member_a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for number in range(2, 9):
        add_records(member_a, number)
        published(member_a, number, datetime.date(2024, 1, number))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["complaints"]) == 8
    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_member_edits_its_public_fields_but_never_its_code_or_status(member_a, member_user_a):
    code = member_a.credit_code
    response = logged_in(member_user_a).post(
        reverse("portal:profile", args=[member_a.pk]),
        {
            "name_en": "Firm A Home Textiles",
            "address": "南通市通州区川姜镇1号",
            "credit_code": "X",
            "status": "active",
        },
    )
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert (member_a.name_en, member_a.address) == ("Firm A Home Textiles", "南通市通州区川姜镇1号")
    assert member_a.credit_code == code


def test_writing_and_submitting_a_pledge_through_the_portal(member_a, member_user_a):
    charter_for(member_a.cooperative)
    client = logged_in(member_user_a)
    response = client.post(reverse("portal:pledge_new", args=[member_a.pk]), {"template": "1"})
    pledge = Pledge.objects.get(member=member_a)
    assert response.url == reverse("portal:pledge_edit", args=[member_a.pk, pledge.pk])
    edit = reverse("portal:pledge_edit", args=[member_a.pk, pledge.pk])
    form = {
        "statement": "我们承诺。",
        "promises": "七天无理由退货。",
        "signatory_name": "王经理",
        "signatory_title": "总经理",
        "valid_from": "",
        "valid_until": "",
        "pass_rate": "85",
        "response_days": "3",
        "resolution_days": "20",
        "rectification_days": "45",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        "lines-0-name": "被套",
    }
    weaker = client.post(edit, form, headers={"accept-language": "en"})
    assert weaker.status_code == 200
    assert "at least 90.0%" in weaker.content.decode()
    form["pass_rate"] = "96"
    assert client.post(edit, form).status_code == 302
    assert pledge.targets()["pass_rate"] == Decimal("96.0")
    assert [line.name for line in pledge.product_lines.all()] == ["被套"]
    refused = client.post(
        reverse("portal:pledge_submit", args=[member_a.pk, pledge.pk]),
        follow=True,
        headers={"accept-language": "en"},
    )
    assert "has not accepted the charter" in refused.content.decode()
    accept(member_a)
    client.post(reverse("portal:pledge_submit", args=[member_a.pk, pledge.pk]))
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.SUBMITTED
    assert client.get(edit).status_code == 403


def test_a_published_pledge_cannot_be_edited_through_the_portal(member_a, member_user_a):
    pledge = published(member_a)
    edit = reverse("portal:pledge_edit", args=[member_a.pk, pledge.pk])
    client = logged_in(member_user_a)
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"statement": "changed"}).status_code == 403
    pledge.refresh_from_db()
    assert pledge.statement == "我们承诺按标准生产。"


def test_the_draft_of_another_member_is_not_found(member_a, member_b, member_user_a):
    other = make_pledge(member_b)
    client = logged_in(member_user_a)
    assert (
        client.get(reverse("portal:pledge_edit", args=[member_a.pk, other.pk])).status_code == 404
    )
    assert (
        client.get(reverse("portal:pledge_edit", args=[member_b.pk, other.pk])).status_code == 404
    )


def test_the_dashboard_tells_each_step_in_a_sentence_and_links_each_row_to_its_page(
    member_a, member_user_a
):
    charter_for(member_a.cooperative)
    add_records(member_a, 1)
    step = ExitStep.objects.get(case__member=member_a)
    ExitStep.objects.filter(pk=step.pk).update(
        decided_on=datetime.date(2025, 3, 3), rectification_until=datetime.date(2025, 6, 1)
    )
    result = MemberAssessment.objects.get(member=member_a)
    url = reverse("portal:dashboard", args=[member_a.pk])
    english = logged_in(member_user_a).get(url, headers={"accept-language": "en"})
    page = english.content.decode()
    assert "Warning: in effect since 3 March 2025, rectify by 1 June 2025." in page
    why = reverse(
        "pledges:public_result",
        args=[member_a.cooperative.slug, result.run.period.code, 1, member_a.credit_code],
    )
    assert f'<a href="{why}">' in page
    chinese = logged_in(member_user_a).get(url, headers={"accept-language": "zh-hans"})
    assert "警告：自2025年3月3日起生效，须于2025年6月1日前完成整改。" in chinese.content.decode()
