"""Journey 4: a regulator computes an assessment, watches its progress, reviews and publishes it
and downloads the public notice; the public pages then show a member's grade and why, in
Chinese and in English."""

from __future__ import annotations

import datetime
import functools
import subprocess

import pytest
from playwright.sync_api import expect

from inspections.services import settle_inspection
from pledges.assessment import services as assessment_services
from pledges.assessment.tasks import compute_run_chunk
from pledges.models import AssessmentRun, MemberAssessment
from tests.e2e.journeys import NAVIGATION_TIMEOUT_MS, enable_two_factor
from tests.factories import MemberFactory
from tests.inspections.factories import FailedInspectionFactory, InspectionFactory
from tests.pledges.pledge_factories import charter_for, published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERIOD = "2025"


def pdf_text(document: bytes) -> bytes:
    """The text of a PDF, read by poppler's pdftotext (installed by make install)."""
    done = subprocess.run(["pdftotext", "-", "-"], input=document, capture_output=True, check=True)
    return done.stdout


class Worker:
    """The Celery worker of this journey: chunks wait in its queue until the test lets it work.

    The tests run Celery tasks in-process at once, which would finish the computation before
    the run's page is ever shown. Here the chunks are queued instead, so the page is seen
    computing, and the real task computes each chunk when the journey says so.
    """

    def __init__(self) -> None:
        self.queue: list[tuple[int, int]] = []

    def apply_async(self, args: tuple[int, int], kwargs: object = None, **options: object) -> None:
        run_id, number = args
        self.queue.append((run_id, number))

    def work_one(self) -> None:
        run_id, number = self.queue.pop(0)
        compute_run_chunk.apply(args=(run_id, number), throw=True)


@pytest.fixture
def worker(monkeypatch) -> Worker:
    worker = Worker()
    monkeypatch.setattr(compute_run_chunk, "apply_async", worker.apply_async)
    # One member per chunk, so that three members show the progress part by part.
    monkeypatch.setattr(
        assessment_services,
        "start_run",
        functools.partial(assessment_services.start_run, chunk_size=1),
    )
    return worker


def test_regulator_computes_reviews_and_publishes_an_assessment(
    people, coop, member_a, member_b, regulator, worker
):
    # Where the assessment starts: two members with a pledge in force and their 2025 spot
    # checks, one member without a pledge.
    charter_for(coop)
    member_c = MemberFactory(cooperative=coop, name="南通丙家纺商行", name_en="Firm C")
    for member in (member_a, member_b):
        published(member, on=datetime.date(2024, 1, 1))
        for month in (3, 6, 9):
            InspectionFactory(
                cooperative=coop,
                member=member,
                sampled_on=datetime.date(2025, month, 1),
                reported_on=datetime.date(2025, month, 10),
            )
    failed = FailedInspectionFactory(
        cooperative=coop,
        member=member_a,
        sampled_on=datetime.date(2025, 10, 1),
        reported_on=datetime.date(2025, 10, 10),
    )
    settle_inspection(failed)
    device = enable_two_factor(regulator)

    officer = people.person()
    t = officer.t
    page = officer.page

    # 1. The regulator starts the computation of 2025.
    officer.open(f"/pledges/assessments/{coop.slug}/review/")
    officer.log_in(regulator, device=device)
    assert officer.heading().startswith(t("Assessments"))
    officer.field(t("Period")).select_option(PERIOD)
    officer.submit(page.get_by_role("button", name=t("Compute"), exact=True))

    # 2. The run's page shows its progress while the worker computes it, part by part.
    run = AssessmentRun.objects.get(period__cooperative=coop, period__code=PERIOD)
    assert run.status == AssessmentRun.Status.COMPUTING
    assert run.chunks_total == 3
    progress = page.get_by_role("progressbar")
    expect(progress).to_have_attribute("value", "0")
    assert page.get_by_text(t("%(done)s of %(total)s parts done", done=0, total=3)).is_visible()
    for done in (1, 2):
        worker.work_one()
        # The page fetches its progress again every few seconds.
        expect(
            page.get_by_text(t("%(done)s of %(total)s parts done", done=done, total=3))
        ).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)
        expect(progress).to_have_attribute("value", str(done))
        officer.check()
    worker.work_one()
    expect(page.get_by_role("heading", name=t("Grade distribution"))).to_be_visible(
        timeout=NAVIGATION_TIMEOUT_MS
    )
    officer.check()
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT

    # 3. The review: the distribution, and every member's result.
    result_a = MemberAssessment.objects.get(run=run, member=member_a)
    assert result_a.status == MemberAssessment.Status.RATED
    assert MemberAssessment.objects.get(run=run, member=member_c).status == (
        MemberAssessment.Status.NO_PLEDGE
    )
    shown_a = officer.shown(member_a, "display_name")
    results = page.get_by_role("table").filter(has_text=shown_a)
    assert (
        results.get_by_role("row")
        .filter(has_text=shown_a)
        .get_by_text(result_a.grade, exact=True)
        .is_visible()
    )

    # 4. Publication: a confirmation naming the period, its members and the consequences,
    # then a background task (its progress on the run's page) opens the public notice period.
    officer.follow(page.get_by_role("link", name=t("Review and publish…")))
    label = t("year %(year)s", year=PERIOD)
    assert label in officer.heading()
    page.get_by_label(
        t("I have checked the period, the members and the consequences above.")
    ).check()
    officer.submit(page.get_by_role("button", name=t("Publish the %(period)s", period=label)))
    # Celery runs in-process here: the publication is done when the page comes back.
    assert page.get_by_role("status").get_by_text(t("The publication has started.")).is_visible()
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.PUBLISHED
    assert run.published_by == regulator

    # 5. The public pages: the period, its notice as a PDF, the member's grade and why.
    officer.follow(page.locator("nav.coop-nav").get_by_role("link", name=t("Assessments")))
    officer.follow(page.get_by_role("link", name=label, exact=True))
    notice_link = page.get_by_role("link", name=t("Public notice (PDF)"))
    with page.expect_response(lambda response: response.url.endswith("/notice.pdf")) as shown:
        notice_link.click()
    assert shown.value.status == 200
    assert shown.value.headers["content-type"] == "application/pdf"
    # Chromium shows the PDF in its viewer, which hands the page its own document instead of
    # the file: the file itself is downloaded again in the same browser session.
    notice = page.context.request.get(shown.value.url)
    assert notice.body().startswith(b"%PDF-")
    assert PERIOD.encode() in pdf_text(notice.body())
    page.go_back()
    officer.check()
    name_a = officer.shown(member_a, "display_name")
    row = page.get_by_role("row").filter(has_text=name_a)
    assert row.get_by_text(result_a.grade, exact=True).is_visible()
    officer.follow(row.get_by_role("link", name=name_a))
    assert officer.heading() == name_a
    facts = page.locator("dl.facts").first
    assert facts.get_by_text(result_a.grade, exact=True).is_visible()
    assert facts.get_by_text(str(result_a.score), exact=True).is_visible()
    why = page.get_by_role("region", name=t("Why this score"))
    expect(why).to_be_visible()
    assert why.get_by_role("table").get_by_role("row").count() > 1
    officer.finish("regulator")
