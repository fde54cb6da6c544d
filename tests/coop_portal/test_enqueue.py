"""With the broker down, a request that queues a task answers normally, keeps what the user
submitted, and the work is done later: by a beat sweep, or when its PDF is first asked for.

The broker here is a Redis address on a closed port (refused at once), with Celery queuing
for real instead of running tasks in-process; ``Broker.up`` brings back in-process tasks.
"""

from __future__ import annotations

import datetime
import logging
import socket
import time
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from coop_portal.celery import app
from coop_portal.models import OutboxEmail
from coop_portal.tasks import enqueue, flush_outbox, send_outbox_email, send_task
from pledges import services as pledge_services
from pledges.assessment import pdf
from pledges.assessment.tasks import resume_stalled_runs
from pledges.models import AssessmentPdf, AssessmentRun, DocumentClaim
from pledges.models.pledge import PDF_CLAIM_LIFETIME, Pledge
from tests.pledges.assessment.conftest import charter, compute
from tests.pledges.pledge_factories import accept, make_pledge, published

SECOND = datetime.timedelta(seconds=1)

pytestmark = pytest.mark.django_db

__all__ = ["charter"]  # a fixture the assessment tests below use


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Broker:
    def __init__(self) -> None:
        self.eager = app.conf.CELERY_TASK_ALWAYS_EAGER
        # Celery reads Django's namespaced setting name before its own.
        self.url = app.conf.CELERY_BROKER_URL

    def _use(self, *, eager: bool, url: str) -> None:
        app.conf.CELERY_TASK_ALWAYS_EAGER = eager
        app.conf.CELERY_BROKER_URL = url
        # Forget the connections made to the previous broker.
        app._pool = None
        app.amqp._producer_pool = None

    def down(self) -> None:
        self._use(eager=False, url=f"redis://127.0.0.1:{closed_port()}/0")

    def up(self) -> None:
        self._use(eager=self.eager, url=self.url)


@pytest.fixture
def broker() -> Iterator[Broker]:
    broker = Broker()
    broker.down()
    yield broker
    broker.up()


def test_queuing_with_the_broker_down_fails_fast_and_is_logged(broker, caplog):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="coop_portal.tasks"):
        assert send_task(send_outbox_email, 1) is False
    assert time.monotonic() - started < 2
    assert "Broker unreachable" in caplog.text
    assert "send_outbox_email" in caplog.text


def test_enqueue_waits_for_the_commit_and_a_task_error_is_not_hidden(
    django_capture_on_commit_callbacks,
):
    # Tasks run in-process here: a broken task must still fail loudly.
    with django_capture_on_commit_callbacks() as hooks:
        enqueue(send_outbox_email, "not an id")
    assert len(hooks) == 1
    with pytest.raises(ValueError, match="not an id"):
        hooks[0]()


def test_a_complaint_filed_with_the_broker_down_is_stored_and_its_email_sent_later(
    broker, client, coop, member_a, administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("complaints:file", args=[coop.slug]),
            {
                "member": member_a.pk,
                "product": "纯棉四件套",
                "description": "床单洗一次就褪色。",
                "desired_outcome": "退货退款",
                "contact_name": "张三",
                "contact_email": "buyer@example.com",
                "website": "",
            },
        )
    assert response.status_code == 200
    assert Complaint.objects.filter(cooperative=coop).count() == 1
    assert OutboxEmail.objects.pending().count() == 2
    broker.up()
    assert flush_outbox(older_than_seconds=0) == 2


def test_an_assessment_started_with_the_broker_down_is_computed_by_the_stalled_runs_sweep(
    broker, personas, coop, charter, member_a, django_capture_on_commit_callbacks
):
    published(member_a)
    url = reverse("pledges:assessment_start", kwargs={"slug": coop.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.regulator.post(url, {"code": "2025-H1"})
    assert response.status_code == 302
    run = AssessmentRun.objects.get()
    assert run.status == AssessmentRun.Status.COMPUTING
    broker.up()
    # A run that has just started is left to its own tasks.
    assert resume_stalled_runs(idle_seconds=600) == 0
    AssessmentRun.objects.filter(pk=run.pk).update(
        started_at=run.started_at - datetime.timedelta(minutes=11)
    )
    assert resume_stalled_runs(idle_seconds=600) == 1
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT
    assert resume_stalled_runs(idle_seconds=600) == 0


def test_a_published_assessment_gets_its_notice_drawn_when_first_asked_for(
    broker, client, coop, charter, member_a, django_capture_on_commit_callbacks
):
    published(member_a)
    broker.up()
    draft = compute(coop, "2025")
    broker.down()
    from pledges.assessment import services

    with django_capture_on_commit_callbacks(execute=True):
        run = services.publish_run(draft, by=None, note="")
    assert run.status == AssessmentRun.Status.PUBLISHED
    assert not AssessmentPdf.objects.exists()
    url = reverse(
        "pledges:public_notice_pdf",
        kwargs={"cooperative": coop.slug, "code": run.period.code, "revision": run.revision},
    )
    with django_capture_on_commit_callbacks(execute=True):
        pending = client.get(url)
    assert pending.status_code == 202
    broker.up()
    # The publication claimed the notices; a claim whose render never ran lets go after its
    # lifetime, and the next reader's request has the notice drawn.
    DocumentClaim.objects.update(claimed_at=timezone.now() - pdf.CLAIM_LIFETIME - SECOND)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 202
    drawn = client.get(url)
    assert drawn.status_code == 200
    assert drawn["Content-Type"] == "application/pdf"
    assert b"".join(drawn.streaming_content).startswith(b"%PDF")
    drawn.close()


def test_a_pledge_published_with_the_broker_down_gets_its_pdf_when_first_asked_for(
    broker, client, personas, coop, member_a, member_user_a, django_capture_on_commit_callbacks
):
    accept(member_a)
    pledge = pledge_services.submit_pledge(make_pledge(member_a), by=member_user_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.administrator.post(
            reverse("pledges:pledge_review", args=[coop.slug, pledge.pk]),
            {"decision": "approve", "comments": ""},
        )
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PUBLISHED
    assert not pledge.pdf
    url = reverse("pledges:pdf", args=[coop.slug, member_a.credit_code, pledge.version])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 202
    broker.up()
    # The render claimed while the broker was down never ran; its claim lets go after its
    # lifetime, and the next reader's request has the PDF drawn.
    Pledge.objects.filter(pk=pledge.pk).update(
        pdf_claimed_at=timezone.now() - PDF_CLAIM_LIFETIME - SECOND
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 202
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content).startswith(b"%PDF")
    served.close()
