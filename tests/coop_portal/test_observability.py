"""Request ids in logs and tasks, JSON log lines, error reports without personal data, and
the Prometheus metrics for the monitoring network (coop_portal/requestid.py, errors.py,
metrics.py)."""

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sentry_sdk
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.utils import timezone

from coop_portal import metrics, requestid
from coop_portal.errors import init_sentry
from coop_portal.models import OutboxEmail


def answer_with_current_id(request):
    return HttpResponse(requestid.current())


def test_each_request_gets_an_id_that_the_response_carries_and_the_code_sees():
    middleware = requestid.RequestIdMiddleware(answer_with_current_id)
    response = middleware(RequestFactory().get("/"))
    given = response[requestid.HEADER]
    assert len(given) == 32
    assert response.content.decode() == given
    # Outside a request there is none.
    assert requestid.current() == ""


def test_the_proxys_request_id_is_kept_and_a_malformed_one_replaced():
    middleware = requestid.RequestIdMiddleware(answer_with_current_id)
    kept = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="3f2a9c0d4e5b6a7c"))
    assert kept[requestid.HEADER] == "3f2a9c0d4e5b6a7c"
    replaced = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="<script>\n"))
    assert replaced[requestid.HEADER] != "<script>\n"
    assert len(replaced[requestid.HEADER]) == 32


def test_a_task_queued_during_a_request_logs_under_the_requests_id():
    ids = []
    middleware = requestid.RequestIdMiddleware(lambda request: HttpResponse())

    def queue(request):
        headers = {}
        requestid._send_request_id(headers=headers)
        ids.append(headers["request_id"])
        return HttpResponse()

    middleware.get_response = queue
    response = middleware(RequestFactory().get("/"))
    assert ids == [response[requestid.HEADER]]
    # The worker takes it from the message and drops it after the task.
    task = SimpleNamespace(request=SimpleNamespace(request_id=ids[0]))
    requestid._take_request_id(task=task)
    assert requestid.current() == ids[0]
    requestid._drop_request_id()
    assert requestid.current() == ""


@override_settings(LOG_FORMAT="json")
def test_production_log_lines_are_json_with_time_level_logger_and_request_id():
    record = logging.LogRecord(
        "complaints", logging.WARNING, __file__, 1, "late: %s", ("NA-1",), None
    )
    requestid.RequestIdFilter().filter(record)
    line = json.loads(requestid.formatter().format(record))
    assert line["level"] == "WARNING"
    assert line["logger"] == "complaints"
    assert line["message"] == "late: NA-1"
    assert line["request_id"] == ""
    assert "T" in line["time"]


def test_worker_log_handlers_get_the_portals_format_and_request_id():
    logger = logging.Logger("celery-test")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    requestid._worker_log_lines(logger=logger)
    assert any(isinstance(f, requestid.RequestIdFilter) for f in handler.filters)


def test_error_reports_carry_no_personal_data():
    init_sentry("https://public@127.0.0.1:1/1", environment="test")
    try:
        options = sentry_sdk.get_client().options
        assert options["data_collection"]["user_info"] is False
        assert options["data_collection"]["http_bodies"] == []
        event = {
            "request": {"data": {"contact_phone": "13912345678", "product": "四件套"}},
            "extra": {"contact_email": "wang@example.com"},
        }
        event = options["before_send"](event, {})
        assert "13912345678" not in str(event["request"]["data"]["contact_phone"])
        assert event["request"]["data"]["product"] == "四件套"
        assert "wang@example.com" not in str(event["extra"]["contact_email"])
    finally:
        sentry_sdk.init()


@pytest.mark.django_db
def test_metrics_count_requests_and_read_the_outbox(client):
    OutboxEmail.objects.create(
        key="test-1",
        to=["firm@example.cn"],
        subject="s",
        body="b",
        created_at=timezone.now() - timedelta(hours=2),
    )
    client.get("/")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'coop_portal_http_requests_total{method="GET",status="200"}' in text
    assert "coop_portal_outbox_pending 1.0" in text
    oldest = next(
        line for line in text.splitlines() if line.startswith("coop_portal_outbox_oldest")
    )
    assert float(oldest.split()[-1]) >= 2 * 3600


@pytest.mark.django_db
def test_metrics_are_a_404_through_the_proxy_or_from_outside_the_monitoring_network(
    client, settings
):
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    settings.METRICS_ALLOWED_NETWORKS = ["10.89.0.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="10.89.0.17").status_code == 200
    assert client.get("/metrics").status_code == 404
    # Prometheus asks with the container's name or address as the host, over plain HTTP.
    settings.ALLOWED_HOSTS = ["coop.example.cn"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/metrics", REMOTE_ADDR="10.89.0.17", HTTP_HOST="web:8000").status_code == 200


def test_task_outcomes_are_counted():
    task = SimpleNamespace(name="coop_portal.tasks.send_outbox_email")
    before = metrics.TASKS.labels(task.name, "succeeded")._value.get()
    metrics._count_run(task=task, state="SUCCESS")
    metrics._count_failure(sender=task)
    assert metrics.TASKS.labels(task.name, "succeeded")._value.get() == before + 1
    assert metrics.TASKS.labels(task.name, "failed")._value.get() >= 1
