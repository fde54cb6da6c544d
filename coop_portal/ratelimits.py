"""Per-address limits on the public forms, counted in the cache (django-ratelimit)."""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)


def seconds_to_wait(request: HttpRequest, group: str, rate: str) -> int | None:
    """Count this POST of the address; when it went over the rate, the seconds until it may
    post again, else None.

    With the cache (Redis) down the request goes through: better an extra complaint or
    application than one lost.
    """
    try:
        usage = get_usage(request, group=group, key="ip", rate=rate, method="POST", increment=True)
    except Exception:
        logger.warning("Rate limit cache unreachable; %s allowed.", group, exc_info=True)
        return None
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)
