"""The publication's confirmation counts exactly what publishing will propose: one function
(consequences.proposals) decides, the confirmation counts it, the publication records it."""

from __future__ import annotations

import datetime
from collections import Counter

from charter.models import ExitStep
from members.models import Member
from pledges.assessment import services
from pledges.assessment.consequences import proposal_counts
from tests.factories import MemberFactory

from .conftest import compute
from .factories import inspections
from .test_publication import rated_member, two_critical_failures_in_2025
from .test_views import publish_url

D = datetime.date


def created(run) -> Counter:
    return Counter(
        ExitStep.objects.filter(
            source_ref=f"assessment:{run.period.code}:r{run.revision}"
        ).values_list("kind", flat=True)
    )


def left(member: Member, status: str) -> None:
    Member.objects.filter(pk=member.pk).update(status=status, left_on=D(2026, 3, 1))


def test_the_confirmation_counts_what_the_publication_creates(coop, charter):
    rated_member(coop, grade="D")
    MemberFactory(cooperative=coop)  # no pledge: one warning, not two
    left(MemberFactory(cooperative=coop), Member.Status.REMOVED)
    left(MemberFactory(cooperative=coop), Member.Status.WITHDRAWN)
    run = compute(coop, "2025")
    promised = proposal_counts(run)
    published = services.publish_run(run, by=None)
    assert promised == {"warning": 2}
    assert created(published) == Counter(promised)


def test_a_suspended_member_is_not_proposed_for_the_trademark(coop, charter):
    member = rated_member(coop, grade="A", period_year=2024)
    inspections(member, 1, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 1))
    services.publish_run(compute(coop, "2024"), by=None)
    Member.objects.filter(pk=member.pk).update(status=Member.Status.SUSPENDED)
    run = compute(coop, "2025")
    assert proposal_counts(run) == {}
    services.publish_run(run, by=None)
    assert not ExitStep.objects.filter(kind="trademark_eligible").exists()


def test_a_member_proposed_a_sanction_is_not_also_proposed_the_trademark(coop, charter):
    member = rated_member(coop, grade="A", period_year=2024)
    two_critical_failures_in_2025(member)
    services.publish_run(compute(coop, "2024"), by=None)
    run = compute(coop, "2025")
    assert "trademark_eligible" not in proposal_counts(run)
    assert "suspension" in proposal_counts(run)


def test_the_confirmation_page_shows_the_counts_in_words(personas, coop, charter):
    rated_member(coop, grade="D")
    left(MemberFactory(cooperative=coop), Member.Status.REMOVED)
    run = compute(coop, "2025")
    warnings = proposal_counts(run)["warning"]
    page = personas.regulator.get(publish_url(run), headers={"accept-language": "en"})
    assert f"<li>Warning: {warnings}</li>" in page.content.decode()
    page = personas.regulator.get(publish_url(run), headers={"accept-language": "zh-hans"})
    assert f"<li>警告：{warnings}</li>" in page.content.decode()
    assert "成员" not in page.content.decode()
