"""Approving a pledge is a short request (issue 23: a walker measured 2.0 s).

Profiled on the demo's data: the approval runs the same 26 queries whatever the pledge holds
(the review page reads it with its prefetches; the service locks it, checks it against the
charter, saves it with its history, queues the member's e-mail and claims the PDF), and draws
no PDF itself: the PDF is queued once the approval commits (coop_portal.tasks.enqueue) and
drawn by a worker. Only with Celery run in-process (the embedded default, no REDIS_URL) does
that task run at the end of the request, where a first WeasyPrint render takes about a second.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pledges import services
from pledges.models.pledge import Pledge, ProductLine, Standard
from tests.pledges.pledge_factories import (
    accept,
    fast_passwords,  # noqa: F401 - autouse
    published,
)

pytestmark = pytest.mark.django_db

# The queries of one approval through the review page, the log-in's own included, with the
# e-mail's two: its recipients' languages, and whether it went out under its former key
# (coop_portal.mail, before keys named their language).
APPROVAL_QUERIES = 28


def submitted_version(member, member_user, lines: int) -> Pledge:
    """A second version, submitted, carrying over a first one with ``lines`` product lines."""
    accept(member)
    standards = [
        Standard.objects.get_or_create(
            cooperative=member.cooperative,
            number=f"GB/T {number}",
            defaults={"kind": "national", "title_zh": "家用纺织品", "title_en": "Home textiles"},
        )[0]
        for number in range(3)
    ]
    first = published(member, 1)
    for number in range(lines):
        ProductLine.objects.create(pledge=first, name=f"床品{number}").standards.set(standards)
    draft = services.start_pledge(member, by=member_user)
    return services.submit_pledge(draft, by=member_user)


def approve(personas, pledge: Pledge):
    url = reverse("pledges:pledge_review", args=[pledge.member.cooperative.slug, pledge.pk])
    return personas.administrator.post(url, {"decision": "approve"})


def approval_queries(personas, pledge: Pledge) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = approve(personas, pledge)
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PUBLISHED
    return [query["sql"] for query in queries]


def test_an_approval_runs_a_bounded_number_of_queries_whatever_the_pledge_holds(
    personas, member_a, member_user_a, member_b, member_user_b
):
    small = approval_queries(personas, submitted_version(member_a, member_user_a, 1))
    large = approval_queries(personas, submitted_version(member_b, member_user_b, 20))
    assert len(small) <= APPROVAL_QUERIES, [sql[:80] for sql in small]
    assert len(large) == len(small), [sql[:80] for sql in large]


def test_the_approval_queues_the_pdf_for_after_it_commits_and_draws_none_itself(
    personas, member_a, member_user_a, django_capture_on_commit_callbacks
):
    pledge = submitted_version(member_a, member_user_a, 2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        approve(personas, pledge)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PUBLISHED
    assert not pledge.pdf
    # What runs once the approval committed: the public pages' refresh, the member's e-mail
    # and the PDF's render, which a worker runs.
    for callback in callbacks:
        callback()
    pledge.refresh_from_db()
    assert pledge.pdf.name.endswith(".pdf")
