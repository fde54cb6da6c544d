"""Prometheus metrics, for the monitoring network only.

Each web process counts its requests and their latency, each worker process its task runs and
failures; with PROMETHEUS_MULTIPROC_DIR set (the image sets it) the processes of one container
share their counts through files there, as prometheus_client's multiprocess mode wants. The web
container serves them at /metrics, with what the database says about the queues that matter
to users: e-mail waiting in the outbox and the age of the oldest, e-mail that failed. A worker
container serves its task counts on METRICS_PORT when that is set.

/metrics answers only addresses in METRICS_ALLOWED_NETWORKS (default: this machine) and only
requests that did not come through the proxy (which adds X-Forwarded-For); everyone else gets
the same 404 as for a page that does not exist.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import time
from collections.abc import Callable, Iterator
from typing import Any

from celery.signals import (
    task_failure,
    task_postrun,
    task_retry,
    worker_init,
    worker_process_shutdown,
)
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "coop_portal_http_requests_total",
    "HTTP requests answered, by method and status.",
    ["method", "status"],
)
LATENCY = Histogram(
    "coop_portal_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method"],
    buckets=(0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30),
)
TASKS = Counter(
    "coop_portal_celery_tasks_total", "Celery task runs, by task and outcome.", ["task", "outcome"]
)


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def start_counting_afresh() -> None:
    """Empty the multiprocess directory when a container's main process starts (gunicorn's
    master, the Celery worker's parent): counts of processes from before a restart are gone."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def forget_process(pid: int) -> None:
    """A process that ended: its gauges go, its counts stay in the sums."""
    if _multiprocess():
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def process_registry() -> CollectorRegistry:
    """What this container's processes counted."""
    if not _multiprocess():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class OutboxCollector(Collector):
    """The outbox as the database has it, read at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from coop_portal.models import OutboxEmail

        pending = OutboxEmail.objects.pending()
        oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
        yield GaugeMetricFamily(
            "coop_portal_outbox_pending", "E-mails not sent yet.", value=pending.count()
        )
        yield GaugeMetricFamily(
            "coop_portal_outbox_failed",
            "E-mails not sent yet whose last attempt failed.",
            value=pending.exclude(last_error="").count(),
        )
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "coop_portal_outbox_oldest_pending_seconds",
            "Age of the oldest e-mail not sent yet (0 when none waits).",
            value=age,
        )


_database = CollectorRegistry(auto_describe=False)
_database.register(OutboxCollector())


def register(collector: Collector) -> None:
    """Add what an app reads from its own tables at each scrape (pledges: stalled runs)."""
    _database.register(collector)


def _allowed(request: HttpRequest) -> bool:
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS
    )


def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        # Plain: answered before the host check, this must not render a page.
        return HttpResponseNotFound()
    body = generate_latest(process_registry()) + generate_latest(_database)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts every answer and times it (the probes included: they are requests too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        begun = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in _METHODS else "other"
        LATENCY.labels(method).observe(time.perf_counter() - begun)
        REQUESTS.labels(method, str(response.status_code)).inc()
        return response


# Any other method is one label, so that made-up methods cannot grow the label set.
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


@task_postrun.connect
def _count_run(task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    if task is not None and state == "SUCCESS":
        TASKS.labels(task.name, "succeeded").inc()


@task_failure.connect
def _count_failure(sender: Any = None, **kwargs: Any) -> None:
    TASKS.labels(getattr(sender, "name", "unknown"), "failed").inc()


@task_retry.connect
def _count_retry(sender: Any = None, **kwargs: Any) -> None:
    TASKS.labels(getattr(sender, "name", "unknown"), "retried").inc()


@worker_init.connect
def _serve_worker_metrics(**kwargs: Any) -> None:
    start_counting_afresh()
    port = os.environ.get("METRICS_PORT")
    if port:
        start_http_server(int(port), registry=process_registry())


@worker_process_shutdown.connect
def _forget_worker_process(pid: int | None = None, **kwargs: Any) -> None:
    if pid is not None:
        forget_process(pid)
