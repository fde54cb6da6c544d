"""schemathesis against /api/v1/schema/: every operation, no 5xx, every answer as documented.

The open data API is fuzzed on a cooperative with a published assessment; the lab API with
a valid lab token (and, among the generated cases, with none or a wrong one).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings

from coop_portal.wsgi import application
from inspections.models import LabApiToken
from inspections.services import issue_api_token
from tests.pledges.public.factories import PeriodFactory, ResultFactory, RunFactory, publish

schema = schemathesis.from_wsgi("/api/v1/schema/?lang=en", application)


@pytest.fixture
def lab_secret(coop, member_a, member_b, lab, catalogue) -> str:
    """Cooperative A with a published 2025 assessment, and a lab token for it."""
    period = PeriodFactory(cooperative=coop, code="2025")
    run = RunFactory(period=period, charter_version=coop.charter_versions.get())
    ResultFactory(run=run, member=member_a)
    ResultFactory(run=run, member=member_b, score=None, grade="", status="not_rated")
    publish(run)
    return issue_api_token(LabApiToken(lab=lab, cooperative=coop, name="LIMS"))


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented_and_never_with_a_server_error(
    case, lab_secret, wsgi_keeps_the_test_connection
):
    # The throttles count in the cache; the fuzzer would otherwise meet 429 after a while.
    cache.clear()
    if case.path.startswith("/api/v1/lab/") and "Authorization" not in (case.headers or {}):
        case.headers = {**(case.headers or {}), "Authorization": f"Token {lab_secret}"}
    response = case.call()
    case.validate_response(response)
