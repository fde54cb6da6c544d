"""One id per request, in every log line the request writes and in the tasks it queues.

The proxy gives each request an ``X-Request-ID`` (deploy/proxy/nginx.conf), which the portal
keeps when it looks like one and makes up otherwise; the response carries it back, so a user's
report of a failed page can be found in the logs. Celery tasks queued while the request runs
carry it in their message headers and log under it too.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    task_postrun,
    task_prerun,
)
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")
_current: ContextVar[str] = ContextVar("request_id", default="")


def current() -> str:
    """The id of the request or task this code runs for, or ``""`` outside both."""
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if _WELL_FORMED.fullmatch(given) else uuid.uuid4().hex
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record (LOGGING in settings.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current()
        return True


def formatter() -> logging.Formatter:
    """The portal's log line: JSON (time, level, logger, message, request id) or plain text,
    as settings.LOG_FORMAT says; the web processes and the Celery workers use the same."""
    if settings.LOG_FORMAT == "json":
        return JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            datefmt="%Y-%m-%dT%H:%M:%S%z",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


@after_setup_logger.connect
@after_setup_task_logger.connect
def _worker_log_lines(logger: logging.Logger | None = None, **kwargs: Any) -> None:
    """Celery sets up its workers' logging itself (with --loglevel); its lines get the same
    format and request id as the web's."""
    for handler in logger.handlers if logger is not None else []:
        handler.setFormatter(formatter())
        handler.addFilter(RequestIdFilter())


@before_task_publish.connect
def _send_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None and current():
        headers.setdefault("request_id", current())


@task_prerun.connect
def _take_request_id(task: Any = None, **kwargs: Any) -> None:
    request_id = getattr(task.request, "request_id", None) if task is not None else None
    _current.set(request_id or "")


@task_postrun.connect
def _drop_request_id(**kwargs: Any) -> None:
    _current.set("")
