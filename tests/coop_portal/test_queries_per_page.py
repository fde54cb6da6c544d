"""Every list page runs the same number of queries for 1 row as for 1,000 (issue 10).

Each case builds its rows from scratch (in a savepoint rolled back afterwards), once with one
row and once with 1,000, then counts the queries of the page as the persona who reads it —
after a first request, so that per-process caches (content types, compiled templates) are
warm in both measurements. Rows are written with ``bulk_create``: the suite stays fast.

A new list page belongs in CASES.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from charter.models import CharterVersion
from charter.setup import setup_charter
from complaints.models import Complaint
from conftest import Personas
from coop_portal.models import OutboxEmail
from inspections.models import Inspection, LabUpload, Objection, Rectification, ServiceRequest
from members.models import Cooperative, Lab, Member, MemberNotice, Role, User
from pledges.models import AssessmentPeriod, AssessmentRun, Commitment, MemberAssessment, Pledge
from tests.charter.factories import CharterVersionFactory
from tests.complaints.factories import ComplaintFactory
from tests.factories import MemberFactory, UserFactory
from tests.inspections.factories import InspectionFactory, TestCategoryFactory
from tests.pledges.public.factories import EXAMPLE_DETAILS

MANY = 1000


@dataclass
class World:
    coop: Cooperative
    member_a: Member
    lab: Lab
    personas: Personas
    charter: CharterVersion


@pytest.fixture
def world(coop, member_a, member_b, lab, personas) -> World:
    return World(coop, member_a, lab, personas, setup_charter(coop))


# Rows -------------------------------------------------------------------------------------


def members(world: World, count: int) -> list[Member]:
    return Member.objects.bulk_create(MemberFactory.build_batch(count, cooperative=world.coop))


def inspections(world: World, count: int, **fields: object) -> list[Inspection]:
    category = TestCategoryFactory(cooperative=world.coop)
    fields = {"member": world.member_a, **fields}
    built = InspectionFactory.build_batch(
        count, cooperative=world.coop, category=category, **fields
    )
    return Inspection.objects.bulk_create(built)


def complaints(world: World, count: int, **fields: object) -> list[Complaint]:
    built = ComplaintFactory.build_batch(count, member=world.member_a, **fields)
    return Complaint.objects.bulk_create(built)


def pledges(owners: list[Member], status: str = Pledge.Status.PUBLISHED) -> list[Pledge]:
    created = Pledge.objects.bulk_create(
        Pledge(
            member=owner,
            version=1,
            status=status,
            published_on=datetime.date(2024, 1, 1) if status == Pledge.Status.PUBLISHED else None,
            statement="我们承诺按标准生产。",
            signatory_name="王经理",
        )
        for owner in owners
    )
    Commitment.objects.bulk_create(
        Commitment(pledge=pledge, kind=Commitment.Kind.PASS_RATE, target=Decimal("95.0"))
        for pledge in created
    )
    return created


def run_with_results(
    world: World, results: int, *, code: str = "2025", published: bool = True
) -> AssessmentRun:
    year = int(code[:4])
    period = AssessmentPeriod.objects.create(
        cooperative=world.coop,
        code=code,
        first_day=datetime.date(year, 1, 1),
        last_day=datetime.date(year, 12, 31),
    )
    run = AssessmentRun.objects.create(
        period=period,
        charter_version=world.charter,
        status=AssessmentRun.Status.DRAFT,
        inputs_hash=f"{year:064x}",
    )
    MemberAssessment.objects.bulk_create(
        MemberAssessment(
            run=run,
            member=member,
            status=MemberAssessment.Status.RATED,
            score=Decimal("74.1"),
            grade="C",
            details=dict(EXAMPLE_DETAILS),
        )
        for member in members(world, results)
    )
    if published:
        run.status = AssessmentRun.Status.PUBLISHED
        run.revision = 1
        run.published_at = timezone.now()
        run.notice_ends_on = world.coop.today() + datetime.timedelta(days=7)
        run.save()
    return run


# Pages: each builds ``count`` rows and returns the reader and the page ---------------------

Page = tuple[Client, str]


def directory(world: World, count: int) -> Page:
    members(world, count)
    return world.personas.anonymous, reverse("members:directory", args=[world.coop.slug])


def cooperative_pledges(world: World, count: int) -> Page:
    pledges(members(world, count))
    return world.personas.anonymous, reverse("pledges:cooperative_pledges", args=[world.coop.slug])


def public_periods(world: World, count: int) -> Page:
    # Periods are years and half-years: twenty of them stand for many.
    for number in range(min(count, 20)):
        run_with_results(world, 1, code=str(2000 + number))
    return world.personas.anonymous, reverse("pledges:public_periods", args=[world.coop.slug])


def public_period(world: World, count: int) -> Page:
    run_with_results(world, count)
    return world.personas.anonymous, reverse(
        "pledges:public_period", args=[world.coop.slug, "2025"]
    )


def public_inspections(world: World, count: int) -> Page:
    inspections(world, count)
    return world.personas.anonymous, reverse(
        "inspections:public_member", args=[world.coop.slug, world.member_a.credit_code]
    )


def member_inspections(world: World, count: int) -> Page:
    inspections(world, count)
    return world.personas.member_a, reverse("inspections:member_inspections")


def overdue_rectifications(world: World, count: int) -> Page:
    failed = inspections(
        world, count, verdict=Inspection.Verdict.FAIL, severity=Inspection.Severity.MAJOR
    )
    Rectification.objects.bulk_create(
        Rectification(inspection=inspection, deadline=datetime.date(2025, 4, 1))
        for inspection in failed
    )
    return world.personas.regulator, reverse("inspections:overdue", args=[world.coop.slug])


def objections(world: World, count: int) -> Page:
    failed = inspections(
        world, count, verdict=Inspection.Verdict.FAIL, severity=Inspection.Severity.MAJOR
    )
    Objection.objects.bulk_create(
        Objection(
            inspection=inspection,
            raised_on=datetime.date(2025, 3, 20),
            reason="抽样不规范。",
            status=Objection.Status.PENDING if number % 2 else Objection.Status.REJECTED,
        )
        for number, inspection in enumerate(failed)
    )
    return world.personas.administrator, reverse("inspections:objections", args=[world.coop.slug])


def lab_uploads(world: World, count: int) -> Page:
    LabUpload.objects.bulk_create(
        LabUpload(cooperative=world.coop, lab=world.lab, file_name=f"results-{number}.csv")
        for number in range(count)
    )
    return world.personas.lab, reverse("inspections:lab_home", args=[world.coop.slug])


def service_requests(world: World, count: int) -> list[ServiceRequest]:
    return ServiceRequest.objects.bulk_create(
        ServiceRequest(
            cooperative=world.coop,
            member=world.member_a,
            lab=world.lab,
            product="全棉四件套",
            question="色牢度如何提高？",
        )
        for _ in range(count)
    )


def lab_services(world: World, count: int) -> Page:
    service_requests(world, count)
    return world.personas.lab, reverse("inspections:lab_services", args=[world.coop.slug])


def member_services(world: World, count: int) -> Page:
    service_requests(world, count)
    return world.personas.member_a, reverse("inspections:member_services")


def complaint_desk(world: World, count: int) -> Page:
    complaints(world, count)
    return world.personas.administrator, reverse("complaints:staff_list", args=[world.coop.slug])


def member_complaints(world: World, count: int) -> Page:
    complaints(
        world,
        count,
        status=Complaint.Status.FORWARDED,
        accepted_on=datetime.date(2025, 3, 2),
        forwarded_on=datetime.date(2025, 3, 2),
        response_due_on=datetime.date(2025, 3, 9),
    )
    return world.personas.member_a, reverse("complaints:member_list")


def assessment_runs(world: World, count: int) -> Page:
    for number in range(min(count, 20)):
        run_with_results(world, 1, code=str(2000 + number))
    return world.personas.regulator, reverse("pledges:assessment_runs", args=[world.coop.slug])


def assessment_run(world: World, count: int) -> Page:
    run = run_with_results(world, count, published=False)
    return world.personas.regulator, reverse(
        "pledges:assessment_run", args=[world.coop.slug, run.pk]
    )


def pledge_review(world: World, count: int) -> Page:
    pledges(members(world, count), status=Pledge.Status.SUBMITTED)
    return world.personas.administrator, reverse(
        "pledges:pledge_review_list", args=[world.coop.slug]
    )


def not_accepted(world: World, count: int) -> Page:
    members(world, count)
    return world.personas.administrator, reverse("charter:not_accepted", args=[world.coop.slug])


def portal_team(world: World, count: int) -> Page:
    users = User.objects.bulk_create(UserFactory.build_batch(count))
    Role.objects.bulk_create(
        Role(user=user, cooperative=world.coop, kind=Role.Kind.MEMBER_USER, member=world.member_a)
        for user in users
    )
    return world.personas.member_a, reverse("portal:team", args=[world.member_a.pk])


def portal_notifications(world: World, count: int) -> Page:
    emails = OutboxEmail.objects.bulk_create(
        OutboxEmail(
            key=f"notice:{number}",
            to=["owner@firm-a.example.cn"],
            subject=f"Notice {number}",
            body="Details: https://coop.example.cn/portal/",
        )
        for number in range(count)
    )
    MemberNotice.objects.bulk_create(
        MemberNotice(member=world.member_a, email=email, group=email.key, language="zh-hans")
        for email in emails
    )
    return world.personas.member_a, reverse("portal:notifications", args=[world.member_a.pk])


def charter_archive(world: World, count: int) -> Page:
    # Version 1 is the charter in force (setup_charter); the others are older published ones.
    CharterVersion.objects.bulk_create(
        CharterVersionFactory.build(
            cooperative=world.coop,
            number=number,
            status=CharterVersion.Status.PUBLISHED,
            effective_from=datetime.date(1990, 1, 1) + datetime.timedelta(days=number),
        )
        for number in range(2, count + 2)
    )
    return world.personas.anonymous, reverse("charter:archive", args=[world.coop.slug])


def portal_index(world: World, count: int) -> Page:
    # A person working for firm A and ``count`` further members chooses one.
    owner = User.objects.get(email="owner@firm-a.example.cn")
    Role.objects.bulk_create(
        Role(user=owner, cooperative=world.coop, kind=Role.Kind.MEMBER_USER, member=member)
        for member in members(world, count)
    )
    return world.personas.member_a, reverse("portal:index")


def changelist(model: str, rows: Callable[[World, int], object]) -> Callable[[World, int], Page]:
    def page(world: World, count: int) -> Page:
        rows(world, count)
        return world.personas.administrator, reverse(f"admin:{model}_changelist")

    return page


CASES: dict[str, Callable[[World, int], Page]] = {
    "public directory": directory,
    "public pledges of a cooperative": cooperative_pledges,
    "public assessment periods": public_periods,
    "public results of a period": public_period,
    "public spot-check record of a member": public_inspections,
    "member's inspections": member_inspections,
    "overdue rectifications": overdue_rectifications,
    "objections to results": objections,
    "lab's uploads": lab_uploads,
    "lab's service requests": lab_services,
    "member's service requests": member_services,
    "complaint desk": complaint_desk,
    "member's complaints": member_complaints,
    "regulator's assessment runs": assessment_runs,
    "regulator's review of a run": assessment_run,
    "pledge review list": pledge_review,
    "members who have not accepted the charter": not_accepted,
    "member portal team": portal_team,
    "member portal notifications": portal_notifications,
    "member portal, a person's members": portal_index,
    "public charter versions": charter_archive,
    "admin: members": changelist("members_member", members),
    "admin: complaints": changelist("complaints_complaint", complaints),
    "admin: inspections": changelist("inspections_inspection", inspections),
    "admin: pledges": changelist(
        "pledges_pledge", lambda world, count: pledges(members(world, count))
    ),
    "admin: assessment runs": changelist(
        "pledges_assessmentrun",
        lambda world, count: [
            run_with_results(world, 1, code=str(2000 + number)) for number in range(min(count, 20))
        ],
    ),
}


def queries(world: World, build: Callable[[World, int], Page], count: int) -> tuple[list[str], int]:
    """The SQL and the length of one answer of the page built with ``count`` rows (undone after)."""
    with transaction.atomic():
        client, url = build(world, count)
        cache.clear()
        warm = client.get(url)
        assert warm.status_code == 200, (url, warm.status_code)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        transaction.set_rollback(True)
    return [query["sql"] for query in captured.captured_queries], len(response.content)


@pytest.mark.parametrize("case", list(CASES))
def test_a_list_page_runs_the_same_queries_for_one_row_and_a_thousand(world, case):
    one, one_length = queries(world, CASES[case], 1)
    many, many_length = queries(world, CASES[case], MANY)

    # The rows are on the page (a page of them at least), so the count means something.
    assert many_length > one_length + 1000, (one_length, many_length)
    assert len(many) == len(one), "\n".join(
        [f"{case}: {len(one)} queries for 1 row, {len(many)} for {MANY}:", *many]
    )
