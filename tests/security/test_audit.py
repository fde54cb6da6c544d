"""The audit trail: every administrative decision records who took it and when.

The register below names, for each kind of decision, the record that keeps it; the tests
then take decisions through the pages, as the people who take them, and read the record.
Decisions whose own tests already check who and when (member lifecycle steps in
tests/members/test_services.py, application decisions in tests/charter/test_applications.py,
exit steps in tests/charter/test_exit.py, pledge reviews in tests/pledges/test_pledge_rules.py)
are in the register only.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import models
from django.urls import reverse
from django.utils import timezone

from charter.models import Appeal, Application, CharterVersion, ExitStep
from charter.services import lodge_appeal, take_exit_step
from charter.setup import setup_charter
from complaints.models import ComplaintEvent
from conftest import verify_second_factor
from inspections.models import LabApiToken, Objection
from inspections.services import issue_api_token, raise_objection
from inspections.setup import setup_catalogue
from members.models import Role, StatusChange, User
from pledges.assessment import services as assessment
from pledges.models import AssessmentRun, Pledge, Reply
from pledges.models.assessment import MemberObjection
from tests.complaints.factories import ComplaintFactory
from tests.factories import RoleFactory, UserFactory
from tests.inspections.factories import FailedInspectionFactory
from tests.pledges.pledge_factories import published

pytestmark = pytest.mark.django_db

# Each decision: the model that records it, the field naming who, the field saying when.
REGISTER = {
    "member status change (warn, suspend, remove, readmit)": (StatusChange, "by", "at"),
    "membership application approved or rejected": (Application, "decided_by", "decided_at"),
    "exit step taken, proposal confirmed or dismissed": (ExitStep, "decided_by", "decided_at"),
    "appeal against an exit step decided": (Appeal, "decided_by", "decided_at"),
    "charter version published": (CharterVersion, "published_by", "published_at"),
    "assessment published": (AssessmentRun, "published_by", "published_at"),
    "objection to an assessment decided": (MemberObjection, "decided_by", "decided_at"),
    "objection to an inspection result decided": (Objection, "decided_by", "decided_on"),
    "pledge reviewed": (Pledge, "reviewed_by", "reviewed_at"),
    "member's reply refused": (Reply, "refused_by", "refused_at"),
    "complaint accepted, rejected, forwarded, resolved, upheld, closed": (
        ComplaintEvent,
        "by",
        "at",
    ),
}


@pytest.mark.parametrize("decision", sorted(REGISTER))
def test_every_kind_of_decision_has_a_record_of_who_and_when(decision):
    model, who, when = REGISTER[decision]
    who_field = model._meta.get_field(who)
    assert isinstance(who_field, models.ForeignKey)
    assert who_field.related_model is User
    # Deleting a user must not erase what they decided.
    assert who_field.remote_field.on_delete in (models.PROTECT, models.SET_NULL)
    assert isinstance(model._meta.get_field(when), models.DateField | models.DateTimeField)


def just_now(moment: datetime.datetime | None) -> bool:
    return moment is not None and timezone.now() - moment < datetime.timedelta(minutes=1)


@pytest.fixture
def catalogue(coop):
    setup_charter(coop)
    setup_catalogue(coop, "home-textiles")


def test_an_inspection_objection_decided_on_its_page_records_the_regulator_and_the_day(
    personas, coop, member_a, member_user_a, regulator, catalogue
):
    inspection = FailedInspectionFactory(
        cooperative=coop,
        member=member_a,
        category=coop.test_categories.get(code="bedding"),
        sampled_on=coop.today(),
        reported_on=coop.today(),
    )
    objection = raise_objection(inspection, reason="样品不是我们的", by=member_user_a)
    response = personas.regulator.post(
        reverse("inspections:decide_objection", args=[coop.slug, objection.pk]),
        {"decision": "upheld", "note": "抽样记录有误"},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == Objection.Status.UPHELD
    assert objection.decided_by == regulator
    assert objection.decided_on == coop.today()
    assert objection.decision_note == "抽样记录有误"


def test_an_appeal_decided_on_the_case_page_records_the_administrator_and_the_time(
    client, coop, member_a, member_user_a, administrator, catalogue
):
    second = UserFactory(email="second-admin@nantong.example.cn", is_staff=True)
    RoleFactory(user=second, cooperative=coop, kind=Role.Kind.ADMINISTRATOR)
    step = take_exit_step(member_a, "warning", by=administrator, reason="等级 D")
    assert (step.decided_by, just_now(step.decided_at)) == (administrator, True)
    appeal = lodge_appeal(step, by=member_user_a, grounds="投诉不成立")
    client.force_login(second)
    verify_second_factor(client, second)
    client.post(
        reverse("charter:decide_appeal", args=[coop.slug, appeal.pk]),
        {f"appeal{appeal.pk}-decision": "reject", f"appeal{appeal.pk}-reason": "证据充分"},
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REJECTED
    assert appeal.decided_by == second
    assert just_now(appeal.decided_at)


def test_each_step_at_the_complaints_desk_records_the_administrator_and_the_time(
    personas, coop, member_a, administrator
):
    complaint = ComplaintFactory(cooperative=coop, member=member_a, received_on=coop.today())
    for step in ("accept", "forward"):
        response = personas.administrator.post(
            reverse("complaints:staff_action", args=[coop.slug, complaint.pk, step]),
            {f"{step}-text": "已核实", f"{step}-public": "on"},
        )
        assert response.status_code == 302
    events = ComplaintEvent.objects.filter(complaint=complaint)
    assert [event.kind for event in events.order_by("at")] == ["accepted", "forwarded"]
    for event in events:
        assert event.by == administrator
        assert just_now(event.at)


@pytest.fixture
def draft(coop, member_a, member_b, catalogue):
    for member in (member_a, member_b):
        published(member)
    period = assessment.period_for(coop, "2025")
    run = assessment.start_run(period, dispatch=False)
    assessment.compute_run_now(run)
    run.refresh_from_db()
    return run


def test_publishing_an_assessment_and_deciding_an_objection_record_the_regulator(
    personas, coop, member_a, member_user_a, regulator, draft, django_capture_on_commit_callbacks
):
    base = reverse("pledges:assessment_run", args=[coop.slug, draft.pk])
    # Publication runs as a task once the request commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.regulator.post(f"{base}publish/", {"note": "", "confirm": "on"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == AssessmentRun.Status.PUBLISHED
    assert draft.published_by == regulator
    assert just_now(draft.published_at)

    objection = assessment.lodge_objection(draft, member_a, text="投诉已撤回", by=member_user_a)
    prefix = f"objection-{objection.pk}"
    response = personas.regulator.post(
        reverse("pledges:assessment_objection_decide", args=[coop.slug, objection.pk]),
        {f"{prefix}-decision": MemberObjection.Decision.DISMISSED, f"{prefix}-note": "核实无误"},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.decision == MemberObjection.Decision.DISMISSED
    assert objection.decided_by == regulator
    assert just_now(objection.decided_at)


def test_revoking_a_lab_token_in_the_admin_is_logged_with_the_administrator(
    personas, coop, lab, administrator
):
    token = LabApiToken(lab=lab, cooperative=coop, name="LIMS")
    issue_api_token(token)
    url = reverse("admin:inspections_labapitoken_change", args=[token.pk])
    now = timezone.localtime()
    response = personas.administrator.post(
        url,
        {
            "cooperative": coop.pk,
            "lab": lab.pk,
            "name": "LIMS",
            "revoked_at_0": now.date().isoformat(),
            "revoked_at_1": now.time().strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = LogEntry.objects.get(object_id=str(token.pk), action_flag=CHANGE)
    assert entry.user == administrator
    assert just_now(entry.action_time)
    # Stored untranslated: the field that changed.
    assert "Revoked" in entry.change_message
