"""The read-only admin of assessments, and the demo's assessment part."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.urls import reverse

import pledges.admin  # noqa: F401 - registers the admin pages
from members.models import Cooperative
from pledges.assessment import demo
from pledges.models import AssessmentRun
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


def test_demo_shows_a_final_period_an_objection_in_notice_and_a_draft(db):
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
