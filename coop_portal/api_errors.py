"""Errors of the open data API and the lab API are JSON, whatever went wrong.

DRF turns its own exceptions (a bad parameter, a missing token, a throttle) into JSON; anything
else — a database or cache that failed, a bug — would reach Django's HTML error page, which a
lab's system or a reuser's script cannot read. Outside DEBUG it becomes a 500 with a JSON body
instead, and is logged with its traceback (and so reaches Sentry, whose logging integration
sends errors). With DEBUG on it is raised, for the developer's traceback page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


def json_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's answer to ``exc``, or a JSON 500 for an exception DRF does not know."""
    response = exception_handler(exc, context)
    if response is not None or settings.DEBUG:
        return response
    view = context.get("view")
    logger.error(
        "Unexpected error in the API (%s).",
        type(view).__name__,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return Response(
        {"detail": _("Something went wrong on our side. Please try again in a few minutes.")},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
