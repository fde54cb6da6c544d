"""A chunk another worker holds is skipped at once, not waited for: a starting worker queues
every pending chunk again (tasks.resume_computing_runs), and those duplicates must not queue
up behind the worker computing them."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from pledges.assessment import computing, services
from pledges.models import MemberAssessment
from pledges.models.assessment import RunChunk
from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
]


def test_a_duplicate_of_a_chunk_another_worker_holds_returns_at_once(coop, charter):
    MemberFactory.create_batch(3, cooperative=coop)
    run = services.start_run(services.period_for(coop, "2025"), dispatch=False, chunk_size=2)
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first_worker() -> None:
        # Holds chunk 0's lock as compute_chunk does while it computes.
        try:
            with transaction.atomic():
                RunChunk.objects.select_for_update().get(run=run, number=0)
                holding.set()
                release.wait(timeout=30)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        assert holding.wait(timeout=10)
        started = time.monotonic()
        assert computing.compute_chunk(run.pk, 0) is False
        assert time.monotonic() - started < 2
        assert not MemberAssessment.objects.filter(run=run).exists()
        assert RunChunk.objects.get(run=run, number=0).done_at is None
    finally:
        release.set()
        thread.join(timeout=30)
    assert errors == []
    # Once free, the chunk is computed as usual.
    assert computing.compute_chunk(run.pk, 0) is False
    assert RunChunk.objects.get(run=run, number=0).done_at is not None
    assert computing.compute_chunk(run.pk, 1) is True
