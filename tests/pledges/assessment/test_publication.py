"""Publishing, revisions, the notice period, objections, finalising, immutability, hashes."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from charter.models import ExitStep
from members.models import Member, StatusChange
from pledges.assessment import computing, services
from pledges.assessment.consequences import proposals
from pledges.assessment.schedule import finalise_runs
from pledges.models import AssessmentRun, MemberAssessment
from pledges.models.assessment import MemberObjection, PublishedDataError
from tests.factories import MemberFactory

from .conftest import compute, publish
from .factories import ComplaintFactory, InspectionFactory, inspections, pledge

D = datetime.date


def rated_member(coop, *, grade="A", period_year=2025):
    """A member whose only inspection of the year gives the wanted grade."""
    member = MemberFactory(cooperative=coop)
    pledge(member, ("90", "7", "30", "60"), published_on=D(2020, 1, 1))
    day = D(period_year, 3, 1)
    if grade == "A":
        inspections(member, 1, sampled_on=day, reported_on=day)
    else:
        # One pass in four: value 27.8, grade D.
        inspections(member, 1, sampled_on=day, reported_on=day)
        inspections(
            member,
            3,
            sampled_on=day,
            reported_on=day,
            verdict="fail",
            severity="minor",
            rectified_on=day,
        )
    return member


def test_publishing_a_draft_opens_the_notice_period(coop, charter, regulator, freeze_today):
    freeze_today(D(2026, 2, 1))
    rated_member(coop)
    run = publish(coop, "2025", by=regulator)
    assert run.status == AssessmentRun.Status.PUBLISHED
    assert run.revision == 1
    # Seven working days after Sunday 1 February 2026: 2–6 and 9–10 February.
    assert run.notice_ends_on == D(2026, 2, 10)
    assert run.published_by == regulator
    assert AssessmentRun.objects.current(run.period) == run


def test_only_a_draft_can_be_published(coop, charter):
    run = publish(coop, "2025")
    with pytest.raises(ValidationError):
        services.publish_run(run, by=None)


def test_a_correction_is_a_new_revision_with_a_note_and_supersedes_the_old_one(coop, charter):
    rated_member(coop)
    first = publish(coop, "2025")
    draft = compute(coop, "2025")
    with pytest.raises(ValidationError):
        services.publish_run(draft, by=None, note="  ")
    second = services.publish_run(draft, by=None, note="A re-test report arrived late.")
    first.refresh_from_db()
    assert first.status == AssessmentRun.Status.SUPERSEDED
    assert second.revision == 2
    assert second.revision_note == "A re-test report arrived late."
    assert AssessmentRun.objects.current(second.period) == second
    # The earlier revision stays readable.
    assert MemberAssessment.objects.filter(run=first).count() == 1


def test_a_rerun_after_publication_keeps_the_published_run(coop, charter):
    rated_member(coop)
    published = publish(coop, "2025")
    compute(coop, "2025")
    compute(coop, "2025")
    assert AssessmentRun.objects.drafts().count() == 1
    assert AssessmentRun.objects.current(published.period) == published


def test_published_run_and_results_cannot_be_changed_in_code(coop, charter):
    rated_member(coop)
    run = publish(coop, "2025")
    result = MemberAssessment.objects.get(run=run)
    result.score = 12
    with pytest.raises(PublishedDataError):
        result.save()
    with pytest.raises(PublishedDataError):
        result.delete()
    with pytest.raises(PublishedDataError):
        MemberAssessment.objects.filter(run=run).update(grade="D")
    with pytest.raises(PublishedDataError):
        MemberAssessment.objects.filter(run=run).delete()
    run.revision_note = "edited"
    with pytest.raises(PublishedDataError):
        run.save()
    with pytest.raises(PublishedDataError):
        run.delete()
    with pytest.raises(PublishedDataError):
        AssessmentRun.objects.filter(pk=run.pk).update(revision=7)
    with pytest.raises(PublishedDataError):
        MemberAssessment.objects.create(run=run, member=result.member, status="rated")


def test_published_data_is_refused_by_the_database(coop, charter):
    """Triggers refuse raw SQL too; on SQLite deletions are left to the code (see the
    migration)."""
    rated_member(coop)
    run = publish(coop, "2025")
    result = MemberAssessment.objects.get(run=run)
    refused = [
        ("UPDATE pledges_memberassessment SET grade = 'D' WHERE run_id = %s", [run.pk]),
        (
            "INSERT INTO pledges_memberassessment (run_id, chunk, member_id, status, grade, "
            "details) VALUES (%s, 0, %s, 'no_pledge', '', '{}')",
            [run.pk, MemberFactory(cooperative=coop).pk],
        ),
        ("UPDATE pledges_assessmentrun SET revision_note = 'x' WHERE id = %s", [run.pk]),
        ("UPDATE pledges_assessmentrun SET status = 'draft' WHERE id = %s", [run.pk]),
    ]
    if connection.vendor == "postgresql":
        refused += [
            ("DELETE FROM pledges_memberassessment WHERE id = %s", [result.pk]),
            ("DELETE FROM pledges_assessmentrun WHERE id = %s", [run.pk]),
        ]
    for sql, params in refused:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    # The allowed move, status only, passes.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pledges_assessmentrun SET status = 'final' WHERE id = %s", [run.pk])
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.FINAL


def test_the_run_becomes_final_only_after_the_notice_period(coop, charter, freeze_today):
    freeze_today(D(2026, 2, 1))
    run = publish(coop, "2025")
    # The notice counts seven working days: it ends on Tuesday 10 February.
    freeze_today(D(2026, 2, 10))
    assert finalise_runs() == 0
    freeze_today(D(2026, 2, 11))
    assert finalise_runs() == 1
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.FINAL
    assert AssessmentRun.objects.current(run.period) == run
    assert finalise_runs() == 0


def test_a_member_objects_during_the_notice_period_only(
    coop, charter, member_a, member_user_a, freeze_today
):
    pledge(member_a)
    freeze_today(D(2026, 2, 1))
    run = publish(coop, "2025")
    objection = services.lodge_objection(
        run, member_a, text="One report is not ours.", by=member_user_a
    )
    assert objection.decision == MemberObjection.Decision.PENDING
    freeze_today(D(2026, 2, 11))
    run.refresh_from_db()
    with pytest.raises(ValidationError):
        services.lodge_objection(run, member_a, text="Too late.", by=member_user_a)


def test_objection_needs_a_text_and_an_assessed_member(
    coop, charter, member_a, member_user_a, freeze_today
):
    freeze_today(D(2026, 2, 1))
    run = publish(coop, "2025")
    outsider = MemberFactory(cooperative=coop, joined_on=D(2026, 1, 15))
    with pytest.raises(ValidationError):
        services.lodge_objection(run, outsider, text="Why?", by=member_user_a)
    with pytest.raises(ValidationError):
        services.lodge_objection(run, member_a, text="  ", by=member_user_a)


def test_an_objection_is_decided_once_with_a_reason(
    coop, charter, member_a, member_user_a, regulator, freeze_today
):
    freeze_today(D(2026, 2, 1))
    run = publish(coop, "2025")
    objection = services.lodge_objection(run, member_a, text="Wrong.", by=member_user_a)
    with pytest.raises(ValidationError):
        services.decide_objection(objection, decision="dismissed", note="", by=regulator)
    decided = services.decide_objection(
        objection, decision="dismissed", note="The report is yours.", by=regulator
    )
    assert decided.decided_by == regulator
    with pytest.raises(ValidationError):
        services.decide_objection(
            objection, decision="upheld", note="Changed my mind.", by=regulator
        )


def test_a_published_run_reproduces_its_hash(coop, charter):
    member = rated_member(coop)
    ComplaintFactory(member=member, accepted_on=D(2025, 5, 2), responded_on=D(2025, 5, 3))
    run = publish(coop, "2025")
    assert computing.verify_run(run)
    # Events after the last day do not change a closed period.
    ComplaintFactory(member=member, accepted_on=D(2026, 1, 5))
    InspectionFactory(member=member, sampled_on=D(2026, 1, 2), reported_on=D(2026, 1, 3))
    assert computing.verify_run(run)
    out = StringIO()
    call_command("verify_assessment", "--cooperative", coop.slug, "--period", "2025", stdout=out)
    assert run.inputs_hash in out.getvalue()


def test_a_changed_input_breaks_the_hash(coop, charter):
    member = rated_member(coop)
    run = publish(coop, "2025")
    InspectionFactory(
        member=member, sampled_on=D(2025, 6, 1), reported_on=D(2025, 6, 2), verdict="fail"
    )
    assert not computing.verify_run(run)
    with pytest.raises(CommandError):
        call_command(
            "verify_assessment", "--cooperative", coop.slug, "--period", "2025", stdout=StringIO()
        )


def test_verify_command_needs_a_published_period(coop, charter):
    compute(coop, "2025")
    with pytest.raises(CommandError):
        call_command(
            "verify_assessment", "--cooperative", coop.slug, "--period", "2025", stdout=StringIO()
        )


# Consequences.


def steps(member: Member) -> set[tuple[str, str]]:
    return set(ExitStep.objects.filter(case__member=member).values_list("kind", "source_ref"))


def suspended_until(member: Member, until: datetime.date) -> None:
    """A suspension of the member in effect, to be rectified by the day."""
    from charter.models import ExitCase

    case = ExitCase.objects.create(member=member)
    ExitStep.objects.create(
        case=case,
        kind="suspension",
        status="confirmed",
        reason="D twice",
        rectification_until=until,
    )


def test_grade_d_and_no_pledge_are_proposed_a_warning(coop, charter):
    poor = rated_member(coop, grade="D")
    without = MemberFactory(cooperative=coop)
    good = rated_member(coop, grade="A")
    publish(coop, "2025")
    assert steps(poor) == {("warning", "assessment:2025:r1")}
    assert steps(without) == {("warning", "assessment:2025:r1")}
    assert steps(good) == set()


def test_grade_d_in_two_consecutive_periods_proposes_a_suspension(coop, charter):
    member = rated_member(coop, grade="D", period_year=2024)
    inspections(member, 1, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 1))
    inspections(
        member,
        3,
        sampled_on=D(2025, 3, 1),
        reported_on=D(2025, 3, 1),
        verdict="fail",
        severity="minor",
        rectified_on=D(2025, 3, 2),
    )
    publish(coop, "2024")
    publish(coop, "2025")
    assert ("suspension", "assessment:2025:r1") in steps(member)
    assert ("suspension", "assessment:2024:r1") not in steps(member)


def failures_in_2025(member: Member, count: int, severity: str = "critical") -> None:
    """Failed inspections of March 2025, rectified the next day."""
    inspections(
        member,
        count,
        sampled_on=D(2025, 3, 1),
        reported_on=D(2025, 3, 2),
        verdict="fail",
        severity=severity,
        rectified_on=D(2025, 3, 3),
    )


def two_critical_failures_in_2025(member: Member) -> None:
    """Two critical failures among 32 inspections of 2025: a good grade, yet a suspension."""
    failures_in_2025(member, 2)
    inspections(member, 30, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 2))


def test_two_critical_failures_in_one_period_propose_a_suspension(coop, charter):
    member = MemberFactory(cooperative=coop)
    pledge(member)
    two_critical_failures_in_2025(member)
    run = compute(coop, "2025")
    kinds = {kind for member_id, kind, _reason in proposals(run) if member_id == member.pk}
    assert "suspension" in kinds


def test_grade_a_in_two_consecutive_periods_makes_a_member_trademark_eligible(coop, charter):
    member = rated_member(coop, grade="A", period_year=2024)
    inspections(member, 1, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 1))
    publish(coop, "2024")
    assert steps(member) == set()
    publish(coop, "2025")
    assert steps(member) == {("trademark_eligible", "assessment:2025:r1")}


def test_a_suspended_member_past_its_rectification_period_is_proposed_removal(
    coop, charter, freeze_today
):
    member = rated_member(coop, grade="A")
    Member.objects.filter(pk=member.pk).update(status=Member.Status.SUSPENDED)
    StatusChange.objects.create(
        member=member, from_status="active", to_status="suspended", on=D(2025, 6, 1), reason="test"
    )
    suspended_until(member, D(2025, 12, 1))
    freeze_today(D(2026, 2, 1))
    publish(coop, "2025")
    assert ("removal", "assessment:2025:r1") in steps(member)
