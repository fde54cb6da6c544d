"""The production stack on loopback: the main journey over HTTP against real processes.

gunicorn, a Celery worker and beat run with docker-compose.yml's commands against
PostgreSQL and a Redis of the test's own; a consumer files a complaint, the cooperative
forwards it, the member answers it, a lab delivers inspection results through its API, a
regulator starts the assessment (which the worker computes) and publishes it (the worker
publishes it), and the open data API serves it.
"""

from __future__ import annotations

import email
import email.header

import requests

from coop_portal import processes
from coop_portal.models import OutboxEmail
from pledges.assessment import computing
from pledges.models import AssessmentRun, MemberAssessment

from .conftest import (
    SERVICES,
    assessed_period,
    compute_assessment,
    deliver_results,
    file_complaint,
    forward_complaint,
    publish_assessment,
    wait_for,
)

pytestmark = SERVICES


def sent_messages(stack) -> list[email.message.Message]:
    """Every message the worker handed to the file e-mail backend."""
    messages = []
    for path in sorted(stack.mail_dir.glob("*.log")):
        for raw in path.read_bytes().split(b"-" * 79):
            if raw.strip():
                messages.append(email.message_from_bytes(raw.strip()))
    return messages


def test_the_main_journey_runs_over_http_on_the_production_processes(stack, portal, browser):
    # The migrate service's command against the test's database: it is up to date.
    assert "No migrations to apply" in stack.run(processes.MIGRATE, name="migrate")
    stack.start_web()
    worker = stack.start_worker()
    stack.start_beat()
    cooperative = portal.cooperative
    slug = cooperative.slug

    home = browser().get("/")
    assert home.status_code == 200
    assert "max-age=31536000" in home.headers["Strict-Transport-Security"]
    # Without the proxy's https header production redirects to https.
    plain = requests.get(f"{stack.base_url}/", allow_redirects=False, timeout=30)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")

    # A consumer files a complaint; its e-mails go out through the worker.
    consumer = browser()
    complaint = file_complaint(consumer, portal, "全棉四件套", follow=True)

    # The administrator accepts it and forwards it to the member.
    administrator = browser()
    administrator.log_in(portal.administrator.email)
    forward_complaint(administrator, portal, complaint)

    # The member logs in and answers.
    member = browser()
    member.log_in(portal.member_user.email)
    page = f"/complaints/member/{complaint.pk}/"
    answer = "我们已联系您，将为您办理退货。"
    response = member.post_form(page, {"text": answer})
    assert response.status_code == 302, response.text[:2000]
    complaint.refresh_from_db()
    assert complaint.status == complaint.Status.ANSWERED
    assert complaint.responded_on == cooperative.today()
    # The consumer sees the answer on the tracking page (opened with the filed page's button).
    tracked = consumer.get(f"/complaints/{slug}/track/{complaint.reference}/")
    assert tracked.status_code == 200
    assert answer in tracked.text

    # A lab delivers two results through its token API.
    lab = browser()
    lab.headers.pop("Origin")
    deliver_results(lab, portal)
    assert cooperative.inspections.count() == 2

    # The regulator starts the assessment of last year's second half; the worker computes it.
    regulator = browser()
    regulator.log_in(portal.regulator.email)
    code = assessed_period(portal)
    run = compute_assessment(stack, regulator, portal)
    # What the worker stored is what computing the period again here gives.
    assert computing.verify_run(run)
    assert "compute_run_chunk" in worker.output()
    # A draft is not public.
    api = browser()
    drafts = api.get("/api/v1/assessments/", params={"cooperative": slug, "period": code})
    assert drafts.status_code in (200, 404)
    assert drafts.status_code == 404 or drafts.json()["results"] == []

    publish_assessment(stack, regulator, portal, run)
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.PUBLISHED

    # The open data API serves exactly the stored results.
    response = api.get("/api/v1/assessments/", params={"cooperative": slug, "period": code})
    assert response.status_code == 200
    served = {item["credit_code"]: item for item in response.json()["results"]}
    stored = {
        result.member.credit_code: result
        for result in MemberAssessment.objects.filter(run=run).select_related("member")
    }
    assert set(served) == set(stored) == {portal.member_a.credit_code, portal.member_b.credit_code}
    for credit_code, item in served.items():
        assert item["status"] == stored[credit_code].status == "rated"
        assert item["score"] == float(stored[credit_code].score)
        assert item["grade"] == stored[credit_code].grade
        assert item["revision"] == 1
    # The critical failure costs member B its pass rate and 15 points.
    assert (
        served[portal.member_b.credit_code]["score"] < served[portal.member_a.credit_code]["score"]
    )
    public = api.get(f"/pledges/assessments/{slug}/{code}/")
    assert public.status_code == 200
    assert portal.member_a.name_en in public.text

    # Every e-mail the journey queued went out once, through the worker.
    wait_for(
        lambda: not OutboxEmail.objects.pending().exists(),
        timeout=60,
        message="e-mail left unsent\n" + stack.logs(),
    )
    queued = list(OutboxEmail.objects.values_list("subject", flat=True))
    assert len(queued) >= 4
    subjects = [
        str(email.header.make_header(email.header.decode_header(m["Subject"])))
        for m in sent_messages(stack)
    ]
    assert sorted(subjects) == sorted(queued)
