import pytest
from django.utils import timezone

from charter import demo as charter_demo
from charter.models import Appeal, Application, CharterAcceptance, CharterVersion, ExitStep
from charter.services import propose_consequence
from charter.setup import setup_charter
from members import demo as members_demo
from members.models import Member, User

pytestmark = pytest.mark.django_db


def load():
    cooperative = members_demo.load()
    setup_charter(cooperative)
    charter_demo.load(cooperative)
    return cooperative


def counts():
    return (
        CharterVersion.objects.count(),
        CharterAcceptance.objects.count(),
        Application.objects.count(),
        ExitStep.objects.count(),
        Appeal.objects.count(),
    )


def test_the_demo_has_two_versions_acceptances_applications_and_a_case_at_each_stage():
    cooperative = load()
    versions = list(cooperative.charter_versions.order_by("number"))
    assert [version.number for version in versions] == [1, 2]
    assert CharterVersion.objects.in_force(cooperative, on=cooperative.today()) == versions[1]
    current = Member.objects.filter(
        cooperative=cooperative, status__in=["active", "warned", "suspended"]
    )
    assert 0 < versions[1].members_not_accepted().count() < current.count() / 2
    assert set(Application.objects.values_list("status", flat=True)) == {"pending", "rejected"}
    steps = ExitStep.objects.of_cooperative(cooperative)
    # Proposals come from the demo's published assessments (pledges.assessment.demo), never
    # made up here: a made-up grade would contradict what the engine computes.
    assert not steps.proposed().exists()
    assert (
        steps.in_effect()
        .filter(kind="warning", rectification_until__gte=cooperative.today())
        .exists()
    )
    assert steps.in_effect().filter(kind="suspension").exists()
    # Taken by hand as an administrator takes them: no made-up source, and each case opened
    # (and each step proposed) on or before the day the step took effect.
    assert not steps.exclude(source_ref="").filter(source_ref__startswith="demo:").exists()
    for step in steps.exclude(decided_on=None).select_related("case"):
        assert step.decided_on is not None
        assert timezone.localtime(step.case.opened_at).date() <= step.decided_on
        assert timezone.localtime(step.proposed_at).date() <= step.decided_on
    assert steps.in_effect().filter(kind="removal").exists()
    assert steps.in_effect().filter(kind="withdrawal").exists()
    assert Appeal.objects.filter(status="pending").exists()


def test_the_demo_can_be_loaded_twice():
    load()
    before = counts()
    load()
    assert counts() == before


def test_a_member_login_s_warning_confirms_the_assessment_s_proposal_once():
    cooperative = load()
    registrar = User.objects.get(email="registrar@example.cn")
    member = cooperative.members.filter(status="active", exit_cases__isnull=True).first()
    case = propose_consequence(
        member, "warning", reason="期间末无有效承诺。", source_ref="assessment:x"
    )
    step = charter_demo.confirm_warning(member, by=registrar)
    assert step == case.steps.get()
    assert step.is_in_effect
    assert step.decided_on == cooperative.today()
    assert step.decision_reason == charter_demo.WARNING_CONFIRMED
    assert charter_demo.confirm_warning(member, by=registrar) == step
    assert ExitStep.objects.for_member(member).count() == 1


def test_a_member_login_is_warned_by_hand_when_no_assessment_proposed_it():
    cooperative = load()
    registrar = User.objects.get(email="registrar@example.cn")
    member = cooperative.members.filter(status="active", exit_cases__isnull=True).first()
    step = charter_demo.confirm_warning(member, by=registrar)
    assert step.is_in_effect
    assert step.kind == "warning"
    assert step.reason == charter_demo.WARNING_BY_HAND
    assert step.source_ref == ""
    assert charter_demo.confirm_warning(member, by=registrar) == step
