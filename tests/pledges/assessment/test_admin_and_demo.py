"""The read-only admin of assessments, and the demo's assessment part."""

from __future__ import annotations

import datetime
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

import pledges.admin  # noqa: F401 - registers the admin pages
from charter.models import ExitStep
from complaints.models import Complaint
from inspections.models import Inspection
from members.models import Cooperative, Member
from pledges.assessment import demo, services
from pledges.demo import owner_members
from pledges.models import AssessmentRun, Reply
from pledges.models.assessment import MemberObjection

from .conftest import compute, publish


def test_administrator_lists_own_runs_only(personas, coop, charter, other_coop):
    from charter.setup import setup_charter

    setup_charter(other_coop)
    mine = publish(coop, "2025")
    theirs = compute(other_coop, "2025")
    url = reverse("admin:pledges_assessmentrun_changelist")
    page = personas.administrator.get(url).content.decode()
    assert reverse("admin:pledges_assessmentrun_change", args=[mine.pk]) in page
    assert reverse("admin:pledges_assessmentrun_change", args=[theirs.pk]) not in page
    assert (
        personas.administrator.get(
            reverse("admin:pledges_assessmentrun_change", args=[theirs.pk])
        ).status_code
        == 404
    )


def test_a_published_run_cannot_be_deleted_in_the_admin(personas, coop, charter):
    run = publish(coop, "2025")
    url = reverse("admin:pledges_assessmentrun_delete", args=[run.pk])
    assert personas.administrator.post(url, {"post": "yes"}).status_code == 403
    assert AssessmentRun.objects.filter(pk=run.pk).exists()


def test_demo_shows_a_final_period_an_objection_in_notice_and_a_draft(db, client):
    call_command("demo", stdout=StringIO())
    cooperative = Cooperative.objects.get(slug="nantong-home-textiles")
    demo.load(cooperative)
    demo.load(cooperative)
    statuses = dict(
        AssessmentRun.objects.filter(period__cooperative=cooperative).values_list(
            "period__code", "status"
        )
    )
    assert statuses == {"2024": "final", "2025-H1": "published", "2025": "draft"}
    assert MemberObjection.objects.filter(run__period__code="2025-H1").count() == 1
    # The first owner's member answers its latest published result, once however often the
    # demo loads, and the public result page shows it.
    reply = Reply.objects.select_related("member", "period").get()
    assert reply.member == owner_members(cooperative)[0]
    assert reply.period is not None
    assert reply.period.code == "2025-H1"
    page = client.get(
        reverse(
            "pledges:public_member",
            args=[cooperative.slug, reply.period.code, reply.member.credit_code],
        )
    )
    assert reply.text in page.content.decode()


def test_a_demo_loaded_years_later_is_consistent_on_the_day_it_is_loaded(db, monkeypatch):
    today = datetime.date(2031, 3, 10)
    monkeypatch.setattr(Cooperative, "today", lambda self: today)
    call_command("demo", stdout=StringIO())
    cooperative = Cooperative.objects.get(slug="nantong-home-textiles")
    runs = AssessmentRun.objects.filter(period__cooperative=cooperative).select_related("period")
    statuses = {run.period.code: run.status for run in runs}
    assert statuses == {"2029": "final", "2030-H1": "published", "2030": "draft"}
    for run in runs:
        assert not run.is_preview
        assert run.period.last_day < today
    # Nothing happened after the day of loading, and no open complaint is overdue.
    assert not Complaint.objects.filter(received_on__gt=today).exists()
    assert not Inspection.objects.filter(reported_on__gt=today).exists()
    open_complaints = Complaint.objects.filter(closed_on__isnull=True)
    assert open_complaints.exists()
    for complaint in open_complaints:
        if complaint.responded_on is None and complaint.response_due_on is not None:
            assert complaint.response_due_on >= today, complaint.reference
        if complaint.resolved_on is None and complaint.resolution_due_on is not None:
            assert complaint.resolution_due_on >= today, complaint.reference
    assert cooperative.charter_versions.get(number=2).effective_from == datetime.date(2029, 1, 1)
    assert not Member.objects.filter(cooperative=cooperative, joined_on__gt=today).exists()


def test_the_demo_s_exit_story_agrees_with_what_its_assessments_compute(db, monkeypatch):
    today = datetime.date(2026, 12, 6)
    monkeypatch.setattr(Cooperative, "today", lambda self: today)
    call_command("demo", stdout=StringIO())
    draft = AssessmentRun.objects.get(status="draft", period__code="2025")
    services.publish_run(draft, by=None)
    steps = ExitStep.objects.filter(case__member__cooperative__slug="nantong-home-textiles")
    # Only the assessment engine cites a grade: the demo's hand-taken steps cite inspections.
    assert not steps.exclude(source_ref__startswith="assessment:").filter(reason__contains="考核")
    eligible = steps.proposed().filter(kind="trademark_eligible").select_related("case__member")
    assert eligible.exists()
    for step in eligible:
        assert step.case.member.status not in ("suspended", "removed", "withdrawn")
        period = step.source_ref.rsplit(":", 1)[0]
        sanctions = steps.proposed().exclude(kind="trademark_eligible")
        assert not sanctions.filter(
            case__member=step.case.member, source_ref__startswith=period + ":"
        ).exists()
